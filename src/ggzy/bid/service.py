"""Sealed-bid submission, replacement and withdrawal; reads for the bidder itself and, after the deadline, the opening.

The platform stores ciphertext only. An upload streams through the envelope scanner (well-formed and encrypted,
checked without any key — E-Bidding Measures Art.26) into the blob store, which fsyncs and renames it into place.
Only then, in ONE transaction that re-reads the tender and takes the server clock, is the bid accepted: the
deadline (Art.29), a suspension, idempotency and the bidder's active key are checked again, the previous bid for
the lot is marked replaced, the row is written with the signed receipt (Art.27) and the audit event. A request
that fails after the blob was stored leaves at most an unreferenced blob (never a row without a blob, nor a row
without a receipt); it is deleted best-effort under the tender's lock, and only when no bid refers to it.

Art.21: nothing here lets anyone but the bidder itself learn that it bid. Bid rows are read only for the caller's
own organisation, or by the opening domain after the deadline (`active_bids`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.bid import rules
from ggzy.bid.errors import (
    BidNotFound,
    BidsSealed,
    BidTooLarge,
    BlobMissing,
    IdempotencyConflict,
    NoKeySet,
    NoRescueKey,
    NotAcceptingBids,
    UploadIncomplete,
    WrongBidderKey,
)
from ggzy.bid.keys import active_key_set
from ggzy.bid.models import Bid, BidStatus, RescueKey
from ggzy.kit.clock import Clock
from ggzy.kit.db import commit
from ggzy.kit.ids import new_id
from ggzy.party.models import Organisation
from ggzy.sealing.codec import canonical_json, utc_stamp
from ggzy.sealing.envelope import EnvelopeScanner
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import BlobStore, LocalBlobStore
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender.errors import LotNotFound, TenderNotFound
from ggzy.tender.models import Lot, Tender, TenderStatus

log = logging.getLogger("ggzy.bid")

SEALED_STATUSES = frozenset({TenderStatus.draft, TenderStatus.published})
"""Before and until the deadline: bids exist for nobody but their bidders."""


# ---------------------------------------------------------------- reads


async def _tender(session: AsyncSession, tender_id: str, *, share_lock: bool = False) -> Tender:
    stmt = select(Tender).where(Tender.id == tender_id)
    if share_lock:
        # FOR SHARE on PostgreSQL: concurrent bids do not wait on each other, while a status change (the
        # chronograph closing bids, a cancellation) takes FOR UPDATE and waits for them. SQLite ignores it and
        # holds BEGIN IMMEDIATE already.
        stmt = stmt.with_for_update(read=True)
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None or tender.status == TenderStatus.draft:
        raise TenderNotFound()
    return tender


async def _lock_for_bidder(session: AsyncSession, tender_id: str, org_id: str) -> Tender:
    """The locks of a bid write: the tender shared, the bidder's organisation exclusive.

    One bidder's submissions, withdrawals and key rotation (bid.keys) are serialised on its organisation row;
    different bidders proceed side by side instead of queueing on the tender (benchmarks/deadline_rush.py).
    """
    tender = await _tender(session, tender_id, share_lock=True)
    await session.execute(select(Organisation.id).where(Organisation.id == org_id).with_for_update())
    return tender


async def _lot(session: AsyncSession, tender_id: str, lot_id: str) -> Lot:
    lot = (await session.execute(select(Lot).where(Lot.id == lot_id, Lot.tender_id == tender_id))).scalars().first()
    if lot is None:
        raise LotNotFound()
    return lot


async def rescue_key_of(session: AsyncSession, tender_id: str) -> RescueKey | None:
    return (await session.execute(select(RescueKey).where(RescueKey.tender_id == tender_id))).scalars().first()


async def _by_idempotency(session: AsyncSession, org_id: str, key: str) -> Bid | None:
    stmt = select(Bid).where(Bid.bidder_org_id == org_id, Bid.idempotency_key == key)
    return (await session.execute(stmt)).scalars().first()


async def _active_bid(session: AsyncSession, org_id: str, tender_id: str, lot_id: str) -> Bid | None:
    stmt = select(Bid).where(Bid.bidder_org_id == org_id, Bid.tender_id == tender_id, Bid.lot_id == lot_id,
                             Bid.status == BidStatus.active)
    return (await session.execute(stmt)).scalars().first()


async def my_bid(session: AsyncSession, actor: Actor, tender_id: str, lot_id: str) -> Bid:
    """The caller's organisation's current bid for the lot (the active one, else its latest), or 404.

    The answer depends only on the caller's own rows, so it says nothing about anybody else's bids.
    """
    if actor.org_id is None:
        raise BidNotFound()
    stmt = (
        select(Bid).where(Bid.bidder_org_id == actor.org_id, Bid.tender_id == tender_id, Bid.lot_id == lot_id)
        .order_by((Bid.status == BidStatus.active).desc(), Bid.received_at.desc(), Bid.id)
        .limit(1)
    )
    bid = (await session.execute(stmt)).scalars().first()
    if bid is None:
        raise BidNotFound()
    return bid


async def my_bids(session: AsyncSession, actor: Actor) -> list[Bid]:
    """Every bid of the caller's organisation (all statuses), newest first."""
    if actor.org_id is None:
        return []
    stmt = select(Bid).where(Bid.bidder_org_id == actor.org_id).order_by(Bid.received_at.desc(), Bid.id)
    return list((await session.execute(stmt)).scalars().all())


async def active_bids(session: AsyncSession, tender_id: str) -> list[Bid]:
    """For the opening domain: the bids that count (one per bidder and lot), ordered by lot then receipt time.

    Refused while the tender still takes bids (status draft/published): the opening may read bids only once the
    deadline closed the tender (tender.tasks.close_bidding sets bid_closed before the on_bid_closed hooks run).
    """
    tender = await session.get(Tender, tender_id)
    if tender is None:
        raise TenderNotFound()
    if tender.status in SEALED_STATUSES:
        raise BidsSealed()
    stmt = (
        select(Bid).where(Bid.tender_id == tender_id, Bid.status == BidStatus.active)
        .order_by(Bid.lot_id, Bid.received_at, Bid.id)
    )
    return list((await session.execute(stmt)).scalars().all())


def bid_blob(blobs: BlobStore, bid: Bid) -> AsyncIterator[bytes]:
    """The stored envelope of a bid, streamed (its SHA-256 is bid.sha256 = the receipt's)."""
    return blobs.open(bid.sha256)


def bid_blob_path(blobs: BlobStore, bid: Bid) -> Path:
    """The envelope's file, for sealing.envelope.open_bid on the local blob store (the only store so far)."""
    if not isinstance(blobs, LocalBlobStore):
        raise TypeError("bid_blob_path needs the local blob store; use bid_blob() to stream")
    return blobs.path_for(bid.sha256)


def bid_header(bid: Bid) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(bid.header)
    return parsed


def bid_receipt(bid: Bid) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(bid.receipt)
    return parsed


# ---------------------------------------------------------------- submission


@dataclass
class Submitted:
    bid: Bid
    created: bool
    """False when an idempotent retry returned the bid stored by the first request."""


@dataclass
class _Expect:
    """What the envelope header must say, read before the body streams."""

    tender_id: str
    lot_id: str
    bidder_org_id: str
    key_set_id: str
    suite: str
    enc_key_id: str
    rescue_key_id: str | None
    max_bytes: int


async def _checked_stream(
    chunks: AsyncIterator[bytes], scanner: EnvelopeScanner, expect: _Expect
) -> AsyncIterator[bytes]:
    """Feed every chunk to the scanner before the blob store sees it; check the header as soon as it is parsed.

    Anything raised here makes the blob store drop its partial file, so nothing refused is ever kept.
    """
    size = 0
    header_checked = False
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            size += len(chunk)
            if size > expect.max_bytes:
                raise BidTooLarge(detail={"max_bytes": expect.max_bytes})
            scanner.feed(chunk)
            if not header_checked and scanner.header is not None:
                _check_header(scanner.header, expect)
                header_checked = True
            yield chunk
    except ClientDisconnect:
        raise UploadIncomplete() from None
    header = scanner.finish()  # raises on a truncated envelope: it never reaches a valid name
    if not header_checked:
        _check_header(header, expect)


def _check_header(header: dict[str, Any], expect: _Expect) -> None:
    rules.check_header(
        header, tender_id=expect.tender_id, lot_id=expect.lot_id, bidder_org_id=expect.bidder_org_id,
        suite=expect.suite, bidder_key_id=expect.enc_key_id, rescue_key_id=expect.rescue_key_id,
    )


async def _hash_only(chunks: AsyncIterator[bytes], max_bytes: int) -> str:
    """SHA-256 of a retried upload, to compare with the first one (nothing is stored)."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise BidTooLarge(detail={"max_bytes": max_bytes})
            digest.update(chunk)
    except ClientDisconnect:
        raise UploadIncomplete() from None
    return digest.hexdigest()


def _same_submission(bid: Bid, *, tender_id: str, lot_id: str, sha256: str) -> bool:
    return bid.tender_id == tender_id and bid.lot_id == lot_id and bid.sha256 == sha256


async def submit_bid(
    session: AsyncSession,
    actor: Actor,
    *,
    blobs: BlobStore,
    platform_key: PlatformKey,
    clock: Clock,
    tender_id: str,
    lot_id: str,
    idempotency_key: str | None,
    chunks: AsyncIterator[bytes],
    declared_size: int | None = None,
) -> Submitted:
    """Receive a sealed envelope for one lot and issue its signed receipt (see the module docstring)."""
    key = rules.check_idempotency_key(idempotency_key)
    tender = await _tender(session, tender_id)
    rules.ensure_may_bid(actor, tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id)
    assert actor.org_id is not None and actor.user_id is not None  # ensure_may_bid checked
    await _lot(session, tender_id, lot_id)
    max_bytes = tender.max_bid_bytes
    if declared_size is not None and declared_size > max_bytes:
        raise BidTooLarge(detail={"max_bytes": max_bytes})
    existing = await _by_idempotency(session, actor.org_id, key)
    if existing is not None:
        # A retry of a request that was already accepted (its answer lost): the same receipt, even after the
        # deadline or during a suspension — the bid was received in time, and the retry changes nothing.
        first = (existing.id, existing.tender_id, existing.lot_id, existing.sha256)
        await session.rollback()  # rollback expires loaded rows: keep plain values only
        sha = await _hash_only(chunks, max_bytes)
        if first[1:] != (tender_id, lot_id, sha):
            raise IdempotencyConflict()
        again = await session.get(Bid, first[0])
        assert again is not None  # bid rows are never deleted
        return Submitted(again, created=False)
    if tender.status != TenderStatus.published:
        raise NotAcceptingBids(detail={"status": str(tender.status)})
    # Early refusals spare a bidder a long upload; all of them are checked again in the accepting transaction.
    rules.ensure_before_deadline(tender.bid_deadline, clock.now())
    await ensure_trading_open(session, tender.project_id)
    key_set = await active_key_set(session, actor.org_id)
    rescue = await rescue_key_of(session, tender_id) if tender.has_rescue_plan else None
    if key_set is None:
        raise NoKeySet()
    if tender.has_rescue_plan and rescue is None:
        raise NoRescueKey()
    expect = _Expect(tender_id, lot_id, actor.org_id, key_set.id, key_set.suite, key_set.enc_key_id,
                     rescue.key_id if rescue else None, max_bytes)
    # End the read transaction: on SQLite it holds the only write lock, which must not wait on a slow upload.
    await session.rollback()
    scanner = EnvelopeScanner()
    sha, size = await blobs.put_stream(_checked_stream(chunks, scanner, expect), max_bytes)
    header_bytes: bytes = scanner.header_bytes
    try:
        return await _accept(
            session, actor, blobs=blobs, platform_key=platform_key, clock=clock, tender_id=tender_id, lot_id=lot_id,
            key=key, sha=sha, size=size, header_bytes=header_bytes, expect=expect,
        )
    except IntegrityError:
        # Another request with the same idempotency key won the race; answer like a retry.
        await session.rollback()
        again = await _by_idempotency(session, actor.org_id, key)
        if again is not None and _same_submission(again, tender_id=tender_id, lot_id=lot_id, sha256=sha):
            return Submitted(again, created=False)
        await _drop_orphan(session, blobs, tender_id, sha)
        raise IdempotencyConflict() from None
    except BaseException:
        await session.rollback()
        await _drop_orphan(session, blobs, tender_id, sha)
        raise


async def _accept(
    session: AsyncSession, actor: Actor, *, blobs: BlobStore, platform_key: PlatformKey, clock: Clock,
    tender_id: str, lot_id: str, key: str, sha: str, size: int, header_bytes: bytes, expect: _Expect,
) -> Submitted:
    """The accepting transaction: every check again under the tender's lock, at the server's time, then write."""
    assert actor.org_id is not None and actor.user_id is not None
    if not await blobs.exists(sha):
        raise BlobMissing()  # a concurrent failed upload of identical bytes removed it: the client retries
    tender = await _lock_for_bidder(session, tender_id, actor.org_id)
    now = clock.now()  # taken after the locks: the deadline check and received_at are the same instant
    if tender.status != TenderStatus.published:
        raise NotAcceptingBids(detail={"status": str(tender.status)})
    rules.ensure_before_deadline(tender.bid_deadline, now)
    await ensure_trading_open(session, tender.project_id)
    existing = await _by_idempotency(session, actor.org_id, key)
    if existing is not None:
        if _same_submission(existing, tender_id=tender_id, lot_id=lot_id, sha256=sha):
            return Submitted(existing, created=False)
        raise IdempotencyConflict()
    key_set = await active_key_set(session, actor.org_id)
    if key_set is None or key_set.id != expect.key_set_id:
        # Rotated while the bytes arrived: the envelope is sealed to a key the bidder no longer uses.
        raise WrongBidderKey(detail={"expected_key_id": key_set.enc_key_id if key_set else None})
    previous = await _active_bid(session, actor.org_id, tender_id, lot_id)
    if previous is not None:
        previous.status, previous.replaced_at = BidStatus.replaced, now
    rescue = await rescue_key_of(session, tender_id) if expect.rescue_key_id else None
    bid_id = new_id()
    receipt = platform_key.sign({
        "format": "ggzy-receipt", "version": 1, "bid_id": bid_id, "tender_id": tender_id, "lot_id": lot_id,
        "bidder_org_id": actor.org_id, "sha256": sha, "size": size, "received_at": utc_stamp(now),
    })
    bid = Bid(
        id=bid_id, tender_id=tender_id, lot_id=lot_id, bidder_org_id=actor.org_id, submitted_by=actor.user_id,
        status=BidStatus.active, suite=key_set.suite, key_set_id=key_set.id,
        rescue_key_id=rescue.id if rescue else None, sha256=sha, size=size, header=header_bytes.decode("utf-8"),
        idempotency_key=key, received_at=now, receipt=canonical_json(receipt).decode("utf-8"), ip=actor.ip[:64],
    )
    session.add(bid)
    await session.flush()
    # Withheld from every audit listing until the deadline (audit.queries.SECRET_UNTIL_DEADLINE, Art.21).
    await record(
        session, "bid:submitted", actor, subject_type="bid", subject_id=bid.id, project_id=tender.project_id,
        now=now, before={"replaced": previous.id} if previous else None,
        after={"tender_id": tender_id, "lot_id": lot_id, "sha256": sha, "size": size, "key_set_id": key_set.id,
               "received_at": now},
    )
    await commit(session)
    return Submitted(bid, created=True)


async def _drop_orphan(session: AsyncSession, blobs: BlobStore, tender_id: str, sha: str) -> None:
    """Best-effort removal of a refused upload's blob, unless some bid refers to the same bytes.

    Runs under the tender's lock, like the accepting transaction, which re-checks that its blob exists: so a
    concurrent upload of identical bytes either sees the file deleted (and asks its client to retry) or its row
    is committed before this check and the file stays.
    """
    delete = getattr(blobs, "delete", None)
    if delete is None:
        return
    try:
        await session.execute(select(Tender.id).where(Tender.id == tender_id).with_for_update())
        used = (await session.execute(select(Bid.id).where(Bid.sha256 == sha).limit(1))).first()
        if used is None:
            await delete(sha)
    except Exception:  # never mask the refusal being reported
        log.warning("could not remove the unreferenced blob %s", sha, exc_info=True)
    finally:
        with contextlib.suppress(Exception):
            await session.rollback()


async def withdraw_bid(
    session: AsyncSession, actor: Actor, *, clock: Clock, tender_id: str, lot_id: str
) -> Bid:
    """撤回: the caller's active bid for the lot stops counting (until the deadline, E-Bidding Measures Art.27)."""
    tender = await _tender(session, tender_id)
    rules.ensure_may_bid(actor, tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id)
    assert actor.org_id is not None
    tender = await _lock_for_bidder(session, tender_id, actor.org_id)
    await _lot(session, tender_id, lot_id)
    now = clock.now()
    if tender.status != TenderStatus.published:
        raise NotAcceptingBids(detail={"status": str(tender.status)})
    rules.ensure_before_deadline(tender.bid_deadline, now)
    await ensure_trading_open(session, tender.project_id)
    bid = await _active_bid(session, actor.org_id, tender_id, lot_id)
    if bid is None:
        raise BidNotFound()
    bid.status, bid.withdrawn_at = BidStatus.withdrawn, now
    await session.flush()
    await record(
        session, "bid:withdrawn", actor, subject_type="bid", subject_id=bid.id, project_id=tender.project_id,
        now=now, before={"status": BidStatus.active}, after={"tender_id": tender_id, "lot_id": lot_id,
                                                              "status": BidStatus.withdrawn},
    )
    await commit(session)
    return bid

