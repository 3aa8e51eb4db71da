"""How the room applies the methods package (evaluation.methods, pure): the plan of a tender, the automatic
rejection reasons of an opening entry, the evaluated price, and the ranking and candidates of one lot.

Everything legal about scoring and rejection lives in evaluation.methods; this module only turns rows into the
values it takes and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ggzy.evaluation.methods import METHODS
from ggzy.evaluation.methods.base import BidInput, Criterion, CriterionKind, Plan, Ranked
from ggzy.evaluation.methods.candidates import candidates
from ggzy.evaluation.methods.plan import plan_from_json
from ggzy.evaluation.methods.rejections import EntryFacts, auto_reasons, evaluated_price, may_reject_all
from ggzy.opening.models import DecryptStatus, OpeningEntry
from ggzy.tender.models import EvaluationMethod, Lot, Tender

__all__ = ["may_reject_all"]


def plan_of(tender: Tender) -> Plan:
    return plan_from_json(tender)


def scored_criteria(plan: Plan) -> list[Criterion]:
    """The criteria members score by hand (the price score is computed by the method)."""
    return [c for c in plan.criteria if c.kind != CriterionKind.price]


def reasons_for(entry: OpeningEntry, lot: Lot, line: str) -> list[dict[str, Any]]:
    """The reasons the law rejects this bid without a vote, each {code, article, zh, en}; `line` is the tender's
    trading line (the budget caps a price in procurement only)."""
    return [dict(r) for r in auto_reasons(EntryFacts.of(entry, lot, line))]


def price_of(entry: OpeningEntry) -> Decimal | None:
    """The evaluated price (words prevail over figures, Evaluation Rules Art.19); None for an unopened bid."""
    if entry.decrypt_status not in (DecryptStatus.decrypted, DecryptStatus.rescued) or entry.price is None:
        return None
    return evaluated_price(entry)


def rank_lot(tender: Tender, plan: Plan, bids: Sequence[BidInput],
             scores: Mapping[str, Mapping[str, Mapping[str, Decimal]]], coefficient: Decimal | None) -> list[Ranked]:
    method = METHODS[EvaluationMethod(tender.evaluation_method)]
    return list(method.rank(plan, bids, scores, coefficient=coefficient))


def candidates_of(ranked: Sequence[Ranked], rejected_ids: set[str]) -> list[Ranked]:
    """1-3 ranked candidates (Bidding Regs Art.53); never a rejected bid."""
    return list(candidates(list(ranked), rejected_ids, max_n=3))


def ranked_json(r: Ranked) -> dict[str, Any]:
    return {
        "entry_id": r.entry_id, "bidder_org_id": r.bidder_org_id, "price": str(r.price),
        "price_score": None if r.price_score is None else str(r.price_score),
        "criterion_scores": {k: str(v) for k, v in r.criterion_scores.items()},
        "total": None if r.total is None else str(r.total), "rank": r.rank, "tie": r.tie,
        "base_price": None if r.base_price is None else str(r.base_price),
        "deviation": None if r.deviation is None else str(r.deviation),
    }
