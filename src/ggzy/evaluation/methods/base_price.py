"""The construction base price (评标基准价, 平均值下浮基准价法; local practice, DOMAIN.md "Construction base-price
variants").

base = mean of the valid prices — after dropping one highest and one lowest price when there are more than
`drop_extremes_above` of them — × (1 − coefficient), where the coefficient is the 下浮系数 drawn on the server at
the opening (Opening.floating_coefficient: a fraction, 0.01 = 1% down). It is computed as
Σ prices × (1 − coefficient) ÷ n in one exact division and rounded half-up to the fen once, at the end.
No coefficient drawn (the tender set no range) counts as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ggzy.evaluation.methods.base import BasePriceRule
from ggzy.evaluation.methods.errors import CoefficientInvalid, PriceInvalid
from ggzy.evaluation.methods.ranking import exact
from ggzy.kit.money import FEN


@dataclass(frozen=True)
class BasePrice:
    value: Decimal
    """The base price in yuan, rounded half-up to the fen."""
    coefficient: Decimal
    used: tuple[str, ...]
    """Entry ids whose prices entered the mean."""
    dropped: tuple[str, ...]
    """Entry ids dropped as the one highest and the one lowest (empty when not dropped)."""


def check_coefficient(coefficient: Decimal | None) -> Decimal:
    """0 ≤ coefficient < 1 (a fraction); None is 0."""
    if coefficient is None:
        return Decimal(0)
    if not isinstance(coefficient, Decimal) or not coefficient.is_finite() or not 0 <= coefficient < 1:
        raise CoefficientInvalid(detail={"coefficient": str(coefficient)})
    return coefficient


def base_price(prices: Sequence[tuple[str, Decimal]], rule: BasePriceRule,
               coefficient: Decimal | None) -> BasePrice:
    """`prices` are (entry_id, evaluated price) of the valid bids. Ties at an extreme: the one dropped is the
    first by entry id (which one does not change the mean)."""
    if not prices:
        raise PriceInvalid(detail={"reason": "no valid price"})
    c = check_coefficient(coefficient)
    ordered = sorted(prices, key=lambda p: (p[1], p[0]))
    dropped: tuple[str, ...] = ()
    # Dropping needs at least 3 prices so that one is left; check_plan keeps drop_extremes_above ≥ 2 anyway.
    if len(ordered) > rule.drop_extremes_above and len(ordered) >= 3:
        lowest, rest = ordered[0], ordered[1:]
        highest = min((p for p in rest if p[1] == rest[-1][1]), key=lambda p: p[0])
        dropped = (lowest[0], highest[0])
        ordered = [p for p in ordered if p[0] not in dropped]
    with exact():
        total = sum((p for _, p in ordered), Decimal(0))
        value = (total * (1 - c) / len(ordered)).quantize(FEN, rounding=ROUND_HALF_UP)
    if value <= 0:
        raise PriceInvalid(detail={"reason": "base price rounds to zero", "base_price": str(value)})
    return BasePrice(value=value, coefficient=c, used=tuple(e for e, _ in ordered), dropped=dropped)
