"""Comprehensive scoring: 综合评分法 (government procurement, MOF 87 Art.55-57).

- Evaluation base price (评标基准价) = the lowest price among the valid bids; no price is dropped (dropping the
  highest and lowest is forbidden in procurement, MOF 87 Art.55).
- Price score = base ÷ price × price weight, where the price weight is the max of the plan's one price
  criterion (≥ 30 for goods, ≥ 10 for services: checked by plan.check_plan at tender creation). Computed as
  (base × weight) ÷ price in one exact division, rounded half-up to 0.01.
- Each other criterion: the mean of the members' scores, rounded half-up to 0.01.
- Total = price score + Σ criterion scores (the rounded parts, so the printed report adds up).
- Order: higher total, then lower price (MOF 87 Art.57), then the committee's recorded order, then entry-id
  order flagged `tie` (并列) — see ranking.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ggzy.evaluation.methods.base import BidInput, Plan, Ranked, ScoreSheet, points
from ggzy.evaluation.methods.ranking import (
    check_plan_method,
    committee_scores,
    exact,
    place,
    price_criterion,
    valid_bids,
)

NAMES = ("comprehensive_scoring",)


class ComprehensiveScoring:
    name = "comprehensive_scoring"

    def rank(self, plan: Plan, bids: Sequence[BidInput], scores: ScoreSheet, *,
             coefficient: Decimal | None = None, tie_break: Sequence[str] = ()) -> list[Ranked]:
        check_plan_method(plan, NAMES, self.name)
        weight = price_criterion(plan, self.name).max
        valid = valid_bids(bids)
        if not valid:
            return []
        by_id = {b.entry_id: b for b in valid}
        cs = committee_scores(plan, valid, scores)
        with exact():
            base = min(b.price for b in valid)
            price_score = {e: points(base * weight / b.price) for e, b in by_id.items()}
            total = {e: price_score[e] + sum(cs[e].values(), Decimal(0)) for e in by_id}
        placed = place(list(by_id), lambda e: (-total[e], by_id[e].price), tie_break)
        return [Ranked(entry_id=p.entry_id, bidder_org_id=by_id[p.entry_id].bidder_org_id,
                       price=by_id[p.entry_id].price, price_score=price_score[p.entry_id],
                       criterion_scores=cs[p.entry_id], total=total[p.entry_id], rank=p.rank, tie=p.tie)
                for p in placed]
