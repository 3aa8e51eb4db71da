"""The rescue plan (补救方案, E-Bidding Measures Art.31): key made at publication, split k-of-n to custodians,
shares downloaded once, rebuilt from k shares only after the deadline."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.bid import rescue as rescue_service
from ggzy.bid.errors import BadShare, NotEnoughShares, RescueKeyMismatch, ShareAlreadySubmitted
from ggzy.bid.models import Bid, RescueKey, RescueShare
from ggzy.kit.clock import FrozenClock
from ggzy.kit.errors import DomainError
from ggzy.party.models import OrgKind
from ggzy.sealing import shamir
from ggzy.sealing.envelope import open_bid, unwrap_data_key
from ggzy.tender import service as tender_service
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.schemas import TenderCreate
from tests.bid.helpers import Bidder, BidWorld, custodian_party, make_world, put_bid, rescue_of, seal
from tests.factories import bearer, create_party, query
from tests.tender.helpers import admitted_project, cast, tender_payload


@pytest.fixture
async def world(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> BidWorld:
    return await make_world(db, client, clock.now(), bidders=2, rescue=True, threshold=3, custodians=5)


async def test_publication_creates_the_rescue_key_split_three_of_five_art31(
    client: AsyncClient, db: AsyncSession, world: BidWorld
) -> None:
    """E-Bidding Measures Art.31: the rescue key exists only as shares encrypted to the named custodians."""
    (rk,) = await query(db, select(RescueKey.key_id, RescueKey.public_key, RescueKey.threshold, RescueKey.shares))
    assert (rk.threshold, rk.shares) == (3, 5)
    rows = await query(db, select(RescueShare.x, RescueShare.custodian_org_id, RescueShare.encrypted_share))
    assert sorted(r.x for r in rows) == [1, 2, 3, 4, 5]
    assert {r.custodian_org_id for r in rows} == {c.org.id for c in world.custodians}
    r = await client.get(f"/api/tenders/{world.tender.id}/rescue-key")
    assert r.status_code == 200 and r.json()["key_id"] == rk.key_id and r.json()["public_key"] == rk.public_key
    assert [c["label"] for c in r.json()["custodians"]] == [f"保管人{i}" for i in range(1, 6)]


async def test_each_custodian_downloads_its_share_once_then_410(
    client: AsyncClient, db: AsyncSession, world: BidWorld
) -> None:
    url = f"/api/tenders/{world.tender.id}/rescue-share"
    c = world.custodians[0]
    first = await client.get(url, headers=c.headers)
    assert first.status_code == 200, first.text
    share = shamir.open_share(first.json()["encrypted_share"], c.keys.enc_private)
    assert share["x"] == first.json()["x"] and share["k"] == 3 and share["n"] == 5
    # The saved response itself is a sealed share (what `ggzy rescue open-share` reads).
    assert shamir.open_share(first.json(), c.keys.enc_private) == share
    assert first.json()["key_id"] == c.keys.enc_key_id
    again = await client.get(url, headers=c.headers)
    assert again.status_code == 410 and again.json()["error"]["code"] == "rescue.share_gone"
    (row,) = await query(db, select(RescueShare.encrypted_share, RescueShare.downloaded_at)
                         .where(RescueShare.custodian_org_id == c.org.id))
    assert row.encrypted_share is None and row.downloaded_at is not None
    outsider = world.bidders[0]
    r = await client.get(url, headers=outsider.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "rescue.not_custodian"


async def test_publication_is_refused_when_a_custodian_cannot_hold_a_share(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    now = clock.now()
    c = await cast(db, now)
    admitted = await admitted_project(db, c, now)
    project: Any = SimpleNamespace(id=admitted.id, line=admitted.line)  # survives the rollbacks below
    holders = [await custodian_party(db, OrgKind.centre, now) for _ in range(2)]
    holder_ids = [h.org.id for h in holders]
    keyless_org, _, _ = await create_party(db, OrgKind.supervisor, now=now, name="无密钥监督部门")
    cases: list[tuple[list[dict[str, str]], str, str]] = [
        ([{"org_id": h, "label": "x"} for h in holder_ids], "rescue.too_few_custodians", ""),
        ([{"org_id": holder_ids[0], "label": "中心"}, {"org_id": holder_ids[0], "label": "中心"},
          {"org_id": holder_ids[1], "label": "y"}], "rescue.duplicate_custodian", "中心"),
        ([{"org_id": h, "label": "x"} for h in holder_ids] + [{"org_id": keyless_org.id, "label": "监督"}],
         "rescue.custodian_without_keys", "无密钥监督部门"),
        ([{"org_id": h, "label": "x"} for h in holder_ids] + [{"org_id": "f" * 32, "label": "不存在"}],
         "rescue.unknown_custodian", "不存在"),
    ]
    for custodians, code, named in cases:
        payload = tender_payload(project, now, has_rescue_plan=True, rescue_threshold=3, rescue_custodians=custodians)
        view = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
        tid = view.tender.id  # the rollback below expires the ORM object
        with pytest.raises(DomainError) as err:
            await tender_service.publish_announcement(db, c.agency, tid, now=now)
        await db.rollback()
        assert err.value.status == 422 and err.value.code == code
        assert named in err.value.message_zh
        (status,) = (await query(db, select(Tender.status).where(Tender.id == tid)))[0]
        assert status == TenderStatus.draft
    assert await query(db, select(RescueKey.id)) == []
    assert await query(db, select(RescueShare.id)) == []


async def test_bids_must_also_be_sealed_to_the_rescue_key_and_only_when_there_is_one(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock, tmp_path: Path
) -> None:
    b = world.bidders[0]
    missing = await put_bid(client, world, b, seal(tmp_path, world, b)[0])
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "bid.rescue_recipient"
    wrong = await custodian_party(db, OrgKind.centre, clock.now())
    bad = await put_bid(client, world, b, seal(tmp_path, world, b,
                                                rescue=(wrong.keys.enc_key_id, wrong.keys.enc_public))[0])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bid.rescue_recipient"
    rk = await rescue_of(client, world)
    ok = await put_bid(client, world, b, seal(tmp_path, world, b, rescue=rk)[0])
    assert ok.status_code == 201, ok.text
    (row,) = await query(db, select(Bid.rescue_key_id))
    assert row.rescue_key_id is not None
    # A tender without a rescue plan has no rescue key; an envelope naming one is refused.
    plain = await make_world(db, client, clock.now(), bidders=1)
    assert await rescue_of(client, plain) is None
    extra = await put_bid(client, plain, plain.bidders[0],
                          seal(tmp_path, plain, plain.bidders[0], rescue=rk)[0])
    assert extra.status_code == 422 and extra.json()["error"]["code"] == "bid.rescue_recipient"


async def _downloaded_shares(client: AsyncClient, w: BidWorld) -> list[tuple[Bidder, dict[str, Any]]]:
    out = []
    for c in w.custodians:
        r = await client.get(f"/api/tenders/{w.tender.id}/rescue-share", headers=c.headers)
        assert r.status_code == 200, r.text
        out.append((c, shamir.open_share(r.json()["encrypted_share"], c.keys.enc_private)))
    return out


async def test_k_shares_rebuild_the_key_after_the_deadline_and_open_the_bid_art31(
    client: AsyncClient, db: AsyncSession, world: BidWorld, tmp_path: Path, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.31: k custodians' shares rebuild the rescue key; fewer do not; not before the deadline."""
    b = world.bidders[0]
    tid = world.tender.id  # the rollbacks below expire the ORM objects
    body, info = seal(tmp_path, world, b, rescue=await rescue_of(client, world), content=b"rescued bid content")
    assert (await put_bid(client, world, b, body)).status_code == 201
    shares = await _downloaded_shares(client, world)
    now = clock.now()

    c0, s0 = shares[0]
    with pytest.raises(DomainError) as early:
        await rescue_service.submit_share(db, c0.actor, tid, s0, now=now)
    assert early.value.code == "rescue.too_early"
    await db.rollback()

    async with db.begin():
        tender = await db.get(Tender, tid)
        assert tender is not None
        tender.status = TenderStatus.bid_closed  # what the deadline sweep does before the opening takes over
    with pytest.raises(BadShare):  # custodian 1 may hand in only its own share
        await rescue_service.submit_share(db, c0.actor, tid, shares[1][1], now=now)
    await db.rollback()
    for c, s in shares[:2]:
        await rescue_service.submit_share(db, c.actor, tid, s, now=now)
    await db.commit()
    with pytest.raises(ShareAlreadySubmitted):
        await rescue_service.submit_share(db, c0.actor, tid, s0, now=now)
    await db.rollback()
    with pytest.raises(NotEnoughShares):
        await rescue_service.rebuild_rescue_private(db, tid)
    await db.rollback()
    c2, s2 = shares[2]
    await rescue_service.submit_share(db, c2.actor, tid, s2, now=now)
    private = await rescue_service.rebuild_rescue_private(db, tid)
    data_key = unwrap_data_key(info.header, role="rescue", enc_private=private)
    opened = open_bid(iter([body]), data_key, expected_sha256=info.sha256, sign_public=b.keys.sign_public)
    assert opened.sha256_ok and opened.signature_ok and opened.problems == []
    await rescue_service.wipe_submitted_shares(db, tid)
    await db.commit()
    assert {r.submitted_share for r in await query(db, select(RescueShare.submitted_share))} == {None}


async def test_a_forged_share_does_not_rebuild_the_key(
    client: AsyncClient, db: AsyncSession, world: BidWorld, clock: FrozenClock
) -> None:
    shares = await _downloaded_shares(client, world)
    async with db.begin():
        tender = await db.get(Tender, world.tender.id)
        assert tender is not None
        tender.status = TenderStatus.bid_closed
    for c, s in shares[:3]:
        doc = {**s, "y": shares[3][1]["y"]} if s["x"] == shares[2][1]["x"] else s  # another's y under this x
        await rescue_service.submit_share(db, c.actor, world.tender.id, doc, now=clock.now())
    with pytest.raises(RescueKeyMismatch):
        await rescue_service.rebuild_rescue_private(db, world.tender.id)
    await db.rollback()


async def test_rescue_key_of_a_draft_is_not_found(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    now = clock.now()
    c = await cast(db, now)
    project = await admitted_project(db, c, now)
    view = await tender_service.create_tender(
        db, c.agency, TenderCreate.model_validate(tender_payload(project, now, has_rescue_plan=False)), now=now)
    r = await client.get(f"/api/tenders/{view.tender.id}/rescue-key")
    assert r.status_code == 404
    staff = await bearer(client, c.centre_user)
    r2 = await client.get(f"/api/tenders/{view.tender.id}/rescue-share", headers=staff)
    assert r2.status_code == 404
    assert json.loads(r2.text)["error"]["code"] == "tender.not_found"
