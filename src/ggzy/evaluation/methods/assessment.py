"""Construction methods on a base price: 综合评估法 (comprehensive assessment, Evaluation Rules Art.34-37) and
its price-only variant 平均值下浮基准价法 (`base_price_deviation`, local practice).

- Base price: base_price.py (mean of the valid prices, extremes dropped above a count, × (1 − 下浮系数), fen).
- Deviation % = (price − base) ÷ base × 100.
- Price score = full marks − |deviation %| × (deduction_above if the price is above the base, else
  deduction_below), floored at 0, where full marks = the max of the plan's one price criterion. Computed as
  full − |price − base| × 100 × deduction ÷ base (one exact division), rounded half-up to 0.01. A price equal
  to the base scores full marks.
- comprehensive_assessment adds each other criterion (member mean, rounded half-up to 0.01); the total is the
  sum of the rounded parts. base_price_deviation has the price criterion only.
- Order: higher total, then lower price, then the committee's recorded order, then entry-id order flagged
  `tie` (并列) — see ranking.py.
- `Ranked.deviation` is the signed deviation rounded to 0.01 for the report only; the score uses the exact one.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ggzy.evaluation.methods.base import BidInput, Plan, Ranked, ScoreSheet, points
from ggzy.evaluation.methods.base_price import base_price
from ggzy.evaluation.methods.errors import PlanMismatch
from ggzy.evaluation.methods.ranking import (
    check_plan_method,
    committee_scores,
    exact,
    place,
    price_criterion,
    scored_criteria,
    valid_bids,
)

NAMES = ("comprehensive_assessment", "base_price_deviation")


def price_score(price: Decimal, base: Decimal, full: Decimal, deduction_above: Decimal,
                deduction_below: Decimal) -> Decimal:
    """full − |deviation %| × the deduction for its side, floored at 0, rounded half-up to 0.01."""
    with exact():
        per_point = deduction_above if price > base else deduction_below
        lost = abs(price - base) * 100 * per_point / base
        return points(max(Decimal(0), full - lost))


class BasePriceMethod:
    def __init__(self, name: str) -> None:
        if name not in NAMES:
            raise ValueError(name)
        self.name = name

    def rank(self, plan: Plan, bids: Sequence[BidInput], scores: ScoreSheet, *,
             coefficient: Decimal | None = None, tie_break: Sequence[str] = ()) -> list[Ranked]:
        check_plan_method(plan, (self.name,), self.name)
        full = price_criterion(plan, self.name).max
        rule = plan.base_price
        if rule is None:
            raise PlanMismatch(detail={"method": self.name, "reason": "no base-price rule"})
        if self.name == "base_price_deviation" and scored_criteria(plan):
            raise PlanMismatch(detail={"method": self.name, "reason": "price-only method with other criteria"})
        valid = valid_bids(bids)
        if not valid:
            return []
        by_id = {b.entry_id: b for b in valid}
        base = base_price([(b.entry_id, b.price) for b in valid], rule, coefficient)
        cs = committee_scores(plan, valid, scores)
        with exact():
            ps = {e: price_score(b.price, base.value, full, rule.deduction_above, rule.deduction_below)
                  for e, b in by_id.items()}
            dev = {e: points((b.price - base.value) * 100 / base.value) for e, b in by_id.items()}
            total = {e: ps[e] + sum(cs[e].values(), Decimal(0)) for e in by_id}
        placed = place(list(by_id), lambda e: (-total[e], by_id[e].price), tie_break)
        return [Ranked(entry_id=p.entry_id, bidder_org_id=by_id[p.entry_id].bidder_org_id,
                       price=by_id[p.entry_id].price, price_score=ps[p.entry_id], criterion_scores=cs[p.entry_id],
                       total=total[p.entry_id], rank=p.rank, tie=p.tie, base_price=base.value,
                       deviation=dev[p.entry_id])
                for p in placed]
