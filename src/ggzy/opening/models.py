"""The remote opening hall (不见面开标): sign-in, decryption window, 唱标, objections, the opening record."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType


class OpeningStatus(StrEnum):
    signing_in = "signing_in"  # 签到: deadline passed, bids pulled, waiting for the agency to publish the list
    decrypting = "decrypting"  # 解密: the decryption window is open (countdown)
    announcing = "announcing"  # 唱标 + live objections (异议)
    confirming = "confirming"  # bidders confirm the record; silence is acceptance (MOF 87 Art.42)
    closed = "closed"  # record published (E-Bidding Measures Art.32)


class Opening(IdMixin, Base):
    __tablename__ = "openings"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), unique=True)
    status: Mapped[OpeningStatus] = mapped_column(String(16), default=OpeningStatus.signing_in, index=True)
    started_at: Mapped[datetime]
    """= the bid deadline (开标时间)."""
    window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    bidder_list_published_at: Mapped[datetime | None]
    decrypt_opens_at: Mapped[datetime | None]
    decrypt_until: Mapped[datetime | None]
    rescue_until: Mapped[datetime | None]
    """Set when the centre records a platform fault and the custodians are called in."""
    announced_at: Mapped[datetime | None]
    confirm_until: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    floating_coefficient: Mapped[str | None] = mapped_column(String(16))
    """下浮系数 drawn on the server for construction tenders that use it."""
    coefficient_draw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The draw as logged: range, step, candidates, the random index and when."""
    record_notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    record_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    record_audit_hash: Mapped[str | None] = mapped_column(String(64))
    """Hash of the audit entry that published the record; printed on the PDF."""
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    failed_lots: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """Lots that did not go ahead (fewer than 3 bids, Bidding Regs Art.44): [{"lot_id", "number", "name", "bids"}]."""


class DecryptStatus(StrEnum):
    pending = "pending"
    decrypted = "decrypted"
    failed = "failed"  # verification failed after decryption (hash, signature, sheet): recorded with the reason
    deemed_revoked = "deemed_revoked"  # 视为撤销: the bidder's own fault (E-Bidding Measures Art.31)
    deemed_withdrawn = "deemed_withdrawn"  # 视为撤回: platform fault recorded by the centre; rescue path open
    rescued = "rescued"  # opened with the rescue key after a platform fault


class OpeningEntry(IdMixin, Base):
    """One active bid as it goes through the hall; the opening sheet once decrypted."""

    __tablename__ = "opening_entries"
    __table_args__ = (UniqueConstraint("opening_id", "bid_id", name="uq_opening_entries_bid"),)

    opening_id: Mapped[str] = mapped_column(ForeignKey("openings.id"), index=True)
    bid_id: Mapped[str] = mapped_column(ForeignKey("bids.id"))
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    decrypt_status: Mapped[DecryptStatus] = mapped_column(String(20), default=DecryptStatus.pending)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    decrypted_at: Mapped[datetime | None]
    data_key: Mapped[str | None] = mapped_column(Text)
    """b64, kept after the opening so the committee can read the documents (issue 4)."""
    signature_ok: Mapped[bool | None] = mapped_column(Boolean)
    sheet: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    price: Mapped[Decimal | None]
    price_in_words: Mapped[str] = mapped_column(Text, default="")
    words_match: Mapped[bool | None] = mapped_column(Boolean)
    """The bidder's 大写 equals the figures; a mismatch is recorded, the words prevail."""
    duration_days: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[str] = mapped_column(String(200), default="")
    project_lead: Mapped[str] = mapped_column(String(64), default="")
    lead_certificate: Mapped[str] = mapped_column(String(64), default="")
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    """Manifest file list (name, size, digest, offset in the package)."""
    confirmed_at: Mapped[datetime | None]
    confirmation: Mapped[str] = mapped_column(String(16), default="")
    """"confirmed" (签字确认) or "deemed" (no answer: accepted, MOF 87 Art.42)."""


class OpeningSignIn(IdMixin, Base):
    __tablename__ = "opening_signins"
    __table_args__ = (UniqueConstraint("opening_id", "org_id", name="uq_opening_signins_org"),)

    opening_id: Mapped[str] = mapped_column(ForeignKey("openings.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(64), default="")


class OpeningObjection(IdMixin, Base):
    """异议 raised live during the opening and answered on the spot (Bidding Regs Art.44)."""

    __tablename__ = "opening_objections"

    opening_id: Mapped[str] = mapped_column(ForeignKey("openings.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None]
