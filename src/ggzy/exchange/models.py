"""Pushes to the public service platform (公共服务平台, E-Bidding Measures Art.45): one delivery per published item,
and every attempt to send it (the delivery log)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from ggzy.exchange.rules import item_of
from ggzy.kit.db import Base, IdMixin, JSONType
from ggzy.kit.ids import new_id
from ggzy.project.models import Notice


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its publication time, the next attempt, or an endpoint to be configured
    sent = "sent"  # the remote end answered 2xx
    failed = "failed"  # gave up after MAX_ATTEMPTS; centre staff may retry it


class ExchangeDelivery(IdMixin, Base):
    """One data item (Art.41) to push: queued in the transaction that published its notice."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (UniqueConstraint("notice_id", name="uq_exchange_deliveries_notice"),)

    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"))
    item: Mapped[str] = mapped_column(String(32), index=True)
    """The Art.41 data item (exchange.rules.ITEMS)."""
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default=DeliveryStatus.pending, index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    """Not before the notice's publication time; then the next attempt's time (backoff), or a claim's lease."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """Exactly what was (or will be) sent, fixed at the first attempt so retries resend the same document."""
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")


class ExchangeAttempt(IdMixin, Base):
    """One attempt to send a delivery: when, to where, what came back."""

    __tablename__ = "exchange_attempts"

    delivery_id: Mapped[str] = mapped_column(ForeignKey("exchange_deliveries.id"), index=True)
    at: Mapped[datetime]
    url: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Notice, "after_insert")
def _queue(_mapper: Mapper[Any], connection: Connection, notice: Notice) -> None:
    """Queue the notice's Art.41 item in the transaction that publishes it: pushed if and only if it commits."""
    item = item_of(notice.kind)
    if item is None:
        return
    connection.execute(insert(ExchangeDelivery).values(
        id=new_id(), notice_id=notice.id, item=item, status=DeliveryStatus.pending, due_at=notice.published_at,
        attempts=0, created_at=notice.published_at, last_error=""))
