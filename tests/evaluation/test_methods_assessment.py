"""Construction base-price methods: 综合评估法 (Evaluation Rules Art.34-37) and 平均值下浮基准价法 (local practice).

Base = mean of the valid prices (one highest and one lowest dropped when there are more than N) × (1 − 下浮系数),
rounded half-up to the fen. Price score = full − |deviation %| × (deduction above or below), floored at 0,
rounded half-up to 0.01. Every expected value below is worked by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ggzy.evaluation.methods import METHODS
from ggzy.evaluation.methods.base import BasePriceRule
from ggzy.evaluation.methods.base_price import base_price
from ggzy.evaluation.methods.errors import CoefficientInvalid, PlanMismatch
from ggzy.tender.models import EvaluationMethod
from tests.evaluation.methods_helpers import D, bids, committee, plan

ASSESSMENT = METHODS[EvaluationMethod.comprehensive_assessment]
DEVIATION = METHODS[EvaluationMethod.base_price_deviation]
RULE = {"drop_extremes_above": 5, "deduction_above": "2", "deduction_below": "1"}


# ---------------------------------------------------------------- the base price

BASE_TABLE = [  # prices, N (drop above), coefficient, expected base, dropped
    # (100.00 + 100.00 + 100.01) / 3 = 100.00333 → 100.00
    (["100.00", "100.00", "100.01"], 5, None, "100.00", ()),
    # 300.01 × 0.995 / 3 = 99.503316… → 99.50
    (["100.00", "100.00", "100.01"], 5, "0.005", "99.50", ()),
    # 2.01 / 2 = 1.005 → 1.01 (half-up at the fen; half-even would give 1.00)
    (["1.01", "1.00"], 5, None, "1.01", ()),
    # six prices, N = 5: 10 and 100 dropped → (20 + 30 + 40 + 50) / 4 = 35.00
    (["10", "20", "30", "40", "50", "100"], 5, None, "35.00", ("p1", "p6")),
    # the same six, N = 6: nothing dropped → 250 / 6 = 41.666… → 41.67
    (["10", "20", "30", "40", "50", "100"], 6, None, "41.67", ()),
    # equal extremes: one 10 (the first by entry id) and the 20 dropped → (10 + 10) / 2 = 10.00
    (["10", "10", "10", "20"], 2, None, "10.00", ("p1", "p4")),
    # all equal, N = 2: two of them dropped, the mean is unchanged
    (["7", "7", "7"], 2, "0.01", "6.93", ("p1", "p2")),
]


@pytest.mark.parametrize(("prices", "n", "c", "expected", "dropped"), BASE_TABLE)
def test_base_price_hand_table(prices, n, c, expected, dropped) -> None:  # type: ignore[no-untyped-def]
    rule = BasePriceRule(drop_extremes_above=n, deduction_above=D("2"), deduction_below=D("1"))
    got = base_price([(f"p{i}", D(p)) for i, p in enumerate(prices, start=1)], rule, None if c is None else D(c))
    assert (str(got.value), got.dropped) == (expected, dropped)
    assert len(got.used) == len(prices) - len(dropped)


@pytest.mark.parametrize("c", ["-0.01", "1", "1.5", "NaN"])
def test_coefficient_outside_0_to_1_is_refused(c: str) -> None:
    rule = BasePriceRule(5, D("2"), D("1"))
    with pytest.raises(CoefficientInvalid):
        base_price([("p", D("100"))], rule, Decimal(c))


# ---------------------------------------------------------------- 平均值下浮基准价法 (price only, full marks 100)

# Seven valid prices, N = 5 → 1,100,000 and 900,000 dropped; mean of the other five = 1,000,000.00;
# coefficient 0.0125 → base = 1,000,000 × 0.9875 = 987,500.00. Above: 2 points per 1%; below: 1 point per 1%.
#   1,000,000: +12,500 / 987,500 = +1.2658% → 100 − 2.5316 = 97.4684 → 97.47
#   1,020,000: +32,500 / 987,500 = +3.2911% → 100 − 6.5823 = 93.4177 → 93.42
#     980,000:  −7,500 / 987,500 = −0.7595% → 100 − 0.7595 = 99.2405 → 99.24
#   1,050,000: +62,500 / 987,500 = +6.3291% → 100 − 12.6582 = 87.3418 → 87.34
#     950,000: −37,500 / 987,500 = −3.7975% → 100 − 3.7975 = 96.2025 → 96.20
#   1,100,000: +112,500 / 987,500 = +11.3924% → 100 − 22.7848 = 77.2152 → 77.22
#     900,000: −87,500 / 987,500 = −8.8608% → 100 − 8.8608 = 91.1392 → 91.14
DEVIATION_BIDS = [("e-1", "1000000.00", True), ("e-2", "1020000.00", True), ("e-3", "980000.00", True),
                  ("e-4", "1050000.00", True), ("e-5", "950000.00", True), ("e-6", "1100000.00", True),
                  ("e-7", "900000.00", True), ("e-8", "600000.00", False)]
DEVIATION_EXPECTED = [  # rank, entry, deviation %, price score = total
    (1, "e-3", "-0.76", "99.24"),
    (2, "e-1", "1.27", "97.47"),
    (3, "e-5", "-3.80", "96.20"),
    (4, "e-2", "3.29", "93.42"),
    (5, "e-7", "-8.86", "91.14"),
    (6, "e-4", "6.33", "87.34"),
    (7, "e-6", "11.39", "77.22"),
]


def test_base_price_deviation_hand_table() -> None:
    p = plan("base_price_deviation", "construction", [("投标报价", "price", "100")], base_price=RULE)
    ranked = DEVIATION.rank(p, bids(DEVIATION_BIDS), {}, coefficient=D("0.0125"))
    assert [(r.rank, r.entry_id, str(r.deviation), str(r.price_score)) for r in ranked] == DEVIATION_EXPECTED
    assert all(r.total == r.price_score and r.base_price == D("987500.00") for r in ranked)


def test_price_score_is_floored_at_zero_and_equal_prices_tie() -> None:
    # 100,000 / 100,000 / 250,000, nothing dropped, no coefficient: base 150,000.00.
    #   250,000: +66.67% × 2 = 133.33 > 100 → 0.00;  100,000: −33.33% × 1 → 66.67 (twice: a flagged tie)
    p = plan("base_price_deviation", "construction", base_price=RULE)
    ranked = DEVIATION.rank(p, bids([("e-b", "100000", True), ("e-a", "100000", True), ("e-c", "250000", True)]),
                            {})
    assert [(r.entry_id, str(r.price_score), r.tie) for r in ranked] == [
        ("e-a", "66.67", True), ("e-b", "66.67", True), ("e-c", "0.00", False)]


def test_price_score_rounds_half_up_exactly() -> None:
    # 999,625 + 1,000,000 + 1,000,375 → base 1,000,000.00.
    #   1,000,375: +0.0375% × 2 = 0.075 → 99.925 → 99.93 (half-even would give 99.92)
    #     999,625: −0.0375% × 1 → 99.9625 → 99.96;  1,000,000: 100.00
    p = plan("base_price_deviation", "construction", base_price=RULE)
    ranked = DEVIATION.rank(p, bids([("e-1", "999625", True), ("e-2", "1000000", True), ("e-3", "1000375", True)]),
                            {})
    assert [(r.entry_id, str(r.price_score)) for r in ranked] == [("e-2", "100.00"), ("e-1", "99.96"),
                                                                  ("e-3", "99.93")]


# ---------------------------------------------------------------- 综合评估法 (price 60, technical 30, commercial 10)

# Four valid prices (not more than 5: nothing dropped): mean 36,750,000 / 4 = 9,187,500; coefficient 0.01
# → base 9,095,625.00.
#   A 9,400,000: +304,375 / 9,095,625 = +3.3464% × 2 = 6.6928 → 53.3072 → 53.31
#   B 9,100,000:   +4,375 / 9,095,625 = +0.0481% × 2 = 0.0962 → 59.9038 → 59.90
#   C 8,950,000: −145,625 / 9,095,625 = −1.6010% × 1 → 58.3990 → 58.40
#   D 9,300,000: +204,375 / 9,095,625 = +2.2470% × 2 = 4.4939 → 55.5061 → 55.51
# technical / commercial (three members):
#   A 26.00 / (8+8+9)/3 = 8.33         total 53.31 + 26.00 + 8.33 = 87.64
#   B 21.00 / 7.50                     total 59.90 + 21.00 + 7.50 = 88.40
#   C (24+23+22.5)/3 = 23.17 / 9.00    total 58.40 + 23.17 + 9.00 = 90.57
#   D (28+28+29)/3 = 28.33 / (6+6+7)/3 = 6.33   total 55.51 + 28.33 + 6.33 = 90.17
ASSESS_BIDS = [("e-a", "9400000.00", True), ("e-b", "9100000.00", True), ("e-c", "8950000.00", True),
               ("e-d", "9300000.00", True), ("e-x", "9999999.00", False)]
ASSESS_SCORES = {
    "e-a": {"technical": ["25", "26", "27"], "commercial": ["8", "8", "9"]},
    "e-b": {"technical": ["20", "22", "21"], "commercial": ["7", "7.5", "8"]},
    "e-c": {"technical": ["24", "23", "22.5"], "commercial": ["9", "9", "9"]},
    "e-d": {"technical": ["28", "28", "29"], "commercial": ["6", "6", "7"]},
}
ASSESS_EXPECTED = [  # rank, entry, deviation, price score, technical, commercial, total
    (1, "e-c", "-1.60", "58.40", "23.17", "9.00", "90.57"),
    (2, "e-d", "2.25", "55.51", "28.33", "6.33", "90.17"),
    (3, "e-b", "0.05", "59.90", "21.00", "7.50", "88.40"),
    (4, "e-a", "3.35", "53.31", "26.00", "8.33", "87.64"),
]


def test_comprehensive_assessment_hand_table_evaluation_rules_art34() -> None:
    p = plan("comprehensive_assessment", "construction", [("投标报价", "price", "60"),
                                                          ("施工组织设计", "technical", "30"),
                                                          ("项目管理机构", "commercial", "10")], base_price=RULE)
    ranked = ASSESSMENT.rank(p, bids(ASSESS_BIDS), committee(ASSESS_SCORES), coefficient=D("0.01"))
    assert [(r.rank, r.entry_id, str(r.deviation), str(r.price_score), str(r.criterion_scores["technical"]),
             str(r.criterion_scores["commercial"]), str(r.total)) for r in ranked] == ASSESS_EXPECTED
    assert {r.base_price for r in ranked} == {D("9095625.00")}


def test_assessment_ties_on_total_go_to_the_lower_price() -> None:
    # Two bids at 100 and 102, no coefficient: base 101.00. 100: −0.9901% × 1 → 59.0099 → 59.01;
    # 102: +0.9901% × 2 → 58.0198 → 58.02. Technical 30.99 vs 31.98 makes both totals 90.00 → 100 first.
    p = plan("comprehensive_assessment", "construction", [("投标报价", "price", "60"), ("技术", "technical", "40")],
             base_price=RULE)
    ranked = ASSESSMENT.rank(p, bids([("e-hi", "102", True), ("e-lo", "100", True)]), committee({
        "e-lo": {"technical": ["30.99", "30.99", "30.99"]}, "e-hi": {"technical": ["31.98", "31.98", "31.98"]}}))
    assert [(r.entry_id, str(r.price_score), str(r.total), r.tie) for r in ranked] == [
        ("e-lo", "59.01", "90.00", False), ("e-hi", "58.02", "90.00", False)]


def test_price_only_method_refuses_a_plan_with_other_criteria() -> None:
    p = plan("comprehensive_assessment", "construction", base_price=RULE)
    with pytest.raises(PlanMismatch):
        DEVIATION.rank(p, bids(DEVIATION_BIDS), {})
