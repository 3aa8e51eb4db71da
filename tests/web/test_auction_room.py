"""Browser: two bidders in two browser contexts outbid each other during timed bidding (限时竞价); both rooms follow
the live server-sent events without a reload and show the same price and the same countdown, which follows the
SERVER's clock (the live server's clock is frozen months away from the browser's) and restarts on every bid
(issue 5; DOMAIN.md "The auction journey": the countdown restarts on every valid bid, the server's clock is
authoritative). Then the countdown expires and both rooms show the result."""

from __future__ import annotations

import asyncio
import re

import pytest
from httpx import ASGITransport, AsyncClient
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ggzy.auction.models import AuctionLot
from tests.auction.helpers import Auction, sweep, to_timed
from tests.factories import PASSWORD
from tests.web.conftest import LAPTOP, LiveServer, shot

pytestmark = pytest.mark.browser


def _seed(server: LiveServer) -> tuple[Auction, AuctionLot]:
    """A land lot in timed bidding (one listing bid, two bidders continuing), on the server's own loop."""

    async def go() -> tuple[Auction, AuctionLot]:
        transport = ASGITransport(app=server.app, client=("203.0.113.9", 40000))
        async with AsyncClient(transport=transport, base_url="http://testserver") as client, \
                server.app.state.sessionmaker() as db:
            return await to_timed(server.app, db, client, server.clock, reserve="1005000")

    return asyncio.run_coroutine_threadsafe(go(), server.loop).result(timeout=120)


def _sweep(server: LiveServer) -> None:
    asyncio.run_coroutine_threadsafe(sweep(server.app, server.clock), server.loop).result(timeout=30)


def _room(browser: Browser, server: LiveServer, username: str, lot_id: str) -> Page:
    """A fresh browser context logged in as `username`, in the lot's room; bid confirmations are accepted."""
    size = ViewportSize(width=LAPTOP["width"], height=LAPTOP["height"])
    ctx = browser.new_context(viewport=size, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    room = f"/auctions/{lot_id}"
    page.goto(f"{server.url}/login?next={room}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + room)
    # Marks this document: a reload or a navigation would lose it.
    page.evaluate("window.__sameDocument = true")
    return page


def _left(page: Page) -> int:
    return int(page.get_by_test_id("countdown").get_attribute("data-left") or "-1")


def _same_state(a: Page, b: Page, price: str, bids: int) -> None:
    for p in (a, b):
        expect(p.get_by_test_id("price")).to_have_text(price)
        expect(p.get_by_test_id("bid-count")).to_have_text(str(bids))
        expect(p.get_by_test_id("bid-row")).to_have_count(bids)
    # The same countdown on both pages, within a second, counted from the server's clock.
    la, lb = _left(a), _left(b)
    assert abs(la - lb) <= 1, (la, lb)
    assert a.get_by_test_id("countdown").inner_text() in (b.get_by_test_id("countdown").inner_text(),
                                                          _fmt(lb - 1), _fmt(lb + 1))
    assert a.evaluate("window.__sameDocument") and b.evaluate("window.__sameDocument")


def _fmt(left: int) -> str:
    return f"{left // 60:02d}:{left % 60:02d}"


def test_two_bidders_outbid_each_other_and_both_rooms_follow_live(server: LiveServer, browser: Browser) -> None:
    a, lot = _seed(server)
    assert lot.ends_at is not None
    first, second = a.bidders[0], a.bidders[1]
    pa = _room(browser, server, first.user.username, a.lot_id)
    pb = _room(browser, server, second.user.username, a.lot_id)
    try:
        for p in (pa, pb):
            expect(p.get_by_test_id("lot-status")).to_have_text("限时竞价中")
            expect(p.get_by_test_id("my-number")).to_be_visible()
        # The browser's own clock is months away from the server's (frozen at the listing end): a countdown run
        # on it would read 00:00 or days. It reads the full 4 minutes the server gave.
        assert 236 <= _left(pa) <= 240 and 236 <= _left(pb) <= 240, (_left(pa), _left(pb))

        # Bidder A takes the prefilled next minimum, with its 大写 shown.
        expect(pa.get_by_test_id("bid-amount")).to_have_value("1010000.00")
        expect(pa.get_by_test_id("bid-words")).to_have_text("壹佰零壹万元整")
        pa.get_by_test_id("bid-submit").click()
        expect(pa.get_by_test_id("flash")).to_contain_text("报价已被接受")
        _same_state(pa, pb, "1,010,000.00", 2)
        expect(pa.get_by_test_id("leading")).to_be_visible()

        # 100 s later (server clock) B bids: its prefilled amount already moved to the new minimum, live.
        server.clock.advance(seconds=100)
        expect(pb.get_by_test_id("bid-amount")).to_have_value("1020000.00")
        pb.get_by_test_id("bid-submit").click()
        expect(pb.get_by_test_id("flash")).to_contain_text("报价已被接受")
        _same_state(pa, pb, "1,020,000.00", 3)
        # The countdown restarted at B's bid: four minutes again on both pages, not 4:00 − 100 s.
        assert _left(pa) >= 236 and _left(pb) >= 236, (_left(pa), _left(pb))
        expect(pa.get_by_test_id("leading")).to_have_count(0)

        # B types an amount while A outbids it: B's typing is kept, the page says it is now too low, and the
        # server refuses it with its coded message.
        pb.get_by_test_id("bid-amount").fill("1040000")
        expect(pb.get_by_test_id("bid-words")).to_have_text("壹佰零肆万元整")
        server.clock.advance(seconds=30)
        pa.get_by_test_id("bid-amount").fill("1050000")
        expect(pa.get_by_test_id("bid-words")).to_have_text("壹佰零伍万元整")
        pa.get_by_test_id("bid-submit").click()
        expect(pa.get_by_test_id("flash")).to_contain_text("1,050,000.00")
        _same_state(pa, pb, "1,050,000.00", 4)
        expect(pb.get_by_test_id("bid-amount")).to_have_value("1040000")
        expect(pb.get_by_test_id("bid-below")).to_be_visible()
        pb.get_by_test_id("bid-submit").click()
        expect(pb.get_by_test_id("bid-error")).to_have_attribute("data-code", "auction.outbid")
        expect(pb.get_by_test_id("bid-error")).to_contain_text("1,060,000.00")
        _same_state(pa, pb, "1,050,000.00", 4)
        # The same bid list, each page marking its own bids (我).
        rows = [[p.get_by_test_id("bid-row").nth(i).inner_text().replace(" 我", "") for i in range(4)]
                for p in (pa, pb)]
        assert rows[0] == rows[1] and "1,050,000.00" in rows[0][0], rows
        assert first.org.name not in pb.content() and second.org.name not in pa.content()
        shot(pa, "auction-room-bidder-a")
        shot(pb, "auction-room-bidder-b")

        # Nobody bids for four minutes (server clock): the chronograph ends it; both rooms show the result live.
        server.clock.advance(seconds=241)
        _sweep(server)
        for p in (pa, pb):
            expect(p.get_by_test_id("result")).to_have_attribute("data-result", "sold")
            expect(p.get_by_test_id("winner")).to_contain_text(first.org.name)
            expect(p.get_by_test_id("final-price")).to_have_text("1,050,000.00")
            assert p.evaluate("window.__sameDocument")
        expect(pa.get_by_test_id("confirmation-pdf")).to_be_visible()
        expect(pb.get_by_test_id("confirmation-pdf")).to_have_count(0)
        expect(pb.get_by_test_id("bid-form")).to_have_count(0)
        href = pa.get_by_test_id("confirmation-pdf").get_attribute("href")
        assert href
        r = pa.request.get(server.url + href)
        assert r.status == 200 and r.body().startswith(b"%PDF")
        shot(pa, "auction-room-result")
    finally:
        pa.context.close()
        pb.context.close()


def test_the_public_room_and_list_on_a_phone(server: LiveServer, browser: Browser) -> None:
    """The list and the room fit a phone; the public sees numbers only and a login link to bid."""
    a, _lot = _seed(server)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                              locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    try:
        page.goto(f"{server.url}/auctions")
        expect(page.get_by_test_id("nav-auctions")).to_have_class(re.compile(r"\bon\b"))
        expect(page.locator(f'[data-testid=lot-row][data-id="{a.lot_id}"]')).to_be_visible()
        page.goto(f"{server.url}/auctions/{a.lot_id}")
        expect(page.get_by_test_id("login-to-bid")).to_be_visible()
        # Narrow screens: the live state first, then the bidder's panel, then the bids (read in one go: the
        # live fragment may be replaced at any moment).
        tops = page.evaluate("['room-state', 'me', 'bids'].map(id => "
                             "document.querySelector(`[data-testid=${id}]`).getBoundingClientRect().top)")
        assert tops == sorted(tops), tops
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw, (sw, iw)
        shot(page, "auction-room-phone")
    finally:
        ctx.close()
