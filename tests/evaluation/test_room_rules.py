"""Pure rules of the evaluation room: the chair vote (Evaluation Rules Art.9), the majority conclusion (MOF 87
Art.61), score bounds, and the deviation test that flags an expert to the supervisor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ggzy.evaluation import rules
from ggzy.evaluation.rules import DeviationRule, chair_after, conclude, deviations, parse_score

D = Decimal


def test_chair_is_the_first_to_reach_a_majority_of_the_committee_evaluation_rules_art9() -> None:
    assert rules.majority(5) == 3 and rules.majority(7) == 4
    assert chair_after(["a", "b", "a"], 5) is None  # 2 of 5 is no majority
    assert chair_after(["a", "b", "a", "b", "a"], 5) == "a"
    # b reaches 3 first even though a reaches 3 later in the same list.
    assert chair_after(["b", "a", "b", "a", "b", "a"], 7) is None
    assert chair_after(["b", "a", "b", "b", "a", "a", "b"], 7) == "b"


def test_majority_decides_and_automatic_reasons_bind_mof87_art61() -> None:
    auto = [{"code": "rejection.above_ceiling", "article": "Bidding Regs Art.51"}]
    assert conclude([], [(True, ""), (True, ""), (False, "无资质"), (True, ""), (False, "业绩不符")]) == \
        rules.Conclusion(True, 3, 2, ["无资质", "业绩不符"])
    assert not conclude([], [(False, "x"), (False, "y"), (False, "z"), (True, ""), (True, "")]).passed
    # The law rejects the bid whatever the votes.
    assert not conclude(auto, [(True, "")] * 5).passed


@pytest.mark.parametrize(("value", "expected"), [
    ("0", D("0.00")), ("30", D("30.00")), ("27.5", D("27.50")), ("27.25", D("27.25")), (12, D("12.00")),
    ("30.01", None), ("-0.01", None), ("27.255", None), ("abc", None), ("NaN", None), ("Infinity", None),
    (27.5, None), (True, None), ("", None),
])
def test_scores_lie_in_zero_to_max_with_two_decimals(value: object, expected: Decimal | None) -> None:
    assert parse_score(value, D("30")) == expected


def _sheet(rows: dict[str, list[str]]) -> dict[str, dict[str, Decimal]]:
    return {m: {f"e{i}": D(v) for i, v in enumerate(vals)} for m, vals in rows.items()}


def test_a_deliberate_outlier_is_flagged_and_the_others_are_not() -> None:
    """Five experts score one 30-point criterion of four bids; m5 scores them all far below the others."""
    cells = _sheet({
        "m1": ["24", "26", "22", "25"], "m2": ["25", "27", "21", "24"], "m3": ["23", "26", "23", "26"],
        "m4": ["24", "25", "22", "25"], "m5": ["8", "10", "6", "9"],
    })
    out = {d.member_id: d for d in deviations("tech", D("30"), cells)}
    assert {m for m, d in out.items() if d.flagged} == {"m5"}
    m5 = out["m5"]
    # Committee means per bid: 20.8, 22.8, 18.8, 21.8; m5's |deviation| 12.8, 12.8, 12.8, 12.8 → 12.80 points.
    assert m5.mean_abs_deviation == D("12.80") and m5.share_of_max == D("0.4267")
    assert m5.rules == ("share", "z") and m5.cells == 4


def test_a_consistent_outlier_of_a_tight_committee_is_caught_by_the_leave_one_out_z_test() -> None:
    """m5 is always 5 points lower (16.7% of the max: under the 20% share test) while the others agree within a
    point; the z-score against the other four catches it. An ordinary z-score including m5 could not exceed
    (n−1)/√n = 1.79 with five members."""
    cells = _sheet({
        "m1": ["25", "26", "24"], "m2": ["25", "25", "24"], "m3": ["26", "26", "25"], "m4": ["25", "26", "24"],
        "m5": ["20", "21", "19"],
    })
    out = {d.member_id: d for d in deviations("tech", D("30"), cells)}
    assert out["m5"].rules == ("z",)
    assert out["m5"].share_of_max < D("0.20") and out["m5"].mean_abs_z is not None and out["m5"].mean_abs_z > 3
    assert not any(out[m].flagged for m in ("m1", "m2", "m3", "m4"))


def test_the_z_test_needs_five_members_and_honest_spread_is_not_flagged() -> None:
    three = _sheet({"m1": ["25", "26"], "m2": ["25", "25"], "m3": ["20", "21"]})
    out = deviations("tech", D("30"), three)
    assert all(d.mean_abs_z is None for d in out) and not any(d.flagged for d in out)
    honest = _sheet({
        "m1": ["18", "27", "22"], "m2": ["21", "25", "20"], "m3": ["24", "23", "25"], "m4": ["20", "28", "21"],
        "m5": ["22", "24", "19"],
    })
    assert not any(d.flagged for d in deviations("tech", D("30"), honest))
    # The threshold is a parameter: a stricter rule flags the honest spread too.
    assert any(d.flagged for d in deviations("tech", D("30"), honest, DeviationRule(share=D("0.05"))))
