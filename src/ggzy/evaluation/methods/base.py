"""The one interface every evaluation method (评标办法) implements: pure functions, Decimal, explicit rounding.

Inputs are what the committee produced (review results, every member's scores); the output is the ranking
the report prints. No I/O here: evaluation.service loads rows, builds these values and stores the result.
Rules: ../shared/DOMAIN.md "Evaluation methods" (Evaluation Rules Art.19/27/30-37; MOF 87 Art.54-57).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

POINT = Decimal("0.01")
"""Scores are rounded half-up to two decimals at each step the report prints (criterion mean, price score,
total); prices to the fen (kit.money)."""


def points(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP)


class CriterionKind(StrEnum):
    price = "price"  # 价格分: computed by the method, never scored by hand
    technical = "technical"  # 技术分
    commercial = "commercial"  # 商务分


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    kind: CriterionKind
    max: Decimal
    """Upper bound of a member's score (lower bound 0)."""


class Category(StrEnum):
    goods = "goods"  # 货物: price weight ≥ 30% (MOF 87 Art.55)
    services = "services"  # 服务: price weight ≥ 10%
    works = "works"  # 工程


@dataclass(frozen=True)
class BasePriceRule:
    """Construction base-price variant (平均值下浮基准价法, local practice; DOMAIN.md)."""

    drop_extremes_above: int
    """With more than this many valid prices, one highest and one lowest are dropped before the mean."""
    deduction_above: Decimal
    """Points deducted per 1% a price lies above the base price."""
    deduction_below: Decimal
    """Points deducted per 1% a price lies below the base price."""


@dataclass(frozen=True)
class Plan:
    """The tender's evaluation plan (stored on Tender.evaluation_plan, checked at tender creation)."""

    method: str
    """tender.models.EvaluationMethod value."""
    category: Category
    criteria: tuple[Criterion, ...]
    """Exactly one criterion of kind price for scoring methods (its max is the price weight in points of
    100); none for the lowest-price methods."""
    base_price: BasePriceRule | None = None


@dataclass(frozen=True)
class BidInput:
    entry_id: str
    """opening.models.OpeningEntry id."""
    bidder_org_id: str
    price: Decimal
    """The evaluated bid price: the amount in words where words and figures differ (Evaluation Rules Art.19),
    plus any price correction the committee recorded."""
    valid: bool
    """Passed review (not rejected, 否决投标)."""


ScoreSheet = Mapping[str, Mapping[str, Mapping[str, Decimal]]]
"""member_id → entry_id → criterion_id → score, for the non-price criteria of valid bids."""


@dataclass(frozen=True)
class Ranked:
    entry_id: str
    bidder_org_id: str
    price: Decimal
    price_score: Decimal | None
    """None for the lowest-price methods."""
    criterion_scores: Mapping[str, Decimal] = field(default_factory=dict)
    """criterion_id → the committee's score (mean of members, rounded) for each non-price criterion."""
    total: Decimal | None = None
    """None for the lowest-price methods."""
    rank: int = 0
    tie: bool = False
    """并列: the method's keys could not tell this bid from another and the committee gave no order, so the
    rank between them fell to entry-id order; the report prints 并列 (MOF 87 Art.56/57) for the committee or
    tenderer to resolve."""
    base_price: Decimal | None = None
    """The lot's base price (基准价, fen) for the base-price methods; None otherwise."""
    deviation: Decimal | None = None
    """(price − base) ÷ base × 100, signed, rounded to 0.01 for the report; None without a base price."""


class Method(Protocol):
    name: str

    def rank(self, plan: Plan, bids: Sequence[BidInput], scores: ScoreSheet, *,
             coefficient: Decimal | None = None, tie_break: Sequence[str] = ()) -> list[Ranked]:
        """Valid bids only, best first, ranks 1..n with the method's tie rules; `coefficient` is the 下浮系数
        drawn at the opening (base-price variant only); `tie_break` is the order of entry ids the committee
        recorded for bids the method cannot separate (see methods/ranking.py)."""
        ...
