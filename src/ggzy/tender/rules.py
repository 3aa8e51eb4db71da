"""The statutory rules of tendering as ONE versioned table, and pure checks against it (no I/O).

A tender stores the version it was created under (`Tender.ruleset_version`) and is always checked
against that version, so a later change of the rules never reaches a tender already under way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from ggzy.tender.errors import LineNotTendered, UnknownRuleset
from ggzy.tender.models import EvaluationMethod
from ggzy.workdays.rules import NO_OVERRIDES, Overrides, add_working_days


@dataclass(frozen=True)
class Article:
    """Where a rule comes from, for messages a reviewer can check."""

    zh: str
    en: str


LAW_ART24 = Article("《招标投标法》第二十四条", "Tendering and Bidding Law Art.24")
REGS_ART16 = Article("《招标投标法实施条例》第十六条", "Bidding Regs Art.16")
REGS_ART21 = Article("《招标投标法实施条例》第二十一条", "Bidding Regs Art.21")
REGS_ART26 = Article("《招标投标法实施条例》第二十六条", "Bidding Regs Art.26")
MOF87_ART12 = Article("财政部87号令第十二条", "MOF 87 Art.12")
MOF87_ART16 = Article("财政部87号令第十六条", "MOF 87 Art.16")
MOF87_ART27 = Article("财政部87号令第二十七条", "MOF 87 Art.27")
GP_LAW_PERIOD = Article("财政部87号令第十六条；《政府采购法》", "MOF 87 Art.16; GP Law")
GP_REGS_ART33 = Article("《政府采购法实施条例》第三十三条", "GP Regs Art.33")


@dataclass(frozen=True)
class LineRules:
    """The rules of one trading line within one ruleset version."""

    line: TradingLine
    min_days_to_deadline: int
    """Calendar days from document issue (doc_start) to the bid deadline."""
    days_to_deadline_article: Article
    min_doc_period: int
    """Minimum time the documents are on offer, in `doc_period_unit`."""
    doc_period_unit: Literal["calendar", "working"]
    doc_period_article: Article
    correction_min_days: int
    """A change to the documents must come at least this many days before the deadline, or the deadline moves."""
    correction_article: Article
    bond_max_ratio: Decimal
    """Bid bond ≤ this share of the lot's estimated price / budget."""
    bond_article: Article
    methods: tuple[EvaluationMethod, ...]
    ceiling_within_budget: bool
    """Procurement: the ceiling price (最高限价) may not exceed the budget."""
    ceiling_article: Article | None = None


@dataclass(frozen=True)
class Ruleset:
    version: str
    lines: Mapping[TradingLine, LineRules]

    def for_line(self, line: TradingLine | str) -> LineRules:
        """The line's rules; auction lines (property, land) have none and raise tender.line_not_tendered."""
        try:
            return self.lines[TradingLine(line)]
        except (KeyError, ValueError):
            raise LineNotTendered(detail={"line": str(line)}) from None


RULESETS: dict[str, Ruleset] = {
    "2026.1": Ruleset(
        version="2026.1",
        lines=MappingProxyType({
            TradingLine.construction: LineRules(
                line=TradingLine.construction,
                min_days_to_deadline=20, days_to_deadline_article=LAW_ART24,
                min_doc_period=5, doc_period_unit="calendar", doc_period_article=REGS_ART16,
                correction_min_days=15, correction_article=REGS_ART21,
                bond_max_ratio=Decimal("0.02"), bond_article=REGS_ART26,
                methods=(
                    EvaluationMethod.lowest_evaluated_price,
                    EvaluationMethod.comprehensive_assessment,
                    EvaluationMethod.base_price_deviation,
                ),
                ceiling_within_budget=False,
            ),
            TradingLine.procurement: LineRules(
                line=TradingLine.procurement,
                min_days_to_deadline=20, days_to_deadline_article=GP_LAW_PERIOD,
                min_doc_period=5, doc_period_unit="working", doc_period_article=MOF87_ART16,
                correction_min_days=15, correction_article=MOF87_ART27,
                bond_max_ratio=Decimal("0.02"), bond_article=GP_REGS_ART33,
                methods=(EvaluationMethod.lowest_price, EvaluationMethod.comprehensive_scoring),
                ceiling_within_budget=True, ceiling_article=MOF87_ART12,
            ),
        }),
    ),
}

CURRENT_RULESET = "2026.1"
"""New tenders get this version; read it as `rules.CURRENT_RULESET` at call time (tests replace it)."""


def get_ruleset(version: str) -> Ruleset:
    """The ruleset a tender was created under."""
    try:
        return RULESETS[version]
    except KeyError:
        raise UnknownRuleset(detail={"version": version}) from None


def current_ruleset() -> Ruleset:
    return get_ruleset(CURRENT_RULESET)


@dataclass(frozen=True)
class Violation:
    """One failed rule, with its article, in Chinese and English."""

    code: str
    zh: str
    en: str
    article: Article | None = None
    field: str = ""
    """The input it concerns (`bid_deadline`, `lots.1.bond_amount`), for forms."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "zh": self.zh, "en": self.en, "field": self.field,
            "article_zh": self.article.zh if self.article else "",
            "article_en": self.article.en if self.article else "",
        }


@dataclass(frozen=True)
class Timetable:
    doc_start: datetime
    """Documents on offer from (发售开始 = issue of the documents)."""
    doc_end: datetime
    question_deadline: datetime
    bid_deadline: datetime
    """Also the opening time."""


TIMETABLE_FIELDS = ("doc_start", "doc_end", "question_deadline", "bid_deadline")


def earliest_doc_end(
    doc_start: datetime, rules: LineRules, overrides: Overrides = NO_OVERRIDES
) -> tuple[datetime, bool]:
    """When the document period may end at the earliest, and whether that is provisional.

    Calendar days: doc_start + n days. Working days: the same Beijing clock time on the n-th working day
    after doc_start's date — the strict reading, so a period can never be a few hours short.
    """
    if rules.doc_period_unit == "calendar":
        return doc_start + timedelta(days=rules.min_doc_period), False
    local = doc_start.astimezone(SHANGHAI)
    found = add_working_days(local.date(), rules.min_doc_period, overrides)
    end = datetime.combine(found.date, local.timetz())
    return end, found.provisional


def check_timetable(
    tt: Timetable,
    *,
    rules: LineRules,
    now: datetime,
    overrides: Overrides = NO_OVERRIDES,
    not_in_past: Sequence[str] = TIMETABLE_FIELDS,
) -> list[Violation]:
    """Every timetable rule that fails at `now`; `not_in_past` names the fields that must still lie ahead."""
    out: list[Violation] = []
    for name in not_in_past:
        if getattr(tt, name) < now:
            zh, en = _LABELS[name]
            out.append(Violation("tender.time_in_past", f"{zh}已过去", f"{en} is in the past", field=name))
    if not tt.doc_start < tt.doc_end:
        out.append(Violation("tender.doc_period_order", "招标文件发售截止时间须晚于开始时间",
                             "The document period must end after it starts", field="doc_end"))
    if tt.doc_end > tt.bid_deadline:
        out.append(Violation("tender.doc_end_after_deadline", "招标文件发售截止时间不得晚于投标截止时间",
                             "Documents cannot be on offer after the bid deadline", field="doc_end"))
    if not tt.doc_start < tt.question_deadline < tt.bid_deadline:
        out.append(Violation("tender.question_deadline_order", "答疑截止时间须在文件发售开始之后、投标截止时间之前",
                             "The question deadline must fall after document issue and before the bid deadline",
                             field="question_deadline"))
    if tt.bid_deadline - tt.doc_start < timedelta(days=rules.min_days_to_deadline):
        n = rules.min_days_to_deadline
        out.append(Violation(
            "tender.deadline_too_soon",
            f"自招标文件开始发出之日起至投标截止之日止，最短不得少于{n}日",
            f"At least {n} days are required from document issue to the bid deadline",
            rules.days_to_deadline_article, "bid_deadline",
        ))
    min_end, _provisional = earliest_doc_end(tt.doc_start, rules, overrides)
    if tt.doc_end < min_end:
        n = rules.min_doc_period
        unit_zh, unit_en = ("个工作日", "working days") if rules.doc_period_unit == "working" else ("日", "days")
        out.append(Violation(
            "tender.doc_period_too_short",
            f"招标文件发售期不得少于{n}{unit_zh}",
            f"Documents must be on offer for at least {n} {unit_en}",
            rules.doc_period_article, "doc_end",
        ))
    return out


_LABELS = {
    "doc_start": ("招标文件发售开始时间", "Document issue start"),
    "doc_end": ("招标文件发售截止时间", "Document issue end"),
    "question_deadline": ("答疑截止时间", "Question deadline"),
    "bid_deadline": ("投标截止时间", "Bid deadline"),
}


def check_lot(
    *,
    number: int,
    budget: Decimal,
    ceiling_price: Decimal | None,
    bond_amount: Decimal,
    rules: LineRules,
) -> list[Violation]:
    """Every amount rule a lot fails: bond ≤ 2% of budget; procurement ceiling ≤ budget."""
    out: list[Violation] = []
    where = f"lots.{number}"
    if budget <= 0:
        out.append(Violation("tender.budget_not_positive", f"标段{number}的预算（估算价）须大于零",
                             f"Lot {number}: the budget must be positive", field=f"{where}.budget"))
    if bond_amount < 0:
        out.append(Violation("tender.bond_negative", f"标段{number}的投标保证金不能为负数",
                             f"Lot {number}: the bond cannot be negative", field=f"{where}.bond_amount"))
    limit = (budget * rules.bond_max_ratio).quantize(Decimal("0.01"))
    if budget > 0 and bond_amount > limit:
        pct = (rules.bond_max_ratio * 100).normalize()
        out.append(Violation(
            "tender.bond_too_high",
            f"标段{number}的投标保证金{bond_amount}元超过预算（估算价）的{pct}%（上限{limit}元）",
            f"Lot {number}: the bond {bond_amount} exceeds {pct}% of the budget (limit {limit})",
            rules.bond_article, f"{where}.bond_amount",
        ))
    if ceiling_price is not None:
        if ceiling_price <= 0:
            out.append(Violation("tender.ceiling_not_positive", f"标段{number}的最高限价须大于零",
                                 f"Lot {number}: the ceiling price must be positive", field=f"{where}.ceiling_price"))
        elif rules.ceiling_within_budget and ceiling_price > budget:
            out.append(Violation(
                "tender.ceiling_above_budget", f"标段{number}的最高限价不得超过采购预算",
                f"Lot {number}: the ceiling price may not exceed the budget",
                rules.ceiling_article, f"{where}.ceiling_price",
            ))
    return out


def check_method(method: EvaluationMethod | str, rules: LineRules) -> list[Violation]:
    """The evaluation method must be one the line allows."""
    if method in rules.methods:
        return []
    allowed = ", ".join(m.value for m in rules.methods)
    return [Violation("tender.method_not_allowed", f"该交易类型不适用此评标方法（可选：{allowed}）",
                      f"This evaluation method is not allowed for the line (allowed: {allowed})",
                      field="evaluation_method")]


def deadline_after_document_change(
    deadline: datetime, now: datetime, ruleset: Ruleset, line: TradingLine
) -> datetime | None:
    """None when a document change at `now` leaves `deadline` lawful; else the earliest lawful deadline.

    Bidding Regs Art.21; MOF 87 Art.27: a change to the documents must reach bidders at least 15 days
    before the deadline, otherwise the deadline moves.
    """
    earliest = now + timedelta(days=ruleset.for_line(line).correction_min_days)
    return None if deadline >= earliest else earliest
