"""The trading statistics as pure arithmetic over plain rows (Decimal throughout; no database here).

Counted per calendar year in Beijing time: a tender by the month its announcement was published, an auction lot by
the month of its result. Definitions (shown on the page beside each chart):
- value: the sum of the tender's lot budgets (预算 / 最高限价 basis), in yuan;
- average bidders: bidders named at the opening per opened tender (never counted before the opening, Art.21);
- savings (节约率): (budget of awarded lots − awarded price) ÷ budget of awarded lots;
- failure rate (流标率): failed tenders ÷ tenders whose bid deadline has passed;
- time to award: days from the announcement to the award notice (中标通知书);
- auction premium (溢价率): (final price − start price) ÷ start price over sold lots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from ggzy.kit.timefmt import SHANGHAI

HUNDRED: Final = Decimal(100)
TENDER_LINES: Final = ("construction", "procurement")
AUCTION_LINES: Final = ("land", "property")
BEFORE_DEADLINE: Final = frozenset({"draft", "published"})


@dataclass(frozen=True)
class TenderRow:
    id: str
    line: str
    status: str
    published_at: datetime
    budget: Decimal
    bidders: int | None
    """Bidders at the opening; None when there has been no opening."""


@dataclass(frozen=True)
class AwardRow:
    tender_id: str
    line: str
    budget: Decimal
    """The awarded lot's budget."""
    price: Decimal
    published_at: datetime
    notified_at: datetime


@dataclass(frozen=True)
class AuctionRow:
    line: str
    sold: bool
    start_price: Decimal
    final_price: Decimal | None
    result_at: datetime


@dataclass
class LineFigures:
    tenders: int = 0
    value: Decimal = Decimal(0)
    opened: int = 0
    bidders: int = 0
    closed: int = 0
    failed: int = 0
    awarded_budget: Decimal = Decimal(0)
    awarded_price: Decimal = Decimal(0)
    awards: int = 0
    award_days: Decimal = Decimal(0)
    lots_sold: int = 0
    lots_unsold: int = 0
    start_sum: Decimal = Decimal(0)
    final_sum: Decimal = Decimal(0)

    @property
    def avg_bidders(self) -> Decimal | None:
        return _ratio(Decimal(self.bidders), Decimal(self.opened), places="0.1")

    @property
    def savings_pct(self) -> Decimal | None:
        return _pct(self.awarded_budget - self.awarded_price, self.awarded_budget)

    @property
    def failure_pct(self) -> Decimal | None:
        return _pct(Decimal(self.failed), Decimal(self.closed))

    @property
    def avg_award_days(self) -> Decimal | None:
        return _ratio(self.award_days, Decimal(self.awards), places="0.1")

    @property
    def premium_pct(self) -> Decimal | None:
        return _pct(self.final_sum - self.start_sum, self.start_sum)


@dataclass
class Figures:
    year: int
    lines: dict[str, LineFigures] = field(default_factory=dict)
    """Only the lines with figures this year."""
    monthly_count: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    monthly_value: dict[tuple[str, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def line(self, code: str) -> LineFigures:
        """The figures of a line, zero when it had none."""
        return self.lines.get(code) or LineFigures()


def _ratio(num: Decimal, den: Decimal, *, places: str) -> Decimal | None:
    return None if den == 0 else (num / den).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _pct(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den == 0 else (num * HUNDRED / den).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def month_of(when: datetime) -> tuple[int, int]:
    local = when.astimezone(SHANGHAI)
    return local.year, local.month


def compute(year: int, tenders: list[TenderRow], awards: list[AwardRow], auctions: list[AuctionRow]) -> Figures:
    """Everything the statistics page shows for `year` (rows of other years are ignored)."""
    f = Figures(year)
    for t in tenders:
        y, m = month_of(t.published_at)
        if y != year:
            continue
        line = f.lines.setdefault(t.line, LineFigures())
        line.tenders += 1
        line.value += t.budget
        f.monthly_count[(t.line, m)] += 1
        f.monthly_value[(t.line, m)] += t.budget
        if t.bidders is not None:
            line.opened += 1
            line.bidders += t.bidders
        if t.status not in BEFORE_DEADLINE:
            line.closed += 1
            line.failed += t.status == "failed"
    for a in awards:
        if month_of(a.published_at)[0] != year:
            continue
        line = f.lines.setdefault(a.line, LineFigures())
        line.awards += 1
        line.awarded_budget += a.budget
        line.awarded_price += a.price
        line.award_days += Decimal((a.notified_at - a.published_at).total_seconds()) / Decimal(86400)
    for lot in auctions:
        if month_of(lot.result_at)[0] != year:
            continue
        line = f.lines.setdefault(lot.line, LineFigures())
        if lot.sold and lot.final_price is not None:
            line.lots_sold += 1
            line.start_sum += lot.start_price
            line.final_sum += lot.final_price
        else:
            line.lots_unsold += 1
    return f
