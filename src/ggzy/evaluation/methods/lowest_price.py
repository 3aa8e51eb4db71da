"""Lowest (evaluated) price: 经评审的最低投标价法 (construction, Evaluation Rules Art.30-33) and 最低评标价法
(procurement, MOF 87 Art.54/56).

Among the valid bids the lowest evaluated price ranks first (`BidInput.price`: the words where words and figures
differ, Evaluation Rules Art.19, plus any correction the committee recorded). There is no price score and no
total. Ties on price: where the plan scores technical/commercial criteria (a tie-break the tender documents
chose), the higher sum of the committee's scores goes first; then the committee's recorded order; then entry-id
order flagged `tie` (并列, MOF 87 Art.56) — see ranking.py.

Rounding: the committee scores, when the plan has criteria, are member means rounded half-up to 0.01.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ggzy.evaluation.methods.base import BidInput, Plan, Ranked, ScoreSheet
from ggzy.evaluation.methods.errors import PlanMismatch
from ggzy.evaluation.methods.ranking import check_plan_method, committee_scores, exact, place, valid_bids

NAMES = ("lowest_price", "lowest_evaluated_price")


class LowestPrice:
    def __init__(self, name: str) -> None:
        if name not in NAMES:
            raise ValueError(name)
        self.name = name

    def rank(self, plan: Plan, bids: Sequence[BidInput], scores: ScoreSheet, *,
             coefficient: Decimal | None = None, tie_break: Sequence[str] = ()) -> list[Ranked]:
        check_plan_method(plan, NAMES, self.name)
        if any(c.kind == "price" for c in plan.criteria):
            raise PlanMismatch(detail={"method": self.name, "reason": "price criterion in a lowest-price plan"})
        valid = valid_bids(bids)
        by_id = {b.entry_id: b for b in valid}
        cs = committee_scores(plan, valid, scores)
        with exact():
            merit = {e: sum(cs[e].values(), Decimal(0)) for e in by_id}
        placed = place(list(by_id), lambda e: (by_id[e].price, -merit[e]), tie_break)
        return [Ranked(entry_id=p.entry_id, bidder_org_id=by_id[p.entry_id].bidder_org_id,
                       price=by_id[p.entry_id].price, price_score=None, criterion_scores=cs[p.entry_id],
                       total=None, rank=p.rank, tie=p.tie) for p in placed]
