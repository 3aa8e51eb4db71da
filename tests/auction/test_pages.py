"""The auction pages over HTTP: the public list and room, the bidder's panel (apply, continue, bid), the centre's
console and new-lot form, the reserve entry — who may open what, and what no page may show: organisation names
behind bidder numbers before the result (DOMAIN.md "The auction journey") and the reserve before it (issue 5)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionStatus
from ggzy.kit.clock import FrozenClock
from ggzy.kit.money import fmt, in_words
from ggzy.party.models import OrgKind
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from tests.auction.helpers import (
    Auction,
    Who,
    apply_and_approve,
    bid,
    bid_rows,
    lot_row,
    make_auction,
    sweep,
    to_listing,
    to_timed,
    who,
)
from tests.factories import login_cookie

HX = {"HX-Request": "true"}


@asynccontextmanager
async def browser(app: Any, w: Who | None = None) -> AsyncIterator[tuple[AsyncClient, str]]:
    """A client with its own cookie jar, logged in through /login as `w` (anonymous when None); yields the CSRF."""
    transport = ASGITransport(app=app, client=("203.0.113.20", 41000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as c:
        csrf = await login_cookie(c, w.user) if w is not None else ""
        yield c, csrf


def room_paths(a: Auction) -> list[str]:
    return [f"/auctions/{a.lot_id}", f"/auctions/{a.lot_id}/live", f"/auctions/{a.lot_id}/me", "/auctions",
            f"/auctions/{a.lot_id}?lang=en"]


async def test_the_room_shows_price_countdown_and_every_bid_by_number_never_by_name(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: bidders appear only by an anonymous number (竞买号); the price and the bids are public."""
    a = await make_auction(db, client, clock, bidders=3)
    b0, b1, b2 = a.bidders
    await to_listing(app, clock, db, a)
    assert (await bid(client, a, b0, "1000000")).status_code == 201
    clock.advance(minutes=3)
    assert (await bid(client, a, b1, "1010000")).status_code == 201
    names = [b.org.name for b in a.bidders]
    viewers: list[Who | None] = [None, a.seller, a.supervisor, b2]
    for viewer in viewers:
        async with browser(app, viewer) as (c, _):
            for path in room_paths(a):
                r = await c.get(path)
                assert r.status_code == 200, (path, r.text[:300])
                leaked = [n for n in names if n in r.text and (viewer is None or n != viewer.org.name)]
                assert not leaked, f"{path} as {viewer and viewer.org.name}: {leaked}"
    page = (await client.get(f"/auctions/{a.lot_id}")).text
    assert "1,010,000.00" in page and "壹佰零壹万元整" in page  # the price and its 大写
    assert "1,020,000.00" in page  # next minimum
    assert page.count('data-testid="bid-row"') == 2
    assert a.numbers[b0.org.id] in page and a.numbers[b1.org.id] in page
    lot = await lot_row(db, a.lot_id)
    # The countdown to the listing end carries its target and the server's time (the browser's clock is not used).
    assert f'data-until="{lot.listing_end.isoformat()}"' in page
    assert f'data-server-now="{clock.now().isoformat()}"' in page
    assert "/static/auction.js" in page and "/static/sealing.js" in page
    listing = (await client.get("/auctions")).text
    assert "城东地块国有建设用地使用权" in listing and "1,010,000.00" in listing
    en = (await client.get(f"/auctions/{a.lot_id}?lang=en")).text
    assert "Current price" in en and "Bids" in en


async def test_a_bidder_applies_continues_and_bids_from_its_panel_with_refusals_shown_by_code(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Issue 5: the panel applies, shows the number once approved, declares continuing (Land Order Art.20) and bids;
    a refused bid comes back as its coded message and changes nothing."""
    # Property: the listing may start soon after the announcement, so the web sessions outlive the wait.
    a = await make_auction(db, client, clock, bidders=2, approve=0, line=TradingLine.property, listing_days=20,
                           listing_start=clock.now() + timedelta(hours=1))
    b0, b1 = a.bidders
    url = f"/auctions/{a.lot_id}"
    async with browser(app, b0) as (c, csrf):
        h = {**HX, "X-CSRF-Token": csrf}
        assert 'data-testid="apply"' in (await c.get(f"{url}/me")).text
        r = await c.post(f"{url}/apply", headers=h)
        assert r.status_code == 200 and 'data-status="applied"' in r.text and 'data-testid="flash"' in r.text
        r = await c.post(f"{url}/apply", headers=h)
        assert 'data-code="auction.already_applied"' in r.text
        assert (await c.post(f"{url}/apply", headers=HX)).status_code == 403  # no CSRF token

        # The centre approves with the bank reference on its console; the bidder's number appears.
        async with browser(app, a.centre) as (staff, staff_csrf):
            console = (await staff.get(f"{url}/manage")).text
            assert b0.org.name in console  # the centre sees who applied
            app_id = re.search(r'/applications/([0-9a-z]+)/approve', console)
            assert app_id is not None
            r = await staff.post(f"{url}/manage/applications/{app_id[1]}/approve",
                                 data={"bank_reference": "  ", "csrf_token": staff_csrf})
            assert r.status_code == 422 and 'data-code="auction.reference_required"' in r.text
            r = await staff.post(f"{url}/manage/applications/{app_id[1]}/approve",
                                 data={"bank_reference": "BK20260302001", "csrf_token": staff_csrf})
            assert r.status_code == 303 and r.headers["location"].endswith("?done=approved")
            number = re.search(r'data-testid="number">(\d{6})<', (await staff.get(f"{url}/manage")).text)
            assert number is not None
        await apply_and_approve(client, a, b1)
        me = (await c.get(f"{url}/me")).text
        assert f'data-testid="my-number">{number[1]}<' in me and 'data-testid="continue"' in me
        assert 'data-testid="bid-form"' not in me  # the listing has not started

        await to_listing(app, clock, db, a)
        r = await c.post(f"{url}/continue", headers=h)
        assert r.status_code == 200 and "已申请参加" in r.text and 'data-testid="continue"' not in r.text
        form = r.text
        assert 'value="1000000.00"' in form and in_words(Decimal("1000000")) in form  # prefilled, with 大写
        before = len(await bid_rows(db, a.lot_id))
        for amount, code in (("999999.99", "auction.outbid"), ("abc", "auction.bad_amount"),
                             ("1000000.001", "auction.bad_amount")):
            r = await c.post(f"{url}/bid", data={"amount": amount}, headers=h)
            assert r.status_code == 200 and f'data-code="{code}"' in r.text, amount
            if code == "auction.outbid":
                assert "当前最低应价 <b>1,000,000.00</b>" in r.text
        assert len(await bid_rows(db, a.lot_id)) == before
        r = await c.post(f"{url}/bid", data={"amount": "1000000"}, headers=h)
        assert r.status_code == 200 and "报价已被接受" in r.text
        assert 'data-testid="leading"' in (await c.get(f"{url}/live")).text
        assert 'value="1010000.00"' in r.text  # the next minimum, prefilled again
        # A plain form post (no htmx) gets the room back: the refusal with its status, a success as a redirect.
        r = await c.post(f"{url}/bid", data={"amount": "1000000", "csrf_token": csrf})
        assert r.status_code == 409 and 'data-code="auction.outbid"' in r.text and 'data-testid="lot-title"' in r.text
        r = await c.post(f"{url}/bid", data={"amount": "1010000", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == f"{url}?done=bid"
    assert [x.amount for x in await bid_rows(db, a.lot_id)] == [Decimal("1000000.00"), Decimal("1010000.00")]

    # Somebody else's page: no bid form for a non-bidder, and a login link for the public.
    async with browser(app, a.seller) as (c, csrf):
        me = (await c.get(f"{url}/me")).text
        assert 'data-testid="bid-form"' not in me and 'data-testid="apply"' not in me
        r = await c.post(f"{url}/bid", data={"amount": "2000000"}, headers={**HX, "X-CSRF-Token": csrf})
        assert 'data-code="auction.not_approved"' in r.text
    assert 'data-testid="login-to-bid"' in (await client.get(f"{url}/me")).text
    assert (await client.post(f"{url}/bid", data={"amount": "2000000"})).status_code == 401


async def test_timed_bidding_panel_refuses_bidders_that_did_not_ask_to_continue_land_order_art20(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a, lot = await to_timed(app, db, client, clock)
    assert lot.status == AuctionStatus.timed
    url = f"/auctions/{a.lot_id}"
    async with browser(app, a.bidders[2]) as (c, csrf):
        me = (await c.get(f"{url}/me")).text
        assert 'data-testid="bid-form"' not in me and "您未在挂牌期内申请参加限时竞价" in me
        r = await c.post(f"{url}/bid", data={"amount": "1010000"}, headers={**HX, "X-CSRF-Token": csrf})
        assert 'data-code="auction.not_continuing"' in r.text
    async with browser(app, a.bidders[1]) as (c, csrf):
        page = (await c.get(url)).text
        assert 'data-testid="bid-form"' in page and "限时竞价剩余" in page
        assert lot.ends_at is not None and f'data-until="{lot.ends_at.isoformat()}"' in page and ">04:00<" in page
        clock.advance(seconds=100)
        assert ">02:20<" in (await c.get(f"{url}/live")).text  # the server's clock, not a client's
        clock.advance(seconds=140)  # exactly at the end: refused even by a microsecond
        r = await c.post(f"{url}/bid", data={"amount": "1010000"}, headers={**HX, "X-CSRF-Token": csrf})
        assert 'data-code="auction.countdown_over"' in r.text


async def test_the_reserve_page_shows_only_the_commitment_and_no_page_ever_shows_the_amount(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Issue 5: the reserve is entered once by the designated person with the supervisor re-authenticating; only
    its commitment is shown; nobody — the centre included — reads it through a page before the result."""
    a = await make_auction(db, client, clock, bidders=2)
    await to_listing(app, clock, db, a)
    url = f"/auctions/{a.lot_id}/reserve"
    reserve = Decimal("1234567.89")
    secrets_ = ["1234567.89", fmt(reserve), in_words(reserve)]
    async with browser(app, a.seller) as (c, csrf):  # the seller's user is the designated person (helpers)
        page = (await c.get(url)).text
        assert 'data-testid="reserve-form"' in page
        form = {"amount": "1234567.89", "amount_again": "1234567.89", "witness_username": a.supervisor.user.username,
                "witness_password": "wrong", "csrf_token": csrf}
        r = await c.post(url, data=form)
        assert r.status_code == 422 and 'data-code="auction.witness_required"' in r.text
        assert not any(s in r.text for s in secrets_)  # the refused form is not filled in again
        r = await c.post(url, data={**form, "amount_again": "1234567.80"})
        assert r.status_code == 422 and 'data-code="auction.reserve_mismatch"' in r.text
        assert (await lot_row(db, a.lot_id)).reserve_commitment is None
        r = await c.post(url, data={**form, "witness_password": "Passw0rd!2026"})
        assert r.status_code == 303
        page = (await c.get(r.headers["location"])).text
        commitment = (await lot_row(db, a.lot_id)).reserve_commitment
        assert commitment and f'data-testid="commitment">{commitment}<' in page
        assert 'data-testid="reserve-form"' not in page
        r = await c.post(url, data={**form, "witness_password": "Passw0rd!2026"})
        assert r.status_code == 409 and 'data-code="auction.reserve_entered"' in r.text
        pages = [(await c.get(p)).text for p in [url, *room_paths(a)]]
    async with browser(app, a.centre) as (c, _):
        pages += [(await c.get(p)).text for p in [f"/auctions/{a.lot_id}/manage", *room_paths(a)]]
        assert commitment in pages[-len(room_paths(a)) - 1]  # the console shows the commitment too
    async with browser(app, a.supervisor) as (c, _):
        pages += [(await c.get(p)).text for p in room_paths(a)]
    for text in pages:
        assert not any(s in text for s in secrets_)


async def test_console_new_lot_and_reserve_pages_are_for_their_people_only(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=1)
    lot_url = f"/auctions/{a.lot_id}"
    for path in (f"{lot_url}/manage", "/auctions/new", f"{lot_url}/reserve"):
        r = await client.get(path, headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for w, path, code in [(a.bidders[0], f"{lot_url}/manage", "auction.centre_only"),
                          (a.seller, f"{lot_url}/manage", "auction.centre_only"),
                          (a.supervisor, "/auctions/new", "auction.centre_only"),
                          (a.bidders[0], f"{lot_url}/reserve", "auction.not_reserve_officer"),
                          (a.centre, f"{lot_url}/reserve", "auction.not_reserve_officer")]:
        async with browser(app, w) as (c, csrf):
            r = await c.get(path, headers={"accept": "text/html"})
            assert r.status_code == 403 and code in r.text, (path, r.status_code)
            assert a.bidders[0].org.name not in r.text or w is a.bidders[0]
            if path.endswith("/manage"):
                r = await c.post(f"{path}/publish", data={"csrf_token": csrf})
                assert r.status_code == 403
    async with browser(app, a.centre) as (c, _):
        assert a.bidders[0].org.name in (await c.get(f"{lot_url}/manage")).text
    # A draft is the centre's alone.
    draft = await make_auction(db, client, clock, bidders=0, publish=False)
    assert (await client.get(f"/auctions/{draft.lot_id}")).status_code == 404
    assert draft.lot_id not in (await client.get("/auctions")).text


async def test_centre_creates_and_publishes_a_lot_through_the_form_land_order_art10(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Land Order Art.10 and DOMAIN.md: the land announcement ≥ 20 days before the listing, listing ≥ 10 working
    days; a refused form shows the rule and keeps what was typed."""
    now = clock.now()
    centre = await who(db, OrgKind.centre, now, name="市公共资源交易中心")
    seller = await who(db, OrgKind.tenderer, now, name="市自然资源和规划局")
    project = Project(code="TD-2026-77001", name="南湖片区地块", line=TradingLine.land, region="市本级",
                      amount=Decimal("5000000.00"), tenderer_org_id=seller.org.id, agency_org_id=None,
                      applicant_user_id=seller.user.id, status=ProjectStatus.admitted, submitted_at=now, created_at=now)
    db.add(project)
    await db.commit()
    async with browser(app, centre) as (c, csrf):
        pick = (await c.get("/auctions/new")).text
        assert f"/auctions/new?project_id={project.id}" in pick
        page = (await c.get(f"/auctions/new?project_id={project.id}")).text
        assert 'data-testid="lot-form"' in page and seller.user.id in page and 'value="10"' in page
        form = {"project_id": project.id, "title": "南湖片区R2地块", "description": "面积 8,000 平方米",
                "documents": "挂牌出让文件.pdf | https://example.org/a.pdf\n宗地图.pdf", "mode": "listing",
                "start_price": "3000000", "increment": "50000", "deposit": "600000", "listing_days": "9",
                "countdown_seconds": "240", "listing_start": "2026-03-21T09:00", "reserve_officer_id": seller.user.id,
                "csrf_token": csrf}
        r = await c.post("/auctions/new", data=form)
        assert r.status_code == 422 and 'data-code="listing_days"' in r.text and "南湖片区R2地块" in r.text
        r = await c.post("/auctions/new", data={**form, "listing_days": "ten"})
        assert r.status_code == 422 and 'data-code="auction.bad_number"' in r.text
        r = await c.post("/auctions/new", data={**form, "listing_days": "10"})
        assert r.status_code == 303, r.text[:500]
        console_url = r.headers["location"].split("?")[0]
        console = (await c.get(r.headers["location"])).text
        assert 'data-testid="flash"' in console and "3,000,000.00" in console
        # 19 days ahead: the land announcement is too late (Land Order Art.10), the button says why.
        assert 'data-testid="announce-problem"' in console
        r = await c.post(f"{console_url}/publish", data={"csrf_token": csrf})
        assert r.status_code == 422 and "至少20日" in r.text
        clock.set(clock.now() - timedelta(days=2))
        r = await c.post(f"{console_url}/publish", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=published")
    lots = (await client.get("/auctions")).text
    assert "南湖片区R2地块" in lots
    lot_id = console_url.rsplit("/", 2)[-2]
    room = (await client.get(f"/auctions/{lot_id}")).text
    assert "挂牌出让文件.pdf" in room and 'href="https://example.org/a.pdf"' in room and "宗地图.pdf" in room


async def test_after_the_result_the_room_names_the_winner_and_links_the_confirmation_for_its_parties_only(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: the winner signs a confirmation (成交确认书); every bid is kept and shown in the result."""
    a, _lot = await to_timed(app, db, client, clock, reserve="1005000")
    b0, b1, _b2 = a.bidders
    assert (await bid(client, a, b1, "1010000")).status_code == 201
    clock.advance(seconds=30)
    assert (await bid(client, a, b0, "1020000")).status_code == 201
    clock.advance(seconds=241)
    await sweep(app, clock)
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.sold
    url = f"/auctions/{a.lot_id}"
    public = (await client.get(url)).text
    assert 'data-result="sold"' in public and "1,020,000.00" in public and b0.org.name in public
    assert public.count('data-testid="bid-row"') == 3 and "1,005,000.00" in public  # the reserve, opened
    assert 'data-testid="confirmation-pdf"' not in public and b1.org.name not in public
    for w, sees in ((b0, True), (a.seller, True), (a.centre, True), (b1, False), (a.supervisor, False)):
        async with browser(app, w) as (c, _):
            page = (await c.get(url)).text
            assert ('data-testid="confirmation-pdf"' in page) is sees, w.org.name
            r = await c.get(f"/api/auctions/{a.lot_id}/confirmation.pdf")
            assert (r.status_code == 200 and r.content.startswith(b"%PDF")) is sees, (w.org.name, r.status_code)


async def test_below_the_reserve_the_room_shows_no_sale(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: below the reserve, no sale (流拍)."""
    a, lot = await to_timed(app, db, client, clock, reserve="2000000")
    assert lot.ends_at is not None
    clock.set(lot.ends_at)
    await sweep(app, clock)
    page = (await client.get(f"/auctions/{a.lot_id}")).text
    assert 'data-result="below_reserve"' in page and "流拍" in page and "2,000,000.00" in page
    assert a.bidders[0].org.name not in page


async def test_a_suspension_is_shown_and_the_panel_stops_offering_bids(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=2)
    await to_listing(app, clock, db, a)
    db.add(Suspension(scope=SuspensionScope.project, project_id=a.project.id, status=SuspensionStatus.active,
                      reason="投诉处理", requested_by=a.supervisor.user.id, requested_at=clock.now(),
                      started_at=clock.now()))
    await db.commit()
    async with browser(app, a.bidders[0]) as (c, _):
        page = (await c.get(f"/auctions/{a.lot_id}")).text
        assert 'data-testid="suspended"' in page and 'data-testid="bid-form"' not in page
