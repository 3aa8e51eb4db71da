"""The demo's land auction: its seeded project, the listing start the demo picks, and the plan it plays."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import rules
from ggzy.config import Settings
from ggzy.demo.land import LAND_AUCTION, LAND_PROJECT, LAND_SELLER, LAND_WITNESS, seed_land_project
from ggzy.demo.seed import DEMO_PASSWORD, seed_demo
from ggzy.demo.stages_auction import listing_start_after, working_days_between
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.storage.blobstore import LocalBlobStore
from ggzy.workdays.rules import is_workday


async def _token(client: AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, (username, r.text)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_seed_admits_a_land_project_the_centre_can_put_a_lot_on_land_order_art10(
        client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings) -> None:
    """The seller (自然资源和规划局 as 出让人, a tenderer organisation) applied for the land project itself and centre
    staff admitted it; centre staff then create a lot on it with the seller's officer designated for the reserve,
    and announce it 20 days ahead (Land Order Art.10) — the demo's first auction stages, on the seed alone."""
    result = await seed_demo(db, now=clock.now(), blobs=LocalBlobStore(settings.blob_dir))
    seller = result.orgs[LAND_SELLER]
    assert seller.kind == OrgKind.tenderer and "自然资源和规划局" in seller.name
    assert LAND_WITNESS in result.users
    project = (await db.execute(select(Project).where(Project.line == TradingLine.land))).scalars().one()
    assert (project.name, project.status, project.tenderer_org_id, project.agency_org_id) == (
        LAND_PROJECT["name"], ProjectStatus.admitted, seller.id, None)
    assert project.applicant_user_id == result.users[LAND_SELLER].id and project.id in result.projects
    assert not await seed_land_project(db, result, now=clock.advance(days=1))  # found, not made again
    officer_id, project_id = result.users[LAND_SELLER].id, project.id
    await db.rollback()  # SQLite: release the read transaction before the requests
    staff = await _token(client, "staff1")
    start = listing_start_after(clock.now())
    r = await client.post("/api/auctions", headers=staff, json={
        "project_id": project_id, "title": LAND_AUCTION.title, "mode": "listing",
        "start_price": LAND_AUCTION.start_price, "increment": LAND_AUCTION.increment,
        "deposit": LAND_AUCTION.deposit, "listing_days": LAND_AUCTION.listing_days,
        "countdown_seconds": LAND_AUCTION.countdown_seconds, "listing_start": start.isoformat(),
        "reserve_officer_id": officer_id})
    assert r.status_code == 201, r.text
    published = await client.post(f"/api/auctions/{r.json()['id']}/publish", headers=staff)
    assert published.status_code == 200, published.text


def test_demo_listing_start_is_announced_in_time_every_day_of_the_year_land_order_art10_art19() -> None:
    """Land Order Art.10 (the announcement ≥ 20 days before the listing starts) and Art.19 with DOMAIN.md (a
    listing of 10 working days), whatever day the demo reaches the auction: across weekends, Golden Week and the
    Spring Festival the start is a working day at 09:00 Beijing, and the period holds 10 whole working days."""
    start_of_year = datetime(2026, 1, 1, 7, 41, 5, tzinfo=SHANGHAI)
    for day in range(365):
        now = start_of_year + timedelta(days=day, hours=day % 17)
        start = listing_start_after(now)
        assert rules.check_announcement(TradingLine.land, now, start) is None, now
        local = start.astimezone(SHANGHAI)
        assert is_workday(local.date()) and (local.hour, local.minute) == (9, 0)
        end = rules.listing_period_end(start, LAND_AUCTION.listing_days).end
        assert working_days_between(start, end) == LAND_AUCTION.listing_days


def test_demo_plan_needs_the_timed_bidding_to_sell_land_order_art20() -> None:
    """Land Order Art.20 (two or more bidders wanting to continue → timed bidding) and DOMAIN.md (each bid at least
    the current price plus the increment; the countdown restarts on every valid bid; below the reserve: 流拍): the
    plan's bids keep the increment, at least three timed bids restart the countdown, each placed before it ends,
    and the hidden reserve lies above every listing bid but not above the final price."""
    plan = LAND_AUCTION
    start, step = Decimal(plan.start_price), Decimal(plan.increment)
    price: Decimal | None = None
    for amount in [a for _, a in plan.listing_bids] + [b.amount for b in plan.timed_bids]:
        assert Decimal(amount) >= rules.next_minimum(price, start, step), amount
        price = Decimal(amount)
    assert rules.goes_to_timed(len(plan.continuing)) and len(plan.timed_bids) >= 3
    assert {b.username for b in plan.timed_bids} <= set(plan.continuing) <= set(plan.bidders)
    assert all(0 < b.before_end < plan.countdown_seconds for b in plan.timed_bids)
    assert rules.outcome(Decimal(plan.listing_bids[-1][1]), Decimal(plan.reserve)) == rules.Outcome.below_reserve
    assert rules.outcome(plan.final_price, Decimal(plan.reserve)) == rules.Outcome.sold
    assert plan.late_bidder in plan.continuing and plan.winner != plan.late_bidder
