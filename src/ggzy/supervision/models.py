"""Suspension of trading (暂停交易): one project or the whole platform."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class SuspensionScope(StrEnum):
    platform = "platform"
    project = "project"


class SuspensionStatus(StrEnum):
    pending_approval = "pending_approval"  # a project suspension waits for its line's supervisor
    active = "active"
    ended = "ended"
    rejected = "rejected"


class Suspension(IdMixin, Base):
    __tablename__ = "suspensions"

    scope: Mapped[SuspensionScope] = mapped_column(String(16))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[SuspensionStatus] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


# ---------------------------------------------------------------- complaints (投诉), docs/award.md


class ComplaintStatus(StrEnum):
    filed = "filed"  # 待受理: the supervisor accepts or refuses within the acceptance period
    accepted = "accepted"  # 已受理: the decision is due within the decision period
    refused = "refused"  # 不予受理 (with the reason)
    decided = "decided"  # 已处理: the written decision is published


class ComplaintDecision(StrEnum):
    dismissed = "dismissed"  # 驳回投诉
    upheld = "upheld"  # 投诉成立


class Complaint(IdMixin, Base):
    """投诉 to the supervisor of the tender's line after an objection (Bidding Regs Art.60/61; GP Law Art.55/56).

    The deadlines are computed when the row is written (working days with the centre's holiday table) and
    stored, so a later change of the calendar never moves a running complaint."""

    __tablename__ = "complaints"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    line: Mapped[str] = mapped_column(String(16), index=True)
    """The trading line: the supervisors watching it handle the complaint."""
    objection_id: Mapped[str] = mapped_column(ForeignKey("publicity_objections.id"), index=True)
    complainant_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    filed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime]
    status: Mapped[ComplaintStatus] = mapped_column(String(16), default=ComplaintStatus.filed, index=True)
    accept_due: Mapped[datetime]
    """End of the acceptance period (3 working days, Bidding Regs Art.61; 5, MOF 94 Art.21)."""
    accepted_at: Mapped[datetime | None]
    refused_at: Mapped[datetime | None]
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    decide_due: Mapped[datetime | None]
    """End of the decision period (30 working days from acceptance, Bidding Regs Art.61; GP Law Art.56)."""
    decided_at: Mapped[datetime | None]
    decision: Mapped[ComplaintDecision | None] = mapped_column(String(16))
    decision_text: Mapped[str] = mapped_column(Text, default="")
    remedy: Mapped[str | None] = mapped_column(String(16))
    """publicity.models.Remedy value of an upheld complaint."""
    excluded_candidate_id: Mapped[str | None] = mapped_column(ForeignKey("candidates.id"))
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    """The published decision (NoticeKind.complaint_decision)."""
    handled_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    suspension_id: Mapped[str | None] = mapped_column(ForeignKey("suspensions.id"))
    """The project suspension the supervisor ordered on acceptance (Bidding Regs Art.62), if any."""
    provisional: Mapped[str] = mapped_column(String(16), default="")
    """Which deadline ran past the published calendars ("accept", "decide", both comma-separated); "" = none."""
    accept_alerted_at: Mapped[datetime | None]
    decide_alerted_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
