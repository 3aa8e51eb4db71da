"""Append to and verify the audit chain.

hash = SHA-256(prev_hash || canonical JSON of the entry). Appends are serialised: SQLite's
BEGIN IMMEDIATE already holds the only write lock; PostgreSQL takes a transaction advisory lock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent, AuditHead
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


HASHED_FIELDS = (
    "seq", "tag", "occurred_at", "actor_user_id", "actor_org_id", "actor_role", "ip",
    "subject_type", "subject_id", "project_id", "before", "after",
)
"""The fields covered by the hash: everything but the hash itself and prev_hash (which is chained in)."""


def entry_body(ev: Any) -> dict[str, Any]:
    """The hashed fields of an AuditEvent or of a row selected with HASHED_FIELDS."""
    return {name: getattr(ev, name) for name in HASHED_FIELDS}


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
    head = await _chain_head(session)
    seq, prev = head.seq + 1, head.hash
    ev = AuditEvent(
        seq=seq,
        tag=tag,
        occurred_at=now.astimezone(UTC),
        actor_user_id=actor.user_id,
        actor_org_id=actor.org_id,
        actor_role=str(actor.role) if actor.role else (actor.display_name or ""),  # role may load as a plain str
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
    head.seq, head.hash, head.mac = seq, ev.hash, head_mac(_key(session), seq, ev.hash)
    return ev


_HEAD_KEY = "audit_head"


def _key(session: AsyncSession) -> str:
    key = session.info.get("audit_key")
    if not key:
        raise RuntimeError("session has no audit_key: create it with kit.db.make_sessionmaker")
    return str(key)


def head_mac(key: str, seq: int, hash_: str) -> str:
    return hmac.new(key.encode(), f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


async def _chain_head(session: AsyncSession) -> AuditHead:
    """The signed head row, loaded once per transaction (which holds the chain lock until it ends).

    `record` advances it in place, so a transaction appending many events reads the database once.
    """
    txn = session.sync_session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and txn is not None and cached[0] is txn:
        head: AuditHead = cached[1]
        return head
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    head_or_none = await session.get(AuditHead, 1, populate_existing=True)
    if head_or_none is None:
        # A chain begun before the head existed (or a new one): start from its last entry.
        last = (
            await session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
        ).first()
        head = AuditHead(id=1, seq=last[0] if last else 0, hash=last[1] if last else GENESIS, mac="")
        session.add(head)
    else:
        head = head_or_none
    session.info[_HEAD_KEY] = (txn, head)
    return head


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS


async def iter_events(session: AsyncSession, batch: int = 2000) -> AsyncIterator[Any]:
    """Stream chain rows (hashed fields + prev_hash + hash) in order, without building ORM objects."""
    cols = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    result = await session.stream(select(*cols).order_by(AuditEvent.seq).execution_options(yield_per=batch))
    async for partition in result.partitions(batch):  # one greenlet switch per batch, not per row
        for row in partition:
            yield row


async def verify_chain(session: AsyncSession, on_progress: Callable[[int], None] | None = None) -> VerifyResult:
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
        if on_progress is not None and checked % 1000 == 0:
            on_progress(checked)  # every 1000 rows: a per-row callback would dominate the hashing cost
    if on_progress is not None:
        on_progress(checked)
    head = await session.get(AuditHead, 1)
    if head is None:
        if checked:
            return VerifyResult(False, checked, checked, "the signed chain head is missing")
        return VerifyResult(True, 0, head_hash=prev)
    if not hmac.compare_digest(head.mac, head_mac(_key(session), head.seq, head.hash)):
        return VerifyResult(False, checked, head.seq, "the chain head's signature is wrong (forged, or key changed)")
    if head.seq != checked or head.hash != prev:
        if head.seq > checked:
            gone = f"entry {head.seq}" if head.seq == checked + 1 else f"entries {checked + 1}..{head.seq}"
            return VerifyResult(False, checked, checked + 1, f"{gone} removed from the end of the chain")
        return VerifyResult(False, checked, head.seq + 1, f"entry {head.seq + 1} was added without updating the head")
    return VerifyResult(True, checked, head_hash=prev)
