"""Award (定标), the award notice (中标通知书) and the contract (合同) per lot.

Rules: ../shared/DOMAIN.md "Publicity, objections, award"; docs/award.md. A lot has at most one live award
(status confirmed, notified or contracted); a revoked award stays for the record.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class AwardStatus(StrEnum):
    confirmed = "confirmed"  # procurement: the purchaser chose the winner; result notice due in 2 working days
    notified = "notified"  # 中标通知书 issued; the contract is due within 30 days
    contracted = "contracted"  # the signed contract is recorded
    revoked = "revoked"  # an upheld objection or complaint disqualified the winner before the contract


class Award(IdMixin, Base):
    __tablename__ = "awards"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"))
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal]
    """中标价: the candidate's evaluated price (yuan)."""
    status: Mapped[AwardStatus] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why not rank 1 (where free choice is allowed), or why the better-ranked candidates gave up."""
    confirmed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime]
    publish_due: Mapped[datetime | None]
    """Procurement: the result notice and the award notice go out within 2 working days (MOF 87 Art.69)."""
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None]
    letter_no: Mapped[str] = mapped_column(String(40), default="")
    """中标通知书编号, e.g. ZBTZ-<tender code>-1."""
    letter_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    letter_audit_hash: Mapped[str | None] = mapped_column(String(64))
    """Hash of the audit entry that issued the notice; printed on the PDF."""
    result_notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    contract_due: Mapped[datetime | None]
    """30 days after the award notice (Evaluation Rules Art.49; MOF 87 Art.71)."""
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    late_alerted_at: Mapped[datetime | None]
    """publish_due or contract_due passed: the chronograph told the supervisor."""
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)


class ExclusionKind(StrEnum):
    gave_up = "gave_up"  # 放弃中标 / 因不可抗力不能履行 / 未按要求提交履约保证金 (Bidding Regs Art.55; MOF 87 Art.68)
    disqualified = "disqualified"  # an upheld objection or complaint found it does not qualify


class CandidateExclusion(IdMixin, Base):
    """A candidate that may no longer be awarded: ranked awarding moves on to the next one (Art.55)."""

    __tablename__ = "award_exclusions"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"))
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), index=True)
    kind: Mapped[ExclusionKind] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(48), default="")
    """What excluded it: "award:<id>" (the tenderer), "objection:<id>", "complaint:<id>"."""
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class Contract(IdMixin, Base):
    """The signed contract of one award, as the tenderer records it (PDF in the blob store)."""

    __tablename__ = "award_contracts"

    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), unique=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"))
    amount: Mapped[Decimal]
    signed_on: Mapped[date]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    """Recorded after contract_due: still accepted, flagged, and the supervisor was alerted."""
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    """Procurement: the contract notice (GP Regs Art.50)."""
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
