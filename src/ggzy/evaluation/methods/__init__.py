"""Evaluation methods (评标办法): one small module per method behind base.Method, pure and exact (Decimal).

METHODS maps each tender.models.EvaluationMethod to the object that ranks it; plan.py checks and loads the
tender's evaluation plan, rejections.py the automatic rejections, candidates.py the 1-3 candidates.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ggzy.evaluation.methods.assessment import BasePriceMethod
from ggzy.evaluation.methods.base import Method
from ggzy.evaluation.methods.errors import UnknownMethod
from ggzy.evaluation.methods.lowest_price import LowestPrice
from ggzy.evaluation.methods.scoring import ComprehensiveScoring
from ggzy.tender.models import EvaluationMethod

METHODS: Mapping[EvaluationMethod, Method] = MappingProxyType({
    EvaluationMethod.lowest_price: LowestPrice("lowest_price"),
    EvaluationMethod.lowest_evaluated_price: LowestPrice("lowest_evaluated_price"),
    EvaluationMethod.comprehensive_scoring: ComprehensiveScoring(),
    EvaluationMethod.comprehensive_assessment: BasePriceMethod("comprehensive_assessment"),
    EvaluationMethod.base_price_deviation: BasePriceMethod("base_price_deviation"),
})


def method_for(name: str) -> Method:
    """The method object for an EvaluationMethod value; UnknownMethod (422) otherwise."""
    try:
        return METHODS[EvaluationMethod(name)]
    except ValueError:
        raise UnknownMethod(detail={"method": name}) from None
