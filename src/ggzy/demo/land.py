"""The land auction `ggzy demo` plays (demo/stages_auction.py), as data, and its project in the demo seed.

The seller is the city's 自然资源和规划局 acting as 出让人 (a tenderer organisation, like the 住建局 that builds
in the construction tender; its supervisory twin `sup_land` watches the land line). The seed applies for the
project as the seller and admits it as centre staff, through the project services, so the demo's centre staff find
an admitted land project to put a lot on; the demo makes the same entry through the API if a platform lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.demo.seed import CITY, SeedResult, actor_of
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.project.schemas import ProjectApply

LAND_SELLER = "tenderer4"
"""The seller's login (自然资源和规划局, 出让人): it applies for the project and is the designated reserve officer."""
LAND_WITNESS = "sup_land"
"""The supervisor of the land line who re-authenticates beside the officer when the reserve is entered."""

LAND_PROJECT: dict[str, Any] = {
    "name": "云州市青山区QS2026-05号地块国有建设用地使用权挂牌出让", "line": "land", "region": CITY,
    "description": "宗地位于青山区滨江路以北、望江路以东，面积 32,416 平方米，用途为城镇住宅用地，容积率不大于 2.5，"
                   "出让年限 70 年。",
    "funding_source": "", "state_funded": False, "amount": "48600000.00",
}


@dataclass(frozen=True)
class TimedBid:
    username: str
    amount: str
    before_end: int
    """Seconds before the running countdown ends at which the demo clock places this bid."""


@dataclass(frozen=True)
class LandAuction:
    """挂牌出让 followed by 限时竞价: four bidders, one stops after the listing, three outbid each other."""

    title: str
    description: str
    start_price: str
    increment: str
    deposit: str
    listing_days: int
    countdown_seconds: int
    reserve: str
    bidders: tuple[str, ...]
    listing_bids: tuple[tuple[str, str], ...]
    continuing: tuple[str, ...]
    timed_bids: tuple[TimedBid, ...]
    late_bidder: str

    @property
    def winner(self) -> str:
        return self.timed_bids[-1].username

    @property
    def final_price(self) -> Decimal:
        return Decimal(self.timed_bids[-1].amount)


LAND_AUCTION = LandAuction(
    title="QS2026-05号地块国有建设用地使用权",
    description="城镇住宅用地，面积 32,416 平方米，容积率 ≤ 2.5，出让年限 70 年；净地出让，现状交付。",
    start_price="48600000", increment="200000", deposit="9720000",  # the deposit is 20% of the start price
    listing_days=10, countdown_seconds=240,
    reserve="49800000",
    bidders=("bidder1", "bidder3", "bidder5", "bidder10"),
    listing_bids=(("bidder10", "48600000"), ("bidder1", "48800000"), ("bidder3", "49000000"),
                  ("bidder5", "49200000")),
    continuing=("bidder1", "bidder3", "bidder5"),
    timed_bids=(TimedBid("bidder1", "49600000", 45), TimedBid("bidder3", "49800000", 20),
                TimedBid("bidder5", "50200000", 90), TimedBid("bidder1", "50400000", 12),
                TimedBid("bidder3", "50800000", 30)),
    late_bidder="bidder1",
)
"""The reserve (49.8 million) lies above every listing bid, so only the timed bidding makes the sale; five timed bids
restart the countdown five times; bidder10 did not ask to continue and may not bid in the timed phase."""


async def seed_land_project(session: AsyncSession, seeded: SeedResult, *, now: datetime) -> bool:
    """The land project, applied for by the seller and admitted by centre staff; True when anything was created."""
    from ggzy.project.service import admit_project, apply_project

    seller, staff = actor_of(seeded, LAND_SELLER), actor_of(seeded, "staff1")
    found = (await session.execute(
        select(Project.id, Project.status).where(Project.name == LAND_PROJECT["name"],
                                                 Project.tenderer_org_id == seller.org_id)
    )).first()
    created = found is None
    if found is None:
        project = await apply_project(session, seller, ProjectApply(**{**LAND_PROJECT, "line": TradingLine.land}),
                                      now=now)
        project_id, status = project.id, project.status
    else:
        project_id, status = found
    if status == ProjectStatus.submitted:
        await admit_project(session, staff, project_id, now=now)
        created = True
    seeded.projects.append(project_id)
    return created
