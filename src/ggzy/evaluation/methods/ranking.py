"""What every method shares: exact Decimal arithmetic, the committee's score per criterion, and the ordering
with its tie rules.

Rounding (docs/evaluation.md "## Methods"): a criterion's committee score is the mean of the members' scores,
rounded half-up to 0.01; the price score is rounded half-up to 0.01; the total is the sum of those rounded
parts, so the report adds up exactly as printed. Every quotient is taken once, at the end of an exact product,
inside a 60-digit context, so a value that is exactly x.xx5 rounds up and is never an approximation of it.

Ties: each method sorts by its own keys (price; or total, then price). Bids equal on every key are ordered by
the committee's recorded tie-break order when one is given (`tie_break`, entry ids, e.g. from a vote or the
tie rule of the tender documents). Whatever is still equal is ordered by entry id — a deterministic order
that favours no one, because entry ids are random — and flagged `tie=True`: the report prints 并列 (MOF 87
Art.56/57 say such results are tied) and the committee or tenderer resolves it as the documents provide.
Ranks stay distinct (1..n) because the candidate list needs one bid per rank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from ggzy.evaluation.methods.base import POINT, BidInput, Criterion, CriterionKind, Plan, ScoreSheet, points
from ggzy.evaluation.methods.errors import (
    DuplicateBid,
    PlanMismatch,
    PriceInvalid,
    ScoreMissing,
    ScoreOutOfRange,
    UnknownCriterion,
)

EXACT = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
"""60 significant digits: prices below 10^16 yuan times weights below 10^3 never lose a digit before the one
final division, and a non-terminating quotient sits far from any rounding boundary."""


@contextmanager
def exact() -> Iterator[None]:
    with localcontext(EXACT):
        yield


def valid_bids(bids: Sequence[BidInput]) -> list[BidInput]:
    """The bids a method ranks: valid ones only, each once, each with a positive finite price."""
    seen: set[str] = set()
    out: list[BidInput] = []
    for b in bids:
        if b.entry_id in seen:
            raise DuplicateBid(detail={"entry_id": b.entry_id})
        seen.add(b.entry_id)
        if not b.valid:
            continue
        if not isinstance(b.price, Decimal) or not b.price.is_finite() or b.price <= 0:
            raise PriceInvalid(detail={"entry_id": b.entry_id, "price": str(b.price)})
        out.append(b)
    return out


def price_criterion(plan: Plan, method: str) -> Criterion:
    """The one criterion of kind price (its max is the price weight); PlanMismatch otherwise."""
    found = [c for c in plan.criteria if c.kind == CriterionKind.price]
    if len(found) != 1:
        raise PlanMismatch(detail={"method": method, "price_criteria": len(found)})
    return found[0]


def scored_criteria(plan: Plan) -> list[Criterion]:
    """The criteria members score by hand."""
    return [c for c in plan.criteria if c.kind != CriterionKind.price]


def _check_cell(value: Any, criterion: Criterion, where: dict[str, str]) -> Decimal:
    if (not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > criterion.max
            or value != value.quantize(POINT, rounding=ROUND_HALF_UP)):
        raise ScoreOutOfRange(detail={**where, "score": str(value), "max": str(criterion.max)})
    return value


def committee_scores(plan: Plan, bids: Sequence[BidInput], scores: ScoreSheet) -> dict[str, dict[str, Decimal]]:
    """entry_id → criterion_id → the mean of every member's score, rounded half-up to 0.01.

    Every member in `scores` must have scored every non-price criterion of every bid in `bids`; a missing cell
    is ScoreMissing, a cell out of [0, max] or with more than two decimals is ScoreOutOfRange, a score for a
    criterion the plan does not have (or for the price criterion) is UnknownCriterion."""
    criteria = scored_criteria(plan)
    if not criteria:
        return {b.entry_id: {} for b in bids}
    if not scores:
        raise ScoreMissing(detail={"members": 0})
    known = {c.id for c in criteria}
    wanted = {b.entry_id for b in bids}
    out: dict[str, dict[str, Decimal]] = {}
    with exact():
        for b in bids:
            per: dict[str, Decimal] = {}
            for c in criteria:
                total, n = Decimal(0), 0
                for member, sheet in scores.items():
                    cells = sheet.get(b.entry_id)
                    if cells is None or c.id not in cells:
                        raise ScoreMissing(detail={"member_id": member, "entry_id": b.entry_id, "criterion_id": c.id})
                    total += _check_cell(cells[c.id], c, {"member_id": member, "entry_id": b.entry_id,
                                                          "criterion_id": c.id})
                    n += 1
                per[c.id] = points(total / n)
            out[b.entry_id] = per
        for member, sheet in scores.items():
            for entry_id, cells in sheet.items():
                if entry_id in wanted and (extra := set(cells) - known):
                    raise UnknownCriterion(detail={"member_id": member, "entry_id": entry_id,
                                                   "criteria": sorted(extra)})
    return out


@dataclass(frozen=True)
class Placed:
    """One bid's place after the tie rules: 1-based rank and whether entry-id order decided it."""

    entry_id: str
    rank: int
    tie: bool


def place(entry_ids: Sequence[str], key: Callable[[str], tuple[Any, ...]],
          tie_break: Sequence[str] = ()) -> list[Placed]:
    """Order entries by the method's `key` (smaller first), then the committee's `tie_break` order, then entry
    id; flag `tie` on every bid whose place among equals only entry-id order decided."""
    pos = {e: i for i, e in enumerate(dict.fromkeys(tie_break))}
    far = len(pos)
    ordered = sorted(entry_ids, key=lambda e: (key(e), pos.get(e, far), e))
    unresolved: dict[tuple[Any, ...], int] = {}
    for e in ordered:
        if e not in pos:
            unresolved[key(e)] = unresolved.get(key(e), 0) + 1
    return [Placed(e, n, e not in pos and unresolved[key(e)] > 1) for n, e in enumerate(ordered, start=1)]


def check_plan_method(plan: Plan, names: Mapping[str, object] | Sequence[str], method: str) -> None:
    """A method ranks only plans made for it (tender.evaluation_method)."""
    if plan.method not in names:
        raise PlanMismatch(detail={"plan_method": plan.method, "method": method})
