"""Sealed-bid submission: receipts, deadline to the millisecond, suspension, idempotency, replace and withdraw,
and every refusal leaving nothing behind (E-Bidding Measures Art.26, 27, 29)."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.bid.models import Bid
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.sealing.codec import b64d
from ggzy.sealing.errors import ReceiptInvalid
from ggzy.sealing.receipt import verify_receipt
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import Tender
from tests.bid.helpers import BidWorld, bid_url, make_world, put_bid, register, seal
from tests.factories import bearer, create_party, query


def blob_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def bid_rows(db: AsyncSession) -> int:
    return int((await query(db, select(func.count()).select_from(Bid)))[0][0])


async def platform_public(client: AsyncClient) -> bytes:
    r = await client.get("/api/platform/keys")
    assert r.status_code == 200
    return b64d(r.json()["keys"][0]["public_key"])


@pytest.fixture
async def world(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> BidWorld:
    return await make_world(db, client, clock.now(), bidders=2)


async def test_submit_returns_a_receipt_that_verifies_with_the_platform_key_art27(
    client: AsyncClient, db: AsyncSession, world: BidWorld, tmp_path: Path, settings: Any
) -> None:
    """E-Bidding Measures Art.27: the bidder gets at once a receipt signed over tender, lot, bidder, hash, size and
    server time."""
    b = world.bidders[0]
    body, info = seal(tmp_path, world, b)
    r = await put_bid(client, world, b, body)
    assert r.status_code == 201, r.text
    out = r.json()
    receipt = out["receipt"]
    verify_receipt(receipt, await platform_public(client))
    assert receipt["sha256"] == hashlib.sha256(body).hexdigest() == info.sha256 == out["sha256"]
    assert receipt["size"] == len(body)
    assert (receipt["tender_id"], receipt["lot_id"], receipt["bidder_org_id"]) == (
        world.tender.id, world.lot.id, b.org.id)
    assert out["header"] == info.header and out["status"] == "active"
    stored = settings.blob_dir / receipt["sha256"][:2] / receipt["sha256"][2:4] / receipt["sha256"]
    assert stored.read_bytes() == body
    # Any change to the receipt breaks the signature.
    with pytest.raises(ReceiptInvalid):
        verify_receipt({**receipt, "size": receipt["size"] + 1}, await platform_public(client))
    mine = await client.get(bid_url(world), headers=b.headers)
    assert mine.status_code == 200 and mine.json()["receipt"] == receipt
    listed = await client.get("/api/bids/mine", headers=b.headers)
    assert [x["id"] for x in listed.json()] == [out["id"]]


async def test_unencrypted_truncated_trailing_and_garbage_uploads_are_refused_art26(
    client: AsyncClient, db: AsyncSession, world: BidWorld, tmp_path: Path, settings: Any
) -> None:
    """E-Bidding Measures Art.26: the platform refuses a bid that is not encrypted — and any malformed envelope."""
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b, content=os.urandom(200_000))
    header_len = int.from_bytes(body[8:12], "big")
    prefix = body[: 12 + header_len]
    plain_record = (b"%PDF-1.7 " + b"plain text bid " * 8000)[:70_000]
    unencrypted = prefix + (len(plain_record) | 1 << 31).to_bytes(4, "big") + plain_record
    cases = {
        "not_encrypted": unencrypted,
        "truncated": body[:-1],
        "trailing_bytes": body + b"\x00",
        "magic": b"%PDF-1.7 not an envelope at all" * 100,
        "empty": b"",
    }
    for name, payload in cases.items():
        r = await put_bid(client, world, b, payload)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"]["code"] == "bid.envelope_malformed", (name, r.text)
    assert await bid_rows(db) == 0
    assert blob_files(settings.blob_dir) == []


async def test_over_the_size_limit_is_413_and_leaves_nothing(
    client: AsyncClient, db: AsyncSession, world: BidWorld, tmp_path: Path, settings: Any
) -> None:
    b = world.bidders[0]
    async with db.begin():
        tender = await db.get(Tender, world.tender.id)
        assert tender is not None
        tender.max_bid_bytes = 150_000
    body, _ = seal(tmp_path, world, b, content=os.urandom(300_000))
    r = await put_bid(client, world, b, body)
    assert r.status_code == 413 and r.json()["error"]["code"] == "bid.too_large"

    async def chunked() -> Any:  # no Content-Length: the limit is enforced while streaming
        for i in range(0, len(body), 65_536):
            yield body[i:i + 65_536]

    r2 = await client.put(bid_url(world), content=chunked(),
                          headers={**b.headers, "Idempotency-Key": "chunked-0001"})
    assert r2.status_code == 413 and r2.json()["error"]["code"] == "bid.too_large"
    assert await bid_rows(db) == 0
    assert blob_files(settings.blob_dir) == []


@pytest.mark.parametrize(("offset_ms", "accepted"), [(-1, True), (0, False), (1, False)])
async def test_one_millisecond_late_is_refused_art29(
    client: AsyncClient, db: AsyncSession, world: BidWorld, *, clock: FrozenClock, tmp_path: Path, settings: Any,
    offset_ms: int, accepted: bool,
) -> None:
    """E-Bidding Measures Art.29: a bid at or after the deadline (server clock, in the transaction) is refused."""
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b)
    assert world.tender.bid_deadline is not None
    clock.set(world.tender.bid_deadline + timedelta(milliseconds=offset_ms))
    r = await put_bid(client, world, b, body)
    if accepted:
        assert r.status_code == 201, r.text
        assert r.json()["received_at"].startswith(
            (world.tender.bid_deadline - timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    else:
        assert r.status_code == 409 and r.json()["error"]["code"] == "bid.deadline_passed", r.text
        assert await bid_rows(db) == 0
        assert blob_files(settings.blob_dir) == []


class _MovingClock(FrozenClock):
    """Reads the deadline-1ms time for the early checks, then crosses the deadline before the accepting one."""

    def __init__(self, before: Any, after: Any, flips_after: int) -> None:
        super().__init__(before)
        self.after, self.calls, self.flips_after = after, 0, flips_after

    def now(self) -> Any:
        self.calls += 1
        return super().now() if self.calls <= self.flips_after else self.after


async def test_deadline_is_checked_again_inside_the_accepting_transaction_art29(
    app: Any, client: AsyncClient, db: AsyncSession, world: BidWorld, *, tmp_path: Path, settings: Any
) -> None:
    """E-Bidding Measures Art.29: an upload that started in time but completes after the deadline is late."""
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b)
    assert world.tender.bid_deadline is not None
    deadline = world.tender.bid_deadline
    # Call 1: the auth dependency; call 2: the early check; call 3: inside the accepting transaction.
    app.state.clock = _MovingClock(deadline - timedelta(milliseconds=1), deadline, flips_after=2)
    r = await put_bid(client, world, b, body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "bid.deadline_passed", r.text
    assert await bid_rows(db) == 0
    assert blob_files(settings.blob_dir) == [], "the refused upload's blob is removed"


async def test_suspended_tender_refuses_bids(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b)
    async with db.begin():
        db.add(Suspension(scope=SuspensionScope.project, project_id=world.tender.project_id, reason="投诉处理",
                          status=SuspensionStatus.active, requested_by=world.cast.centre_user.id,
                          requested_at=clock.now()))
    r = await put_bid(client, world, b, body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "supervision.suspended", r.text
    assert await bid_rows(db) == 0


async def test_idempotent_retry_returns_the_same_receipt_and_one_row(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b)
    first = await put_bid(client, world, b, body, key="retry-key-0001")
    again = await put_bid(client, world, b, body, key="retry-key-0001")
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["receipt"] == first.json()["receipt"]
    assert await bid_rows(db) == 1
    other, _ = seal(tmp_path, world, b)
    clash = await put_bid(client, world, b, other, key="retry-key-0001")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "bid.idempotency_conflict"
    assert await bid_rows(db) == 1
    # The answer was lost and the client retries after the deadline: it still gets its receipt (no new bid).
    assert world.tender.bid_deadline is not None
    clock.set(world.tender.bid_deadline + timedelta(minutes=1))
    late_retry = await put_bid(client, world, b, body, key="retry-key-0001")
    assert late_retry.status_code == 200 and late_retry.json()["receipt"] == first.json()["receipt"]
    late_new = await put_bid(client, world, b, other, key="retry-key-0002")
    assert late_new.status_code == 409 and late_new.json()["error"]["code"] == "bid.deadline_passed"
    for bad in ("short", "x" * 65, "spaces not allowed"):
        r = await client.put(bid_url(world), content=body, headers={**b.headers, "Idempotency-Key": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] == "bid.idempotency_key_required"
    r = await client.put(bid_url(world), content=body, headers=b.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "bid.idempotency_key_required"
    audit = await query(db, select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == "bid:submitted"))
    assert audit[0][0] == 1


async def test_replace_last_one_counts_and_withdraw_art27(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    """E-Bidding Measures Art.27: before the deadline a bidder may replace or withdraw its bid."""
    b = world.bidders[0]
    first = await put_bid(client, world, b, seal(tmp_path, world, b)[0])
    clock.advance(minutes=1)
    second = await put_bid(client, world, b, seal(tmp_path, world, b)[0])
    assert first.status_code == second.status_code == 201
    rows = dict(await query(db, select(Bid.id, Bid.status)))
    assert rows == {first.json()["id"]: "replaced", second.json()["id"]: "active"}
    current = await client.get(bid_url(world), headers=b.headers)
    assert current.json()["id"] == second.json()["id"]

    w = await client.delete(bid_url(world), headers=b.headers)
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    rows = dict(await query(db, select(Bid.id, Bid.status)))
    assert rows[second.json()["id"]] == "withdrawn" and rows[first.json()["id"]] == "replaced"
    again = await client.delete(bid_url(world), headers=b.headers)
    assert again.status_code == 404 and again.json()["error"]["code"] == "bid.not_found"
    assert (await client.get(bid_url(world), headers=b.headers)).json()["status"] == "withdrawn"

    assert world.tender.bid_deadline is not None
    third = await put_bid(client, world, b, seal(tmp_path, world, b)[0])
    assert third.status_code == 201
    clock.set(world.tender.bid_deadline)
    late = await client.delete(bid_url(world), headers=b.headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "bid.deadline_passed"


async def test_wrong_key_wrong_bidder_wrong_tender_or_lot_in_the_header_are_refused(
    client: AsyncClient, db: AsyncSession, world: BidWorld, *, clock: FrozenClock, tmp_path: Path, settings: Any
) -> None:
    a, other = world.bidders
    cases = {
        "bid.envelope_mismatch/bidder": seal(tmp_path, world, a, bidder_org_id=other.org.id)[0],
        "bid.envelope_mismatch/tender": seal(tmp_path, world, a, tender_id="f" * 32)[0],
        "bid.wrong_key/other's key": seal(tmp_path, world, a, keys=other.keys)[0],
    }
    for name, body in cases.items():
        r = await put_bid(client, world, a, body)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"]["code"] == name.split("/")[0], (name, r.text)
    # Sealed to the key set that rotation retired: refused; the bid must be sealed to the active key.
    old_keys = a.keys
    a.keys, a.key_set = await register(db, a.actor, clock.now())
    r = await put_bid(client, world, a, seal(tmp_path, world, a, keys=old_keys)[0])
    assert r.status_code == 422 and r.json()["error"]["code"] == "bid.wrong_key"
    assert await bid_rows(db) == 0
    assert blob_files(settings.blob_dir) == []
    ok = await put_bid(client, world, a, seal(tmp_path, world, a)[0])
    assert ok.status_code == 201 and ok.json()["key_set_id"] == a.key_set.id


async def test_rotation_keeps_existing_bids_bound_to_their_key_set(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    a = world.bidders[0]
    r = await put_bid(client, world, a, seal(tmp_path, world, a)[0])
    bound = r.json()["key_set_id"]
    await register(db, a.actor, clock.now())
    assert (await client.get(bid_url(world), headers=a.headers)).json()["key_set_id"] == bound


async def test_who_may_not_bid_operator_art23_own_party_and_non_bidders(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    """E-Bidding Measures Art.23: the platform operator may not bid; neither may the tender's own agency/tenderer."""
    body, _ = seal(tmp_path, world, world.bidders[0])
    centre = await bearer(client, world.cast.centre_user)
    agency = await bearer(client, world.cast.agency_user)
    tenderer = await bearer(client, world.cast.tenderer_user)
    _, sup_user, _ = await create_party(db, OrgKind.supervisor, now=clock.now())
    sup = await bearer(client, sup_user)
    expected = {"centre": (centre, "bid.operator_may_not_bid"), "agency": (agency, "bid.own_tender"),
                "tenderer": (tenderer, "bid.own_tender"), "supervisor": (sup, "bid.bidders_only")}
    for who, (h, code) in expected.items():
        r = await client.put(bid_url(world), content=body, headers={**h, "Idempotency-Key": "who-may-bid-1"})
        assert r.status_code == 403 and r.json()["error"]["code"] == code, (who, r.text)
    anon = await client.put(bid_url(world), content=body, headers={"Idempotency-Key": "who-may-bid-1"})
    assert anon.status_code == 401
    assert await bid_rows(db) == 0


async def test_unknown_lot_or_tender_and_bidder_without_keys(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    b = world.bidders[0]
    body, _ = seal(tmp_path, world, b)
    h = {**b.headers, "Idempotency-Key": "unknown-ids-1"}
    r = await client.put(f"/api/tenders/{world.tender.id}/lots/{'f' * 32}/bid", content=body, headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "tender.lot_not_found"
    r = await client.put(f"/api/tenders/{'f' * 32}/lots/{world.lot.id}/bid", content=body, headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "tender.not_found"
    from tests.bid.helpers import make_bidder

    keyless = await make_bidder(db, clock.now(), with_keys=False)
    keyless.headers = await bearer(client, keyless.user)
    r = await put_bid(client, world, keyless, body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "bid.no_key_set"


async def test_receipt_is_stored_canonical_and_matches_the_row(
    client: AsyncClient, db: AsyncSession, world: BidWorld, tmp_path: Path
) -> None:
    b = world.bidders[0]
    r = await put_bid(client, world, b, seal(tmp_path, world, b)[0])
    (row,) = await query(db, select(Bid.receipt, Bid.sha256, Bid.size, Bid.received_at))
    receipt = json.loads(row.receipt)
    assert receipt == r.json()["receipt"]
    assert (receipt["sha256"], receipt["size"]) == (row.sha256, row.size)
    assert receipt["received_at"] == row.received_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_gm_suite_bids_are_accepted_but_not_where_the_rescue_key_is_x25519(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """A 国密 (SM2/SM4/SM3) key set and envelope go through the same checks; a tender with a rescue plan accepts only
    x25519 envelopes, because its rescue key is X25519 (docs/sealed-bids.md, GM wrap details)."""
    from ggzy.bid import keys as key_service
    from ggzy.sealing import keys as sealing_keys
    from tests.bid.helpers import key_set_in, rescue_of

    for rescue in (False, True):
        w = await make_world(db, client, clock.now(), bidders=1, rescue=rescue, threshold=2, custodians=2)
        b = w.bidders[0]
        b.keys = sealing_keys.generate("sm2-sm4gcm")
        assert b.org.id is not None
        b.key_set = await key_service.register_key_set(db, b.actor, key_set_in(b.org.id, b.keys), now=clock.now())
        assert b.key_set.suite == "sm2-sm4gcm"
        # An SM2 wrap cannot address the X25519 rescue key at all, so the GM envelope has only its bidder entry.
        assert (await rescue_of(client, w) is not None) == rescue
        body, _ = seal(tmp_path, w, b)
        r = await put_bid(client, w, b, body)
        if rescue:
            assert r.status_code == 422 and r.json()["error"]["code"] == "bid.suite_not_allowed", r.text
        else:
            assert r.status_code == 201 and r.json()["suite"] == "sm2-sm4gcm", r.text
