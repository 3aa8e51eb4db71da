"""Online auctions of state land-use rights and state property rights (挂牌 + 限时竞价, 拍卖).

A lot (标的) belongs to an admitted project of the land or property line; approved bidders appear only by their
anonymous number (竞买号); every bid ever placed is kept; the reserve (底价) is stored sealed (docs/auctions.md).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType, append_only


class AuctionMode(StrEnum):
    listing = "listing"  # 挂牌 followed by 限时竞价 when two or more bidders want to continue
    live = "live"  # 拍卖: timed bidding from the start


class AuctionStatus(StrEnum):
    draft = "draft"  # being prepared by centre staff
    announced = "announced"  # 公告 published; applications open; listing not started yet
    listing = "listing"  # 挂牌期: bids raise the price by at least the increment
    timed = "timed"  # 限时竞价: the countdown restarts on every valid bid
    sold = "sold"  # 成交
    unsold = "unsold"  # 流拍


class AuctionLot(IdMixin, Base):
    """One lot put up for auction (标的): its terms, its live state and its result."""

    __tablename__ = "auction_lots"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(16), index=True)
    """project.models.TradingLine: land or property."""
    seller_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    """出让人 / 转让方: 自然资源局 for land, the state-owned enterprise for property."""
    description: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """[{"name", "url"}]: the auction documents (出让文件) as published links."""
    mode: Mapped[AuctionMode] = mapped_column(String(16), default=AuctionMode.listing)
    start_price: Mapped[Decimal]
    increment: Mapped[Decimal]
    """加价幅度: each bid after the first is at least the current price plus this."""
    deposit: Mapped[Decimal]
    """竞买保证金 a bidder pays before approval."""
    listing_days: Mapped[int] = mapped_column(Integer)
    """Working days of the listing period (挂牌期)."""
    first_listing: Mapped[bool] = mapped_column(Boolean, default=True)
    """Property: the first formal listing needs ≥ 20 working days, a re-listing ≥ 5."""
    countdown_seconds: Mapped[int] = mapped_column(Integer, default=240)
    listing_start: Mapped[datetime]
    listing_end: Mapped[datetime]
    """Computed from listing_start and listing_days (working days, make-up days counted); for a live auction
    this is when applications close and the timed bidding starts."""
    listing_end_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    """The period crosses a year nobody has published: staff must confirm the date."""
    status: Mapped[AuctionStatus] = mapped_column(String(16), default=AuctionStatus.draft, index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    announced_at: Mapped[datetime | None]
    announcement_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))

    current_price: Mapped[Decimal | None]
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    leader_id: Mapped[str | None] = mapped_column(String(32))
    """AuctionBidder holding the highest bid."""
    timed_started_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    """End of the countdown during timed bidding (last accepted bid + countdown)."""
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)

    reserve_officer_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    """The designated person (指定人员) who alone may enter the reserve, under a supervisor's eye."""
    reserve_sealed: Mapped[str | None] = mapped_column(Text)
    """The reserve sealed to this lot's reserve key (JSON envelope, auction.reserve)."""
    reserve_commitment: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 commitment over (lot, amount, nonce), also written to the audit chain at entry."""
    reserve_public_key: Mapped[str | None] = mapped_column(String(64))
    reserve_private_wrapped: Mapped[str | None] = mapped_column(Text)
    """The reserve key's private half, wrapped under a key derived from GGZY_SECRET_KEY (never in the DB)."""
    reserve_entered_at: Mapped[datetime | None]
    reserve_entered_by: Mapped[str | None] = mapped_column(String(32))
    reserve_witness_id: Mapped[str | None] = mapped_column(String(32))
    """The supervisor's user who watched the entry."""
    reserve_revealed: Mapped[Decimal | None]
    """Opened only at the result."""

    result_at: Mapped[datetime | None]
    final_price: Mapped[Decimal | None]
    winner_id: Mapped[str | None] = mapped_column(String(32))
    result_reason: Mapped[str] = mapped_column(String(32), default="")
    """sold | no_bid | below_reserve."""
    result_notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    confirmation_sha256: Mapped[str | None] = mapped_column(String(64))


class ApplicationStatus(StrEnum):
    applied = "applied"  # 已报名, deposit not confirmed yet
    approved = "approved"  # deposit confirmed: a bidder number is issued
    rejected = "rejected"


class DepositStatus(StrEnum):
    unpaid = "unpaid"
    held = "held"  # confirmed by the centre (bank reference)
    to_price = "to_price"  # the winner's deposit becomes part of the price
    release = "release"  # marked for refund within 5 working days


class AuctionBidder(IdMixin, Base):
    """An application (竞买申请) and, once approved, the anonymous bidder behind a number (竞买号)."""

    __tablename__ = "auction_bidders"
    __table_args__ = (
        UniqueConstraint("lot_id", "org_id", name="uq_auction_bidders_org"),
        UniqueConstraint("lot_id", "number", name="uq_auction_bidders_number"),
    )

    lot_id: Mapped[str] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    applied_by: Mapped[str] = mapped_column(String(32))
    applied_at: Mapped[datetime]
    status: Mapped[ApplicationStatus] = mapped_column(String(16), default=ApplicationStatus.applied)
    deposit_status: Mapped[DepositStatus] = mapped_column(String(16), default=DepositStatus.unpaid)
    deposit_reference: Mapped[str] = mapped_column(String(64), default="")
    """The bank's transaction reference the centre checked by hand."""
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    number: Mapped[str | None] = mapped_column(String(8))
    """竞买号: random, issued at approval; only the centre can map it to the organisation before the result."""
    continues_at: Mapped[datetime | None]
    """When the bidder declared it wants timed bidding after the listing (参加限时竞价)."""


class BidPhase(StrEnum):
    listing = "listing"
    timed = "timed"


class AuctionBid(IdMixin, Base):
    """One accepted bid; bids cannot be withdrawn and are never deleted."""

    __tablename__ = "auction_bids"
    __table_args__ = (
        UniqueConstraint("lot_id", "seq", name="uq_auction_bids_seq"),
        UniqueConstraint("lot_id", "amount", name="uq_auction_bids_amount"),
    )

    lot_id: Mapped[str] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    bidder_id: Mapped[str] = mapped_column(ForeignKey("auction_bidders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    at: Mapped[datetime]
    phase: Mapped[BidPhase] = mapped_column(String(16))
    ends_at: Mapped[datetime | None]
    """The countdown end this bid set (timed bidding only)."""
    ip: Mapped[str] = mapped_column(String(64), default="")


# On PostgreSQL a bid, once accepted, can be neither changed nor deleted, like the audit log.
PG_APPEND_ONLY = append_only(AuctionBid.__table__, "ggzy_auction_bids_append_only")
