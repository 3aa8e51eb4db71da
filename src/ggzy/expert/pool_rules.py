"""Pure rules of the expert pool (评标专家库): the import columns and the checks on one expert's data.

One set of checks serves the spreadsheet import, the staff edit form and the JSON API, so a value refused by one
is refused by all with the same code. Checks raise the named errors of expert.errors; `Checker` collects them per
field so a whole row (or form) is reported at once. No I/O here: `today` is the caller's clock date.

Rules: ../shared/DOMAIN.md "Expert committee" — qualification needs years in the field and a senior title
(Evaluation Rules Art.11), avoidance needs employers, past employers, relatives and interests (Evaluation Rules
Art.12; GP Regs Art.9), a running penalty keeps an expert out of the draw (Evaluation Rules Art.12).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final, TypeVar

from ggzy.expert.errors import (
    CreditCodeInvalid,
    DateInFuture,
    DateInvalid,
    DateOrder,
    DeclarationKindInvalid,
    DuplicateColumn,
    EntryInvalid,
    IdNumberDuplicate,
    IdNumberInvalid,
    MissingColumn,
    PhoneInvalid,
    RegionInvalid,
    SpecialtyInvalid,
    UnavailabilityInvalid,
    UnavailabilityPast,
    UnknownColumn,
    ValueRequired,
    ValueTooLong,
    YearsInvalid,
    YesNoInvalid,
)
from ggzy.expert.models import DeclarationKind
from ggzy.expert.schemas import ExpertUpdateIn
from ggzy.kit.errors import DomainError
from ggzy.kit.idcard import PROVINCE_CODES, IdCard, IdNumberError, parse_id_number
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.rules import is_valid_credit_code, normalise_credit_code

T = TypeVar("T")

# ---------------------------------------------------------------- columns of the import file


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    """English key, also accepted as the header."""
    zh: str
    """The Chinese header staff write (the documented one)."""
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: Final = (
    Column("name", "姓名", True),
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码")),
    Column("phone", "手机", True, ("手机号", "手机号码")),
    Column("employer", "工作单位", True),
    Column("employer_credit_code", "单位信用代码", False, ("统一社会信用代码",)),
    Column("title", "职称", True),
    Column("senior_title", "高级职称", False, ("高级职称(是/否)",)),
    Column("years_in_field", "从业年限", True),
    Column("specialties", "专业", True),
    Column("region", "地区", True, ("地区代码",)),
    Column("employments", "工作经历", False),
    Column("penalties", "处罚", False),
    Column("declarations", "申报", False),
)
COLUMN_BY_KEY: Final = {c.key: c for c in COLUMNS}


def normalise_header(text: object) -> str:
    """Headers as typed in Excel: stray BOM, spaces, full-width brackets and slashes, any case."""
    value = "" if text is None else str(text)
    value = value.replace("\ufeff", "").translate(str.maketrans("（）／", "()/"))
    return re.sub(r"\s+", "", value).lower()


_HEADER_LOOKUP: Final = {
    normalise_header(name): c.key for c in COLUMNS for name in (c.key, c.zh, *c.aliases)
}


def map_header(cells: Sequence[object]) -> tuple[list[str | None], list[FieldError]]:
    """The column key of each header cell (None for blank cells) and the header's problems (row 1)."""
    keys: list[str | None] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for cell in cells:
        text = "" if cell is None else str(cell).strip()
        if not text:
            keys.append(None)
            continue
        key = _HEADER_LOOKUP.get(normalise_header(text))
        if key is None:
            errors.append(FieldError.of(UnknownColumn(), field=text[:64], row=1, column=text[:64]))
            keys.append(None)
        elif key in seen:
            errors.append(FieldError.of(DuplicateColumn(), field=key, row=1, column=text[:64]))
            keys.append(None)
        else:
            seen.add(key)
            keys.append(key)
    for col in COLUMNS:
        if col.required and col.key not in seen:
            errors.append(FieldError.of(MissingColumn(), field=col.key, row=1, column=col.zh))
    return keys, errors


# ---------------------------------------------------------------- errors per field


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one value: where (row as the spreadsheet shows it, header = 1), which field, why."""

    field: str
    code: str
    message_zh: str
    message_en: str
    row: int | None = None
    column: str = ""
    """The header as the file names the column (Chinese by default)."""
    entry: int | None = None
    """1-based position inside a multi-entry cell (工作经历, 处罚, 申报) or list."""

    @classmethod
    def of(cls, exc: DomainError, *, field: str, row: int | None = None, column: str = "",
           entry: int | None = None) -> FieldError:
        zh, en = exc.message_zh, exc.message_en
        if entry is not None:
            zh, en = f"第{entry}条：{zh}", f"entry {entry}: {en}"
        return cls(field=field, code=exc.code, message_zh=zh, message_en=en, row=row, column=column, entry=entry)

    def error(self) -> DomainError:
        """Back to a raisable error (single-record paths raise the first problem)."""
        return DomainError(self.code, self.message_zh, self.message_en, status=422,
                           detail={"field": self.field, **({"entry": self.entry} if self.entry else {})})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "field": self.field, "column": self.column, "code": self.code,
                               "message": self.message_zh, "message_en": self.message_en}
        if self.entry is not None:
            out["entry"] = self.entry
        return out


class Checker:
    """Runs checks and keeps their errors, so every bad field of a record is reported, not only the first."""

    def __init__(self, *, row: int | None = None, columns: Mapping[str, str] | None = None) -> None:
        self.row = row
        self.columns = columns or {}
        self.errors: list[FieldError] = []

    def run(self, field: str, check: Callable[[], T], *, entry: int | None = None) -> T | None:
        try:
            return check()
        except DomainError as exc:
            column = self.columns.get(field, COLUMN_BY_KEY[field].zh if field in COLUMN_BY_KEY else "")
            self.errors.append(FieldError.of(exc, field=field, row=self.row, column=column, entry=entry))
            return None


# ---------------------------------------------------------------- single values


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: numbers without a trailing .0, dates as YYYY-MM-DD, blanks as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def check_text(value: object, *, max_len: int, required: bool = True) -> str:
    text = cell_text(value)
    if required and not text:
        raise ValueRequired()
    if len(text) > max_len:
        raise ValueTooLong(detail={"max": max_len})
    return text


_REASON_TEXT: Final = {
    "format": ("应为17位数字加1位数字或X", "17 digits followed by a digit or X"),
    "region": ("前两位不是有效的省级行政区划代码", "the first two digits are not a province-level region code"),
    "birth_date": ("出生日期无效（须为1900年以后、不晚于今天的真实日期）",
                   "the birth date is not a real date between 1900 and today"),
    "check_digit": ("校验位不正确", "the check character is wrong"),
}


def check_id_number(value: object, *, today: date) -> IdCard:
    """GB 11643 ID number (kit.idcard); a numeric spreadsheet cell has already lost digits, so it is refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise IdNumberInvalid(
            message_zh="身份证号码被保存为数字，末几位已丢失：请将该列设为文本后重新填写",
            message_en="The ID number was stored as a number and lost digits: format the column as text",
            detail={"reason": "format"},
        )
    text = cell_text(value)
    if not text:
        raise ValueRequired()
    try:
        return parse_id_number(text, today=today)
    except IdNumberError as exc:
        zh, en = _REASON_TEXT[exc.reason]
        raise IdNumberInvalid(message_zh=f"身份证号码{zh}", message_en=f"The ID number is invalid: {en}",
                              detail={"reason": exc.reason}) from None


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def check_phone(value: object) -> str:
    """An 11-digit mainland mobile number; spaces, dashes and a +86 prefix are tolerated and dropped."""
    text = re.sub(r"[\s\-]", "", cell_text(value))
    if not text:
        raise ValueRequired()
    if text.startswith("+86"):
        text = text[3:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not _MOBILE.match(text):
        raise PhoneInvalid()
    return text


@lru_cache(maxsize=65_536)
def _credit_code_ok(code: str) -> bool:
    """Cached: an import repeats the same employers' codes on thousands of rows."""
    return is_valid_credit_code(code)


def check_credit_code(value: object) -> str:
    """统一社会信用代码 (GB 32100 check character) when given; '' when blank."""
    text = normalise_credit_code(cell_text(value))
    if text and not _credit_code_ok(text):
        raise CreditCodeInvalid()
    return text


SPECIALTY_RE: Final = re.compile(r"^[A-Z][0-9]{2,15}$")
"""评标专业 code: a capital letter and two or more digits; each further pair of digits is one level down."""
_ENTRY_SPLIT: Final = re.compile(r"[;；\r\n]+")
_PART_SPLIT: Final = re.compile(r"[|｜]")


def check_specialties(value: object) -> tuple[str, ...]:
    """One or more specialty codes, from a cell ('A08;A0801') or a list; upper-cased, duplicates dropped."""
    items = [str(v) for v in value] if isinstance(value, list | tuple) else _ENTRY_SPLIT.split(cell_text(value))
    codes: list[str] = []
    for item in items:
        code = re.sub(r"\s+", "", item).upper()
        if not code:
            continue
        if not SPECIALTY_RE.match(code):
            raise SpecialtyInvalid(detail={"code": code[:20]})
        if code not in codes:
            codes.append(code)
    if not codes:
        raise SpecialtyInvalid()
    return tuple(codes)


def check_region(value: object) -> str:
    """6-digit 行政区划代码 whose first two digits name a province-level division."""
    text = cell_text(value)
    if not re.fullmatch(r"[0-9]{6}", text) or int(text[:2]) not in PROVINCE_CODES:
        raise RegionInvalid(detail={"region": text[:20]})
    return text


MIN_WORKING_AGE: Final = 16


def check_years(value: object, *, card: IdCard | None, today: date) -> int:
    """从业年限: a whole number of years, no more than the expert's age minus 16."""
    if isinstance(value, int) and not isinstance(value, bool):
        years = value
    else:
        text = cell_text(value)
        if not text:
            raise ValueRequired()
        if not re.fullmatch(r"[0-9]{1,3}", text):
            raise YearsInvalid()
        years = int(text)
    limit = card.age_on(today) - MIN_WORKING_AGE if card is not None else 70
    if years < 0 or years > max(limit, 0):
        raise YearsInvalid(detail={"max": max(limit, 0)})
    return years


_YES: Final = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", ""})


def check_yes_no(value: object) -> bool:
    """是 / 否 (yes / no, true / false, 1 / 0); blank is 否."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise YesNoInvalid()


_DATE_RE: Final = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$")


def check_date(value: object, *, today: date | None = None, required: bool = True) -> date | None:
    """YYYY-MM-DD (or with / or .); `today` given: the date may not be later than it."""
    if isinstance(value, datetime):
        day: date | None = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = cell_text(value)
        if not text:
            if required:
                raise ValueRequired()
            return None
        found = _DATE_RE.match(text)
        try:
            day = date(int(found[1]), int(found[2]), int(found[3])) if found else None
        except ValueError:
            day = None
        if day is None or day.year < 1900:
            raise DateInvalid(detail={"value": text[:20]})
    if today is not None and day is not None and day > today:
        raise DateInFuture(detail={"value": day.isoformat()})
    return day


# ---------------------------------------------------------------- multi-entry values


@dataclass(frozen=True, slots=True)
class EmploymentEntry:
    org_name: str
    org_credit_code: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class PenaltyEntry:
    decided_on: date
    until: date | None
    authority: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeclarationEntry:
    kind: DeclarationKind
    org_name: str
    org_credit_code: str
    detail: str


ORG_NAME_MAX: Final = 200
LONG_TEXT_MAX: Final = 2000

EMPLOYMENT_FORMAT: Final = ("单位|信用代码|开始|结束", "employer|credit code|start|end")
PENALTY_FORMAT: Final = ("日期|至|机关|原因", "date|until|authority|reason")
DECLARATION_FORMAT: Final = ("relative|单位|信用代码|说明", "relative|organisation|credit code|detail")


def check_employment(parts: Sequence[object], *, today: date) -> EmploymentEntry:
    """单位|信用代码|开始|结束 — the end blank while still employed there."""
    if not 3 <= len(parts) <= 4:
        raise _entry_shape(EMPLOYMENT_FORMAT)
    org = check_text(parts[0], max_len=ORG_NAME_MAX)
    code = check_credit_code(parts[1])
    start = check_date(parts[2], today=today)
    end = check_date(parts[3], required=False) if len(parts) == 4 else None
    assert start is not None  # required
    if end is not None and end < start:
        raise DateOrder()
    return EmploymentEntry(org, code, start, end)


def check_penalty(parts: Sequence[object], *, today: date) -> PenaltyEntry:
    """日期|至|机关|原因 — `至` blank for a permanent penalty (取消资格)."""
    if len(parts) != 4:
        raise _entry_shape(PENALTY_FORMAT)
    decided = check_date(parts[0], today=today)
    until = check_date(parts[1], required=False)
    assert decided is not None
    if until is not None and until < decided:
        raise DateOrder()
    authority = check_text(parts[2], max_len=ORG_NAME_MAX, required=False)
    reason = check_text(parts[3], max_len=LONG_TEXT_MAX)
    return PenaltyEntry(decided, until, authority, reason)


_KINDS: Final = {
    "relative": DeclarationKind.relative, "近亲属": DeclarationKind.relative, "亲属": DeclarationKind.relative,
    "interest": DeclarationKind.interest, "利害关系": DeclarationKind.interest,
}


def check_declaration(parts: Sequence[object]) -> DeclarationEntry:
    """relative|单位|信用代码|说明 or interest|单位|信用代码|说明 (说明 may be left out)."""
    if not 3 <= len(parts) <= 4:
        raise _entry_shape(DECLARATION_FORMAT)
    kind = _KINDS.get(cell_text(parts[0]).lower())
    if kind is None:
        raise DeclarationKindInvalid()
    org = check_text(parts[1], max_len=ORG_NAME_MAX)
    code = check_credit_code(parts[2])
    detail = check_text(parts[3], max_len=LONG_TEXT_MAX, required=False) if len(parts) == 4 else ""
    return DeclarationEntry(kind, org, code, detail)


def _entry_shape(fmt: tuple[str, str]) -> EntryInvalid:
    return EntryInvalid(message_zh=f"条目格式应为 {fmt[0]}，多条之间用分号分隔",
                        message_en=f"Write each entry as {fmt[1]}, entries separated by semicolons")


def split_entries(value: object) -> list[list[str]]:
    """A multi-entry cell: entries separated by ; ； or line breaks, parts by | or ｜ (each part stripped)."""
    return [[p.strip() for p in _PART_SPLIT.split(entry)]
            for entry in _ENTRY_SPLIT.split(cell_text(value)) if entry.strip()]


MAX_UNAVAILABLE: Final = timedelta(days=366)


def check_unavailability(start: datetime, end: datetime, *, now: datetime) -> None:
    """A period the expert cannot evaluate: aware times, end after start, at most a year, starting today or later.

    "Today" is the Beijing calendar day, so a period entered as today's date (from 00:00) is accepted.
    """
    if start.tzinfo is None or end.tzinfo is None or end <= start or end - start > MAX_UNAVAILABLE:
        raise UnavailabilityInvalid()
    today_start = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI).astimezone(UTC)
    if start < today_start:
        raise UnavailabilityPast()


# ---------------------------------------------------------------- one expert


@dataclass(frozen=True, slots=True)
class ExpertRecord:
    """One expert's checked data, ready to write."""

    card: IdCard
    name: str
    phone: str
    employer: str
    employer_credit_code: str
    title: str
    senior_title: bool
    years_in_field: int
    region: str
    specialties: tuple[str, ...]
    employments: tuple[EmploymentEntry, ...] = ()
    penalties: tuple[PenaltyEntry, ...] = ()
    declarations: tuple[DeclarationEntry, ...] = field(default=())

    @property
    def id_number(self) -> str:
        return self.card.number


def build_record(
    values: Mapping[str, object], *, today: date, checker: Checker,
    employments: Iterable[Sequence[object]] = (), penalties: Iterable[Sequence[object]] = (),
    declarations: Iterable[Sequence[object]] = (),
) -> ExpertRecord | None:
    """Check every field; None (with the problems in `checker.errors`) unless all are right."""
    c = checker
    name = c.run("name", lambda: check_text(values.get("name"), max_len=64))
    card = c.run("id_number", lambda: check_id_number(values.get("id_number"), today=today))
    phone = c.run("phone", lambda: check_phone(values.get("phone")))
    employer = c.run("employer", lambda: check_text(values.get("employer"), max_len=ORG_NAME_MAX))
    code = c.run("employer_credit_code", lambda: check_credit_code(values.get("employer_credit_code")))
    title = c.run("title", lambda: check_text(values.get("title"), max_len=64))
    senior = c.run("senior_title", lambda: check_yes_no(values.get("senior_title")))
    years = c.run("years_in_field", lambda: check_years(values.get("years_in_field"), card=card, today=today))
    region = c.run("region", lambda: check_region(values.get("region")))
    specialties = c.run("specialties", lambda: check_specialties(values.get("specialties")))
    jobs = _entries(c, "employments", employments, lambda p: check_employment(p, today=today))
    pens = _entries(c, "penalties", penalties, lambda p: check_penalty(p, today=today))
    decs = _entries(c, "declarations", declarations, check_declaration)
    if c.errors:
        return None
    assert name is not None and card is not None and phone is not None and employer is not None
    assert code is not None and title is not None and senior is not None and years is not None
    assert region is not None and specialties is not None
    return ExpertRecord(card=card, name=name, phone=phone, employer=employer, employer_credit_code=code,
                        title=title, senior_title=senior, years_in_field=years, region=region,
                        specialties=specialties, employments=jobs, penalties=pens, declarations=decs)


def _entries(c: Checker, field_name: str, items: Iterable[Sequence[object]],
             check: Callable[[Sequence[object]], T]) -> tuple[T, ...]:
    out: list[T] = []
    for n, parts in enumerate(items, start=1):
        entry = c.run(field_name, lambda parts=parts: check(parts), entry=n)  # type: ignore[misc]
        if entry is not None and entry not in out:
            out.append(entry)
    return tuple(out)


def record_from_cells(cells: Mapping[str, object], *, today: date, checker: Checker) -> ExpertRecord | None:
    """An import row (column key → cell) or the edit form, where multi-entry fields are text like the file."""
    return build_record(
        cells, today=today, checker=checker,
        employments=split_entries(cells.get("employments")),
        penalties=split_entries(cells.get("penalties")),
        declarations=split_entries(cells.get("declarations")),
    )


def raise_first(checker: Checker) -> None:
    """Single-record paths (edit form, API): raise the first problem, listing all of them in its detail."""
    if checker.errors:
        first = checker.errors[0]
        exc = first.error()
        exc.detail["errors"] = [e.to_dict() for e in checker.errors]
        raise exc


def record_from_update(data: ExpertUpdateIn, *, today: date) -> ExpertRecord:
    """The JSON edit of an expert, through the same checks as an import row."""
    checker = Checker()
    values = data.model_dump(exclude={"employments", "penalties", "note"})
    rec = build_record(
        values, today=today, checker=checker,
        employments=[(e.org_name, e.org_credit_code, e.start, e.end) for e in data.employments],
        penalties=[(p.decided_on, p.until, p.authority, p.reason) for p in data.penalties],
    )
    raise_first(checker)
    assert rec is not None
    return rec


MAX_REPORTED_ERRORS: Final = 1000
"""A 20,000-row file with a systematic mistake would otherwise send 20,000+ errors back."""


@dataclass(slots=True)
class RowsChecked:
    records: list[tuple[int, ExpertRecord]]
    errors: list[FieldError]


def check_rows(
    keys: Sequence[str | None], rows: Iterable[tuple[int, Sequence[object]]], *, today: date,
    headers: Sequence[object] = (),
) -> RowsChecked:
    """Check every data row of an import; an ID number seen twice is an error on its second row."""
    columns = {k: cell_text(h) for k, h in zip(keys, headers, strict=False) if k is not None}
    out = RowsChecked([], [])
    first_row: dict[str, int] = {}
    for row_no, cells in rows:
        values = {k: v for k, v in zip(keys, cells, strict=False) if k is not None}
        checker = Checker(row=row_no, columns=columns)
        record = record_from_cells(values, today=today, checker=checker)
        if record is not None:
            seen = first_row.setdefault(record.id_number, row_no)
            if seen != row_no:
                checker.run("id_number", lambda seen=seen: _raise(IdNumberDuplicate(  # type: ignore[misc]
                    message_zh=f"该身份证号码与第{seen}行重复", message_en=f"Same ID number as row {seen}",
                    detail={"first_row": seen})))
                record = None
        out.errors.extend(checker.errors)
        if record is not None:
            out.records.append((row_no, record))
    return out


def _raise(exc: DomainError) -> None:
    raise exc
