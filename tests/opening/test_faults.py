"""Failures at the opening: damaged storage, platform faults and the rescue key (E-Bidding Measures Art.31),
the floating coefficient, and Art.21 confidentiality before the deadline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.bid.models import Bid, RescueShare
from ggzy.kit.clock import FrozenClock
from ggzy.opening.models import DecryptStatus, OpeningStatus
from ggzy.sealing.shamir import open_share
from ggzy.storage.blobstore import LocalBlobStore
from tests.bid.helpers import make_world
from tests.factories import bearer
from tests.opening.helpers import (
    decrypt,
    entries_of,
    later,
    my_entry,
    open_hall,
    opening_of,
    submit_all,
    sweep,
)
from tests.supervision.builders import fetch


async def test_flipped_byte_in_a_stored_envelope_is_detected_and_recorded(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """A byte changed in the blob store after the receipt: the bid fails with the reason, never opens silently."""
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3)
    victim = h.w.bidders[0]
    (sha,) = await fetch(db, select(Bid.sha256).where(Bid.bidder_org_id == victim.org.id))
    blobs: LocalBlobStore = app.state.blobs
    path = blobs.path_for(sha)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))

    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    r = await decrypt(client, h, victim)
    assert r.status_code == 200, r.text
    assert r.json()["decrypt_status"] == "failed" and "SHA-256" in r.json()["failure_reason"]
    for b in h.w.bidders[1:]:
        assert (await decrypt(client, h, b)).json()["decrypt_status"] == "decrypted"
    # All settled: the window ends early and 唱标 starts without waiting.
    opening = await opening_of(db, h.w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.announcing
    tags = await fetch(db, select(AuditEvent.tag).where(AuditEvent.tag == "opening:decrypt_failed"))
    assert tags == ["opening:decrypt_failed"]


async def test_rescue_opens_only_the_platform_fault_bid_art31(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """k of n custodians rebuild the rescue key; it opens ONLY the bid the centre recorded as a platform fault
    (视为撤回); the bidder's-own-fault bid stays 视为撤销; the handed-in shares are wiped afterwards."""
    h = await open_hall(app, client, db, clock, tmp_path, bidders=4, rescue=True, threshold=3, custodians=5)
    w = h.w
    # Each custodian downloaded its encrypted share once, after publication, and opened it with its key file.
    shares = []
    for c in w.custodians:
        r = await client.get(f"/api/tenders/{w.tender.id}/rescue-share", headers=c.headers)
        assert r.status_code == 200, r.text
        shares.append(open_share(r.json()["encrypted_share"], c.keys.enc_private))

    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    for b in w.bidders[:2]:
        assert (await decrypt(client, h, b)).status_code == 200
    faulted, lazy = w.bidders[2], w.bidders[3]
    e_fault = await my_entry(client, h, faulted)
    # Custodians cannot hand in shares while nothing needs rescuing.
    r = await client.post(f"{h.url}/rescue-shares", json={"share": shares[0]}, headers=w.custodians[0].headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "opening.nothing_to_rescue"
    # Only the centre records a platform fault.
    r = await client.post(f"{h.url}/entries/{e_fault['id']}/fault", json={"reason": "上传服务异常"}, headers=h.host)
    assert r.status_code == 403 and r.json()["error"]["code"] == "opening.centre_only"
    r = await client.post(f"{h.url}/entries/{e_fault['id']}/fault", json={"reason": "解密服务故障"}, headers=h.centre)
    assert r.status_code == 200 and r.json()["decrypt_status"] == "deemed_withdrawn"

    later(clock, w.tender.decryption_window_minutes)
    await sweep(app, clock)
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.announcing
    # Closing 唱标 waits for the rescue while its time limit runs.
    r = await client.post(f"{h.url}/close-announcing", headers=h.host)
    assert r.status_code == 409 and r.json()["error"]["code"] == "opening.rescue_pending"

    for i in range(3):
        r = await client.post(f"{h.url}/rescue-shares", json={"share": shares[i]}, headers=w.custodians[i].headers)
        assert r.status_code == 201, r.text
        assert r.json()["opened"] == (1 if i == 2 else 0)
    by_org = {e.bidder_org_id: e for e in await entries_of(db, opening.id)}
    assert by_org[faulted.org.id].decrypt_status == DecryptStatus.rescued
    assert by_org[faulted.org.id].price is not None and by_org[faulted.org.id].signature_ok is True
    assert by_org[lazy.org.id].decrypt_status == DecryptStatus.deemed_revoked  # its own fault: not rescued
    assert by_org[lazy.org.id].data_key is None and by_org[lazy.org.id].price is None
    assert await fetch(db, select(RescueShare.submitted_share).where(RescueShare.submitted_share.is_not(None))) == []
    r = await client.post(f"{h.url}/close-announcing", headers=h.host)
    assert r.status_code == 200, r.text


async def test_floating_coefficient_is_drawn_on_the_server_within_range_and_logged(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """下浮系数: drawn with `secrets` when 唱标 starts, from min..max by step, logged with candidates and index."""
    rng = {"min": "0.0100", "max": "0.0300", "step": "0.0050"}
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3, coefficient_range=rng)
    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    for b in h.w.bidders:
        assert (await decrypt(client, h, b)).status_code == 200
    opening = await opening_of(db, h.w.tender.id)
    assert opening is not None and opening.floating_coefficient is not None
    value = Decimal(opening.floating_coefficient)
    assert Decimal("0.01") <= value <= Decimal("0.03") and (value - Decimal("0.01")) % Decimal("0.005") == 0
    (ev,) = await fetch(db, select(AuditEvent).where(AuditEvent.tag == "opening:coefficient_drawn"))
    assert ev.after is not None
    assert ev.after["candidates"] == ["0.0100", "0.0150", "0.0200", "0.0250", "0.0300"]
    assert ev.after["candidates"][ev.after["index"]] == opening.floating_coefficient
    r = await client.get(f"/tenders/{h.w.tender.id}/opening", headers=h.host)
    assert r.status_code == 200 and opening.floating_coefficient in r.text


async def test_nothing_about_bids_is_visible_before_the_deadline_art21(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """E-Bidding Measures Art.21: with bids in, the hall shows no bidder and no count to anyone, staff included."""
    w = await make_world(db, client, clock.now(), bidders=3)
    await submit_all(client, tmp_path, w, w.bidders)
    viewers = [{}, await bearer(client, w.cast.agency_user), await bearer(client, w.cast.centre_user),
               await bearer(client, w.cast.tenderer_user), w.bidders[0].headers]
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline - timedelta(milliseconds=1))
    assert await sweep(app, clock) == 0
    for headers in viewers:
        r = await client.get(f"/api/tenders/{w.tender.id}/opening", headers=headers)
        assert r.status_code == 200 and r.json() == {"tender_id": w.tender.id, "tender_status": "published",
                                                     "status": None}
        page = await client.get(f"/tenders/{w.tender.id}/opening", headers=headers)
        assert page.status_code == 200
        for b in w.bidders[1:]:  # (bidder 0 is one of the viewers: the header shows its own name)
            assert b.org.name not in page.text
        assert 'data-testid="entry"' not in page.text
        r = await client.post(f"/api/tenders/{w.tender.id}/opening/sign-in", headers=headers or w.bidders[0].headers)
        assert r.status_code == 404


async def test_a_lot_with_fewer_than_three_bids_fails_while_the_other_goes_ahead_art44(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """Bidding Regs Art.44 per lot: lot 2 with 2 bids fails (recorded on the opening), lot 1 with 3 is opened."""
    lots = [{"name": "施工", "budget": "1000000.00", "ceiling_price": "980000.00", "bond_amount": "20000.00"},
            {"name": "监理", "budget": "1000000.00", "ceiling_price": "980000.00", "bond_amount": "20000.00"}]
    w = await make_world(db, client, clock.now(), bidders=3, lots=lots)
    await submit_all(client, tmp_path, w, w.bidders)
    await submit_all(client, tmp_path, w, w.bidders[:2], lot=w.lots[1])
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)
    await sweep(app, clock)
    opening = await opening_of(db, w.tender.id)
    assert opening is not None
    assert [(f["number"], f["bids"]) for f in opening.failed_lots] == [(2, 2)]
    assert {e.lot_id for e in await entries_of(db, opening.id)} == {w.lots[0].id}
