"""综合评分法 (MOF 87 Art.55-57): hand-computed tables, to the cent, and the tie rules.

Price score = lowest valid price ÷ bid price × price weight (no price dropped); each criterion = the members'
mean rounded half-up to 0.01; total = the sum of the rounded parts; order: total ↓, price ↑ (MOF 87 Art.57).
"""

from __future__ import annotations

import pytest

from ggzy.evaluation.methods import METHODS
from ggzy.evaluation.methods.errors import PlanMismatch, PriceInvalid, ScoreMissing, ScoreOutOfRange, UnknownCriterion
from ggzy.tender.models import EvaluationMethod
from tests.evaluation.methods_helpers import D, bids, committee, plan

SCORING = METHODS[EvaluationMethod.comprehensive_scoring]
GOODS = plan("comprehensive_scoring", "procurement", [("价格", "price", "30"), ("技术", "technical", "50"),
                                                       ("商务", "commercial", "20")], category="goods")
SERVICES = plan("comprehensive_scoring", "procurement", [("价格", "price", "10"), ("服务方案", "technical", "60"),
                                                          ("商务", "commercial", "30")], category="services")

# Goods, weight 30. Base = 95,000.00 (B, the lowest valid price; D is invalid and lower, so it is not the base).
#   A: 95000/100000×30 = 28.50   technical (40+42+45)/3 = 42.333 → 42.33   commercial (16+16+17)/3 = 16.333 → 16.33
#      total 28.50 + 42.33 + 16.33 = 87.16 (rounding the exact sum 87.1666 would give 87.17: the parts are summed)
#   B: 30.00                     technical (41+43+40)/3 = 41.333 → 41.33   commercial (12+13+14)/3 = 13.00
#      total 84.33
#   C: 95000/120000×30 = 23.75   technical (48+47+49)/3 = 48.00            commercial (18+18.5+19)/3 = 18.50
#      total 90.25
GOODS_BIDS = [("e-a", "100000.00", True), ("e-b", "95000.00", True), ("e-c", "120000.00", True),
              ("e-d", "90000.00", False)]
GOODS_SCORES = {
    "e-a": {"technical": ["40", "42", "45"], "commercial": ["16", "16", "17"]},
    "e-b": {"technical": ["41", "43", "40"], "commercial": ["12", "13", "14"]},
    "e-c": {"technical": ["48", "47", "49"], "commercial": ["18", "18.5", "19"]},
}
GOODS_EXPECTED = [  # rank, entry, price score, technical, commercial, total
    (1, "e-c", "23.75", "48.00", "18.50", "90.25"),
    (2, "e-a", "28.50", "42.33", "16.33", "87.16"),
    (3, "e-b", "30.00", "41.33", "13.00", "84.33"),
]

# Services, weight 10. Base = 65,000.00 (P). Four members' sheets exercise half-up on a mean.
#   P: 10.00                          technical 40.00                          commercial 20.00   total 70.00
#   Q: 65000/80000×10 = 8.125 → 8.13 (half-up; half-even would give 8.12)
#                                     technical (50+50.5+50+50)/4 = 50.125 → 50.13   commercial 21.00  total 79.26
#   R: 65000/100000×10 = 6.50         technical 55.00    commercial (10.01+10.02+10+10)/4 = 10.0075 → 10.01
#                                                                                                     total 71.51
SERVICES_BIDS = [("e-p", "65000.00", True), ("e-q", "80000.00", True), ("e-r", "100000.00", True)]
SERVICES_SCORES = {
    "e-p": {"technical": ["40", "40", "40", "40"], "commercial": ["20", "20", "20", "20"]},
    "e-q": {"technical": ["50", "50.5", "50", "50"], "commercial": ["21", "21", "21", "21"]},
    "e-r": {"technical": ["55", "55", "55", "55"], "commercial": ["10.01", "10.02", "10", "10"]},
}
SERVICES_EXPECTED = [
    (1, "e-q", "8.13", "50.13", "21.00", "79.26"),
    (2, "e-r", "6.50", "55.00", "10.01", "71.51"),
    (3, "e-p", "10.00", "40.00", "20.00", "70.00"),
]


@pytest.mark.parametrize(("p", "rows", "cells", "expected"), [
    (GOODS, GOODS_BIDS, GOODS_SCORES, GOODS_EXPECTED),
    (SERVICES, SERVICES_BIDS, SERVICES_SCORES, SERVICES_EXPECTED),
], ids=["goods-weight-30", "services-weight-10"])
def test_comprehensive_scoring_hand_computed_tables_mof87_art55(p, rows, cells, expected) -> None:  # type: ignore[no-untyped-def]
    ranked = SCORING.rank(p, bids(rows), committee(cells))
    got = [(r.rank, r.entry_id, str(r.price_score), str(r.criterion_scores["technical"]),
            str(r.criterion_scores["commercial"]), str(r.total)) for r in ranked]
    assert got == expected
    assert all(not r.tie and r.bidder_org_id == f"o-{r.entry_id}" for r in ranked)


def test_invalid_bid_is_neither_ranked_nor_the_base_price_mof87_art55() -> None:
    ranked = SCORING.rank(GOODS, bids(GOODS_BIDS), committee(GOODS_SCORES))
    assert "e-d" not in {r.entry_id for r in ranked}
    assert max(r.price_score for r in ranked if r.price_score is not None) == D("30.00")  # B, not D, is the base


def test_equal_totals_lower_price_first_mof87_art57() -> None:
    # X: 100 → 30.00 + 40 + 10 = 80.00;  Y: 100×30/120 = 25.00 + 45 + 10 = 80.00  → X (lower price) first.
    ranked = SCORING.rank(GOODS, bids([("e-y", "120.00", True), ("e-x", "100.00", True)]), committee({
        "e-x": {"technical": ["40", "40", "40"], "commercial": ["10", "10", "10"]},
        "e-y": {"technical": ["45", "45", "45"], "commercial": ["10", "10", "10"]},
    }))
    assert [(r.entry_id, str(r.total), r.rank, r.tie) for r in ranked] == [("e-x", "80.00", 1, False),
                                                                           ("e-y", "80.00", 2, False)]


def test_equal_total_and_price_is_a_tie_the_committee_resolves_mof87_art57() -> None:
    cells = {e: {"technical": ["40", "40", "40"], "commercial": ["10", "10", "10"]} for e in ("e-1", "e-2", "e-3")}
    rows = [("e-2", "100.00", True), ("e-1", "100.00", True), ("e-3", "90.00", True)]
    # No recorded order: entry-id order, flagged 并列 so the report shows it.
    ranked = SCORING.rank(GOODS, bids(rows), committee(cells))
    assert [(r.entry_id, r.rank, r.tie) for r in ranked] == [("e-3", 1, False), ("e-1", 2, True), ("e-2", 3, True)]
    # The committee's recorded order decides, and nothing is flagged.
    ranked = SCORING.rank(GOODS, bids(rows), committee(cells), tie_break=["e-2", "e-1"])
    assert [(r.entry_id, r.rank, r.tie) for r in ranked] == [("e-3", 1, False), ("e-2", 2, False), ("e-1", 3, False)]


def test_no_valid_bid_ranks_nothing() -> None:
    assert SCORING.rank(GOODS, bids([("e-a", "1.00", False)]), {}) == []


@pytest.mark.parametrize(("cells", "error"), [
    ({"e-a": {"technical": ["40", "40"], "commercial": ["10", "10"]}, "e-b": {"technical": ["40", "40"]}},
     ScoreMissing),
    ({"e-a": {"technical": ["50.01", "40"], "commercial": ["10", "10"]},
      "e-b": {"technical": ["40", "40"], "commercial": ["10", "10"]}}, ScoreOutOfRange),
    ({"e-a": {"technical": ["-1", "40"], "commercial": ["10", "10"]},
      "e-b": {"technical": ["40", "40"], "commercial": ["10", "10"]}}, ScoreOutOfRange),
    ({"e-a": {"technical": ["40.005", "40"], "commercial": ["10", "10"]},
      "e-b": {"technical": ["40", "40"], "commercial": ["10", "10"]}}, ScoreOutOfRange),
    ({"e-a": {"technical": ["40", "40"], "commercial": ["10", "10"], "price": ["30", "30"]},
      "e-b": {"technical": ["40", "40"], "commercial": ["10", "10"]}}, UnknownCriterion),
], ids=["missing-cell", "above-max", "negative", "three-decimals", "hand-scored-price"])
def test_bad_score_sheets_are_named_errors(cells, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as exc:
        SCORING.rank(GOODS, bids([("e-a", "100", True), ("e-b", "90", True)]), committee(cells))
    assert 400 <= exc.value.status < 500


def test_bad_prices_and_plans_are_named_errors() -> None:
    with pytest.raises(PriceInvalid):
        SCORING.rank(GOODS, bids([("e-a", "0", True)]), {})
    lowest = plan("lowest_price", "procurement")
    with pytest.raises(PlanMismatch):
        SCORING.rank(lowest, bids([("e-a", "1", True)]), {})
