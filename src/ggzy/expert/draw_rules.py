"""Pure rules of the expert draw (专家抽取): composition, eligibility and avoidance (回避), the deterministic draw.

No I/O here: the service loads the facts, these functions decide. The verifier (`ggzy expert verify-draw`, the
public draw page) imports only this module, so what it re-runs is exactly what the platform ran.
docs/experts.md "## The draw" specifies every byte so the draw can be re-implemented elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

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
from ggzy.sealing.codec import canonical_json, utc_stamp

# ---------------------------------------------------------------- the numbers the law sets

MIN_SIZE = 5
"""5 or more members, an odd number (Evaluation Rules Art.9; MOF 87 Art.47)."""
LARGE_PROCUREMENT_BUDGET = Decimal("10000000")
"""Procurement with a total budget of at least this many yuan needs LARGE_MIN_SIZE members (MOF 87 Art.47)."""
LARGE_MIN_SIZE = 7
MIN_YEARS = 8
"""≥ 8 years in the field and a senior title (Evaluation Rules Art.11)."""
PAST_EMPLOYER_YEARS = 3
"""An employer within 3 years before the evaluation is an avoidance ground (GP Regs Art.9)."""
DEFAULT_RESERVE = 2
DEFAULT_ANSWER_MINUTES = 30
DRAW_VERSION = 1
STREAM_LABEL = "ggzy-draw-v1"
"""Domain separation of the random stream: HMAC messages start with this label."""

_REGION = re.compile(r"[1-9][0-9]{5}")


# ---------------------------------------------------------------- the request and its composition


@dataclass(frozen=True)
class SpecialtyWant:
    code: str
    count: int


@dataclass(frozen=True)
class RequestSpec:
    """A committee request as the agency wrote it (already type-checked by the API schema)."""

    size: int
    tenderer_reps: tuple[str, ...]
    specialties: tuple[SpecialtyWant, ...]
    regions: tuple[str, ...]
    evaluation_at: datetime
    evaluation_hours: int
    venue: str
    room: str
    reserve_per_specialty: int = DEFAULT_RESERVE
    answer_minutes: int = DEFAULT_ANSWER_MINUTES

    @property
    def pool_seats(self) -> int:
        return self.size - len(self.tenderer_reps)


def check_composition(spec: RequestSpec, *, procurement: bool, total_budget: Decimal, now: datetime) -> None:
    """Refuse a committee the law does not allow; each error names its article."""
    if spec.size < MIN_SIZE or spec.size % 2 == 0:
        raise CommitteeSize(detail={"size": spec.size})
    if procurement and total_budget >= LARGE_PROCUREMENT_BUDGET and spec.size < LARGE_MIN_SIZE:
        raise ProcurementSize(detail={"size": spec.size, "budget": str(total_budget)})
    # Pool experts ≥ 2/3 of the members, in integers: 3·pool ≥ 2·size.
    if 3 * spec.pool_seats < 2 * spec.size:
        raise TooManyRepresentatives(detail={"size": spec.size, "representatives": len(spec.tenderer_reps)})
    codes = [s.code for s in spec.specialties]
    if (not spec.specialties or len(set(codes)) != len(codes) or any(s.count < 1 for s in spec.specialties)
            or sum(s.count for s in spec.specialties) != spec.pool_seats):
        raise SpecialtyCounts(detail={"pool_seats": spec.pool_seats,
                                      "counts": {s.code: s.count for s in spec.specialties}})
    for r in spec.regions:
        if not _REGION.fullmatch(r):
            raise RegionInvalid(detail={"region": r})
    if spec.evaluation_at <= now:
        raise EvaluationInPast()
    if (spec.venue == "room") != bool(spec.room.strip()):
        raise VenueInvalid()


def request_doc(tender_id: str, spec: RequestSpec) -> dict[str, Any]:
    """The request exactly as hashed into the draw (canonical JSON of this dict)."""
    return {
        "version": DRAW_VERSION,
        "tender_id": tender_id,
        "size": spec.size,
        "tenderer_reps": list(spec.tenderer_reps),
        "specialties": [{"code": s.code, "count": s.count} for s in spec.specialties],
        "regions": list(spec.regions),
        "evaluation_at": utc_stamp(spec.evaluation_at),
        "evaluation_hours": spec.evaluation_hours,
        "venue": spec.venue,
        "room": spec.room.strip(),
        "reserve_per_specialty": spec.reserve_per_specialty,
        "answer_minutes": spec.answer_minutes,
    }


def spec_from_doc(doc: Mapping[str, Any]) -> RequestSpec:
    """Back from the stored request document (ExpertDraw.request) to a RequestSpec."""
    return RequestSpec(
        size=int(doc["size"]), tenderer_reps=tuple(doc["tenderer_reps"]),
        specialties=tuple(SpecialtyWant(s["code"], int(s["count"])) for s in doc["specialties"]),
        regions=tuple(doc["regions"]),
        evaluation_at=datetime.strptime(doc["evaluation_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        evaluation_hours=int(doc["evaluation_hours"]), venue=str(doc["venue"]), room=str(doc["room"]),
        reserve_per_specialty=int(doc["reserve_per_specialty"]), answer_minutes=int(doc["answer_minutes"]),
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def request_sha256(doc: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(dict(doc)))


def seed_commitment(seed: bytes) -> str:
    """The published commitment: SHA-256 of the 32 seed bytes, hex."""
    return sha256_hex(seed)


# ---------------------------------------------------------------- organisations and avoidance grounds


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """Compare organisation names as people write them: full-width forms, brackets and spaces do not matter.

    Cached: a pool of 100,000 experts has far fewer distinct employers, and this runs for each of them."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "()[]【】〔〕<>《》\"'“”‘’·.,，、-—_")


@dataclass(frozen=True)
class OrgRef:
    name: str
    credit_code: str = ""


class PartyRole(StrEnum):
    bidder = "bidder"
    tenderer = "tenderer"
    agency = "agency"
    supervisor = "supervisor"


@dataclass
class PartyIndex:
    """The tender's parties an expert must have no tie to, indexed for O(1) matching.

    Matching rule: by 统一社会信用代码 when both sides have one, otherwise by normalised name.
    """

    by_code: dict[str, set[PartyRole]] = field(default_factory=dict)
    by_name_uncoded: dict[str, set[PartyRole]] = field(default_factory=dict)
    """Parties without a credit code, by name: the only ones a coded expert-side organisation matches by name."""
    by_name: dict[str, set[PartyRole]] = field(default_factory=dict)
    org_ids: frozenset[str] = frozenset()
    """Organisation ids of the tenderer and the agency (an expert whose account belongs to one is excluded)."""

    def add(self, org: OrgRef, role: PartyRole) -> None:
        name = normalise_name(org.name)
        code = org.credit_code.strip().upper()
        if name:
            self.by_name.setdefault(name, set()).add(role)
        if code:
            self.by_code.setdefault(code, set()).add(role)
        elif name:
            self.by_name_uncoded.setdefault(name, set()).add(role)

    def roles_of(self, org: OrgRef) -> set[PartyRole]:
        name = normalise_name(org.name)
        code = org.credit_code.strip().upper()
        if code:
            return self.by_code.get(code, set()) | self.by_name_uncoded.get(name, set())
        return set(self.by_name.get(name, set())) if name else set()


def party_index(*, bidders: Iterable[OrgRef], tenderer: OrgRef, agency: OrgRef | None,
                supervisors: Iterable[OrgRef], party_org_ids: Iterable[str]) -> PartyIndex:
    idx = PartyIndex(org_ids=frozenset(party_org_ids))
    for b in bidders:
        idx.add(b, PartyRole.bidder)
    idx.add(tenderer, PartyRole.tenderer)
    if agency is not None:
        idx.add(agency, PartyRole.agency)
    for s in supervisors:
        idx.add(s, PartyRole.supervisor)
    return idx


class Ground(StrEnum):
    """Why an expert holding a requested specialty was left out; each with its article (docs/experts.md)."""

    not_active = "not_active"  # 暂停 / 出库
    no_senior_title = "no_senior_title"  # Evaluation Rules Art.11
    too_few_years = "too_few_years"  # Evaluation Rules Art.11
    region = "region"  # outside the requested regions
    unavailable = "unavailable"  # declared unavailable during the evaluation
    employer_bidder = "employer_bidder"  # Evaluation Rules Art.12(3); GP Regs Art.9
    employer_tenderer = "employer_tenderer"  # Evaluation Rules Art.12(2)
    employer_agency = "employer_agency"  # MOF 87 Art.47: agency staff never evaluate its projects
    employer_supervisor = "employer_supervisor"  # Evaluation Rules Art.12(2): 项目主管部门或者行政监督部门
    declared_relative = "declared_relative"  # Evaluation Rules Art.12(1); GP Regs Art.9
    declared_interest = "declared_interest"  # Evaluation Rules Art.12(3); GP Regs Art.9
    penalty = "penalty"  # Evaluation Rules Art.12(4): 受过行政处罚或刑事处罚
    party_account = "party_account"  # the expert's login belongs to the tenderer or the agency
    already_drawn = "already_drawn"  # picked in an earlier round of this draw


GROUND_LABELS: dict[str, tuple[str, str]] = {
    Ground.not_active: ("非在库状态", "Not active"),
    Ground.no_senior_title: ("无高级职称（第十一条）", "No senior title (Art.11)"),
    Ground.too_few_years: ("从业不满8年（第十一条）", "Under 8 years in the field (Art.11)"),
    Ground.region: ("不在所选地区", "Outside the regions"),
    Ground.unavailable: ("评标时段不可参加", "Unavailable at the time"),
    Ground.employer_bidder: ("任职或三年内任职于投标人", "Works (or worked within 3 years) for a bidder"),
    Ground.employer_tenderer: ("任职或三年内任职于招标人", "Works (or worked within 3 years) for the tenderer"),
    Ground.employer_agency: ("任职或三年内任职于代理机构", "Works (or worked within 3 years) for the agency"),
    Ground.employer_supervisor: ("任职于行政监督部门", "Works (or worked within 3 years) for a supervisor"),
    Ground.declared_relative: ("申报近亲属关系", "Declared a relative"),
    Ground.declared_interest: ("申报利害关系", "Declared an interest"),
    Ground.penalty: ("受过处罚（第十二条第四项）", "Penalised before (Art.12(4))"),
    Ground.party_account: ("账号属于招标人或代理机构", "Account of the tenderer or the agency"),
    Ground.already_drawn: ("本次已被抽中", "Already drawn in this draw"),
}

_EMPLOYER_GROUND = {
    PartyRole.bidder: Ground.employer_bidder, PartyRole.tenderer: Ground.employer_tenderer,
    PartyRole.agency: Ground.employer_agency, PartyRole.supervisor: Ground.employer_supervisor,
}


@dataclass(frozen=True)
class Employment:
    org: OrgRef
    start: date
    end: date | None


@dataclass(frozen=True)
class Declaration:
    kind: str
    """model DeclarationKind: relative | interest."""
    org: OrgRef


@dataclass(frozen=True)
class Candidate:
    """What the eligibility rules need to know about one expert (loaded by the service)."""

    id: str
    status: str
    senior_title: bool
    years_in_field: int
    years_as_of: date
    region: str
    specialties: tuple[str, ...]
    employer: OrgRef
    user_org_id: str | None = None
    employments: tuple[Employment, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    penalties: int = 0
    unavailable: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class DrawContext:
    parties: PartyIndex
    evaluation_at: datetime
    evaluation_hours: int
    regions: tuple[str, ...]

    # Cached: grounds() reads these once per candidate, 100,000 times for a large pool.
    @functools.cached_property
    def evaluation_end(self) -> datetime:
        return self.evaluation_at + timedelta(hours=self.evaluation_hours)

    @functools.cached_property
    def evaluation_date(self) -> date:
        # Dates of the evaluation in Beijing time: that is the date the law's "3 years" and "8 years" count to.
        return (self.evaluation_at + timedelta(hours=8)).date()

    @functools.cached_property
    def past_employer_since(self) -> date:
        return years_before(self.evaluation_date, PAST_EMPLOYER_YEARS)

    @functools.cached_property
    def region_prefixes(self) -> tuple[str, ...]:
        return tuple(region_prefix(r) for r in self.regions)


def years_between(start: date, end: date) -> int:
    """Whole years from `start` to `end` (0 when end is before start)."""
    if end <= start:
        return 0
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def region_prefix(code: str) -> str:
    """330000 → 33 (province), 330100 → 3301 (city), 330106 → 330106 (county): a code covers those below it."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def specialty_matches(held: str, wanted: str) -> bool:
    """A request for A0801 matches an expert holding A0801 or any code below it (A080101…)."""
    return held.startswith(wanted)


def grounds(c: Candidate, ctx: DrawContext) -> list[Ground]:
    """Every reason `c` may not sit on this committee; empty = eligible (specialty is checked per group)."""
    out: list[Ground] = []
    if c.status != "active":
        out.append(Ground.not_active)
    if not c.senior_title:
        out.append(Ground.no_senior_title)
    eval_day = ctx.evaluation_date
    if c.years_in_field + years_between(c.years_as_of, eval_day) < MIN_YEARS:
        out.append(Ground.too_few_years)
    if ctx.regions and not c.region.startswith(ctx.region_prefixes):
        out.append(Ground.region)
    start, end = ctx.evaluation_at, ctx.evaluation_end
    if any(u_start < end and u_end > start for u_start, u_end in c.unavailable):
        out.append(Ground.unavailable)
    roles = set(ctx.parties.roles_of(c.employer))
    since = ctx.past_employer_since
    for job in c.employments:
        if job.start <= eval_day and (job.end is None or job.end >= since):
            roles |= ctx.parties.roles_of(job.org)
    out.extend(_EMPLOYER_GROUND[r] for r in PartyRole if r in roles)
    declared = {d.kind for d in c.declarations if ctx.parties.roles_of(d.org)}
    if "relative" in declared:
        out.append(Ground.declared_relative)
    if "interest" in declared:
        out.append(Ground.declared_interest)
    if c.penalties > 0:
        out.append(Ground.penalty)
    if c.user_org_id is not None and c.user_org_id in ctx.parties.org_ids:
        out.append(Ground.party_account)
    return out


@dataclass(frozen=True)
class GroupWant:
    code: str
    count: int
    reserve: int


@dataclass(frozen=True)
class Group:
    """One specialty of a round's snapshot: the eligible expert ids, sorted."""

    code: str
    count: int
    reserve: int
    eligible: tuple[str, ...]


def build_groups(candidates: Iterable[Candidate], ctx: DrawContext, wanted: Sequence[GroupWant],
                 already_drawn: frozenset[str] = frozenset()) -> tuple[list[Group], dict[str, int]]:
    """The eligible pool per wanted specialty (request order) and the exclusion counts (ground → experts).

    Counts cover experts holding a wanted specialty; an expert is counted under every ground that applies.
    """
    eligible: list[list[str]] = [[] for _ in wanted]
    excluded: dict[str, int] = {}
    for c in candidates:
        slots = [i for i, w in enumerate(wanted) if any(specialty_matches(h, w.code) for h in c.specialties)]
        if not slots:
            continue
        why = grounds(c, ctx)
        if c.id in already_drawn:
            why.append(Ground.already_drawn)
        if why:
            for g in why:
                excluded[g.value] = excluded.get(g.value, 0) + 1
            continue
        for i in slots:
            eligible[i].append(c.id)
    groups = [Group(w.code, w.count, w.reserve, tuple(sorted(set(ids)))) for w, ids in zip(wanted, eligible,
                                                                                          strict=True)]
    return groups, dict(sorted(excluded.items()))


# ---------------------------------------------------------------- the snapshot and the deterministic draw


def snapshot_doc(draw_id: str, round_no: int, groups: Sequence[Group]) -> dict[str, Any]:
    return {
        "version": DRAW_VERSION, "draw_id": draw_id, "round": round_no,
        "groups": [{"code": g.code, "count": g.count, "reserve": g.reserve, "eligible": list(g.eligible)}
                   for g in groups],
    }


def snapshot_bytes(doc: Mapping[str, Any]) -> bytes:
    """The exact bytes whose SHA-256 is the round's pool_sha256."""
    return canonical_json(dict(doc))


def groups_of(doc: Mapping[str, Any]) -> list[Group]:
    return [Group(str(g["code"]), int(g["count"]), int(g["reserve"]), tuple(str(x) for x in g["eligible"]))
            for g in doc["groups"]]


class RandomStream:
    """Unbiased integers from HMAC-SHA256(key=seed, msg="ggzy-draw-v1|round|pool_sha256|request_sha256|counter").

    Each integer below n takes blocks until one is accepted: x = the block's first 8 bytes as a big-endian
    unsigned integer; accept when x < 2^64 − (2^64 mod n) and return x mod n (rejection sampling, so every value
    is equally likely). The counter starts at 0 and goes up by one per block, accepted or not.
    """

    def __init__(self, seed: bytes, round_no: int, pool_sha256: str, request_sha256: str) -> None:
        self._key = seed
        self._prefix = f"{STREAM_LABEL}|{round_no}|{pool_sha256}|{request_sha256}|"
        self.counter = 0

    def block(self) -> bytes:
        msg = f"{self._prefix}{self.counter}".encode("ascii")
        self.counter += 1
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def below(self, n: int) -> int:
        if n < 1:
            raise ValueError("n must be positive")
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = int.from_bytes(self.block()[:8], "big")
            if x < limit:
                return x % n


@dataclass(frozen=True)
class Pick:
    expert_id: str
    code: str
    reserve: bool

    def as_dict(self) -> dict[str, Any]:
        return {"expert_id": self.expert_id, "code": self.code, "reserve": self.reserve}


def draw_round(seed: bytes, round_no: int, pool_sha256: str, request_sha256: str,
               groups: Sequence[Group]) -> list[Pick]:
    """Seats then reserves per group, in group order: a partial Fisher-Yates over the group's eligible list
    minus anyone picked for an earlier group of this round. Fewer eligible than seats: PoolExhausted (409);
    fewer than seats + reserve: the reserve list is shorter."""
    rng = RandomStream(seed, round_no, pool_sha256, request_sha256)
    taken: set[str] = set()
    picks: list[Pick] = []
    for g in groups:
        pool = [x for x in g.eligible if x not in taken]
        if len(pool) < g.count:
            raise PoolExhausted(detail={"code": g.code, "needed": g.count, "eligible": len(pool),
                                        "round": round_no})
        for i in range(min(len(pool), g.count + g.reserve)):
            j = i + rng.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
            taken.add(pool[i])
            picks.append(Pick(pool[i], g.code, reserve=i >= g.count))
    return picks


# ---------------------------------------------------------------- verification (CLI, public page, tests)


@dataclass
class Verification:
    ok: bool
    checks: list[tuple[str, bool, str]]
    """(what, passed, detail) in the order checked."""
    committee: list[dict[str, Any]]
    """Recomputed seats that stand (not replaced), with their round: [{round, expert_id, code}]."""

    @property
    def failures(self) -> list[str]:
        return [f"{what}: {detail}" for what, passed, detail in self.checks if not passed]


def verify_draw(doc: Mapping[str, Any]) -> Verification:
    """Re-run a revealed draw from its verification document (GET /api/draws/{id}/verification).

    Checks SHA-256(seed) = commitment, the request's hash, every snapshot's hash, that no round draws anyone an
    earlier round drew, and that re-running each round gives the recorded picks.
    """
    checks: list[tuple[str, bool, str]] = []

    def check(what: str, passed: bool, detail: str = "") -> bool:
        checks.append((what, passed, detail))
        return passed

    committee: list[dict[str, Any]] = []
    try:
        seed = bytes.fromhex(str(doc["seed"]))
        check("seed commitment", len(seed) == 32 and seed_commitment(seed) == doc["seed_commitment"],
              f"SHA-256(seed) = {seed_commitment(seed)}, published {doc['seed_commitment']}")
        req_sha = request_sha256(doc["request"])
        check("request hash", req_sha == doc["request_sha256"], f"computed {req_sha}, recorded {doc['request_sha256']}")
        drawn_before: set[str] = set()
        replaced = {str(r) for r in doc.get("replaced_experts", [])}
        for rnd in doc["rounds"]:
            n = int(rnd["number"])
            raw = str(rnd["snapshot"]).encode("utf-8")
            got = sha256_hex(raw)
            if not check(f"round {n} snapshot hash", got == rnd["pool_sha256"],
                         f"computed {got}, recorded {rnd['pool_sha256']}"):
                continue
            snap = json.loads(raw)
            check(f"round {n} snapshot canonical", snapshot_bytes(snap) == raw, "not canonical JSON")
            check(f"round {n} snapshot belongs to the draw",
                  snap.get("draw_id") == doc["draw_id"] and snap.get("round") == n,
                  f"draw {snap.get('draw_id')} round {snap.get('round')}")
            groups = groups_of(snap)
            ids = [x for g in groups for x in g.eligible]
            check(f"round {n} excludes earlier picks", not drawn_before.intersection(ids),
                  f"{len(drawn_before.intersection(ids))} drawn before")
            check(f"round {n} eligible lists sorted", all(list(g.eligible) == sorted(set(g.eligible))
                                                          for g in groups), "unsorted or duplicated ids")
            try:
                picks = [p.as_dict() for p in draw_round(seed, n, rnd["pool_sha256"], req_sha, groups)]
            except PoolExhausted as exc:
                check(f"round {n} re-run", False, f"pool exhausted: {exc.detail}")
                continue
            check(f"round {n} re-run matches", picks == list(rnd["picked"]),
                  "the recorded picks differ from the re-run")
            drawn_before.update(p["expert_id"] for p in picks)
            committee.extend({"round": n, "expert_id": p["expert_id"], "code": p["code"]}
                             for p in picks if not p["reserve"] and p["expert_id"] not in replaced)
        if doc.get("status", "decided") == "decided":
            # A failed draw stops mid-way (its last replacement could not be drawn); only a decided one is whole.
            later_seats = sum(1 for rnd in doc["rounds"] if int(rnd["number"]) > 1
                              for p in rnd["picked"] if not p["reserve"])
            check("replacements", later_seats == len(replaced),
                  f"{later_seats} seats drawn in replacement rounds for {len(replaced)} replaced experts")
            seats = spec_from_doc(doc["request"]).pool_seats
            check("committee size", len(committee) == seats, f"{len(committee)} seats stand, {seats} requested")
    except (KeyError, TypeError, ValueError) as exc:
        check("document well-formed", False, f"{type(exc).__name__}: {exc}")
    ok = bool(checks) and all(passed for _, passed, _ in checks)
    return Verification(ok, checks, committee)
