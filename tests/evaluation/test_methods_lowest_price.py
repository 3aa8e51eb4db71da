"""最低评标价法 (MOF 87 Art.54/56) and 经评审的最低投标价法 (Evaluation Rules Art.30-33): tables and tie rules."""

from __future__ import annotations

import pytest

from ggzy.evaluation.methods import METHODS, method_for
from ggzy.evaluation.methods.errors import PlanMismatch, UnknownMethod
from ggzy.tender.models import EvaluationMethod
from tests.evaluation.methods_helpers import bids, committee, plan

LOWEST = METHODS[EvaluationMethod.lowest_price]
EVALUATED = METHODS[EvaluationMethod.lowest_evaluated_price]

# Evaluated prices (words already preferred over figures upstream); D is rejected and lowest, so not ranked.
#   B 998,000.50 < A = C 1,000,000.00 (并列: entry-id order, flagged) < E 1,000,000.01
TABLE = [("e-a", "1000000.00", True), ("e-b", "998000.50", True), ("e-c", "1000000.00", True),
         ("e-d", "900000.00", False), ("e-e", "1000000.01", True)]
EXPECTED = [  # rank, entry, price, tie
    (1, "e-b", "998000.50", False),
    (2, "e-a", "1000000.00", True),
    (3, "e-c", "1000000.00", True),
    (4, "e-e", "1000000.01", False),
]


def test_lowest_price_hand_table_mof87_art56() -> None:
    ranked = LOWEST.rank(plan("lowest_price", "procurement"), bids(TABLE), {})
    assert [(r.rank, r.entry_id, str(r.price), r.tie) for r in ranked] == EXPECTED
    assert all(r.price_score is None and r.total is None and r.criterion_scores == {} for r in ranked)


def test_equal_prices_follow_the_committees_recorded_order() -> None:
    ranked = LOWEST.rank(plan("lowest_price", "procurement"), bids(TABLE), {}, tie_break=["e-c"])
    assert [(r.entry_id, r.tie) for r in ranked] == [("e-b", False), ("e-c", False), ("e-a", False),
                                                     ("e-e", False)]


def test_lowest_evaluated_price_breaks_equal_prices_by_the_technical_total_evaluation_rules_art30() -> None:
    # The documents chose a technical tie-break (max 10): A (7+8+9)/3 = 8.00 beats C (6+8+9)/3 = 7.67.
    p = plan("lowest_evaluated_price", "construction", [("施工组织设计", "technical", "10")])
    cells = {"e-a": {"technical": ["7", "8", "9"]}, "e-c": {"technical": ["6", "8", "9"]},
             "e-b": {"technical": ["1", "1", "1"]}, "e-e": {"technical": ["10", "10", "10"]}}
    ranked = EVALUATED.rank(p, bids(TABLE), committee(cells))
    assert [(r.rank, r.entry_id, str(r.criterion_scores["technical"]), r.tie) for r in ranked] == [
        (1, "e-b", "1.00", False), (2, "e-a", "8.00", False), (3, "e-c", "7.67", False), (4, "e-e", "10.00", False),
    ]
    assert all(r.total is None for r in ranked)  # no score decides anything but a tie on price


def test_equal_prices_and_equal_technical_totals_fall_to_a_flagged_tie() -> None:
    p = plan("lowest_evaluated_price", "construction", [("施工组织设计", "technical", "10")])
    cells = {e: {"technical": ["5", "5", "5"]} for e in ("e-a", "e-b", "e-c", "e-e")}
    ranked = EVALUATED.rank(p, bids(TABLE), committee(cells))
    assert [(r.entry_id, r.tie) for r in ranked] == [("e-b", False), ("e-a", True), ("e-c", True), ("e-e", False)]


def test_a_lowest_price_plan_with_a_price_score_is_refused() -> None:
    scoring = plan("comprehensive_scoring", "procurement")
    with pytest.raises(PlanMismatch):
        LOWEST.rank(scoring, bids(TABLE), {})


def test_registry_covers_every_method_and_refuses_others() -> None:
    assert set(METHODS) == set(EvaluationMethod)
    assert all(METHODS[m].name == m.value for m in EvaluationMethod)
    assert method_for("lowest_price") is LOWEST
    with pytest.raises(UnknownMethod):
        method_for("lottery")
