"""Random committees (3-9 members), plans and scores through every method, checked against the invariants:
every committee score within [0, max] and equal to the exact mean rounded half-up; price scores within
[0, weight] and equal to an exact Fraction computation; totals the sum of the rounded parts; the ranking sorted
by the method's keys with the committee's order and then entry-id order (flagged) among equals; candidates never
a rejected bid."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy.evaluation.methods import METHODS
from ggzy.evaluation.methods.base import BidInput, CriterionKind, Plan, Ranked
from ggzy.evaluation.methods.candidates import candidates
from ggzy.evaluation.methods.plan import EvaluationPlanIn, check_plan
from ggzy.tender.models import EvaluationMethod

LINE = {"lowest_price": "procurement", "comprehensive_scoring": "procurement", "lowest_evaluated_price":
        "construction", "comprehensive_assessment": "construction", "base_price_deviation": "construction"}


def half_up(x: Fraction, places: int = 2) -> Decimal:
    """Exact half-up rounding of a Fraction (the oracle shares no code with the methods)."""
    scale = 10**places
    sign = -1 if x < 0 else 1
    n = (abs(x) * scale * 2 + 1) // 2
    return Decimal(sign * int(n)).scaleb(-places)


def cents(draw: st.DrawFn, lo: int, hi: int) -> Decimal:
    return Decimal(draw(st.integers(lo, hi))).scaleb(-2)


def split(draw: st.DrawFn, total_cents: int, parts: int) -> list[int]:
    """`parts` positive cent amounts that add up to total_cents."""
    cuts = sorted(draw(st.lists(st.integers(1, total_cents - 1), min_size=parts - 1, max_size=parts - 1,
                                unique=True)))
    edges = [0, *cuts, total_cents]
    return [b - a for a, b in itertools.pairwise(edges)]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(sorted(LINE)))
    line = LINE[method]
    category = draw(st.sampled_from(["goods", "services"])) if line == "procurement" else "works"
    rows: list[dict[str, str]] = []
    if method in ("lowest_price", "lowest_evaluated_price"):
        for i in range(draw(st.integers(0, 2))):
            rows.append({"name": f"t{i}", "kind": "technical", "max": str(cents(draw, 100, 5000))})
    elif method == "base_price_deviation":
        rows.append({"name": "price", "kind": "price", "max": "100"})
    else:
        floor = {"goods": 3000, "services": 1000}.get(category, 100)
        weight = draw(st.integers(floor, 9900))
        others = draw(st.integers(1, min(4, 10000 - weight)))
        rows.append({"name": "price", "kind": "price", "max": str(Decimal(weight).scaleb(-2))})
        for i, part in enumerate(split(draw, 10000 - weight, others) if others > 1 else [10000 - weight]):
            rows.append({"name": f"c{i}", "kind": draw(st.sampled_from(["technical", "commercial"])),
                         "max": str(Decimal(part).scaleb(-2))})
    base = None
    if method in ("comprehensive_assessment", "base_price_deviation"):
        base = {"drop_extremes_above": draw(st.integers(2, 8)), "deduction_above": str(cents(draw, 0, 500)),
                "deduction_below": str(cents(draw, 1, 500))}
    plan = check_plan(EvaluationPlanIn.model_validate({"category": category, "criteria": rows, "base_price": base}),
                      method, line)
    n = draw(st.integers(1, 10))
    if draw(st.booleans()):  # a small pool of any prices: equal prices
        pool = [cents(draw, 1, 10**11) for _ in range(draw(st.integers(1, 4)))]
    else:  # 2^a·5^b prices: quotients terminate, so exact x.xx5 half-up cases turn up
        pool = [Decimal(draw(st.sampled_from([1, 2, 4, 5, 8, 16, 25, 32, 64, 125, 128, 625])))
                .scaleb(draw(st.integers(0, 6))) for _ in range(draw(st.integers(1, 4)))]
    bids = [BidInput(entry_id=f"e{i:02d}", bidder_org_id=f"o{i}", price=draw(st.sampled_from(pool)),
                     valid=draw(st.booleans()) or i == 0) for i in range(n)]
    members = draw(st.integers(3, 9))
    scored = [c for c in plan.criteria if c.kind != CriterionKind.price]
    mode = draw(st.sampled_from(["cents", "points", "flat"]))  # points and flat make many equal totals
    flat = {(b.entry_id, c.id): draw(st.sampled_from([Decimal(0), c.max])) for b in bids for c in scored}
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    for m in range(members):
        for b in bids:
            if b.valid:
                for c in scored:
                    top = int(c.max * 100)
                    v = (flat[b.entry_id, c.id] if mode == "flat" else Decimal(draw(st.integers(0, top // 100)))
                         if mode == "points" else cents(draw, 0, top))
                    scores.setdefault(f"m{m}", {}).setdefault(b.entry_id, {})[c.id] = v
    coefficient = draw(st.none() | st.sampled_from([Decimal("0"), Decimal("0.0025"), Decimal("0.0125"),
                                                    Decimal("0.05")]))
    valid_ids = [b.entry_id for b in bids if b.valid]
    tie_break = draw(st.permutations(valid_ids).flatmap(lambda p: st.just(p[:len(p) // 2])))
    rejected_extra = draw(st.sets(st.sampled_from(valid_ids)))
    return {"plan": plan, "bids": bids, "scores": scores, "coefficient": coefficient, "tie_break": list(tie_break),
            "rejected_extra": rejected_extra}


def oracle_base(plan: Plan, prices: Sequence[Fraction], coefficient: Decimal | None) -> Fraction:
    assert plan.base_price is not None
    ps = sorted(prices)
    if len(ps) > plan.base_price.drop_extremes_above and len(ps) >= 3:
        ps = ps[1:-1]
    c = Fraction(coefficient or 0)
    return Fraction(half_up(sum(ps, Fraction(0)) * (1 - c) / len(ps)))


def check(s: dict[str, Any]) -> list[Ranked]:
    plan: Plan = s["plan"]
    bids: list[BidInput] = s["bids"]
    method = METHODS[EvaluationMethod(plan.method)]
    ranked = method.rank(plan, bids, s["scores"], coefficient=s["coefficient"], tie_break=s["tie_break"])
    valid = {b.entry_id: b for b in bids if b.valid}
    # Valid bids only, each once, ranks 1..n.
    assert sorted(r.entry_id for r in ranked) == sorted(valid)
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    scored = [c for c in plan.criteria if c.kind != CriterionKind.price]
    members = list(s["scores"])
    for r in ranked:
        # Committee scores: within [0, max] and exactly the half-up mean.
        assert set(r.criterion_scores) == {c.id for c in scored}
        for c in scored:
            got = r.criterion_scores[c.id]
            assert 0 <= got <= c.max
            mean = sum((Fraction(s["scores"][m][r.entry_id][c.id]) for m in members), Fraction(0)) / len(members)
            assert got == half_up(mean)
    prices = [Fraction(b.price) for b in valid.values()]
    price_c = [c for c in plan.criteria if c.kind == CriterionKind.price]
    if plan.method in ("lowest_price", "lowest_evaluated_price"):
        assert all(r.price_score is None and r.total is None for r in ranked)
        def key(r: Ranked) -> tuple[Any, ...]:
            return (r.price, -sum(r.criterion_scores.values(), Decimal(0)))
    else:
        weight = Fraction(price_c[0].max)
        if plan.method == "comprehensive_scoring":
            expect = {e: half_up(min(prices) * weight / Fraction(b.price)) for e, b in valid.items()}
        else:
            assert plan.base_price is not None
            base = oracle_base(plan, prices, s["coefficient"])
            bp = plan.base_price
            expect = {}
            for e, b in valid.items():
                p = Fraction(b.price)
                per = Fraction(bp.deduction_above if p > base else bp.deduction_below)
                expect[e] = half_up(max(Fraction(0), weight - abs(p - base) * 100 * per / base))
        for r in ranked:
            assert r.price_score is not None and r.total is not None
            assert 0 <= r.price_score <= price_c[0].max
            assert r.price_score == expect[r.entry_id]
            assert r.total == r.price_score + sum(r.criterion_scores.values(), Decimal(0))
        def key(r: Ranked) -> tuple[Any, ...]:
            return (-(r.total or 0), r.price)
    # Order: the method's key, then the committee's order, then entry id; 并列 flagged only for the last.
    pos = {e: i for i, e in enumerate(s["tie_break"])}
    for a, b in itertools.pairwise(ranked):
        assert key(a) <= key(b)
        if key(a) == key(b):
            assert (pos.get(a.entry_id, len(pos)), a.entry_id) < (pos.get(b.entry_id, len(pos)), b.entry_id)
    for r in ranked:
        equals = [o for o in ranked if key(o) == key(r) and o.entry_id not in pos]
        assert r.tie == (r.entry_id not in pos and len(equals) > 1)
    # Candidates: top 1-3 of what is not rejected, never a rejected bid.
    rejected = {b.entry_id for b in bids if not b.valid} | set(s["rejected_extra"])
    chosen = candidates(ranked, rejected)
    assert not {c.entry_id for c in chosen} & rejected
    assert [c.entry_id for c in chosen] == [r.entry_id for r in ranked if r.entry_id not in rejected][:3]
    assert [c.rank for c in chosen] == list(range(1, len(chosen) + 1))
    return ranked


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_random_committees_keep_every_invariant(s: dict[str, Any]) -> None:
    check(s)
