"""The expert pool (评标专家库), the verifiable draw (专家抽取) and the committee it produces (评标委员会).

Rules: ../shared/DOMAIN.md "Expert committee" (Evaluation Rules Art.8/9/11/12; MOF 87 Art.47-49; GP Regs Art.9;
Bidding Regs Art.46/48). The draw is commit-reveal: `seed_commitment` = SHA-256(seed) is published before any
expert is picked; each round is a deterministic function of (seed, round, the eligible-pool snapshot's
SHA-256, the request's canonical JSON), so anyone holding the revealed seed and the snapshot re-runs it
(`ggzy expert verify-draw`, the public draw page). Docs: docs/experts.md.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType

# ---------------------------------------------------------------- the pool


class ExpertStatus(StrEnum):
    active = "active"  # may be drawn
    suspended = "suspended"  # 暂停: not drawn (e.g. under investigation)
    retired = "retired"  # 出库


class Expert(IdMixin, Base):
    """One expert of the centre's pool. Personal data: only centre staff and the expert see it."""

    __tablename__ = "experts"

    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), unique=True)
    """The expert's login (role `expert`, organisation of kind `expert`); created on import."""
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    """居民身份证号码, validated with its check digit, birth date and region (kit.idcard)."""
    phone: Mapped[str] = mapped_column(String(20))
    employer: Mapped[str] = mapped_column(String(200))
    """Current employer (工作单位) as written."""
    employer_credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    """统一社会信用代码 of the employer: avoidance matches organisations by it, by name otherwise."""
    title: Mapped[str] = mapped_column(String(64))
    """职称 as written, e.g. 高级工程师."""
    senior_title: Mapped[bool] = mapped_column(Boolean, default=False)
    """副高级 or above (Evaluation Rules Art.11 requires a senior title)."""
    years_in_field: Mapped[int] = mapped_column(Integer)
    """从业年限 as of `years_as_of` (≥ 8 to be drawn, Evaluation Rules Art.11)."""
    years_as_of: Mapped[date]
    region: Mapped[str] = mapped_column(String(6), index=True)
    """行政区划代码 of where the expert works (6 digits), e.g. 330100."""
    status: Mapped[ExpertStatus] = mapped_column(String(16), default=ExpertStatus.active, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status_reason: Mapped[str] = mapped_column(Text, default="")
    """Why staff last suspended, retired or reinstated the expert (the history is in the audit log)."""
    status_changed_at: Mapped[datetime | None]


class ExpertSpecialty(IdMixin, Base):
    """评标专业 as a hierarchical code: "A08" (工程) ⊃ "A0801" (房屋建筑) ⊃ "A080101"… A request for a code
    matches an expert holding that code or any code below it."""

    __tablename__ = "expert_specialties"
    __table_args__ = (UniqueConstraint("expert_id", "code", name="uq_expert_specialties"),)

    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), index=True)


class ExpertEmployment(IdMixin, Base):
    """Employment history: a past employer within 3 years of the evaluation is an avoidance ground."""

    __tablename__ = "expert_employments"

    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    org_name: Mapped[str] = mapped_column(String(200))
    org_credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    start: Mapped[date]
    end: Mapped[date | None]
    """None = still employed there."""


class DeclarationKind(StrEnum):
    relative = "relative"  # 近亲属 of an organisation's principal (GP Regs Art.9; Evaluation Rules Art.12)
    interest = "interest"  # 利害关系: shares, directorship, economic interest


class ExpertDeclaration(IdMixin, Base):
    """What the expert (or staff) declared; every active declaration excludes the expert from tenders where
    the organisation is a bidder, the tenderer or the agency."""

    __tablename__ = "expert_declarations"

    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    kind: Mapped[DeclarationKind] = mapped_column(String(16))
    org_name: Mapped[str] = mapped_column(String(200))
    org_credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    """e.g. 配偶 is its legal representative; holds 5% of its shares."""
    declared_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class ExpertPenalty(IdMixin, Base):
    """A penalty for past misconduct (Evaluation Rules Art.12): the expert is not drawn while it runs."""

    __tablename__ = "expert_penalties"

    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    decided_on: Mapped[date]
    until: Mapped[date | None]
    """None = permanent (取消资格)."""
    authority: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text)


class ExpertUnavailability(IdMixin, Base):
    """A period the expert declared unavailable (出差, 休假…); not drawn for evaluations inside it."""

    __tablename__ = "expert_unavailability"

    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")


# ---------------------------------------------------------------- the draw


class DrawStatus(StrEnum):
    committed = "committed"  # request checked, seed commitment published; nothing drawn yet
    drawn = "drawn"  # round 1 done; experts notified, answers awaited (replacement rounds may follow)
    decided = "decided"  # every seat accepted: committee final, seed revealed
    failed = "failed"  # the pool cannot fill the committee (recorded with the reason)
    cancelled = "cancelled"


class ExpertDraw(IdMixin, Base):
    """One committee request for a tender and how it was drawn."""

    __tablename__ = "expert_draws"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    request: Mapped[dict[str, Any]] = mapped_column(JSONType)
    """The checked request, exactly as hashed into the draw (canonical JSON): size, tenderer_reps,
    specialties [{code, count}], regions, evaluation_at, evaluation_hours, venue (room|remote), room,
    reserve_per_specialty, answer_minutes."""
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[DrawStatus] = mapped_column(String(16), default=DrawStatus.committed, index=True)
    seed_commitment: Mapped[str] = mapped_column(String(64))
    """SHA-256 (hex) of the seed, public from the moment the request is accepted."""
    seed: Mapped[str] = mapped_column(String(64))
    """32 random bytes (hex). Secret until `revealed_at`; never shown by any endpoint before."""
    revealed_at: Mapped[datetime | None]
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    """Earliest answer deadline still open: the chronograph draws replacements for no-answers."""


class DrawRound(IdMixin, Base):
    """One deterministic round: round 1 fills the committee and its reserve list; later rounds replace."""

    __tablename__ = "expert_draw_rounds"
    __table_args__ = (UniqueConstraint("draw_id", "number", name="uq_expert_draw_rounds"),)

    draw_id: Mapped[str] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    pool_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the eligible-pool snapshot (canonical JSON of expert ids per specialty), stored in the blob
    store under that name so a verifier can fetch it after the reveal."""
    pool_size: Mapped[int] = mapped_column(Integer)
    wanted: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    """Seats this round fills: [{code, count}]."""
    picked: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    """[{expert_id, code, reserve: bool}] in draw order."""
    excluded: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    """How many were left out and why (回避 ground → count); no names."""
    drawn_at: Mapped[datetime]
    snapshot: Mapped[str] = mapped_column(Text, default="")
    """The snapshot's exact bytes (canonical JSON, UTF-8) as well: replacement rounds are drawn by the chronograph,
    which has no blob store, and a verifier must always be able to get them; the blob store copy is filled in
    from here when missing (expert.draw_service.round_snapshot)."""


class MemberKind(StrEnum):
    pool = "pool"  # drawn from the pool
    tenderer_rep = "tenderer_rep"  # 招标人代表 appointed by the tenderer (≤ 1/3, Evaluation Rules Art.9)


class MemberStatus(StrEnum):
    notified = "notified"  # asked; answer due by `answer_due`
    accepted = "accepted"
    declined = "declined"  # replaced by the next round
    no_answer = "no_answer"  # answer_due passed; replaced
    withdrawn = "withdrawn"  # 回避 discovered later or absent; replaced; opinions void (MOF 87 Art.49)
    reserve = "reserve"  # on the reserve list, not asked (yet)


class CommitteeMember(IdMixin, Base):
    """A seat of the committee (or a reserve). Names are shown only to centre staff until the result."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("draw_id", "expert_id", name="uq_committee_members_expert"),)

    draw_id: Mapped[str] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    kind: Mapped[MemberKind] = mapped_column(String(16), default=MemberKind.pool)
    expert_id: Mapped[str | None] = mapped_column(ForeignKey("experts.id"), index=True)
    """None for a tenderer representative."""
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    """The login that acts in the evaluation room."""
    specialty_code: Mapped[str] = mapped_column(String(16), default="")
    round: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer)
    """Order drawn within its round (reserves after seats)."""
    status: Mapped[MemberStatus] = mapped_column(String(16), index=True)
    notified_at: Mapped[datetime | None]
    answer_due: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by: Mapped[str | None] = mapped_column(String(32))
    """Id of the member that took this seat."""
