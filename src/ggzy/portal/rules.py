"""Pure helpers for the portal: parse the search form and shape a notice's structured data for display.

The published notice's `data` is the snapshot that was announced, so it wins over the live tender rows;
the tender rows only fill in what an older or hand-made notice does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ggzy.kit.timefmt import as_utc
from ggzy.project.models import NoticeKind, TradingLine
from ggzy.tender.models import Lot, Tender

TIMETABLE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("doc_start", "招标文件获取开始时间", "Documents available from"),
    ("doc_end", "招标文件获取截止时间", "Documents available until"),
    ("question_deadline", "答疑截止时间", "Question deadline"),
    ("bid_deadline", "投标截止时间（开标时间）", "Bid deadline (opening time)"),
)


def parse_line(value: str | None) -> TradingLine | None:
    """A trading line from the query string; anything unknown means no filter."""
    try:
        return TradingLine(value) if value else None
    except ValueError:
        return None


def parse_kind(value: str | None) -> NoticeKind | None:
    try:
        return NoticeKind(value) if value else None
    except ValueError:
        return None


def parse_date(value: str | None) -> date | None:
    """YYYY-MM-DD (what <input type=date> sends); a malformed date is ignored, never a 500."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_page(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def clean_text(value: str | None, limit: int = 100) -> str | None:
    """Trim a free-text filter; empty means no filter and overly long input is cut, not rejected."""
    if value is None:
        return None
    value = value.strip()[:limit]
    return value or None


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        try:
            return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _as_money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool | float):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class TimetableRow:
    key: str
    label_zh: str
    label_en: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LotRow:
    number: int | None
    name: str
    budget: Decimal | None
    ceiling_price: Decimal | None
    bond_amount: Decimal | None


def timetable(data: dict[str, Any], tender: Tender | None) -> list[TimetableRow]:
    """The announced timetable: data["timetable"] (or top-level keys), then the tender's own columns."""
    nested = data.get("timetable")
    source: dict[str, Any] = nested if isinstance(nested, dict) else data
    rows: list[TimetableRow] = []
    for key, zh, en in TIMETABLE_FIELDS:
        at = _as_time(source.get(key))
        if at is None and tender is not None:
            at = getattr(tender, key)
        if at is not None:
            rows.append(TimetableRow(key, zh, en, at))
    return rows


def lot_rows(data: dict[str, Any], lots: list[Lot]) -> list[LotRow]:
    """The announced lots: data["lots"] when present, else the tender's lot rows."""
    announced = data.get("lots")
    if isinstance(announced, list) and announced:
        out: list[LotRow] = []
        for item in announced:
            if not isinstance(item, dict):
                continue
            number = item.get("number")
            out.append(
                LotRow(
                    number=number if isinstance(number, int) else None,
                    name=str(item.get("name", "")),
                    budget=_as_money(item.get("budget")),
                    ceiling_price=_as_money(item.get("ceiling_price")),
                    bond_amount=_as_money(item.get("bond_amount")),
                )
            )
        return out
    return [LotRow(lot.number, lot.name, lot.budget, lot.ceiling_price, lot.bond_amount) for lot in lots]


@dataclass(frozen=True, slots=True)
class Stage:
    """Where a tender stands on its timetable, for the workspace list."""

    key: str
    label_zh: str
    label_en: str
    tone: str
    """CSS tag colour: green (running), orange (needs attention), gray (finished)."""


TENDER_STAGES: dict[str, tuple[str, str, str]] = {
    "draft": ("草稿", "Draft", "orange"),
    "documents": ("文件获取期", "Documents on offer", "green"),
    "questions": ("答疑期", "Questions open", "green"),
    "bidding": ("投标期", "Taking bids", "green"),
    "awaiting_opening": ("待开标", "Awaiting opening", "orange"),
    "bid_closed": ("已截标", "Bids closed", "gray"),
    "failed": ("流标", "Failed", "gray"),
    "cancelled": ("已终止", "Cancelled", "gray"),
}


def tender_stage(tender: Tender, now: datetime) -> Stage:
    """Derive the stage from the stored status and the timetable (the chronograph may lag a little)."""
    status = str(tender.status)
    if status == "published":
        if tender.bid_deadline is not None and now >= tender.bid_deadline:
            key = "awaiting_opening"
        elif tender.doc_end is not None and now < tender.doc_end:
            key = "documents"
        elif tender.question_deadline is not None and now < tender.question_deadline:
            key = "questions"
        else:
            key = "bidding"
    elif status in TENDER_STAGES:
        key = status
    else:
        # A status added later by the tender domain shows as itself rather than being mislabelled.
        return Stage(status, status, status, "gray")
    zh, en, tone = TENDER_STAGES[key]
    return Stage(key, zh, en, tone)
