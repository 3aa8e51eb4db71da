"""Evaluation (评标) of one tender by its committee: chair, review, clarifications, scores, report, candidates.

Rules: ../shared/DOMAIN.md "Evaluation methods" and "Expert committee". The evaluation room is closed: only
the committee's members act, the line's supervisor watches, centre staff run the session.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class EvaluationStatus(StrEnum):
    convening = "convening"  # committee signs in and elects its chair
    reviewing = "reviewing"  # 资格 / 符合性审查, clarifications
    scoring = "scoring"  # members score the valid bids
    submitted = "submitted"  # the chair submitted; members confirm (sign or dissent) the report
    reported = "reported"  # report final (PDF stored): publicity takes over
    rejected_all = "rejected_all"  # the committee rejected every bid (Evaluation Rules Art.27)


class Evaluation(IdMixin, Base):
    """One evaluation per tender (its lots are evaluated in the same session by the same committee)."""

    __tablename__ = "evaluations"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), unique=True)
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
