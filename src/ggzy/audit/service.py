"""Append to and verify the audit chain.

hash = SHA-256(prev_hash || canonical JSON of the entry). Appends are serialised: SQLite's
BEGIN IMMEDIATE already holds the only write lock; PostgreSQL takes a transaction advisory lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import Actor

GENESIS = "0" * 64
_ADVISORY_KEY = 0x6767_7A79  # "ggzy"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-serialisable in audit: {type(value)!r}")


def jsonable(value: Any) -> Any:
    """Turn Decimals, datetimes and enums into the JSON form stored and hashed."""
    return json.loads(json.dumps(value, default=_default))


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def entry_body(ev: AuditEvent) -> dict[str, Any]:
    """The fields covered by the hash (everything but the hash itself)."""
    return {
        "seq": ev.seq,
        "tag": ev.tag,
        "occurred_at": ev.occurred_at,
        "actor_user_id": ev.actor_user_id,
        "actor_org_id": ev.actor_org_id,
        "actor_role": ev.actor_role,
        "ip": ev.ip,
        "subject_type": ev.subject_type,
        "subject_id": ev.subject_id,
        "project_id": ev.project_id,
        "before": ev.before,
        "after": ev.after,
    }


def compute_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(body)).hexdigest()


async def record(
    session: AsyncSession,
    tag: str,
    actor: Actor,
    *,
    subject_type: str,
    subject_id: str,
    now: datetime,
    project_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it commits or rolls back with the change."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    last = (
        await session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    ev = AuditEvent(
        seq=seq,
        tag=tag,
        occurred_at=now.astimezone(UTC),
        actor_user_id=actor.user_id,
        actor_org_id=actor.org_id,
        actor_role=actor.role.value if actor.role else (actor.display_name or ""),
        ip=actor.ip,
        subject_type=subject_type,
        subject_id=subject_id,
        project_id=project_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        prev_hash=prev,
    )
    ev.hash = compute_hash(prev, entry_body(ev))
    session.add(ev)
    await session.flush()
    return ev


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS


async def iter_events(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEvent]:
    result = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    )
    async for ev in result:
        yield ev


async def verify_chain(session: AsyncSession) -> VerifyResult:
    """Walk the chain in order; name the first entry that was edited, deleted or moved."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    async for ev in iter_events(session):
        if ev.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"entry {expected_seq} is missing (next is {ev.seq})")
        if ev.prev_hash != prev:
            return VerifyResult(False, checked, ev.seq, f"entry {ev.seq} does not follow entry {ev.seq - 1}")
        if compute_hash(prev, entry_body(ev)) != ev.hash:
            return VerifyResult(False, checked, ev.seq, f"entry {ev.seq} was altered (hash mismatch)")
        prev = ev.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(True, checked, head_hash=prev)
