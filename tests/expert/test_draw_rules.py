"""Pure rules of the draw: composition (each with its article), eligibility and avoidance grounds, and the
deterministic draw — reproducible, never drawing a conflicted expert, uniform among the eligible."""

from __future__ import annotations

import copy
import secrets
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from scipy.stats import chisquare

from ggzy.expert import draw_rules as rules
from ggzy.expert.draw_rules import Ground, GroupWant, OrgRef, RequestSpec, SpecialtyWant
from ggzy.expert.errors import (
    CommitteeSize,
    EvaluationInPast,
    PoolExhausted,
    ProcurementSize,
    RegionInvalid,
    SpecialtyCounts,
    TooManyRepresentatives,
    VenueInvalid,
)
from tests.expert.draw_builders import candidate

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
EVAL = NOW + timedelta(days=2)
BIDDER = OrgRef("投标人甲建设有限公司", "91330100MA0000001X")
BIDDER_NO_CODE = OrgRef("乙 工程（集团）有限公司", "")
TENDERER = OrgRef("市第一中学", "12330100000000001A")
AGENCY = OrgRef("华信招标代理有限公司", "91330100MA0000002Y")
SUPERVISOR = OrgRef("市住房和城乡建设局", "11330100000000003B")


def spec(size: int = 5, reps: int = 0, specialties: tuple[tuple[str, int], ...] | None = None,
         **over: object) -> RequestSpec:
    specs = specialties or (("A0801", size - reps),)
    base: dict[str, object] = {
        "size": size, "tenderer_reps": tuple(f"u{i}" for i in range(reps)),
        "specialties": tuple(SpecialtyWant(c, k) for c, k in specs), "regions": (), "evaluation_at": EVAL,
        "evaluation_hours": 4, "venue": "room", "room": "第3评标室",
    }
    base.update(over)
    return RequestSpec(**base)  # type: ignore[arg-type]


def check(s: RequestSpec, *, procurement: bool = False, budget: str = "1000000") -> None:
    rules.check_composition(s, procurement=procurement, total_budget=Decimal(budget), now=NOW)


def ctx(**over: object) -> rules.DrawContext:
    parties = rules.party_index(bidders=[BIDDER, BIDDER_NO_CODE], tenderer=TENDERER, agency=AGENCY,
                                supervisors=[SUPERVISOR], party_org_ids=["org-tenderer", "org-agency"])
    base: dict[str, object] = {"parties": parties, "evaluation_at": EVAL, "evaluation_hours": 4, "regions": ()}
    base.update(over)
    return rules.DrawContext(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- composition


@pytest.mark.parametrize("size", [1, 3, 4, 6, 8])
def test_committee_of_five_or_more_odd_members_evaluation_rules_art9(size: int) -> None:
    with pytest.raises(CommitteeSize) as exc:
        check(spec(size))
    assert exc.value.status == 422 and "第九条" in exc.value.message_zh and "Art.9" in exc.value.message_en


def test_five_and_seven_are_lawful_sizes_evaluation_rules_art9() -> None:
    check(spec(5))
    check(spec(7))


def test_pool_experts_at_least_two_thirds_evaluation_rules_art9() -> None:
    check(spec(5, reps=1))  # 4 of 5 from the pool
    check(spec(7, reps=2))  # 5 of 7
    with pytest.raises(TooManyRepresentatives) as exc:
        check(spec(5, reps=2))  # 3 of 5 < 2/3
    assert "三分之二" in exc.value.message_zh
    with pytest.raises(TooManyRepresentatives):
        check(spec(7, reps=3))


def test_procurement_budget_of_ten_million_needs_seven_mof87_art47() -> None:
    with pytest.raises(ProcurementSize) as exc:
        check(spec(5), procurement=True, budget="10000000")
    assert "第四十七条" in exc.value.message_zh
    check(spec(7), procurement=True, budget="10000000")
    check(spec(5), procurement=True, budget="9999999.99")
    check(spec(5), procurement=False, budget="50000000")  # construction: Art.9's 5 is enough


def test_specialty_counts_add_up_to_the_pool_seats_bidding_regs_art46() -> None:
    check(spec(5, reps=1, specialties=(("A0801", 2), ("A0802", 2))))
    for bad in [(("A0801", 3),), (("A0801", 5), ("A0802", 1)), (("A0801", 2), ("A0801", 3))]:
        with pytest.raises(SpecialtyCounts):
            check(spec(5, specialties=bad))


def test_regions_are_six_digit_codes_the_time_is_future_and_the_venue_complete() -> None:
    check(spec(regions=("330000", "310106")))
    with pytest.raises(RegionInvalid):
        check(spec(regions=("3301",)))
    with pytest.raises(EvaluationInPast):
        check(spec(evaluation_at=NOW))
    with pytest.raises(VenueInvalid):
        check(spec(venue="room", room=" "))
    with pytest.raises(VenueInvalid):
        check(spec(venue="remote", room="第3评标室"))
    check(spec(venue="remote", room=""))


def test_request_document_round_trips_and_hashes_canonically() -> None:
    s = spec(7, reps=1, specialties=(("A0801", 4), ("A0802", 2)), regions=("330100",))
    doc = rules.request_doc("t1", s)
    assert rules.spec_from_doc(doc) == s
    assert rules.request_sha256(doc) == rules.request_sha256(dict(reversed(list(doc.items()))))


# ---------------------------------------------------------------- eligibility (Evaluation Rules Art.11)


def test_senior_title_and_eight_years_evaluation_rules_art11() -> None:
    c = ctx()
    assert rules.grounds(candidate(1), c) == []
    assert rules.grounds(candidate(2, senior_title=False), c) == [Ground.no_senior_title]
    # 6 years as of 2025-01-01 + 1 whole year to the evaluation (March 2026) = 7 < 8 …
    assert rules.grounds(candidate(3, years_in_field=6), c) == [Ground.too_few_years]
    # … while 7 years then are 8 by the evaluation date.
    assert rules.grounds(candidate(4, years_in_field=7), c) == []


def test_inactive_unavailable_and_region() -> None:
    assert rules.grounds(candidate(1, status="suspended"), ctx()) == [Ground.not_active]
    busy = ((EVAL + timedelta(hours=3), EVAL + timedelta(days=1)),)
    assert rules.grounds(candidate(2, unavailable=busy), ctx()) == [Ground.unavailable]
    before = ((EVAL - timedelta(days=1), EVAL),)  # ends as the evaluation starts: available
    assert rules.grounds(candidate(3, unavailable=before), ctx()) == []
    assert rules.grounds(candidate(4, region="330106"), ctx(regions=("330000",))) == []  # province covers county
    assert rules.grounds(candidate(5, region="330106"), ctx(regions=("330100",))) == []  # city covers county
    assert rules.grounds(candidate(6, region="320106"), ctx(regions=("330100", "310000"))) == [Ground.region]


# ---------------------------------------------------------------- avoidance (回避)


def test_employer_is_a_bidder_evaluation_rules_art12_gp_regs_art9() -> None:
    assert rules.grounds(candidate(1, employer=BIDDER), ctx()) == [Ground.employer_bidder]
    # Matched by credit code even when the name is written differently …
    assert rules.grounds(candidate(2, employer=OrgRef("甲建设", BIDDER.credit_code)), ctx()) == [
        Ground.employer_bidder]
    # … by normalised name when a side has no code (full-width brackets and spaces do not matter) …
    assert rules.grounds(candidate(3, employer=OrgRef("乙工程(集团)有限公司", "")), ctx()) == [
        Ground.employer_bidder]
    assert rules.grounds(candidate(4, employer=OrgRef("投标人甲建设有限公司", "")), ctx()) == [
        Ground.employer_bidder]
    # … and two different codes are two different organisations, whatever the names say.
    assert rules.grounds(candidate(5, employer=OrgRef("投标人甲建设有限公司", "91330100MA9999999Z")), ctx()) == []


def test_employer_within_three_years_before_the_evaluation_gp_regs_art9() -> None:
    recent = rules.Employment(BIDDER, date(2015, 1, 1), date(2023, 6, 1))  # < 3 years before March 2026
    old = rules.Employment(BIDDER, date(2010, 1, 1), date(2022, 12, 31))  # > 3 years before
    assert rules.grounds(candidate(1, employments=(recent,)), ctx()) == [Ground.employer_bidder]
    assert rules.grounds(candidate(2, employments=(old,)), ctx()) == []


def test_staff_of_the_tenderer_or_its_supervisor_evaluation_rules_art12() -> None:
    assert rules.grounds(candidate(1, employer=TENDERER), ctx()) == [Ground.employer_tenderer]
    assert rules.grounds(candidate(2, employer=SUPERVISOR), ctx()) == [Ground.employer_supervisor]


def test_agency_staff_never_on_their_own_agency_projects_mof87_art47() -> None:
    assert rules.grounds(candidate(1, employer=AGENCY), ctx()) == [Ground.employer_agency]
    assert rules.grounds(candidate(2, user_org_id="org-agency"), ctx()) == [Ground.party_account]
    assert rules.grounds(candidate(3, user_org_id="org-pool"), ctx()) == []


def test_declared_relative_or_interest_evaluation_rules_art12_gp_regs_art9() -> None:
    rel = rules.Declaration("relative", BIDDER)
    interest = rules.Declaration("interest", OrgRef("乙工程（集团）有限公司"))
    elsewhere = rules.Declaration("interest", OrgRef("无关公司", "91330100MA0000009Q"))
    assert rules.grounds(candidate(1, declarations=(rel,)), ctx()) == [Ground.declared_relative]
    assert rules.grounds(candidate(2, declarations=(interest,)), ctx()) == [Ground.declared_interest]
    assert rules.grounds(candidate(3, declarations=(elsewhere,)), ctx()) == []


def test_any_past_penalty_excludes_evaluation_rules_art12_4() -> None:
    assert rules.grounds(candidate(1, penalties=1), ctx()) == [Ground.penalty]


def test_build_groups_counts_every_ground_and_sorts_the_eligible() -> None:
    cands = [candidate(3), candidate(1), candidate(2, employer=BIDDER, senior_title=False),
             candidate(4, specialties=("A080101",)), candidate(5, specialties=("A0802",)),
             candidate(6, specialties=("B01",))]
    groups, excluded = rules.build_groups(cands, ctx(), [GroupWant("A0801", 2, 1), GroupWant("A0802", 1, 0)],
                                          frozenset({"e00003"}))
    assert groups[0].eligible == ("e00001", "e00004")  # sub-code matches, e00003 drawn before, sorted
    assert groups[1].eligible == ("e00005",)
    assert excluded == {"already_drawn": 1, "employer_bidder": 1, "no_senior_title": 1}


# ---------------------------------------------------------------- the deterministic draw


def pool(n: int, code: str = "A0801") -> tuple[str, ...]:
    return tuple(f"e{i:05d}" for i in range(n))


def run(seed: bytes, groups: list[rules.Group], round_no: int = 1) -> list[rules.Pick]:
    raw = rules.snapshot_bytes(rules.snapshot_doc("d1", round_no, groups))
    return rules.draw_round(seed, round_no, rules.sha256_hex(raw), "r" * 64, groups)


def test_same_inputs_give_the_same_committee() -> None:
    groups = [rules.Group("A0801", 3, 2, pool(40)), rules.Group("A0802", 2, 2, pool(40))]
    seed = secrets.token_bytes(32)
    first = run(seed, groups)
    assert run(seed, copy.deepcopy(groups)) == first
    assert len(first) == 9 and len({p.expert_id for p in first}) == 9  # no one twice across groups
    assert [p.reserve for p in first] == [False] * 3 + [True] * 2 + [False] * 2 + [True] * 2
    # Any change of input gives another draw: the seed, the round, the pool.
    assert run(secrets.token_bytes(32), groups) != first
    assert run(seed, groups, round_no=2) != first
    assert run(seed, [rules.Group("A0801", 3, 2, pool(41)), groups[1]]) != first


def test_known_answer_fixes_the_algorithm() -> None:
    """A published vector: a re-implementation of docs/experts.md must print exactly these picks."""
    seed = bytes(range(32))
    groups = [rules.Group("A0801", 2, 1, ("a", "b", "c", "d", "e")), rules.Group("A0802", 1, 0, ("c", "f"))]
    picks = rules.draw_round(seed, 1, "0" * 64, "1" * 64, groups)
    assert [(p.expert_id, p.code, p.reserve) for p in picks] == KNOWN_ANSWER


KNOWN_ANSWER = [("c", "A0801", False), ("b", "A0801", False), ("e", "A0801", True), ("f", "A0802", False)]


def test_the_stream_is_hmac_of_the_documented_message() -> None:
    import hashlib
    import hmac

    seed = bytes(range(32))
    s = rules.RandomStream(seed, 2, "p" * 64, "q" * 64)
    expected = hmac.new(seed, f"ggzy-draw-v1|2|{'p' * 64}|{'q' * 64}|0".encode(), hashlib.sha256).digest()
    assert s.block() == expected and s.counter == 1


def test_pool_exhausted_is_a_409_with_the_numbers() -> None:
    with pytest.raises(PoolExhausted) as exc:
        run(b"s" * 32, [rules.Group("A0801", 3, 0, pool(2))])
    assert exc.value.status == 409 and exc.value.detail["needed"] == 3 and exc.value.detail["eligible"] == 2
    picks = run(b"s" * 32, [rules.Group("A0801", 3, 5, pool(4))])  # reserves are best effort
    assert [p.reserve for p in picks] == [False, False, False, True]


def test_a_conflicted_expert_is_never_drawn_over_10000_draws() -> None:
    """Ten conflicted experts among fifty; 10,000 draws with fresh seeds never seat or reserve one of them,
    while every eligible expert does get drawn (so the test could fail)."""
    conflicted = {
        1: {"employer": BIDDER}, 2: {"employer": TENDERER}, 3: {"employer": AGENCY}, 4: {"employer": SUPERVISOR},
        5: {"employments": (rules.Employment(BIDDER_NO_CODE, date(2020, 1, 1), date(2024, 1, 1)),)},
        6: {"declarations": (rules.Declaration("relative", BIDDER),)},
        7: {"declarations": (rules.Declaration("interest", TENDERER),)},
        8: {"penalties": 2}, 9: {"user_org_id": "org-tenderer"}, 10: {"employer": OrgRef("华信 招标代理有限公司")},
    }
    cands = [candidate(i, **conflicted.get(i, {})) for i in range(1, 51)]
    groups, excluded = rules.build_groups(cands, ctx(), [GroupWant("A0801", 5, 2)])
    banned = {f"e{i:05d}" for i in conflicted}
    assert not banned & set(groups[0].eligible) and len(groups[0].eligible) == 40
    assert sum(excluded.values()) == 10
    raw = rules.snapshot_bytes(rules.snapshot_doc("d1", 1, groups))
    sha = rules.sha256_hex(raw)
    seen: set[str] = set()
    started = time.perf_counter()
    for _ in range(10_000):
        picks = rules.draw_round(secrets.token_bytes(32), 1, sha, "r" * 64, groups)
        ids = {p.expert_id for p in picks}
        assert not ids & banned
        seen |= ids
    assert seen == set(groups[0].eligible)
    assert time.perf_counter() - started < 10  # about 0.3 s here; generous for a loaded CI machine


def test_draws_are_uniform_among_the_eligible_chi_square() -> None:
    """Seat counts per expert over 4,000 draws of 5 from 20: a chi-square test must not reject uniformity."""
    eligible = pool(20)
    groups = [rules.Group("A0801", 5, 0, eligible)]
    seats: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for _ in range(4000):
        picks = rules.draw_round(secrets.token_bytes(32), 1, "0" * 64, "1" * 64, groups)
        seats.update(p.expert_id for p in picks)
        first[picks[0].expert_id] += 1
    assert chisquare([seats[e] for e in eligible]).pvalue > 0.001
    assert chisquare([first[e] for e in eligible]).pvalue > 0.001


def test_rejection_sampling_is_unbiased_for_awkward_ranges() -> None:
    s = rules.RandomStream(secrets.token_bytes(32), 1, "0" * 64, "1" * 64)
    counts = Counter(s.below(7) for _ in range(14_000))
    assert set(counts) == set(range(7))
    assert chisquare([counts[i] for i in range(7)]).pvalue > 0.001
    with pytest.raises(ValueError, match="positive"):
        s.below(0)


# ---------------------------------------------------------------- verification


def verification(seed: bytes) -> dict[str, object]:
    req = rules.request_doc("t1", spec(5))
    req_sha = rules.request_sha256(req)
    g1 = [rules.Group("A0801", 5, 2, pool(30))]
    raw1 = rules.snapshot_bytes(rules.snapshot_doc("d1", 1, g1))
    p1 = rules.draw_round(seed, 1, rules.sha256_hex(raw1), req_sha, g1)
    gone = p1[0].expert_id
    left = tuple(x for x in pool(30) if x not in {p.expert_id for p in p1})
    g2 = [rules.Group("A0801", 1, 0, left)]
    raw2 = rules.snapshot_bytes(rules.snapshot_doc("d1", 2, g2))
    p2 = rules.draw_round(seed, 2, rules.sha256_hex(raw2), req_sha, g2)
    return {
        "version": 1, "draw_id": "d1", "status": "decided", "seed": seed.hex(),
        "seed_commitment": rules.seed_commitment(seed), "request": req, "request_sha256": req_sha,
        "replaced_experts": [gone],
        "rounds": [{"number": 1, "pool_sha256": rules.sha256_hex(raw1), "snapshot": raw1.decode(),
                    "picked": [p.as_dict() for p in p1]},
                   {"number": 2, "pool_sha256": rules.sha256_hex(raw2), "snapshot": raw2.decode(),
                    "picked": [p.as_dict() for p in p2]}],
    }


def test_verify_accepts_an_honest_draw_and_recomputes_the_committee() -> None:
    doc = verification(secrets.token_bytes(32))
    result = rules.verify_draw(doc)
    assert result.ok, result.failures
    assert len(result.committee) == 5 and doc["replaced_experts"][0] not in {  # type: ignore[index]
        s["expert_id"] for s in result.committee}
    assert [s["round"] for s in result.committee].count(2) == 1


@pytest.mark.parametrize("tamper", ["seed", "commitment", "snapshot", "picks", "request", "earlier", "replaced"])
def test_verify_rejects_any_tampering(tamper: str) -> None:
    doc = verification(secrets.token_bytes(32))
    rounds: list[dict[str, object]] = doc["rounds"]  # type: ignore[assignment]
    if tamper == "seed":
        doc["seed"] = secrets.token_bytes(32).hex()
    elif tamper == "commitment":
        doc["seed_commitment"] = "0" * 64
    elif tamper == "snapshot":
        rounds[0]["snapshot"] = str(rounds[0]["snapshot"]).replace("e00001", "e99999")
    elif tamper == "picks":
        picked: list[dict[str, object]] = rounds[0]["picked"]  # type: ignore[assignment]
        picked[0], picked[1] = picked[1], picked[0]
    elif tamper == "request":
        doc["request"] = {**doc["request"], "room": "另一评标室"}  # type: ignore[dict-item]
    elif tamper == "earlier":
        # A replacement round whose pool still holds someone drawn in round 1 (correctly hashed and drawn).
        req_sha = str(doc["request_sha256"])
        g2 = [rules.Group("A0801", 1, 0, pool(30))]
        raw2 = rules.snapshot_bytes(rules.snapshot_doc("d1", 2, g2))
        p2 = rules.draw_round(bytes.fromhex(str(doc["seed"])), 2, rules.sha256_hex(raw2), req_sha, g2)
        rounds[1].update(pool_sha256=rules.sha256_hex(raw2), snapshot=raw2.decode(), picked=[p.as_dict() for p in p2])
    else:
        doc["replaced_experts"] = []
    assert not rules.verify_draw(doc).ok


def test_verify_survives_garbage() -> None:
    result = rules.verify_draw({"seed": "zz"})
    assert not result.ok and result.failures
