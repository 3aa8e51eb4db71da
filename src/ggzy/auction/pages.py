"""Auction pages: the public list (/auctions), the auction room (/auctions/{id}), the centre's console
(/auctions/{id}/manage) and new-lot form (/auctions/new), and the reserve entry of the designated person
(/auctions/{id}/reserve).

The room follows the opening hall: it listens on `auction:{lot_id}` (EventSource resends Last-Event-ID by itself when
it reconnects) and on each event re-fetches its server-rendered live fragment, so what a viewer sees is decided by
the server; static/auction.js ticks the countdown with the offset between the server's clock (each fragment and
event carries it) and the browser's. The bidder's own panel is a second fragment, re-rendered by its htmx forms
(apply, continue, bid) and on stage changes, so an amount being typed is not wiped by other bidders' bids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import bidding, rules, service, views
from ggzy.auction.errors import LotNotFound
from ggzy.auction.events import money_out
from ggzy.auction.models import AuctionBid, AuctionMode, AuctionStatus, DepositStatus
from ggzy.auction.schemas import LotCreate
from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.clock import Clock
from ggzy.kit.errors import DomainError, Invalid, Unauthenticated
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import SHANGHAI
from ggzy.kit.web import DB, ClockDep
from ggzy.project.models import AUCTION_LINES, LINE_LABELS, Project, TradingLine

router = APIRouter(include_in_schema=False)
ROOM = "/auctions/{lot_id}"

MODE_LABELS: dict[str, tuple[str, str]] = {
    AuctionMode.listing: ("挂牌 + 限时竞价", "Listing + timed bidding"),
    AuctionMode.live: ("网上拍卖（限时竞价）", "Online auction (timed bidding)"),
}
STATUS_COLOURS: dict[str, str] = {
    "draft": "gray", "announced": "orange", "listing": "green", "timed": "red", "sold": "green", "unsold": "gray",
}
APPLICATION_LABELS: dict[str, tuple[str, str, str]] = {
    "applied": ("orange", "待审核（保证金未确认）", "Waiting (deposit not confirmed)"),
    "approved": ("green", "已取得竞买资格", "Approved"),
    "rejected": ("red", "未通过", "Refused"),
}
DEPOSIT_LABELS: dict[str, tuple[str, str]] = {
    DepositStatus.unpaid: ("未到账", "Not received"),
    DepositStatus.held: ("已到账", "Received"),
    DepositStatus.to_price: ("转作成交价款", "Becomes part of the price"),
    DepositStatus.release: ("退还中（5个工作日内）", "Being refunded (within 5 working days)"),
}
RESULT_LABELS: dict[str, tuple[str, str]] = {
    "sold": ("成交", "Sold"),
    "no_bid": ("流拍：无有效报价", "No sale: no valid bid"),
    "below_reserve": ("流拍：最高报价低于底价", "No sale: the highest bid is below the reserve"),
}
PHASE_LABELS: dict[str, tuple[str, str]] = {"listing": ("挂牌", "Listing"), "timed": ("限时竞价", "Timed")}
FLASH: dict[str, tuple[str, str]] = {
    "applied": ("竞买申请已提交。请按公告交纳竞买保证金，交易中心确认到账后发放竞买号。",
                "Application sent. Pay the deposit; the centre issues your bidder number once it is received."),
    "continues": ("已确认参加限时竞价。", "You will take part in the timed bidding."),
    "created": ("标的已创建（草稿），请核对后发布公告。", "Lot created as a draft; check it, then publish."),
    "published": ("出让（转让）公告已发布。", "The announcement is published."),
    "approved": ("已确认保证金到账并发放竞买号。", "Deposit confirmed; the bidder number is issued."),
    "rejected": ("已驳回该竞买申请。", "The application is refused."),
    "reserve": ("底价已录入并密封，仅保存承诺值。", "The reserve is entered and sealed; only its commitment is kept."),
    "bid": ("报价已被接受。", "Your bid is accepted."),
}


def _labels() -> dict[str, Any]:
    return {
        "status_labels": rules.STATUS_LABELS, "status_colours": STATUS_COLOURS, "mode_labels": MODE_LABELS,
        "line_labels": LINE_LABELS, "application_labels": APPLICATION_LABELS, "deposit_labels": DEPOSIT_LABELS,
        "result_labels": RESULT_LABELS, "phase_labels": PHASE_LABELS, "flashes": FLASH, "S": AuctionStatus,
        "Mode": AuctionMode,
    }


def _hx(request: Request) -> bool:
    return request.headers.get("hx-request", "").lower() == "true"


def _room_ctx(v: views.RoomView, *, error: DomainError | None = None, flash: str = "",
              accepted: AuctionBid | None = None) -> dict[str, Any]:
    lot = v.lot
    minimum = rules.next_minimum(lot.current_price, lot.start_price, lot.increment)
    return {
        **_labels(), "v": v, "lot": lot, "now_iso": v.now.isoformat(), "error": error, "flash": flash,
        "accepted": accepted, "next_minimum": minimum, "next_min_str": money_out(minimum), "as_decimal": Decimal,
    }


# ---------------------------------------------------------------- the public list


@router.get("/auctions", response_class=HTMLResponse)
async def lots_page(request: Request, session: DB, actor: CurrentActor) -> HTMLResponse:
    """Published lots for everyone; centre staff also see their drafts and the way to create a lot."""
    lots = await service.list_lots(session)
    drafts = await views.centre_lots(session, actor) if actor.is_centre else []
    return render(request, "auction/list.html", {**_labels(), "lots": lots, "drafts": drafts})


# ---------------------------------------------------------------- a new lot (centre staff)


def _guard_centre(request: Request, actor: Actor) -> Response | None:
    """Anonymous: to the login page; anyone but centre staff: auction.centre_only (403)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    service.require_centre(actor)
    return None


def _int_field(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise Invalid("auction.bad_number", "请填写整数", "Enter a whole number", detail={"field": field}) from None


def _local_time(value: str, field: str) -> datetime:
    """A datetime-local value (Beijing time) as an aware datetime."""
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise Invalid("auction.bad_time", "时间格式有误", "The time is not valid", detail={"field": field}) from None


def _documents(text: str) -> list[dict[str, str]]:
    """One document a line: `name | https://…` (the link is optional)."""
    out = []
    for line in text.splitlines():
        name, _, url = line.partition("|")
        if name.strip():
            out.append({"name": name.strip(), "url": url.strip()})
    return out


async def _new_form(request: Request, session: AsyncSession, actor: Actor, project_id: str, *, now: datetime,
                    form: dict[str, str] | None = None, error: DomainError | None = None) -> HTMLResponse:
    projects = await views.auction_projects(session, actor)
    project = await session.get(Project, project_id) if project_id else None
    if project is not None and project.id not in {p.id for p in projects}:
        project = None  # not an admitted land or property project: pick one from the list
    officers = await views.officer_choices(session, project) if project else []
    start = now.astimezone(SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0)
    return render(request, "auction/new.html", {
        **_labels(), "projects": projects, "project": project, "officers": officers, "error": error,
        "form": form or {}, "land": project is not None and project.line == TradingLine.land,
        "default_start": start.strftime("%Y-%m-%dT%H:%M"), "countdown_default": rules.DEFAULT_COUNTDOWN_SECONDS,
        "min_days": {str(line): rules.min_listing_days(line, first_listing=True) for line in AUCTION_LINES},
    }, status_code=error.status if error else 200)


@router.get("/auctions/new", response_class=HTMLResponse, response_model=None)
async def new_lot_page(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                       project_id: str = "") -> Response:
    if (redirect := _guard_centre(request, actor)) is not None:
        return redirect
    return await _new_form(request, session, actor, project_id, now=clock.now())


@router.post("/auctions/new", response_class=HTMLResponse, response_model=None)
async def create_lot(
    request: Request, session: DB, actor: CurrentActor, clock: ClockDep, *,
    project_id: Annotated[str, Form(max_length=32)] = "", title: Annotated[str, Form(max_length=400)] = "",
    description: Annotated[str, Form(max_length=20000)] = "", documents: Annotated[str, Form(max_length=20000)] = "",
    mode: Annotated[str, Form(max_length=16)] = "listing", start_price: Annotated[str, Form(max_length=40)] = "",
    increment: Annotated[str, Form(max_length=40)] = "", deposit: Annotated[str, Form(max_length=40)] = "",
    listing_days: Annotated[str, Form(max_length=10)] = "", first_listing: Annotated[str, Form(max_length=8)] = "",
    countdown_seconds: Annotated[str, Form(max_length=10)] = "",
    listing_start: Annotated[str, Form(max_length=40)] = "",
    reserve_officer_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if not actor.is_authenticated:
        raise Unauthenticated()
    form = {"title": title, "description": description, "documents": documents, "mode": mode,
            "start_price": start_price, "increment": increment, "deposit": deposit, "listing_days": listing_days,
            "first_listing": first_listing, "countdown_seconds": countdown_seconds, "listing_start": listing_start,
            "reserve_officer_id": reserve_officer_id}
    try:
        service.require_centre(actor)
        live = mode == AuctionMode.live
        try:
            data = LotCreate(
                project_id=project_id, title=title.strip(), description=description, documents=_documents(documents),
                mode=mode, start_price=start_price.strip(), increment=increment.strip(), deposit=deposit.strip(),
                listing_days=0 if live else _int_field(listing_days, "listing_days"),
                first_listing=first_listing != "0",
                countdown_seconds=_int_field(countdown_seconds, "countdown_seconds"),
                listing_start=_local_time(listing_start, "listing_start"), reserve_officer_id=reserve_officer_id)
        except ValidationError as exc:
            fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
            raise Invalid("auction.bad_form", "请检查标出的字段：" + "、".join(fields),
                          "Check the fields: " + ", ".join(fields), detail={"fields": fields}) from None
        lot = await service.create_lot(session, actor, data, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _new_form(request, session, actor, project_id, now=clock.now(), form=form, error=err)
    return RedirectResponse(f"/auctions/{lot.id}/manage?done=created", status_code=303)


# ---------------------------------------------------------------- the auction room


@router.get(ROOM, response_class=HTMLResponse)
async def room_page(lot_id: str, request: Request, *, session: DB, actor: CurrentActor, clock: ClockDep,
                    done: str = "") -> HTMLResponse:
    """Anyone may watch; a logged-in bidder also applies and bids here."""
    v = await views.room(session, actor, lot_id, now=clock.now())
    return render(request, "auction/room.html", _room_ctx(v, flash=done))


@router.get(f"{ROOM}/live", response_class=HTMLResponse)
async def live_fragment(lot_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> HTMLResponse:
    """The live state and the bid list, fetched again by the room on every event of the lot's channel."""
    v = await views.room(session, actor, lot_id, now=clock.now())
    response = render(request, "auction/_live.html", _room_ctx(v))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(f"{ROOM}/me", response_class=HTMLResponse)
async def me_fragment(lot_id: str, request: Request, session: DB, actor: CurrentActor,
                      clock: ClockDep) -> HTMLResponse:
    v = await views.room(session, actor, lot_id, now=clock.now())
    response = render(request, "auction/_me.html", _room_ctx(v))
    response.headers["Cache-Control"] = "no-store"
    return response


async def _room_act(request: Request, session: AsyncSession, actor: Actor, lot_id: str, *, clock: Clock,
                    action: Callable[[], Awaitable[object]], flash: str) -> Response:
    """One action of the bidder's panel. htmx gets the panel back (200, a refusal shown with its coded message, as
    in the opening hall); a plain form post gets the room again, or a redirect to it."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        result = await action()
    except DomainError as err:
        await session.rollback()
        v = await views.room(session, actor, lot_id, now=clock.now())
        if _hx(request):
            return render(request, "auction/_me.html", _room_ctx(v, error=err))
        return render(request, "auction/room.html", _room_ctx(v, error=err), status_code=err.status)
    if not _hx(request):
        return RedirectResponse(f"/auctions/{lot_id}?done={flash}", status_code=303)
    v = await views.room(session, actor, lot_id, now=clock.now())
    accepted = result if isinstance(result, AuctionBid) else None
    return render(request, "auction/_me.html", _room_ctx(v, flash=flash, accepted=accepted))


@router.post(f"{ROOM}/apply", response_class=HTMLResponse, response_model=None)
async def apply(lot_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _room_act(request, session, actor, lot_id, clock=clock, flash="applied",
                           action=lambda: service.apply(session, actor, lot_id, now=clock.now()))


@router.post(f"{ROOM}/continue", response_class=HTMLResponse, response_model=None)
async def declare_continue(lot_id: str, request: Request, session: DB, actor: CurrentActor,
                           clock: ClockDep) -> Response:
    return await _room_act(request, session, actor, lot_id, clock=clock, flash="continues",
                           action=lambda: service.declare_continue(session, actor, lot_id, now=clock.now()))


@router.post(f"{ROOM}/bid", response_class=HTMLResponse, response_model=None)
async def place_bid(lot_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, *,
                    amount: Annotated[str, Form(max_length=40)] = "") -> Response:
    """A bid at the server clock (auction.bidding.place_bid); a refusal comes back as its coded message."""
    return await _room_act(request, session, actor, lot_id, clock=clock, flash="bid",
                           action=lambda: bidding.place_bid(session, actor, lot_id, amount, clock=clock))


# ---------------------------------------------------------------- the centre's console


async def _console(request: Request, session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime,
                   error: DomainError | None = None, done: str = "") -> HTMLResponse:
    v = await views.console(session, actor, lot_id, now=now)
    return render(request, "auction/manage.html", {
        **_labels(), "v": v, "lot": v.lot, "error": error, "flash": done,
        "announce_problem": rules.check_announcement(v.lot.line, now, v.lot.listing_start)
        if v.lot.status == AuctionStatus.draft else None,
    }, status_code=error.status if error else 200)


@router.get(f"{ROOM}/manage", response_class=HTMLResponse, response_model=None)
async def console_page(lot_id: str, request: Request, *, session: DB, actor: CurrentActor, clock: ClockDep,
                       done: str = "") -> Response:
    """Centre staff only: the announcement, every application with its organisation, who is behind each number."""
    if (redirect := _guard_centre(request, actor)) is not None:
        return redirect
    return await _console(request, session, actor, lot_id, now=clock.now(), done=done)


async def _console_act(request: Request, session: AsyncSession, actor: Actor, lot_id: str, *, clock: Clock,
                       action: Callable[[], Awaitable[object]], done: str) -> Response:
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        service.require_centre(actor)
        await action()
    except DomainError as err:
        await session.rollback()
        return await _console(request, session, actor, lot_id, now=clock.now(), error=err)
    return RedirectResponse(f"/auctions/{lot_id}/manage?done={done}", status_code=303)


@router.post(f"{ROOM}/manage/publish", response_class=HTMLResponse, response_model=None)
async def publish(lot_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _console_act(request, session, actor, lot_id, clock=clock, done="published",
                              action=lambda: service.publish_announcement(session, actor, lot_id, now=clock.now()))


@router.post(f"{ROOM}/manage/applications/{{application_id}}/approve", response_class=HTMLResponse,
             response_model=None)
async def approve(lot_id: str, application_id: str, *, request: Request, session: DB, actor: CurrentActor,
                  clock: ClockDep, bank_reference: Annotated[str, Form(max_length=64)] = "") -> Response:
    return await _console_act(
        request, session, actor, lot_id, clock=clock, done="approved",
        action=lambda: service.approve(session, actor, lot_id, application_id, bank_reference, now=clock.now()))


@router.post(f"{ROOM}/manage/applications/{{application_id}}/reject", response_class=HTMLResponse,
             response_model=None)
async def reject(lot_id: str, application_id: str, *, request: Request, session: DB, actor: CurrentActor,
                 clock: ClockDep, reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    async def run() -> None:
        if not reason.strip():
            raise Invalid("auction.reason_required", "请填写驳回理由", "Give the reason for refusing")
        await service.reject(session, actor, lot_id, application_id, reason.strip(), now=clock.now())

    return await _console_act(request, session, actor, lot_id, clock=clock, done="rejected", action=run)


# ---------------------------------------------------------------- the reserve (底价), designated person only


async def _reserve_page(request: Request, session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime,
                        error: DomainError | None = None, done: str = "") -> HTMLResponse:
    lot = await service.get_lot(session, actor, lot_id)
    if actor.user_id != lot.reserve_officer_id:
        raise DomainError("auction.not_reserve_officer", "只有指定人员可以录入底价",
                          "Only the designated person may enter the reserve", status=403)
    open_ = lot.reserve_sealed is None and lot.status in views.OPEN and now < lot.listing_end
    # Only the commitment and who watched: the amount is sealed and is never read back before the result.
    return render(request, "auction/reserve.html", {
        **_labels(), "lot": lot, "error": error, "flash": done, "open": open_,
        "witness": await views.user_label(session, lot.reserve_witness_id),
    }, status_code=error.status if error else 200)


@router.get(f"{ROOM}/reserve", response_class=HTMLResponse, response_model=None)
async def reserve_page(lot_id: str, request: Request, *, session: DB, actor: CurrentActor, clock: ClockDep,
                       done: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _reserve_page(request, session, actor, lot_id, now=clock.now(), done=done)


@router.post(f"{ROOM}/reserve", response_class=HTMLResponse, response_model=None)
async def enter_reserve(
    lot_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, *,
    amount: Annotated[str, Form(max_length=40)] = "", amount_again: Annotated[str, Form(max_length=40)] = "",
    witness_username: Annotated[str, Form(max_length=64)] = "",
    witness_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The supervisor re-authenticates with their own password beside the designated person; the answer shows only
    the commitment (the form is never filled in again with the amount)."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        if amount.strip() != amount_again.strip():
            # Checked before anything else: the reserve can be entered only once, so a typo must not get through.
            raise Invalid("auction.reserve_mismatch", "两次输入的底价不一致", "The two amounts differ")
        await service.enter_reserve(session, actor, lot_id, amount, witness_username=witness_username,
                                    witness_password=witness_password, now=clock.now())
    except DomainError as err:
        await session.rollback()
        if isinstance(err, LotNotFound):
            raise
        return await _reserve_page(request, session, actor, lot_id, now=clock.now(), error=err)
    return RedirectResponse(f"/auctions/{lot_id}/reserve?done=reserve", status_code=303)
