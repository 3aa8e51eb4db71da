"""Evaluation (评标) of one tender by its committee: chair, review, clarifications, scores, report, candidates.

Rules: ../shared/DOMAIN.md "Evaluation methods" and "Expert committee". The evaluation room is closed: only
the committee's members act, the line's supervisor watches, centre staff run the session.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType


class EvaluationStatus(StrEnum):
    convening = "convening"  # committee signs in and elects its chair
    reviewing = "reviewing"  # 资格 / 符合性审查, clarifications
    scoring = "scoring"  # members score the valid bids
    submitted = "submitted"  # the chair submitted; members confirm (sign or dissent) the report
    reported = "reported"  # report final (PDF stored): publicity takes over
    rejected_all = "rejected_all"  # the committee rejected every bid (Evaluation Rules Art.27)


class Evaluation(IdMixin, Base):
    """One evaluation session per tender and round (its lots are evaluated in the same session by the same
    committee). Round 2, 3… follow an upheld objection or complaint that sends the tender back to the committee
    (重新评审); earlier rounds stay as they were, with their report and candidates."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("tender_id", "round", name="uq_evaluations_round"),)

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    draw_id: Mapped[str] = mapped_column(ForeignKey("expert_draws.id"))
    status: Mapped[EvaluationStatus] = mapped_column(String(16), default=EvaluationStatus.convening, index=True)
    chair_member_id: Mapped[str | None] = mapped_column(ForeignKey("committee_members.id"))
    opened_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    report_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    report_audit_hash: Mapped[str | None] = mapped_column(String(64))
    """Hash of the audit entry that made the report final; printed on the PDF."""
    rejected_all_reason: Mapped[str] = mapped_column(Text, default="")
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    """Clarification and confirmation deadlines for the chronograph."""
    # ---- added by the evaluation room (evaluation/service.py and friends)
    chair_elected_at: Mapped[datetime | None]
    review_closed_at: Mapped[datetime | None]
    """The chair closed 资格 / 符合性审查: ReviewConclusion rows are final from here on."""
    confirm_until: Mapped[datetime | None]
    """Members sign or dissent by then; silence is agreement (Evaluation Rules Art.43)."""
    rejected_lots: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """Lots whose bids the committee rejected all (Evaluation Rules Art.27): [{"lot_id", "reason", "valid", "at"}]."""
    ranking: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The method's full ranking per lot as submitted (lot_id -> [Ranked as JSON, Decimals as strings])."""


class Candidate(IdMixin, Base):
    """中标候选人: 1-3 per lot, ranked (Bidding Regs Art.53). Never a rejected bid."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("evaluation_id", "lot_id", "rank", name="uq_candidates_rank"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("opening_entries.id"))
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal]
    """The evaluated price (yuan)."""
    total_score: Mapped[Decimal | None]
    """None for the lowest-price methods."""
    project_lead: Mapped[str] = mapped_column(String(64), default="")
    lead_certificate: Mapped[str] = mapped_column(String(64), default="")



# ---------------------------------------------------------------- the evaluation room (评标室)


class ChairVote(IdMixin, Base):
    """One member's vote for the chair (评标委员会负责人由成员推举产生, Evaluation Rules Art.9); once each."""

    __tablename__ = "evaluation_chair_votes"
    __table_args__ = (UniqueConstraint("evaluation_id", "voter_member_id", name="uq_evaluation_chair_votes_voter"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    voter_member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    candidate_member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    at: Mapped[datetime]


class ReviewOpinion(IdMixin, Base):
    """One member's pass / fail on one bid in 资格 / 符合性审查; may be changed until the chair closes review."""

    __tablename__ = "evaluation_review_opinions"
    __table_args__ = (UniqueConstraint("evaluation_id", "entry_id", "member_id",
                                       name="uq_evaluation_review_opinions_cell"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("opening_entries.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Required on fail: what the bid lacks, with the clause of the tender documents or the law."""
    at: Mapped[datetime]


class ReviewConclusion(IdMixin, Base):
    """The committee's conclusion on one bid, fixed when the chair closes review (少数服从多数, MOF 87 Art.61).

    Automatic reasons (evaluation.methods.rejections) are binding: such a bid is rejected whatever the votes."""

    __tablename__ = "evaluation_review_conclusions"
    __table_args__ = (UniqueConstraint("evaluation_id", "entry_id", name="uq_evaluation_review_conclusions_entry"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("opening_entries.id"))
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    auto_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """[{code, article, zh, en}] as rejections.auto_reasons gave them."""
    member_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """The fail reasons the members wrote (without who wrote them)."""
    votes_pass: Mapped[int] = mapped_column(Integer, default=0)
    votes_fail: Mapped[int] = mapped_column(Integer, default=0)
    evaluated_price: Mapped[Decimal | None]
    """The price the method ranks: words prevail over figures (Evaluation Rules Art.19)."""
    decided_at: Mapped[datetime]


class ClarificationStatus(StrEnum):
    open = "open"
    answered = "answered"
    expired = "expired"  # no answer by the deadline (set by the chronograph; a late answer is refused anyway)


class ClarificationRequest(IdMixin, Base):
    """澄清: a written question from the committee to one bidder, answered by its deadline (Bidding Regs Art.52;
    MOF 87 Art.51). The answer may not change the substance of the bid. Only that bidder sees it."""

    __tablename__ = "evaluation_clarifications"

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("opening_entries.id"))
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    asked_by_member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    deadline: Mapped[datetime]
    status: Mapped[ClarificationStatus] = mapped_column(String(16), default=ClarificationStatus.open, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class Score(IdMixin, Base):
    """One member's score of one criterion of one valid bid, within [0, criterion max]."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", "entry_id", "criterion_id",
                                       name="uq_evaluation_scores_cell"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    entry_id: Mapped[str] = mapped_column(ForeignKey("opening_entries.id"))
    criterion_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[Decimal]
    """Points, two decimals at most."""
    at: Mapped[datetime]


class SheetSubmission(IdMixin, Base):
    """A member handed in their score sheet: every cell filled, nothing changes afterwards."""

    __tablename__ = "evaluation_sheet_submissions"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", name="uq_evaluation_sheet_submissions_member"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    at: Mapped[datetime]


class Dissent(IdMixin, Base):
    """异议意见: a member's written disagreement with the conclusion and its reasons (Evaluation Rules Art.43)."""

    __tablename__ = "evaluation_dissents"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", name="uq_evaluation_dissents_member"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class ConfirmationKind(StrEnum):
    signed = "signed"  # 签字确认
    dissented = "dissented"  # signed with a dissent attached
    deemed = "deemed"  # neither signed nor dissented by the deadline: agrees (Evaluation Rules Art.43)


class ReportConfirmation(IdMixin, Base):
    __tablename__ = "evaluation_report_confirmations"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", name="uq_evaluation_report_confirmations_member"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    kind: Mapped[ConfirmationKind] = mapped_column(String(16))
    at: Mapped[datetime]


class DeviationFlag(IdMixin, Base):
    """An expert whose scores of one criterion deviate abnormally from the committee's (evaluation.rules
    DEVIATION): shown to the line's supervisor, never to the committee or the public."""

    __tablename__ = "evaluation_deviation_flags"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", "criterion_id",
                                       name="uq_evaluation_deviation_flags_cell"),)

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("committee_members.id"))
    criterion_id: Mapped[str] = mapped_column(String(64))
    cells: Mapped[int] = mapped_column(Integer)
    """How many bids the comparison covers."""
    mean_abs_deviation: Mapped[Decimal]
    """Mean |member's score − committee mean| over the bids, in points."""
    share_of_max: Mapped[str] = mapped_column(String(16))
    """mean_abs_deviation ÷ criterion max, as a decimal string (e.g. "0.3125")."""
    mean_abs_z: Mapped[str | None] = mapped_column(String(16))
    """Leave-one-out z-score averaged over the bids (≥ 5 members only), decimal string."""
    rules: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Which tests fired: "share" (> share threshold of the max), "z" (leave-one-out z above the threshold)."""
    flagged_at: Mapped[datetime]
