"""The evaluation plan: presets, the rules check_plan enforces (MOF 87 Art.55 and friends), stored JSON."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from ggzy.evaluation.methods.base import Category, CriterionKind
from ggzy.evaluation.methods.errors import PlanInvalid
from ggzy.evaluation.methods.plan import (
    DEFAULT_BASE_PRICE,
    PRESETS,
    EvaluationPlanIn,
    check_plan,
    plan_from_json,
    plan_problems,
    plan_to_json,
    presets_json,
)


def _in(**data: Any) -> EvaluationPlanIn:
    return EvaluationPlanIn.model_validate(data)


def _rows(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"name": n, "kind": k, "max": m} for n, k, m in rows]


def _codes(data: EvaluationPlanIn | None, method: str, line: str | None) -> list[str]:
    return [p.code for p in plan_problems(data, method, line)[1]]


@pytest.mark.parametrize(("method", "line"), [
    ("lowest_price", "procurement"), ("comprehensive_scoring", "procurement"),
    ("lowest_evaluated_price", "construction"), ("comprehensive_assessment", "construction"),
    ("base_price_deviation", "construction"),
])
def test_every_preset_passes_its_own_rules(method: str, line: str) -> None:
    p = check_plan(None, method, line)
    assert p.method == method
    assert p.category == (Category.works if line == "construction" else Category.goods)
    assert (p.base_price == DEFAULT_BASE_PRICE) == (method in ("comprehensive_assessment", "base_price_deviation"))


def test_services_preset_keeps_the_services_floor_mof87_art55() -> None:
    p = check_plan(_in(category="services"), "comprehensive_scoring", "procurement")
    price = [c for c in p.criteria if c.kind == CriterionKind.price]
    assert p.category == Category.services and len(price) == 1 and price[0].max >= 10
    assert all(check_plan(_in(category=c.value), m, "procurement") for (m, c) in PRESETS if c != Category.works)


@pytest.mark.parametrize(("category", "weight", "ok"), [
    ("goods", "29.99", False), ("goods", "30", True), ("goods", "20", False),
    ("services", "9.99", False), ("services", "10", True), ("services", "20", True),
])
def test_price_weight_floor_goods_30_services_10_mof87_art55(category: str, weight: str, ok: bool) -> None:
    rest = str(Decimal(100) - Decimal(weight))
    data = _in(category=category, criteria=_rows(("价格", "price", weight), ("技术", "technical", rest)))
    codes = _codes(data, "comprehensive_scoring", "procurement")
    assert (codes == []) is ok
    if not ok:
        assert codes == ["tender.price_weight_too_low"]
        with pytest.raises(PlanInvalid) as exc:
            check_plan(data, "comprehensive_scoring", "procurement")
        assert exc.value.status == 422 and exc.value.code == "tender.price_weight_too_low"
        v = exc.value.detail["violations"][0]
        assert v["article_en"] == "MOF 87 Art.55" and v["article_zh"] == "财政部87号令第五十五条"


def test_maxima_must_sum_to_100_mof87_art55() -> None:
    data = _in(criteria=_rows(("价格", "price", "30"), ("技术", "technical", "60")))
    assert _codes(data, "comprehensive_scoring", "procurement") == ["tender.plan_total_not_100"]
    data = _in(criteria=_rows(("报价", "price", "60"), ("技术", "technical", "30"), ("商务", "commercial", "10.01")))
    assert _codes(data, "comprehensive_assessment", "construction") == ["tender.plan_total_not_100"]


def test_exactly_one_price_criterion_mof87_art55() -> None:
    two = _in(criteria=_rows(("价格", "price", "30"), ("价格2", "price", "20"), ("技术", "technical", "50")))
    assert "tender.plan_price_criterion" in _codes(two, "comprehensive_scoring", "procurement")
    none = _in(criteria=_rows(("技术", "technical", "70"), ("商务", "commercial", "30")))
    assert "tender.plan_price_criterion" in _codes(none, "comprehensive_scoring", "procurement")


def test_lowest_price_has_no_price_score_nor_base_price_mof87_art54() -> None:
    priced = _in(criteria=_rows(("价格", "price", "100")))
    assert _codes(priced, "lowest_price", "procurement") == ["tender.plan_price_criterion"]
    based = _in(base_price={"drop_extremes_above": 5})
    assert _codes(based, "lowest_price", "procurement") == ["tender.plan_base_price_unused"]
    # Technical criteria only break ties on price: any maxima.
    tie_break = _in(criteria=_rows(("技术", "technical", "10")))
    assert _codes(tie_break, "lowest_evaluated_price", "construction") == []


def test_procurement_scoring_never_drops_extremes_mof87_art55() -> None:
    data = _in(base_price={"drop_extremes_above": 5})
    assert _codes(data, "comprehensive_scoring", "procurement") == ["tender.plan_base_price_unused"]


def test_category_must_fit_the_line() -> None:
    assert _codes(_in(category="works"), "comprehensive_scoring", "procurement") == ["tender.plan_category"]
    assert _codes(_in(category="goods"), "comprehensive_assessment", "construction") == ["tender.plan_category"]
    assert _codes(None, "comprehensive_assessment", "procurement") == ["tender.plan_method_line"]


def test_method_shapes() -> None:
    only_price = _in(criteria=_rows(("报价", "price", "100")))
    assert _codes(only_price, "comprehensive_assessment", "construction") == ["tender.plan_no_scored_criteria"]
    assert _codes(only_price, "comprehensive_scoring", "procurement") == ["tender.plan_no_scored_criteria"]
    assert _codes(only_price, "base_price_deviation", "construction") == []
    mixed = _in(criteria=_rows(("报价", "price", "90"), ("技术", "technical", "10")))
    assert _codes(mixed, "base_price_deviation", "construction") == ["tender.plan_price_only"]
    flat = _in(base_price={"deduction_above": "0", "deduction_below": "0"})
    assert _codes(flat, "base_price_deviation", "construction") == ["tender.plan_deductions_zero"]
    dup = _in(criteria=_rows(("价格", "price", "30"), ("技术", "technical", "35"), ("技术", "technical", "35")))
    assert _codes(dup, "comprehensive_scoring", "procurement") == ["tender.plan_duplicate_criterion"]
    assert _codes(None, "lottery", "procurement") == ["tender.plan_unknown_method"]


@pytest.mark.parametrize("data", [
    {"criteria": [{"name": "价格", "kind": "price", "max": "0"}]},
    {"criteria": [{"name": "价格", "kind": "price", "max": "100.001"}]},
    {"criteria": [{"name": "", "kind": "technical", "max": "10"}]},
    {"criteria": [{"name": "x", "kind": "luck", "max": "10"}]},
    {"base_price": {"drop_extremes_above": 1}},
    {"base_price": {"deduction_above": "-1"}},
    {"category": "land"},
    {"surprise": 1},
])
def test_malformed_input_is_a_validation_error(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        EvaluationPlanIn.model_validate(data)


def test_ids_are_derived_from_kinds_and_given_ids_kept() -> None:
    data = _in(criteria=[{"name": "价格", "kind": "price", "max": "30"},
                         {"name": "方案", "kind": "technical", "max": "30"},
                         {"name": "实施", "kind": "technical", "max": "20"},
                         {"id": "after_sales", "name": "售后", "kind": "commercial", "max": "20"}])
    p = check_plan(data, "comprehensive_scoring", "procurement")
    assert [c.id for c in p.criteria] == ["price", "technical", "technical_2", "after_sales"]


def test_stored_json_round_trips_with_decimal_strings() -> None:
    p = check_plan(_in(category="services", criteria=_rows(("价格", "price", "10"), ("方案", "technical", "90"))),
                   "comprehensive_scoring", "procurement")
    stored = plan_to_json(p)
    assert stored["criteria"][0] == {"id": "price", "name": "价格", "kind": "price", "max": "10.00"}
    assert stored["preset"] is False and stored["base_price"] is None
    tender = SimpleNamespace(evaluation_plan=stored, evaluation_method="comprehensive_scoring", line="procurement")
    assert plan_from_json(tender) == p
    assert plan_from_json(stored) == p  # a bare dict carries its method


def test_stored_plans_are_not_re_judged_by_later_policy() -> None:
    """A plan stored under older thresholds still loads: only what the arithmetic needs is re-checked."""
    stored = plan_to_json(check_plan(None, "comprehensive_scoring", "procurement"))
    stored["criteria"][0]["max"] = "5.00"  # below today's floor: loading must not stop an evaluation
    stored["criteria"][1]["max"] = "75.00"
    assert plan_from_json(stored).criteria[0].max == Decimal("5.00")
    stored["criteria"] = stored["criteria"][1:]  # no price criterion: the arithmetic cannot run
    with pytest.raises(PlanInvalid) as exc:
        plan_from_json(stored)
    assert exc.value.code == "tender.plan_price_criterion"
    with pytest.raises(PlanInvalid) as exc:
        plan_from_json({"method": "comprehensive_scoring", "criteria": "garbage"})
    assert exc.value.code == "tender.plan_corrupt"


def test_tender_without_a_stored_plan_gets_the_methods_preset() -> None:
    tender = SimpleNamespace(evaluation_plan=None, evaluation_method="comprehensive_assessment", line="construction")
    assert plan_from_json(tender) == check_plan(None, "comprehensive_assessment", "construction")


def test_presets_json_is_plain_strings() -> None:
    out = presets_json()
    assert out["comprehensive_scoring"]["goods"]["criteria"][0]["max"] == "30.00"
    assert out["base_price_deviation"]["works"]["base_price"]["deduction_above"] == "2.00"
    assert out["lowest_price"]["services"]["criteria"] == []
