"""The sealing pages over plain HTTP (no browser; runs on SQLite and PostgreSQL): who gets which page, and that a
page shows a bidder its own bid only (E-Bidding Measures Art.21)."""

from __future__ import annotations

from pathlib import Path

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from tests.bid.helpers import Bidder, BidWorld, make_world, put_bid, seal
from tests.portal.builders import login_cookie


async def _as(client: AsyncClient, db: AsyncSession, settings: Settings, clock: FrozenClock, who: Bidder) -> None:
    client.cookies.clear()
    await login_cookie(client, db, settings, who.user, who.org, now=clock.now())


async def _world(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> BidWorld:
    return await make_world(db, client, clock.now(), bidders=2)


async def test_anonymous_visitors_are_sent_to_login_but_the_verification_tool_is_public(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    w = await _world(client, db, clock)
    for path in ("/workspace/keys", f"/tenders/{w.tender.id}/bid"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    r = await client.get("/tools/verify")
    assert r.status_code == 200
    assert '/static/sealing.js' in r.text and 'data-sealing-page="verify"' in r.text
    js = await client.get("/static/sealing.js")
    assert js.status_code == 200 and "generateKeySet" in js.text and "fetch(" not in js.text


async def test_a_bidder_sees_its_own_bid_and_nothing_of_anyone_elses_art21(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: FrozenClock, tmp_path: Path
) -> None:
    """Bidder A's submitted bid is on A's page; B's page and the agency's page show no bid, no count."""
    w = await _world(client, db, clock)
    a, b = w.bidders
    body, _ = seal(tmp_path, w, a)
    assert (await put_bid(client, w, a, body)).status_code == 201

    await _as(client, db, settings, clock, a)
    page_a = (await client.get(f"/tenders/{w.tender.id}/bid")).text
    assert page_a.count('data-testid="current-bid"') == 1 and 'data-status="active"' in page_a
    assert 'data-testid="withdraw"' in page_a and 'data-testid="seal-submit"' in page_a

    await _as(client, db, settings, clock, b)
    page_b = (await client.get(f"/tenders/{w.tender.id}/bid")).text
    assert 'data-testid="current-bid"' not in page_b and 'data-testid="seal-submit"' in page_b

    client.cookies.clear()
    agency = w.cast
    await login_cookie(client, db, settings, agency.agency_user, agency.agency_org, now=clock.now())
    page_agency = (await client.get(f"/tenders/{w.tender.id}/bid")).text
    assert 'data-testid="not-bidder"' in page_agency and 'data-testid="current-bid"' not in page_agency
    assert a.org.id not in page_agency and a.org.name not in page_agency


async def test_keys_page_lists_the_active_set_and_the_history(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: FrozenClock
) -> None:
    w = await _world(client, db, clock)
    a = w.bidders[0]
    await _as(client, db, settings, clock, a)
    r = await client.get("/workspace/keys")
    assert r.status_code == 200
    assert a.key_set is not None and a.key_set.enc_key_id in r.text
    assert r.text.count('data-testid="key-row"') == 1 and 'data-testid="keys-generate"' in r.text


async def test_after_the_deadline_the_page_offers_no_sealing(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: FrozenClock
) -> None:
    w = await _world(client, db, clock)
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)  # the deadline itself is already late (Art.29)
    await _as(client, db, settings, clock, w.bidders[0])
    page = (await client.get(f"/tenders/{w.tender.id}/bid")).text
    assert 'data-testid="closed"' in page and 'data-testid="seal-submit"' not in page
