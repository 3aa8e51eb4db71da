"""Pure rules of the evaluation room: who sees what, the chair vote, majorities, score bounds, the deviation test.

No I/O here; evaluation.service and its sub-modules load rows, call these and write the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext

from ggzy.auth.actor import Actor
from ggzy.party.models import Role
from ggzy.tender.models import Tender

MAX_TEXT = 4000
"""Questions, answers, reasons and dissents, in characters."""
CONFIRM_MINUTES = 60
"""After the chair submits, members have this long to sign or dissent; silence is agreement
(Evaluation Rules Art.43). The committee still sits together, so an hour is generous."""
CLARIFY_MAX = timedelta(days=7)
"""The latest deadline a member may give a bidder for a clarification."""
SCORE_PLACES = Decimal("0.01")
"""Members score to two decimals at most (base.POINT)."""

# ---------------------------------------------------------------- who


def watches(actor: Actor, tender: Tender) -> bool:
    """Centre staff (they run the session) and the supervisor of the tender's line watch the room read-only."""
    if actor.is_centre:
        return True
    return actor.role == Role.supervisor and str(tender.line) in actor.supervised_lines


def majority(size: int) -> int:
    """Votes needed out of a committee of `size` (an odd number ≥ 5, Evaluation Rules Art.9)."""
    return size // 2 + 1


def chair_after(votes: Iterable[str], size: int) -> str | None:
    """The first candidate (member id) to gather a majority of the committee, counting `votes` in the order cast;
    None while nobody has (Evaluation Rules Art.9: the chair is elected by the members)."""
    counts: dict[str, int] = {}
    for candidate in votes:
        counts[candidate] = counts.get(candidate, 0) + 1
        if counts[candidate] >= majority(size):
            return candidate
    return None


# ---------------------------------------------------------------- review


@dataclass(frozen=True)
class Conclusion:
    passed: bool
    votes_pass: int
    votes_fail: int
    reasons: list[str]


def conclude(auto_reasons: Sequence[object], opinions: Sequence[tuple[bool, str]]) -> Conclusion:
    """The committee's conclusion on one bid.

    Automatic reasons are binding (the law rejects the bid; nobody votes on it). Otherwise the majority of the
    members' opinions decides (少数服从多数, MOF 87 Art.61); every member gives one, the committee is odd, so
    there is no tie. The fail reasons go into the report without their authors.
    """
    yes = sum(1 for ok, _ in opinions if ok)
    no = len(opinions) - yes
    reasons = [r for ok, r in opinions if not ok and r]
    if auto_reasons:
        return Conclusion(False, yes, no, reasons)
    return Conclusion(yes > no, yes, no, reasons)


# ---------------------------------------------------------------- scores


def parse_score(value: object, maximum: Decimal) -> Decimal | None:
    """A member's score as Decimal, or None when it is not a number with ≤ 2 decimals inside [0, maximum].

    Floats are refused like money is (kit.money): the form and the API send strings or integers."""
    if isinstance(value, bool | float):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not score.is_finite() or score != score.quantize(SCORE_PLACES):
        return None
    if score < 0 or score > maximum:
        return None
    return score.quantize(SCORE_PLACES)


def clarification_deadline_ok(deadline: datetime, now: datetime) -> bool:
    return now < deadline <= now + CLARIFY_MAX


# ---------------------------------------------------------------- deviation (abnormal scoring)


@dataclass(frozen=True)
class DeviationRule:
    """When an expert's scores of one criterion deviate abnormally from the committee's (docs/evaluation.md).

    For each member m and criterion c, over the valid bids e the member scored:
    - share test: mean |s(m,e) − committee mean(e)| > `share` × the criterion's max (default 20%);
    - z test, only with ≥ `z_members` members: z(m,e) = |s(m,e) − mean of the others(e)| ÷ max(sample standard
      deviation of the others(e), `sd_floor` × max); flagged when the mean of z over the bids > `z`. The member
      is left out of the mean and spread it is compared with: with n members a lone outlier's ordinary z-score can
      never exceed (n−1)/√n (1.79 for five), so an ordinary z-score would not see it. The floor keeps a committee
      that agrees exactly from flagging a one-point difference.
    """

    share: Decimal = Decimal("0.20")
    z: Decimal = Decimal("3")
    z_members: int = 5
    sd_floor: Decimal = Decimal("0.05")


DEVIATION = DeviationRule()


@dataclass(frozen=True)
class Deviation:
    member_id: str
    criterion_id: str
    cells: int
    mean_abs_deviation: Decimal
    share_of_max: Decimal
    mean_abs_z: Decimal | None
    rules: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.rules)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _sample_sd(values: Sequence[Decimal]) -> Decimal:
    if len(values) < 2:
        return Decimal(0)
    m = _mean(values)
    return (sum(((v - m) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def deviations(criterion_id: str, maximum: Decimal, cells: Mapping[str, Mapping[str, Decimal]],
               rule: DeviationRule = DEVIATION) -> list[Deviation]:
    """Every member's deviation on one criterion; `cells` is member_id → entry_id → score.

    Only bids every listed member scored are compared (submitted sheets are complete, so that is all of them)."""
    members = sorted(cells)
    if len(members) < 2 or maximum <= 0:
        return []
    entries = sorted(set.intersection(*(set(cells[m]) for m in members)))
    if not entries:
        return []
    out: list[Deviation] = []
    with localcontext() as ctx:
        ctx.prec = 28
        floor = rule.sd_floor * maximum
        for m in members:
            abs_dev: list[Decimal] = []
            zs: list[Decimal] = []
            for e in entries:
                column = [cells[k][e] for k in members]
                abs_dev.append(abs(cells[m][e] - _mean(column)))
                if len(members) >= rule.z_members:
                    others = [cells[k][e] for k in members if k != m]
                    spread = max(_sample_sd(others), floor)
                    zs.append(abs(cells[m][e] - _mean(others)) / spread)
            mad = _mean(abs_dev)
            share = mad / maximum
            mean_z = _mean(zs) if zs else None
            fired: list[str] = []
            if share > rule.share:
                fired.append("share")
            if mean_z is not None and mean_z > rule.z:
                fired.append("z")
            out.append(Deviation(
                member_id=m, criterion_id=criterion_id, cells=len(entries),
                mean_abs_deviation=mad.quantize(SCORE_PLACES), share_of_max=share.quantize(Decimal("0.0001")),
                mean_abs_z=mean_z.quantize(SCORE_PLACES) if mean_z is not None else None, rules=tuple(fired),
            ))
    return out


# ---------------------------------------------------------------- labels

CONFIRMATION_LABELS: dict[str, tuple[str, str]] = {
    "signed": ("已签字", "Signed"),
    "dissented": ("签字（附异议意见）", "Signed with dissent"),
    "deemed": ("视为同意（《评标委员会和评标方法暂行规定》第四十三条）", "Deemed to agree (Evaluation Rules Art.43)"),
}

CLARIFICATION_LABELS: dict[str, tuple[str, str]] = {
    "open": ("待答复", "Awaiting answer"),
    "answered": ("已答复", "Answered"),
    "expired": ("逾期未答复", "Not answered in time"),
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    "pool": ("评标专家", "Pool expert"),
    "tenderer_rep": ("招标人代表", "Tenderer representative"),
}
