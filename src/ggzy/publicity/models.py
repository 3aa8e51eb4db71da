"""Candidate publicity (中标候选人公示), the procurement result window, and objections (异议 / 质疑).

Rules: ../shared/DOMAIN.md "Publicity, objections, award"; docs/award.md. One Publicity row per evaluation
report: construction publishes its candidates (Bidding Regs Art.54), procurement holds the 质疑 window that
opens with the result notice (GP Law Art.52). An upheld objection that sends the tender back to the committee
withdraws the row; the next report makes a new one (`round`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class PublicityKind(StrEnum):
    candidates = "candidates"  # 中标候选人公示 (construction, Bidding Regs Art.54)
    result = "result"  # 中标(成交)结果公告 and its 质疑 window (procurement, MOF 87 Art.69; GP Law Art.52)


class PublicityStatus(StrEnum):
    due = "due"  # report final: construction publishes by publish_due; procurement waits for the purchaser
    open = "open"  # 公示中 / 质疑期: objections are accepted until ends_at
    ended = "ended"  # the window is over
    withdrawn = "withdrawn"  # an upheld objection or complaint sent the tender back to the committee


class Publicity(IdMixin, Base):
    __tablename__ = "publicities"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    """1 for the first report; +1 for each report after a re-evaluation."""
    kind: Mapped[PublicityKind] = mapped_column(String(16))
    status: Mapped[PublicityStatus] = mapped_column(String(16), default=PublicityStatus.due, index=True)
    report_at: Mapped[datetime]
    """When the report became final (the agency received it)."""
    publish_due: Mapped[datetime | None]
    """Construction: the publicity starts within 3 days of the report (Bidding Regs Art.54). Procurement: the
    purchaser confirms the winner within 5 working days of the report (MOF 87 Art.68)."""
    published_at: Mapped[datetime | None]
    window_days: Mapped[int | None] = mapped_column(Integer)
    """Construction: the publicity lasts this many calendar days (≥ 3, Bidding Regs Art.54)."""
    notice_ends_at: Mapped[datetime | None]
    """Procurement: end of the 1-working-day notice period of the result notice (MOF 87 Art.69)."""
    ends_at: Mapped[datetime | None]
    """Objections are accepted while published_at ≤ now < ends_at."""
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    """A working-day count ran past the published holiday calendars: staff must confirm the dates."""
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    published_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    late_alerted_at: Mapped[datetime | None]
    """The chronograph told the supervisor that publish_due passed."""
    ended_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]


class ObjectionStatus(StrEnum):
    open = "open"  # filed, not answered: the process is paused (Bidding Regs Art.54)
    dismissed = "dismissed"  # answered: not upheld
    upheld = "upheld"  # answered: upheld, with its remedy


class Remedy(StrEnum):
    none = "none"  # upheld, nothing in the result changes (e.g. a wording error in the notice)
    reevaluate = "reevaluate"  # back to the committee: tender → evaluating
    next_candidate = "next_candidate"  # the named candidate is disqualified; the next in ranking may be awarded


class Objection(IdMixin, Base):
    """异议 (construction, during the publicity) or 质疑 (procurement, after the result notice) by a bidder."""

    __tablename__ = "publicity_objections"

    publicity_id: Mapped[str] = mapped_column(ForeignKey("publicities.id"), index=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str | None] = mapped_column(ForeignKey("lots.id"))
    """The lot objected to; None = the tender as a whole."""
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    filed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime]
    answer_due: Mapped[datetime]
    """3 days (Bidding Regs Art.54) / 7 working days (GP Law Art.53) after filing."""
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ObjectionStatus] = mapped_column(String(16), default=ObjectionStatus.open, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    remedy: Mapped[Remedy | None] = mapped_column(String(16))
    excluded_candidate_id: Mapped[str | None] = mapped_column(ForeignKey("candidates.id"))
    """Remedy next_candidate: the candidate found not to qualify."""
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    answered_late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_alerted_at: Mapped[datetime | None]
    """The chronograph told the supervisor that answer_due passed without an answer."""
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
