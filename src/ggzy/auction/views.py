"""Read models of the auction pages: the room one viewer sees, the centre's console, the new-lot form's choices.

Access control lives here, in the queries: the room carries bidder numbers only (the viewer's own application is the
one organisation it may name) and the winner's name only once the lot is sold, as the result notice does; the
console, with the organisation behind every number, is built only for centre staff (service.applications refuses
anyone else). Nothing here reads the reserve before the result — only its commitment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import bidding, service
from ggzy.auction.access import FINISHED
from ggzy.auction.models import ApplicationStatus, AuctionBid, AuctionBidder, AuctionLot, AuctionMode, AuctionStatus
from ggzy.auth.actor import Actor
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import AUCTION_LINES, Project, ProjectStatus
from ggzy.supervision.guard import active_suspension

S = AuctionStatus
OPEN = frozenset({S.announced, S.listing})


@dataclass(frozen=True)
class RoomView:
    """What one viewer sees in the auction room at `now` (server clock)."""

    lot: AuctionLot
    project: Project
    seller: str
    bids: list[tuple[AuctionBid, str]]
    """Every bid in order with the bidder number (竞买号): never an organisation."""
    mine: AuctionBidder | None
    """The viewer's own application, if its organisation applied."""
    is_bidder: bool
    is_centre: bool
    is_officer: bool
    """The designated person who alone may enter the reserve."""
    suspended: bool
    winner_name: str
    winner_number: str
    can_download_confirmation: bool
    now: datetime

    @property
    def finished(self) -> bool:
        return self.lot.status in FINISHED

    @property
    def accepting(self) -> bool:
        """Applications (and the wish to continue) are taken until the listing ends (service.apply)."""
        return self.lot.status in OPEN and self.now < self.lot.listing_end

    @property
    def approved(self) -> bool:
        return self.mine is not None and self.mine.status == ApplicationStatus.approved and bool(self.mine.number)

    @property
    def can_apply(self) -> bool:
        return self.is_bidder and self.mine is None and self.accepting and not self.suspended

    @property
    def can_continue(self) -> bool:
        """Listing mode: an approved bidder says before the listing ends that it goes on to timed bidding."""
        return (self.approved and self.lot.mode == AuctionMode.listing and self.mine is not None
                and self.mine.continues_at is None and self.accepting and not self.suspended)

    @property
    def bidding_open(self) -> bool:
        """Bids are taken now (the server decides again when one arrives)."""
        lot = self.lot
        if lot.status == S.listing:
            return lot.listing_start <= self.now < lot.listing_end
        if lot.status == S.timed:
            return lot.ends_at is not None and self.now < lot.ends_at
        return False

    @property
    def can_bid(self) -> bool:
        if not self.approved or self.suspended or not self.bidding_open or self.mine is None:
            return False
        if self.lot.status == S.timed and self.lot.mode == AuctionMode.listing:
            return self.mine.continues_at is not None
        return True

    @property
    def leading(self) -> bool:
        return self.mine is not None and self.lot.leader_id == self.mine.id

    @property
    def countdown_target(self) -> tuple[datetime, str, str] | None:
        """(when, zh, en) of the moment the room counts down to at this stage."""
        lot = self.lot
        if lot.status == S.announced:
            return lot.listing_start, ("竞价开始" if lot.mode == AuctionMode.live else "挂牌开始"), "Starts in"
        if lot.status == S.listing:
            return lot.listing_end, "挂牌截止", "Listing ends in"
        if lot.status == S.timed and lot.ends_at is not None:
            return lot.ends_at, "限时竞价剩余", "Timed bidding ends in"
        return None

    @property
    def seconds_left(self) -> int:
        """Whole seconds to the countdown target at the server's `now` (rounded up, never negative)."""
        target = self.countdown_target
        if target is None:
            return 0
        return max(0, math.ceil((target[0] - self.now).total_seconds()))


async def _org_name(session: AsyncSession, org_id: str) -> str:
    org = await session.get(Organisation, org_id)
    return org.name if org else ""


async def room(session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime) -> RoomView:
    lot = await service.get_lot(session, actor, lot_id)
    project = await session.get(Project, lot.project_id)
    assert project is not None
    mine = await service.my_application(session, actor, lot.id)
    # The result notice names the winner: from the result on, the room may too.
    winner = await session.get(AuctionBidder, lot.winner_id) if lot.status == S.sold and lot.winner_id else None
    winner_name = await _org_name(session, winner.org_id) if winner else ""
    can_pdf = winner is not None and (actor.is_centre or (
        actor.org_id is not None and actor.org_id in {lot.seller_org_id, winner.org_id}))
    return RoomView(
        lot=lot, project=project, seller=await _org_name(session, lot.seller_org_id),
        bids=await bidding.bids_of(session, lot.id), mine=mine, is_bidder=actor.role == Role.bidder,
        is_centre=actor.is_centre, is_officer=actor.user_id is not None and actor.user_id == lot.reserve_officer_id,
        suspended=await active_suspension(session, lot.project_id) is not None, winner_name=winner_name,
        winner_number=(winner.number or "") if winner else "", can_download_confirmation=can_pdf, now=now,
    )


@dataclass(frozen=True)
class ConsoleView:
    """The centre's console: the lot, every application with its organisation, bids with who is behind them."""

    lot: AuctionLot
    project: Project
    seller: str
    applications: list[tuple[AuctionBidder, str]]
    bids: list[tuple[AuctionBid, str, str]]
    """(bid, number, organisation)."""
    officer: str
    witness: str
    suspended: bool
    now: datetime

    @property
    def accepting(self) -> bool:
        return self.lot.status in OPEN and self.now < self.lot.listing_end


async def user_label(session: AsyncSession, user_id: str | None) -> str:
    if not user_id:
        return ""
    row = (await session.execute(select(User.display_name, User.username, Organisation.name)
                                 .join(Organisation, Organisation.id == User.organisation_id)
                                 .where(User.id == user_id))).first()
    return f"{row[0]}（{row[1]}，{row[2]}）" if row else ""


async def console(session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime) -> ConsoleView:
    service.require_centre(actor)
    lot = await service.get_lot(session, actor, lot_id)
    project = await session.get(Project, lot.project_id)
    assert project is not None
    apps = await service.applications(session, actor, lot.id)
    names = {a.id: name for a, name in apps}
    bids = [(b, number, names.get(b.bidder_id, "")) for b, number in await bidding.bids_of(session, lot.id)]
    return ConsoleView(
        lot=lot, project=project, seller=await _org_name(session, lot.seller_org_id), applications=apps, bids=bids,
        officer=await user_label(session, lot.reserve_officer_id),
        witness=await user_label(session, lot.reserve_witness_id),
        suspended=await active_suspension(session, lot.project_id) is not None, now=now,
    )


async def centre_lots(session: AsyncSession, actor: Actor, *, limit: int = 100) -> list[AuctionLot]:
    """Drafts, which only the centre sees (the public list has the published lots)."""
    service.require_centre(actor)
    stmt = (select(AuctionLot).where(AuctionLot.status == S.draft)
            .order_by(AuctionLot.created_at.desc(), AuctionLot.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def auction_projects(session: AsyncSession, actor: Actor, *, limit: int = 200) -> list[Project]:
    """Admitted land and property projects, the ones a lot can be created for (centre only)."""
    service.require_centre(actor)
    stmt = (select(Project).where(Project.status == ProjectStatus.admitted,
                                  Project.line.in_([str(x) for x in AUCTION_LINES]))
            .order_by(Project.created_at.desc(), Project.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def officer_choices(session: AsyncSession, project: Project) -> list[tuple[str, str]]:
    """(user id, label) of those who may be designated to enter the reserve: centre users and the seller's."""
    rows = (await session.execute(
        select(User.id, User.display_name, User.username, Organisation.name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.is_active.is_(True),
               or_(Organisation.kind == OrgKind.centre, Organisation.id == project.tenderer_org_id))
        .order_by(Organisation.kind, Organisation.name, User.username))).all()
    return [(str(r[0]), f"{r[1]}（{r[2]}，{r[3]}）") for r in rows]
