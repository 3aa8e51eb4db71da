"""Deliver outbox messages (SMS, e-mail, …) through a named adapter; the default writes them to the log.

Messages are queued by `notify_orgs` in the transaction of the change they announce, so nothing is
sent for a change that rolled back. `drain_outbox` sends them later, one short transaction per
message (on SQLite a transaction holds the only write lock; an SMS gateway may be slow). On PostgreSQL
concurrent drainers skip each other's rows with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ggzy.kit.db import commit
from ggzy.notify.models import OutboxMessage, OutboxStatus

log = logging.getLogger("ggzy.outbox")

MAX_ATTEMPTS = 5
"""After this many failed attempts a message is marked failed and left for staff to look at."""


class OutboxAdapter(Protocol):
    """Sends one message to the outside world; raises on failure (the message is retried)."""

    name: str

    async def send(self, message: OutboxMessage) -> None: ...


class LogAdapter:
    """The default: every message becomes one line in the `ggzy.outbox` logger."""

    name = "log"

    async def send(self, message: OutboxMessage) -> None:
        log.info(
            "outbox %s to org=%s address=%s: %s | %s",
            message.channel, message.recipient_org_id or "-", message.address or "-", message.subject, message.body,
        )


_ADAPTERS: dict[str, Callable[[], OutboxAdapter]] = {"log": LogAdapter}


def register_adapter(name: str, factory: Callable[[], OutboxAdapter]) -> None:
    """Make an adapter selectable with GGZY_OUTBOX_ADAPTER=<name> (SMS gateways, SMTP, …)."""
    _ADAPTERS[name] = factory


def adapter_names() -> list[str]:
    return sorted(_ADAPTERS)


def get_adapter(name: str) -> OutboxAdapter:
    """The adapter configured by settings.outbox_adapter; an unknown name is a configuration error."""
    try:
        return _ADAPTERS[name]()
    except KeyError:
        raise ValueError(f"unknown outbox adapter {name!r}; known: {', '.join(adapter_names())}") from None


async def _claim(session: AsyncSession, skip: set[str]) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
    if skip:
        stmt = stmt.where(OutboxMessage.id.not_in(skip))
    stmt = stmt.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt)).scalars().first()


async def drain_outbox(
    maker: async_sessionmaker[AsyncSession], adapter: OutboxAdapter, now: datetime, limit: int = 100
) -> int:
    """Send up to `limit` pending messages; returns how many were sent. Failures count attempts, then fail."""
    sent = 0
    tried: set[str] = set()
    while len(tried) < limit:
        async with maker() as session:
            msg = await _claim(session, tried)
            if msg is None:
                break
            tried.add(msg.id)
            msg.attempts += 1
            try:
                await adapter.send(msg)
            except Exception as exc:  # any adapter error: record it, retry later, give up after MAX_ATTEMPTS
                log.warning("outbox %s via %s failed (attempt %d): %s", msg.id, adapter.name, msg.attempts, exc)
                msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if msg.attempts >= MAX_ATTEMPTS:
                    msg.status = OutboxStatus.failed
            else:
                msg.status = OutboxStatus.sent
                msg.sent_at = now
                msg.last_error = ""
                sent += 1
            await commit(session)
    return sent
