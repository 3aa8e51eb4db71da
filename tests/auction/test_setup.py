"""Creating a lot, its announcement, applications, deposit approval and anonymous bidder numbers (竞买号)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionBidder, AuctionStatus
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind, OrgStatus
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.workdays.rules import add_working_days
from tests.auction.helpers import apply_and_approve, bidder_rows, lot_payload, lot_row, make_auction, who
from tests.supervision.builders import audit_tags, fetch


async def test_centre_creates_and_announces_a_land_lot_with_the_listing_end_in_working_days(
        db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Land Order Art.10 (20 days' notice) and DOMAIN.md: listing ≥ 10 working days on the holiday calendar."""
    a = await make_auction(db, client, clock, bidders=0)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.announced and lot.next_check_at == lot.listing_start
    start_local = lot.listing_start.astimezone(clock.now().tzinfo)
    assert lot.listing_end.date() == add_working_days(start_local.date(), 10).date
    notices = await fetch(db, select(Notice).where(Notice.id == lot.announcement_id))
    assert notices[0].kind == NoticeKind.auction_announcement and "1,000,000.00" in notices[0].body
    assert "auction:created" in await audit_tags(db, a.lot_id) and "auction:announced" in await audit_tags(db, a.lot_id)
    public = await client.get(a.url)
    assert public.status_code == 200 and public.json()["status"] == "announced"


async def test_land_announcement_less_than_20_days_ahead_is_refused_land_order_art10(
        db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=0, publish=False,
                           listing_start=clock.now() + timedelta(days=19))
    r = await client.post(f"{a.url}/publish", headers=a.centre.h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "auction.bad_terms"
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.draft
    assert (await client.get(a.url)).status_code == 404  # drafts are the centre's


async def test_short_listing_and_bad_terms_are_refused_with_nothing_written(
        db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: land listing ≥ 10 working days; property first listing ≥ 20 (Property Order Art.13)."""
    a = await make_auction(db, client, clock, bidders=0, publish=False)
    start = clock.now() + timedelta(days=30)
    cases: list[tuple[dict[str, Any], int, str]] = [
             ({"listing_days": 9}, 422, "auction.bad_terms"), ({"start_price": "100.001"}, 422, "auction.bad_amount"),
             ({"increment": "abc"}, 422, "auction.bad_amount"), ({"start_price": 1.5}, 422, "request.invalid")]
    for over, status, code in cases:
        r = await client.post("/api/auctions", json=lot_payload(a.project, a.seller.user, start, **over),
                              headers=a.centre.h)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), over
    r = await client.post("/api/auctions", json=lot_payload(a.project, a.seller.user, start), headers=a.bidders[0].h
                          if a.bidders else a.seller.h)
    assert r.status_code == 403
    prop = await make_auction(db, client, clock, bidders=0, publish=False, line=TradingLine.property,
                              listing_days=20)
    r = await client.post("/api/auctions", json=lot_payload(prop.project, prop.seller.user, start, listing_days=19),
                          headers=prop.centre.h)
    assert r.status_code == 422 and r.json()["error"]["detail"]["violations"][0]["code"] == "listing_days"
    listed = await client.get("/api/auctions")
    assert listed.json() == []  # nothing published, nothing half-written


async def test_approval_needs_the_bank_reference_and_issues_a_random_number_only_the_centre_can_map(
        db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: bidders appear only by an anonymous number (竞买号)."""
    a = await make_auction(db, client, clock, bidders=3, approve=0)
    b0, b1, b2 = a.bidders
    r = await client.post(f"{a.url}/applications", headers=b0.h)
    assert r.status_code == 201 and r.json()["number"] is None
    app_id = r.json()["id"]
    again = await client.post(f"{a.url}/applications", headers=b0.h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "auction.already_applied"
    r = await client.post(f"{a.url}/applications/{app_id}/approve", json={"bank_reference": "  "}, headers=a.centre.h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "auction.reference_required"
    r = await client.post(f"{a.url}/applications/{app_id}/approve", json={"bank_reference": "X1"}, headers=b0.h)
    assert r.status_code == 403
    r = await client.post(f"{a.url}/applications/{app_id}/approve", json={"bank_reference": "ICBC-2026-0001"},
                          headers=a.centre.h)
    assert r.status_code == 200 and len(r.json()["number"]) == 6
    a.numbers[b0.org.id] = r.json()["number"]
    await apply_and_approve(client, a, b1)
    assert a.numbers[b0.org.id] != a.numbers[b1.org.id]
    # The mapping: the centre sees names; a bidder, the seller and the public see none.
    centre_view = await client.get(f"{a.url}/applications", headers=a.centre.h)
    assert {x["org_name"] for x in centre_view.json()} == {b0.org.name, b1.org.name}
    for h in (b2.h, a.seller.h, a.supervisor.h, {}):
        r = await client.get(f"{a.url}/applications", headers=h)
        assert r.status_code in (401, 403)
    public = (await client.get(a.url)).text
    assert b0.org.name not in public and b1.org.name not in public
    mine = await client.get(f"{a.url}/me", headers=b1.h)
    assert mine.json()["number"] == a.numbers[b1.org.id] and "org_name" not in mine.json()
    rows = await bidder_rows(db, a.lot_id)
    assert {r.deposit_reference for r in rows if r.org_id == b0.org.id} == {"ICBC-2026-0001"}


async def test_unverified_or_non_bidder_cannot_apply_and_applications_close_at_listing_end(
        db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=1, approve=0)
    pending = await who(db, OrgKind.bidder, clock.now(), status=OrgStatus.pending)
    for h in (pending.h, a.seller.h):
        r = await client.post(f"{a.url}/applications", headers=h)
        assert r.status_code == 403 and r.json()["error"]["code"] == "auction.bidder_only"
    lot = await lot_row(db, a.lot_id)
    clock.set(lot.listing_end)
    r = await client.post(f"{a.url}/applications", headers=a.bidders[0].h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "auction.applications_closed"
    assert await fetch(db, select(AuctionBidder).where(AuctionBidder.lot_id == a.lot_id)) == []
