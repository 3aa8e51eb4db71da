"""Registered public keys, sealed bids (ciphertext only) and the tender's rescue key shares.

The platform never holds anything that decrypts a bid before the opening: private keys stay on the bidder's
machine, and the rescue key exists only as shares encrypted to their custodians (docs/sealed-bids.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class KeySetStatus(StrEnum):
    active = "active"  # the one new bids must be sealed to
    retired = "retired"  # rotated out; bids sealed to it stay bound to it


class KeyProvider(StrEnum):
    software = "software"  # generated on the bidder's machine (browser or `ggzy keys new`)
    ca = "ca"  # issued by a certificate authority (CA 数字证书); adapter interface in bid/keyproviders.py


class KeySet(IdMixin, Base):
    """An organisation's encryption + signing public keys (one suite). One active set per organisation."""

    __tablename__ = "key_sets"

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    suite: Mapped[str] = mapped_column(String(32))
    """`x25519-aes256gcm` or `sm2-sm4gcm`."""
    provider: Mapped[KeyProvider] = mapped_column(String(16), default=KeyProvider.software)
    enc_public: Mapped[str] = mapped_column(Text)
    """b64 raw public key."""
    enc_key_id: Mapped[str] = mapped_column(String(32), unique=True)
    sign_public: Mapped[str] = mapped_column(Text)
    sign_key_id: Mapped[str] = mapped_column(String(32), unique=True)
    certificate: Mapped[str] = mapped_column(Text, default="")
    """PEM chain for CA-issued keys; empty for software keys."""
    status: Mapped[KeySetStatus] = mapped_column(String(16), default=KeySetStatus.active, index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class BidStatus(StrEnum):
    active = "active"  # the one that counts (the last one submitted)
    replaced = "replaced"  # superseded by a later submission before the deadline
    withdrawn = "withdrawn"  # 撤回 before the deadline (E-Bidding Measures Art.27)


class Bid(IdMixin, Base):
    """One sealed envelope for one lot. Stored ciphertext only; the receipt is issued in the same transaction."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("bidder_org_id", "idempotency_key", name="uq_bids_idempotency"),)

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    bidder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    status: Mapped[BidStatus] = mapped_column(String(16), default=BidStatus.active, index=True)
    suite: Mapped[str] = mapped_column(String(32))
    key_set_id: Mapped[str] = mapped_column(ForeignKey("key_sets.id"))
    """The key set the bid was sealed to; rotation never rebinds an existing bid."""
    rescue_key_id: Mapped[str | None] = mapped_column(ForeignKey("rescue_keys.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    header: Mapped[str] = mapped_column(Text)
    """The envelope header (canonical JSON) so the bidder's browser can unwrap its data key at the opening."""
    idempotency_key: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    """Server time the envelope was complete and durable; the deadline check uses it."""
    receipt: Mapped[str] = mapped_column(Text)
    """The signed receipt (canonical JSON), written in the same transaction as the row."""
    ip: Mapped[str] = mapped_column(String(64), default="")
    replaced_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]


class RescueKey(IdMixin, Base):
    """The tender's rescue public key; the private half exists only as custodians' shares."""

    __tablename__ = "rescue_keys"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), unique=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    public_key: Mapped[str] = mapped_column(Text)
    threshold: Mapped[int] = mapped_column(Integer)
    """k: shares needed to rebuild the key."""
    shares: Mapped[int] = mapped_column(Integer)
    """n: shares issued."""
    created_at: Mapped[datetime]


class RescueShare(IdMixin, Base):
    """One Shamir share, encrypted to its custodian organisation's key, downloadable once."""

    __tablename__ = "rescue_shares"
    __table_args__ = (UniqueConstraint("rescue_key_id", "x", name="uq_rescue_shares_x"),)

    rescue_key_id: Mapped[str] = mapped_column(ForeignKey("rescue_keys.id"), index=True)
    custodian_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    custodian_label: Mapped[str] = mapped_column(String(64), default="")
    """Role of the custodian (中心 / 监督部门 / 代理机构 …) as shown on the opening page."""
    x: Mapped[int] = mapped_column(Integer)
    encrypted_share: Mapped[str | None] = mapped_column(Text)
    """JSON {key_set_id, epk, wrapped (b64)}; set to NULL once the custodian downloaded it."""
    custodian_key_set_id: Mapped[str] = mapped_column(ForeignKey("key_sets.id"))
    downloaded_at: Mapped[datetime | None]
    downloaded_by: Mapped[str | None] = mapped_column(String(32))
    submitted_share: Mapped[str | None] = mapped_column(Text)
    """At the opening: the decrypted share handed back; wiped once the key is rebuilt."""
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(32))
