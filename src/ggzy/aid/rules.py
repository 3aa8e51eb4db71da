"""Pure sums of the village-aid ledger: counts "as of" a day, money by category / partner / year, visits per
quarter. No I/O: the service loads plain facts and these functions do the arithmetic, so a hand-computed
example can check every figure the progress page, the CSV files and the PDF sheet show.

"As of" a day D means: a household counts once registered on or before D, with the status of its latest
change effective on or before D; money counts once invested on or before D; a visit once made on or before
D; a problem is solved once its solved date is on or before D. Money is Decimal throughout; shares are
percentages rounded half-up to one decimal place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Final

from ggzy.aid.models import HouseholdStatus, ProjectCategory

H = HouseholdStatus
ZERO: Final = Decimal("0.00")
EARLIEST: Final = date(2000, 1, 1)
"""No date in the ledger is earlier (建档立卡 itself began in 2014)."""

STATUS_LABELS: Final[dict[HouseholdStatus, tuple[str, str]]] = {
    H.registered: ("未脱贫", "Not yet lifted"),
    H.to_lift: ("计划当年脱贫", "To be lifted this year"),
    H.lifted: ("已脱贫", "Lifted out"),
}
STATUS_TAGS: Final[dict[HouseholdStatus, str]] = {H.registered: "red", H.to_lift: "orange", H.lifted: "green"}
CATEGORY_LABELS: Final[dict[ProjectCategory, tuple[str, str]]] = {
    ProjectCategory.road: ("道路", "Roads"),
    ProjectCategory.water: ("水利", "Water"),
    ProjectCategory.lighting: ("路灯", "Street lights"),
    ProjectCategory.clinic: ("卫生室", "Clinic"),
    ProjectCategory.industry: ("产业", "Industry"),
    ProjectCategory.housing: ("危房改造", "Housing"),
    ProjectCategory.education: ("教育", "Education"),
    ProjectCategory.other: ("其他", "Other"),
}
RELATION_LABELS: Final[dict[str, tuple[str, str]]] = {
    "head": ("户主", "Head"),
    "spouse": ("配偶", "Spouse"),
    "child": ("子女", "Child"),
    "parent": ("父母", "Parent"),
    "grandchild": ("孙子女", "Grandchild"),
    "sibling": ("兄弟姐妹", "Sibling"),
    "other": ("其他", "Other"),
}
PARTNER_KINDS: Final[dict[str, tuple[str, str]]] = {
    "government": ("机关事业单位", "Government body"),
    "enterprise": ("企业", "Enterprise"),
    "other": ("社会组织及其他", "Other"),
}


def relation_key(value: str) -> str | None:
    """The relation key for a key or its Chinese label (户主 → head), as people type either."""
    value = value.strip()
    if value in RELATION_LABELS:
        return value
    return next((k for k, (zh, en) in RELATION_LABELS.items() if value in (zh, en.lower(), en)), None)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole as a percentage, half-up to 0.1; 0.0 when the whole is zero."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def wan(amount: Decimal) -> Decimal:
    """Yuan in 万元 (ten thousands), half-up to 0.01: how aid money is reported."""
    return (amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- households


@dataclass(frozen=True, slots=True)
class HouseholdFact:
    id: str
    registered_on: date
    members: int


@dataclass(frozen=True, slots=True)
class StatusFact:
    household_id: str
    seq: int
    status: HouseholdStatus
    effective_on: date


def status_on(changes: Iterable[StatusFact], day: date) -> HouseholdStatus | None:
    """The status of one household on `day`: its latest change (by seq) effective on or before that day."""
    best: StatusFact | None = None
    for c in changes:
        if c.effective_on <= day and (best is None or c.seq > best.seq):
            best = c
    return best.status if best else None


def _by_household(changes: Iterable[StatusFact]) -> dict[str, list[StatusFact]]:
    grouped: dict[str, list[StatusFact]] = defaultdict(list)
    for c in changes:
        grouped[c.household_id].append(c)
    return grouped


@dataclass(frozen=True, slots=True)
class StatusCounts:
    """Registered poor households (and their members) on a day, by status."""

    day: date
    households: int
    members: int
    registered: int
    """Still poor and not in this year's plan."""
    to_lift: int
    lifted: int
    members_lifted: int

    @property
    def poor(self) -> int:
        """Not yet lifted (registered + to be lifted this year)."""
        return self.registered + self.to_lift

    @property
    def lifted_share(self) -> Decimal:
        return percent(self.lifted, self.households)


def status_counts(households: Sequence[HouseholdFact], changes: Iterable[StatusFact], day: date) -> StatusCounts:
    """Count households registered by `day` by their status on `day`."""
    grouped = _by_household(changes)
    tally = dict.fromkeys(HouseholdStatus, 0)
    members = members_lifted = 0
    for h in households:
        if h.registered_on > day:
            continue
        # A household is registered from its registration day even if its first row were missing.
        status = status_on(grouped.get(h.id, ()), day) or H.registered
        tally[status] += 1
        members += h.members
        if status == H.lifted:
            members_lifted += h.members
    return StatusCounts(day=day, households=sum(tally.values()), members=members, registered=tally[H.registered],
                        to_lift=tally[H.to_lift], lifted=tally[H.lifted], members_lifted=members_lifted)


@dataclass(frozen=True, slots=True)
class YearProgress:
    """One year of 脱贫 progress: figures at the year's end (or at the as-of day in its year)."""

    year: int
    registered: int
    """Households registered so far (cumulative, lifted ones included)."""
    newly_registered: int
    lifted_in_year: int
    """Changes to `lifted` that took effect in the year (a household lifted twice counts twice)."""
    fell_back_in_year: int
    """Changes from `lifted` back to `registered` (返贫) in the year."""
    lifted: int
    to_lift: int
    poor: int
    """Not lifted at the year's end."""


def progress_by_year(households: Sequence[HouseholdFact], changes: Sequence[StatusFact], as_of: date,
                     *, first_year: int | None = None) -> list[YearProgress]:
    """One row per year from the first registration (or `first_year`) to the as-of year."""
    known = [h.registered_on.year for h in households if h.registered_on <= as_of]
    start = min([*known, *([first_year] if first_year else [])], default=as_of.year)
    grouped = _by_household(changes)
    ordered = {hid: sorted(rows, key=lambda c: c.seq) for hid, rows in grouped.items()}
    out: list[YearProgress] = []
    for year in range(start, as_of.year + 1):
        end = min(date(year, 12, 31), as_of)
        counts = status_counts(households, changes, end)
        newly = sum(1 for h in households if h.registered_on.year == year and h.registered_on <= end)
        lifted_in = fell_back = 0
        for rows in ordered.values():
            for prev, cur in pairwise(rows):
                if cur.effective_on.year != year or cur.effective_on > end:
                    continue
                if cur.status == H.lifted:
                    lifted_in += 1
                elif prev.status == H.lifted and cur.status == H.registered:
                    fell_back += 1
        out.append(YearProgress(year=year, registered=counts.households, newly_registered=newly,
                                lifted_in_year=lifted_in, fell_back_in_year=fell_back, lifted=counts.lifted,
                                to_lift=counts.to_lift, poor=counts.poor))
    return out


# ---------------------------------------------------------------- money


@dataclass(frozen=True, slots=True)
class InvestmentFact:
    project_id: str
    category: ProjectCategory
    partner_id: str
    amount: Decimal
    invested_on: date


@dataclass(frozen=True, slots=True)
class Total:
    key: str
    amount: Decimal
    share: Decimal
    """Percentage of the grand total, half-up to 0.1."""


def grand_total(facts: Iterable[InvestmentFact], as_of: date) -> Decimal:
    return sum((f.amount for f in facts if f.invested_on <= as_of), ZERO)


def totals_by(facts: Sequence[InvestmentFact], key: Callable[[InvestmentFact], str], as_of: date) -> list[Total]:
    """Sum by `key` over money invested by `as_of`, largest first (ties by key)."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for f in facts:
        if f.invested_on <= as_of:
            sums[key(f)] += f.amount
    whole = sum(sums.values(), ZERO)
    rows = [Total(k, v, percent(v, whole)) for k, v in sums.items()]
    return sorted(rows, key=lambda r: (-r.amount, r.key))


def money_by_category(facts: Sequence[InvestmentFact], as_of: date) -> list[Total]:
    return totals_by(facts, lambda f: f.category.value, as_of)


def money_by_partner(facts: Sequence[InvestmentFact], as_of: date) -> list[Total]:
    return totals_by(facts, lambda f: f.partner_id, as_of)


def money_by_project(facts: Sequence[InvestmentFact], as_of: date) -> list[Total]:
    return totals_by(facts, lambda f: f.project_id, as_of)


def money_by_year(facts: Sequence[InvestmentFact], as_of: date) -> list[Total]:
    """Every year from the first investment to the as-of year, in order (years without money show 0)."""
    sums = {t.key: t for t in totals_by(facts, lambda f: str(f.invested_on.year), as_of)}
    if not sums:
        return []
    first = min(int(k) for k in sums)
    return [sums.get(str(y), Total(str(y), ZERO, Decimal("0.0"))) for y in range(first, as_of.year + 1)]


def partner_project_matrix(facts: Sequence[InvestmentFact], as_of: date) -> dict[tuple[str, str], Decimal]:
    """(partner id, project id) → amount: what each partner unit put into each project."""
    cells: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for f in facts:
        if f.invested_on <= as_of:
            cells[(f.partner_id, f.project_id)] += f.amount
    return dict(cells)


# ---------------------------------------------------------------- visits and problems


@dataclass(frozen=True, slots=True)
class ProblemFact:
    found_on: date
    solved_on: date | None


@dataclass(frozen=True, slots=True)
class VisitFact:
    visited_on: date
    households_visited: int
    problems: tuple[ProblemFact, ...] = ()


Quarter = tuple[int, int]


def quarter_of(day: date) -> Quarter:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(q: Quarter) -> date:
    year, n = q
    return date(year, 12, 31) if n == 4 else date(year, 3 * n + 1, 1) - timedelta(days=1)


def quarter_label(q: Quarter) -> str:
    return f"{q[0]}Q{q[1]}"


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out: list[Quarter] = []
    year, n = first
    while (year, n) <= last:
        out.append((year, n))
        year, n = (year + 1, 1) if n == 4 else (year, n + 1)
    return out


@dataclass(frozen=True, slots=True)
class QuarterRow:
    quarter: Quarter
    visits: int
    households_visited: int
    problems_found: int
    problems_solved: int
    """Problems whose solved date falls in this quarter (whenever they were found)."""
    open_at_end: int
    """Problems found but not solved at the quarter's end (or at the as-of day in its quarter)."""

    @property
    def label(self) -> str:
        return quarter_label(self.quarter)


def visits_by_quarter(visits: Sequence[VisitFact], as_of: date, *, since: date | None = None) -> list[QuarterRow]:
    """One row per quarter from `since` (or the first visit) to the as-of quarter, empty quarters included."""
    seen = [v for v in visits if v.visited_on <= as_of]
    starts = [v.visited_on for v in seen] + ([since] if since and since <= as_of else [])
    if not starts:
        return []
    rows: list[QuarterRow] = []
    problems = [p for v in seen for p in v.problems]
    for q in quarters_between(quarter_of(min(starts)), quarter_of(as_of)):
        in_q = [v for v in seen if quarter_of(v.visited_on) == q]
        end = min(quarter_end(q), as_of)
        found_by_end = sum(1 for p in problems if p.found_on <= end)
        solved_by_end = sum(1 for p in problems if p.solved_on is not None and p.solved_on <= end)
        rows.append(QuarterRow(
            quarter=q, visits=len(in_q), households_visited=sum(v.households_visited for v in in_q),
            problems_found=sum(len(v.problems) for v in in_q),
            problems_solved=sum(1 for p in problems if p.solved_on is not None and p.solved_on <= as_of
                                and quarter_of(p.solved_on) == q),
            open_at_end=found_by_end - solved_by_end,
        ))
    return rows


@dataclass(frozen=True, slots=True)
class ProblemTotals:
    visits: int
    households_visited: int
    found: int
    solved: int
    average_days_to_solve: Decimal | None
    """Mean of (solved − found) in days over solved problems, half-up to 0.1."""

    @property
    def open(self) -> int:
        return self.found - self.solved

    @property
    def solved_share(self) -> Decimal:
        return percent(self.solved, self.found)


def problem_totals(visits: Sequence[VisitFact], as_of: date) -> ProblemTotals:
    seen = [v for v in visits if v.visited_on <= as_of]
    problems = [p for v in seen for p in v.problems]
    solved = [p for p in problems if p.solved_on is not None and p.solved_on <= as_of]
    days = sum((p.solved_on - p.found_on).days for p in solved if p.solved_on is not None)
    average = (Decimal(days) / len(solved)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if solved else None
    return ProblemTotals(visits=len(seen), households_visited=sum(v.households_visited for v in seen),
                         found=len(problems), solved=len(solved), average_days_to_solve=average)
