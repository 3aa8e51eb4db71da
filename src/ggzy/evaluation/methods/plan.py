"""The evaluation plan (评标办法细则) of a tender: what the agency types, the rules it must meet, presets per
method, and its stored JSON (Tender.evaluation_plan, Decimals as strings).

Rules checked at tender creation (`plan_problems` / `check_plan`):
- the category fits the line: construction → works (工程); procurement → goods (货物) or services (服务);
- lowest-price methods (MOF 87 Art.54/56; Evaluation Rules Art.30-33) have no price criterion and no base price;
  any criteria they carry only break ties on price;
- scoring methods have exactly one price criterion (its max is the price weight) and maxima that sum to 100;
- comprehensive scoring (procurement): price weight ≥ 30 for goods, ≥ 10 for services (MOF 87 Art.55), at least
  one scored criterion besides price, no base price (dropping extremes is forbidden there);
- comprehensive assessment (construction, Evaluation Rules Art.34-37): at least one criterion besides price
  and a base-price rule (default DEFAULT_BASE_PRICE); base_price_deviation: the price criterion only.

A plan left out gets the method's preset (PRESETS), stored with `"preset": true` so that a later change of
method on the draft takes the new method's preset instead of failing on the old one's criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ggzy.evaluation.methods.base import POINT, BasePriceRule, Category, Criterion, CriterionKind, Plan
from ggzy.evaluation.methods.errors import PlanInvalid

PLAN_VERSION = 1

Article = tuple[str, str]
"""(zh, en) of the article a rule comes from."""
MOF87_ART55: Article = ("财政部87号令第五十五条", "MOF 87 Art.55")
MOF87_ART54: Article = ("财政部87号令第五十四条", "MOF 87 Art.54")
EVAL_ART30: Article = ("《评标委员会和评标方法暂行规定》第三十条", "Evaluation Rules Art.30")
EVAL_ART34: Article = ("《评标委员会和评标方法暂行规定》第三十四条", "Evaluation Rules Art.34")

LOWEST_METHODS = frozenset({"lowest_price", "lowest_evaluated_price"})
SCORING_METHODS = frozenset({"comprehensive_scoring", "comprehensive_assessment", "base_price_deviation"})
BASE_PRICE_METHODS = frozenset({"comprehensive_assessment", "base_price_deviation"})
METHOD_LINE: Mapping[str, str] = {
    "lowest_evaluated_price": "construction", "comprehensive_assessment": "construction",
    "base_price_deviation": "construction", "lowest_price": "procurement", "comprehensive_scoring": "procurement",
}
LINE_CATEGORIES: Mapping[str, tuple[Category, ...]] = {
    "construction": (Category.works,), "procurement": (Category.goods, Category.services),
}
PRICE_WEIGHT_MIN: Mapping[Category, Decimal] = {Category.goods: Decimal(30), Category.services: Decimal(10)}
"""MOF 87 Art.55: the price score's share of the total (out of 100) in procurement comprehensive scoring."""
TOTAL = Decimal(100)

DEFAULT_BASE_PRICE = BasePriceRule(drop_extremes_above=5, deduction_above=Decimal("2.00"),
                                   deduction_below=Decimal("1.00"))
"""Six or more valid prices: drop one highest and one lowest; 2 points off per 1% above the base, 1 per 1% below
(a common local setting: bidding above the base costs more than below)."""


def _c(cid: str, name: str, kind: CriterionKind, mx: str) -> Criterion:
    return Criterion(id=cid, name=name, kind=kind, max=Decimal(mx))


PRICE, TECH, COMM = CriterionKind.price, CriterionKind.technical, CriterionKind.commercial
PRESETS: Mapping[tuple[str, Category], tuple[Criterion, ...]] = {
    ("lowest_price", Category.goods): (),
    ("lowest_price", Category.services): (),
    ("lowest_evaluated_price", Category.works): (),
    ("comprehensive_scoring", Category.goods): (
        _c("price", "价格", PRICE, "30.00"), _c("technical", "技术", TECH, "50.00"),
        _c("commercial", "商务", COMM, "20.00")),
    ("comprehensive_scoring", Category.services): (
        _c("price", "价格", PRICE, "20.00"), _c("technical", "服务方案", TECH, "50.00"),
        _c("commercial", "商务", COMM, "30.00")),
    ("comprehensive_assessment", Category.works): (
        _c("price", "投标报价", PRICE, "60.00"), _c("technical", "施工组织设计", TECH, "30.00"),
        _c("commercial", "项目管理机构", COMM, "10.00")),
    ("base_price_deviation", Category.works): (_c("price", "投标报价", PRICE, "100.00"),),
}
"""Per method and category; the procurement presets put the price weight at or above the MOF 87 Art.55 floor."""


# ---------------------------------------------------------------- input


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Points = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Deduction = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")] | None = None
    """Stable key of the score sheet; left out, it is derived from the kind (price, technical, technical_2…)."""
    name: Name
    kind: CriterionKind
    max: Points
    """Full marks (the price criterion's max is the price weight)."""


class BasePriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drop_extremes_above: int = Field(default=DEFAULT_BASE_PRICE.drop_extremes_above, ge=2, le=99)
    """With more valid prices than this, one highest and one lowest are dropped before the mean."""
    deduction_above: Deduction = DEFAULT_BASE_PRICE.deduction_above
    """Points off per 1% above the base price."""
    deduction_below: Deduction = DEFAULT_BASE_PRICE.deduction_below
    """Points off per 1% below the base price."""


class EvaluationPlanIn(BaseModel):
    """The plan as the agency enters it; every part may be left out for the method's preset."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    """货物 / 服务 (procurement) or 工程 (construction); default goods for procurement, works for construction."""
    criteria: list[CriterionIn] | None = Field(default=None, max_length=20)
    """None: the method's preset (PRESETS)."""
    base_price: BasePriceIn | None = None
    """Base-price methods only; None: DEFAULT_BASE_PRICE."""


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One broken rule, shaped like tender.rules.Violation (code, zh, en, article, field)."""

    code: str
    zh: str
    en: str
    article: Article | None = None
    field: str = "evaluation_plan"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "field": self.field,
                "article_zh": self.article[0] if self.article else "",
                "article_en": self.article[1] if self.article else ""}


def default_category(line: str | None, method: str) -> Category:
    line = line or METHOD_LINE.get(method, "procurement")
    return Category.works if line == "construction" else Category.goods


def _criteria(rows: list[CriterionIn]) -> tuple[tuple[Criterion, ...], list[Problem]]:
    """Rows → criteria with ids (given, or derived from the kind in order)."""
    problems: list[Problem] = []
    taken = {r.id for r in rows if r.id}
    out: list[Criterion] = []
    counts: dict[str, int] = {}
    for r in rows:
        cid = r.id
        if cid is None:
            counts[r.kind] = counts.get(r.kind, 0) + 1
            cid = r.kind.value if counts[r.kind] == 1 else f"{r.kind.value}_{counts[r.kind]}"
            while cid in taken:
                counts[r.kind] += 1
                cid = f"{r.kind.value}_{counts[r.kind]}"
            taken.add(cid)
        out.append(Criterion(id=cid, name=r.name, kind=r.kind, max=r.max.quantize(POINT, rounding=ROUND_HALF_UP)))
    ids = [c.id for c in out]
    if len(set(ids)) != len(ids):
        problems.append(Problem("tender.plan_duplicate_criterion", "评分因素编号重复", "Two criteria share an id",
                                field="evaluation_plan.criteria"))
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        problems.append(Problem("tender.plan_duplicate_criterion", "评分因素名称重复", "Two criteria share a name",
                                field="evaluation_plan.criteria"))
    return tuple(out), problems


def plan_problems(data: EvaluationPlanIn | None, method: str, line: str | None = None, *,
                  policy: bool = True) -> tuple[Plan | None, list[Problem]]:
    """The plan for `method` (EvaluationMethod value) on `line`, and everything wrong with it.

    `policy=False` (loading a stored plan) keeps only what the arithmetic needs (one price criterion for the
    scoring methods, unique ids), so a later change of the law's thresholds never stops an evaluation under way."""
    method = str(method)
    if method not in METHOD_LINE:
        return None, [Problem("tender.plan_unknown_method", "未知的评标办法", "Unknown evaluation method",
                              field="evaluation_method")]
    data = data or EvaluationPlanIn()
    problems: list[Problem] = []
    method_line = METHOD_LINE[method]
    if policy and line is not None and str(line) != method_line:
        problems.append(Problem("tender.plan_method_line", "该评标办法不适用于本交易类型",
                                "This evaluation method does not belong to the tender's line",
                                field="evaluation_method"))
    category = data.category or default_category(method_line, method)
    if policy and category not in LINE_CATEGORIES[method_line]:
        allowed = "、".join(c.value for c in LINE_CATEGORIES[method_line])
        problems.append(Problem("tender.plan_category", f"采购类别与交易类型不符（可选：{allowed}）",
                                f"The category does not fit the line (allowed: {allowed})",
                                field="evaluation_plan.category"))
    preset = data.criteria is None
    if preset:
        criteria = PRESETS.get((method, category), PRESETS.get((method, default_category(method_line, method)), ()))
    else:
        criteria, found = _criteria(data.criteria or [])
        problems += found
    prices = [c for c in criteria if c.kind == CriterionKind.price]
    others = [c for c in criteria if c.kind != CriterionKind.price]
    base: BasePriceRule | None = None
    field_c = "evaluation_plan.criteria"
    if method in LOWEST_METHODS:
        art = MOF87_ART54 if method == "lowest_price" else EVAL_ART30
        if prices:
            problems.append(Problem("tender.plan_price_criterion", "最低评标价法按评标价排序，不设价格分",
                                    "A lowest-price method ranks by price and has no price score", art, field_c))
        if data.base_price is not None and policy:
            problems.append(Problem("tender.plan_base_price_unused", "该评标办法不使用基准价",
                                    "This method uses no base price", art, "evaluation_plan.base_price"))
    else:
        art = MOF87_ART55 if method == "comprehensive_scoring" else EVAL_ART34
        if len(prices) != 1:
            problems.append(Problem("tender.plan_price_criterion", "综合评分须设且只设一项价格分",
                                    "A scoring method needs exactly one price criterion", art, field_c))
        total = sum((c.max for c in criteria), Decimal(0))
        if policy and total != TOTAL:
            problems.append(Problem("tender.plan_total_not_100", f"各评分因素满分合计须为100分（当前 {total} 分）",
                                    f"The criteria's maxima must add up to 100 (now {total})", art, field_c))
        if policy and method == "base_price_deviation" and others:
            problems.append(Problem("tender.plan_price_only", "平均值下浮基准价法只评价格分",
                                    "The base-price deviation method scores the price only", field=field_c))
        if policy and method != "base_price_deviation" and not others:
            problems.append(Problem("tender.plan_no_scored_criteria", "综合评分须至少设一项价格以外的评分因素",
                                    "Comprehensive scoring needs at least one criterion besides price", art, field_c))
        floor = PRICE_WEIGHT_MIN.get(category)
        if policy and method == "comprehensive_scoring" and len(prices) == 1 and floor is not None \
                and prices[0].max < floor:
            kind_zh = "货物" if category == Category.goods else "服务"
            problems.append(Problem(
                "tender.price_weight_too_low",
                f"{kind_zh}项目的价格分值不得低于总分的{floor}%（当前 {prices[0].max} 分）",
                f"The price weight of a {category.value} tender must be at least {floor}% (now {prices[0].max})",
                MOF87_ART55, field_c))
        if method in BASE_PRICE_METHODS:
            bp = data.base_price or BasePriceIn()
            base = BasePriceRule(bp.drop_extremes_above, bp.deduction_above.quantize(POINT),
                                 bp.deduction_below.quantize(POINT))
            if policy and base.deduction_above == 0 and base.deduction_below == 0:
                problems.append(Problem("tender.plan_deductions_zero", "偏离基准价的扣分不能均为零",
                                        "Deviations from the base price must cost points on at least one side",
                                        field="evaluation_plan.base_price"))
        elif data.base_price is not None and policy:
            problems.append(Problem(
                "tender.plan_base_price_unused", "综合评分法以最低有效报价为评标基准价，不设平均值基准价",
                "Comprehensive scoring takes the lowest valid price as its base: no base-price rule",
                MOF87_ART55, "evaluation_plan.base_price"))
    plan = Plan(method=method, category=category, criteria=tuple(criteria), base_price=base)
    return plan, problems


def check_plan(data: EvaluationPlanIn | None, method: str, line: str | None = None) -> Plan:
    """The checked plan, or PlanInvalid (422) naming every problem with its article."""
    plan, problems = plan_problems(data, method, line)
    if problems or plan is None:
        raise PlanInvalid([p.to_dict() for p in problems])
    return plan


def is_preset(data: EvaluationPlanIn | None) -> bool:
    return data is None or data.criteria is None


# ---------------------------------------------------------------- stored JSON


def plan_to_json(plan: Plan, *, preset: bool = False) -> dict[str, Any]:
    """Tender.evaluation_plan: plain JSON, Decimals as strings."""
    bp = plan.base_price
    return {
        "version": PLAN_VERSION, "method": plan.method, "category": plan.category.value, "preset": preset,
        "criteria": [{"id": c.id, "name": c.name, "kind": c.kind.value, "max": str(c.max)} for c in plan.criteria],
        "base_price": None if bp is None else {
            "drop_extremes_above": bp.drop_extremes_above, "deduction_above": str(bp.deduction_above),
            "deduction_below": str(bp.deduction_below)},
    }


class HasPlan(Protocol):
    """A tender.models.Tender fits."""

    @property
    def evaluation_plan(self) -> dict[str, Any] | None: ...

    @property
    def evaluation_method(self) -> str: ...

    @property
    def line(self) -> str: ...


def plan_in_of(stored: Mapping[str, Any]) -> EvaluationPlanIn:
    """The input model of a stored plan (its metadata left out); PlanInvalid when it does not parse."""
    try:
        return EvaluationPlanIn.model_validate({k: stored.get(k) for k in ("category", "criteria", "base_price")})
    except ValidationError:
        raise PlanInvalid([Problem("tender.plan_corrupt", "已保存的评标办法无法读取",
                                   "The stored evaluation plan cannot be read").to_dict()]) from None


def plan_from_json(source: HasPlan | Mapping[str, Any] | None, *, method: str | None = None,
                   line: str | None = None) -> Plan:
    """The Plan of a tender (or of a stored dict with `method` given): the stored plan, or the method's preset
    for a tender stored without one. Only the arithmetic's needs are re-checked (see plan_problems)."""
    stored: Mapping[str, Any] | None
    if source is not None and not isinstance(source, Mapping):
        stored, method, line = source.evaluation_plan, str(source.evaluation_method), str(source.line)
    else:
        stored = source
        method = method or (str(stored["method"]) if stored and stored.get("method") else None)
    if method is None:
        raise PlanInvalid([Problem("tender.plan_unknown_method", "未知的评标办法", "Unknown evaluation method",
                                   field="evaluation_method").to_dict()])
    data = None if stored is None else plan_in_of(stored)
    plan, problems = plan_problems(data, method, line, policy=stored is None)
    if problems or plan is None:
        raise PlanInvalid([p.to_dict() for p in problems])
    return plan


def presets_json() -> dict[str, dict[str, dict[str, Any]]]:
    """method → category → {criteria, base_price} for the form's preset buttons (strings, no Decimals)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (method, category), criteria in PRESETS.items():
        base = DEFAULT_BASE_PRICE if method in BASE_PRICE_METHODS else None
        out.setdefault(method, {})[category.value] = plan_to_json(
            Plan(method=method, category=category, criteria=criteria, base_price=base), preset=True)
    return out
