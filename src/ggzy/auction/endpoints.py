"""JSON API of auctions (glue: every write is a service call)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ggzy.auction import bidding, service
from ggzy.auction.events import lot_state, money_out
from ggzy.auction.models import AuctionBidder, AuctionLot
from ggzy.auction.result import confirmation_pdf
from ggzy.auction.schemas import ApproveIn, BidIn, LotCreate, RejectIn, ReserveIn
from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.kit.timefmt import SHANGHAI
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api/auctions", tags=["auction"])


def lot_json(lot: AuctionLot) -> dict[str, Any]:
    return {
        "id": lot.id, "code": lot.code, "title": lot.title, "line": lot.line, "mode": str(lot.mode),
        "project_id": lot.project_id, "description": lot.description, "documents": lot.documents,
        "start_price": money_out(lot.start_price), "increment": money_out(lot.increment),
        "deposit": money_out(lot.deposit), "listing_days": lot.listing_days,
        "listing_start": lot.listing_start.astimezone(SHANGHAI).isoformat(),
        "listing_end_provisional": lot.listing_end_provisional, "announcement_id": lot.announcement_id,
        "reserve_entered": lot.reserve_commitment is not None, "reserve_commitment": lot.reserve_commitment,
        "result_notice_id": lot.result_notice_id, **lot_state(lot),
    }


def application_json(app: AuctionBidder, org_name: str | None = None) -> dict[str, Any]:
    out = {"id": app.id, "status": str(app.status), "deposit_status": str(app.deposit_status),
           "number": app.number, "applied_at": app.applied_at, "continues": app.continues_at is not None}
    if org_name is not None:
        out.update(org_id=app.org_id, org_name=org_name, bank_reference=app.deposit_reference)
    return out


@router.post("", status_code=201)
async def create(body: LotCreate, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Centre staff create a lot for the seller of an admitted land or property project."""
    return lot_json(await service.create_lot(session, actor, body, now=clock.now()))


@router.get("")
async def list_lots(session: DB) -> list[dict[str, Any]]:
    return [lot_json(lot) for lot in await service.list_lots(session)]


@router.get("/{lot_id}")
async def get(lot_id: str, session: DB, actor: CurrentActor, clock: ClockDep) -> dict[str, Any]:
    """The lot, its live state and every bid by bidder number, with the server time."""
    lot = await service.get_lot(session, actor, lot_id)
    bids = await bidding.bids_of(session, lot.id)
    return {**lot_json(lot), "server_time": clock.now().isoformat(),
            "bids": [{"seq": b.seq, "number": n, "amount": money_out(b.amount), "at": b.at, "phase": str(b.phase)}
                     for b, n in bids]}


@router.post("/{lot_id}/publish")
async def publish(lot_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    return lot_json(await service.publish_announcement(session, actor, lot_id, now=clock.now()))


@router.post("/{lot_id}/applications", status_code=201)
async def apply(lot_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    return application_json(await service.apply(session, actor, lot_id, now=clock.now()))


@router.get("/{lot_id}/applications")
async def applications(lot_id: str, session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    """Who is behind each number: centre staff only."""
    return [application_json(a, name) for a, name in await service.applications(session, actor, lot_id)]


@router.get("/{lot_id}/me")
async def me(lot_id: str, session: DB, actor: RequireUser) -> dict[str, Any] | None:
    app = await service.my_application(session, actor, lot_id)
    return application_json(app) if app else None


@router.post("/{lot_id}/applications/{application_id}/approve")
async def approve(lot_id: str, application_id: str, *, body: ApproveIn, session: DB, actor: RequireUser,
                  clock: ClockDep) -> dict[str, Any]:
    """The deposit is confirmed by hand with the bank reference; the bidder gets its number (竞买号)."""
    app = await service.approve(session, actor, lot_id, application_id, body.bank_reference, now=clock.now())
    return application_json(app)


@router.post("/{lot_id}/applications/{application_id}/reject")
async def reject(lot_id: str, application_id: str, *, body: RejectIn, session: DB, actor: RequireUser,
                 clock: ClockDep) -> dict[str, Any]:
    app = await service.reject(session, actor, lot_id, application_id, body.reason, now=clock.now())
    return application_json(app)


@router.post("/{lot_id}/reserve", status_code=201)
async def reserve(lot_id: str, body: ReserveIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The designated person enters the hidden reserve once, a supervisor of the line re-authenticating beside them.
    Only its commitment is returned."""
    lot = await service.enter_reserve(session, actor, lot_id, body.amount, witness_username=body.witness_username,
                                      witness_password=body.witness_password, now=clock.now())
    return {"commitment": lot.reserve_commitment, "entered_at": lot.reserve_entered_at}


@router.post("/{lot_id}/continue")
async def continue_(lot_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """An approved bidder asks to take part in the timed bidding after the listing."""
    return application_json(await service.declare_continue(session, actor, lot_id, now=clock.now()))


@router.post("/{lot_id}/bids", status_code=201)
async def bid(lot_id: str, body: BidIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """A bid at the server clock. Below the next minimum (or beaten by a bid a moment earlier): 409 auction.outbid;
    after the countdown: 409 auction.countdown_over; during a suspension: 409 supervision.suspended."""
    b = await bidding.place_bid(session, actor, lot_id, body.amount, clock=clock)
    return {"id": b.id, "seq": b.seq, "amount": money_out(b.amount), "at": b.at, "ends_at": b.ends_at}


@router.get("/{lot_id}/confirmation.pdf")
async def confirmation(lot_id: str, session: DB, actor: RequireUser) -> Response:
    """成交确认书 for the winner, the seller and the centre."""
    lot = await service.get_lot(session, actor, lot_id)
    pdf = await confirmation_pdf(session, actor, lot)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{lot.code}-confirmation.pdf"'})
