"""Builders for the pure method tests: plans, bids and committees from compact tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from ggzy.evaluation.methods.base import BidInput, Plan
from ggzy.evaluation.methods.plan import EvaluationPlanIn, check_plan

D = Decimal


def plan(method: str, line: str, criteria: Sequence[tuple[str, str, str]] | None = None, *,
         category: str | None = None, base_price: Mapping[str, object] | None = None) -> Plan:
    """criteria rows: (name, kind, max); ids are derived from the kinds (price, technical, commercial, …)."""
    data = EvaluationPlanIn.model_validate({
        "category": category,
        "criteria": None if criteria is None else [{"name": n, "kind": k, "max": m} for n, k, m in criteria],
        "base_price": base_price,
    })
    return check_plan(data, method, line)


def bids(rows: Sequence[tuple[str, str, bool]]) -> list[BidInput]:
    """(entry id, price, valid); the bidder is "o-" + the entry id."""
    return [BidInput(entry_id=e, bidder_org_id=f"o-{e}", price=D(p), valid=v) for e, p, v in rows]


def committee(cells: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """entry → criterion → one score per member (member i gets the i-th) → member → entry → criterion → score."""
    out: dict[str, dict[str, dict[str, Decimal]]] = {}
    for entry, per_criterion in cells.items():
        for criterion, scores in per_criterion.items():
            for i, s in enumerate(scores, start=1):
                out.setdefault(f"m{i}", {}).setdefault(entry, {})[criterion] = D(s)
    return out
