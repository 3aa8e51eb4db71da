"""Pages of the venue for centre staff: rooms and remote seats, clashes, the calendar per day and per room
(printable), one session's page. The reception desk and the duty roster are in desk_pages.py / duty_pages.py,
included here so the app registers one router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import SHANGHAI, as_utc
from ggzy.kit.web import DB, ClockDep
from ggzy.venue import bookings, rules, service
from ggzy.venue.desk_pages import router as desk_router
from ggzy.venue.duty_pages import router as duty_router
from ggzy.venue.endpoints import parse_day
from ggzy.venue.errors import BookingInvalid, RoomInvalid
from ggzy.venue.models import Booking, BookingPurpose, BookingStatus, Room, RoomKind
from ggzy.venue.schemas import BookingIn, RoomIn, RoomPatch

router = APIRouter(include_in_schema=False)
router.include_router(desk_router)
router.include_router(duty_router)

BASE = "/workspace/centre/venue"
WINDOW = (time(7, 0), time(22, 0))
"""Hours the calendar shows (Beijing); longer sessions are drawn to the edge."""
PURPOSE_LABELS: dict[str, tuple[str, str]] = {
    BookingPurpose.opening: ("开标", "Opening"),
    BookingPurpose.evaluation: ("评标", "Evaluation"),
    BookingPurpose.other: ("其他", "Other"),
}
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    BookingStatus.booked: ("green", "已安排", "Booked"),
    BookingStatus.clash: ("red", "冲突待处理", "Clash"),
    BookingStatus.cancelled: ("gray", "已取消", "Cancelled"),
}
CLASH_LABELS: dict[str, tuple[str, str]] = {
    "no_suitable_room": ("没有合适的场地（类型、座位或设备不符）", "No suitable room (kind, seats or equipment)"),
    "all_taken": ("合适的场地在此时段均已占用", "Every suitable room is taken at that time"),
}
FLASH: dict[str, tuple[str, str]] = {
    "room_added": ("场地已添加", "Room added"),
    "room_updated": ("场地信息已保存", "Room saved"),
    "booked": ("场次已预订", "Session booked"),
    "placed": ("场次已安排到所选场地", "Session placed in the chosen room"),
    "cancelled": ("场次已取消", "Session cancelled"),
    "remote": ("评标方式已更改", "Evaluation venue changed"),
}


def dt_local(value: datetime) -> str:
    """A UTC time as the value of a datetime-local input (Beijing time)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def show_iso(value: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time kept in JSON (alternatives) shown in Beijing time."""
    return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime(fmt)


def labels() -> dict[str, Any]:
    return {"kind_labels": service.KIND_LABELS, "purpose_labels": PURPOSE_LABELS, "status_labels": STATUS_LABELS,
            "clash_labels": CLASH_LABELS, "equipment_labels": rules.EQUIPMENT, "flashes": FLASH, "base": BASE,
            "Kind": RoomKind, "dt_local": dt_local, "show_iso": show_iso}


def guard(request: Request, actor: Actor) -> Response | None:
    """Anonymous: to the login page; anyone but centre staff: venue.centre_only (403)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    service.require_centre(actor)
    return None


def parse_local(value: str, field: str) -> datetime:
    """A datetime-local form value (Beijing time) as aware UTC, or a named 422."""
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise BookingInvalid("venue.bad_time", "时间格式有误", "The time is not valid",
                             detail={"field": field}) from None


def int_field(value: str, field: str, error: type[DomainError] = RoomInvalid) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise error("venue.bad_number", "请填写整数", "Enter a whole number", detail={"field": field}) from None


# ---------------------------------------------------------------- the timeline drawing


@dataclass
class Block:
    booking: Booking
    left: float
    width: float
    clipped_start: bool
    clipped_end: bool


@dataclass
class Row:
    label: str
    sub: str
    href: str
    blocks: list[Block]
    room: Room | None = None


def window_of(day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, WINDOW[0], SHANGHAI), datetime.combine(day, WINDOW[1], SHANGHAI))


def blocks(rows: Sequence[Booking], start: datetime, end: datetime) -> list[Block]:
    span = (end - start).total_seconds()
    out: list[Block] = []
    for b in rows:
        if b.ends_at <= start or b.starts_at >= end:
            continue
        s, e = max(b.starts_at, start), min(b.ends_at, end)
        out.append(Block(b, round((s - start).total_seconds() / span * 100, 3),
                         max(round((e - s).total_seconds() / span * 100, 3), 0.8), b.starts_at < start,
                         b.ends_at > end))
    return out


def hour_marks() -> list[tuple[str, float]]:
    first, last = WINDOW[0].hour, WINDOW[1].hour
    return [(f"{h:02d}", round((h - first) / (last - first) * 100, 3)) for h in range(first, last + 1)]


# ---------------------------------------------------------------- rooms and clashes


async def _index(request: Request, session: AsyncSession, actor: Actor, clock: ClockDep, *,
                 error: DomainError | None = None, form: str = "", values: dict[str, str] | None = None) -> Response:
    rooms = await service.list_rooms(session, actor)
    clashes = await bookings.open_clashes(session, actor, now=clock.now())
    return render(request, "venue/index.html", {
        **labels(), "rooms": [r for r in rooms if r.kind != RoomKind.remote],
        "remote": [r for r in rooms if r.kind == RoomKind.remote], "clashes": clashes,
        "error": error, "form": form, "values": values or {}, "flash": request.query_params.get("done", ""),
        "today": clock.now().astimezone(SHANGHAI).date(),
    }, status_code=error.status if error else 200)


@router.get(BASE, response_model=None)
async def index(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return guard(request, actor) or await _index(request, session, actor, clock)


@router.post(f"{BASE}/rooms", response_model=None)
async def add_room(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if (redirect := guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        kind = values.get("kind", "")
        if kind not in {k.value for k in RoomKind}:
            raise RoomInvalid("venue.room_kind_invalid", "请选择场地类型", "Choose the kind of room",
                              detail={"field": "kind"})
        data = RoomIn(code=values.get("code", "").strip() or "-", name=values.get("name", "").strip() or "-",
                      kind=RoomKind(kind), capacity=max(int_field(values.get("capacity", ""), "capacity"), 1),
                      equipment=[str(v) for v in form.getlist("equipment")], location=values.get("location", ""),
                      centre=values.get("centre", ""), region=values.get("region", ""),
                      rank=max(int_field(values.get("rank", "0") or "0", "rank"), 0))
        if data.code == "-" or data.name == "-":
            raise RoomInvalid("venue.room_name_required", "请填写场地编号和名称", "Enter the room's code and name",
                              detail={"field": "code" if data.code == "-" else "name"})
        await service.add_room(session, actor, data, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _index(request, session, actor, clock, error=exc, form="room", values=values)
    return RedirectResponse(f"{BASE}?done=room_added", status_code=303)


@router.post(f"{BASE}/bookings", response_model=None)
async def book(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """A session booked by hand from the index page."""
    if (redirect := guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        kind = values.get("kind", "")
        if kind not in {k.value for k in RoomKind}:
            raise BookingInvalid("venue.room_kind_invalid", "请选择场地类型", "Choose the kind of room",
                                 detail={"field": "kind"})
        title = values.get("title", "").strip()
        if not title:
            raise BookingInvalid("venue.title_required", "请填写场次名称", "Enter the session's title",
                                 detail={"field": "title"})
        data = BookingIn(title=title[:300], kind=RoomKind(kind),
                         starts_at=parse_local(values.get("starts_at", ""), "starts_at"),
                         ends_at=parse_local(values.get("ends_at", ""), "ends_at"),
                         seats=max(int_field(values.get("seats", "1") or "1", "seats", BookingInvalid), 1),
                         room_id=values.get("room_id") or None, note=values.get("note", "")[:2000])
        b = await bookings.book_room(session, actor, data, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _index(request, session, actor, clock, error=exc, form="booking", values=values)
    return RedirectResponse(f"{BASE}/bookings/{b.id}?done=booked", status_code=303)


# ---------------------------------------------------------------- calendars


@router.get(f"{BASE}/calendar", response_model=None)
async def calendar(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Every room on one day (printable): one row per room, clashes (no room yet) in their own row."""
    if (redirect := guard(request, actor)) is not None:
        return redirect
    day = parse_day(request.query_params.get("day"), clock.now())
    start, end = window_of(day)
    day_start = datetime.combine(day, time(0, 0), SHANGHAI)
    rooms = await service.list_rooms(session, actor)
    rows_by_room: dict[str, list[Booking]] = {}
    unplaced: list[Booking] = []
    for b in await bookings.bookings_between(session, actor, day_start, day_start + timedelta(days=1)):
        if b.room_id:
            rows_by_room.setdefault(b.room_id, []).append(b)
        else:
            unplaced.append(b)
    groups: list[tuple[str, list[Row]]] = []
    for kind in RoomKind:
        mine = [r for r in rooms if r.kind == kind and (r.active or r.id in rows_by_room)]
        if mine:
            groups.append((kind.value, [Row(r.code, r.name if kind != RoomKind.remote else f"{r.centre} {r.name}",
                                            f"{BASE}/rooms/{r.id}?day={day.isoformat()}",
                                            blocks(rows_by_room.get(r.id, []), start, end), r) for r in mine]))
    return render(request, "venue/calendar.html", {
        **labels(), "day": day, "prev": day - timedelta(days=1), "next": day + timedelta(days=1),
        "groups": groups, "unplaced": Row("—", "", "", blocks(unplaced, start, end)), "marks": hour_marks(),
        "count": sum(len(v) for v in rows_by_room.values()) + len(unplaced),
    })


@router.get(f"{BASE}/rooms/{{room_id}}", response_model=None)
async def room_page(room_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """One room over a week (printable), and its details to edit."""
    return guard(request, actor) or await _room_page(room_id, request, session, actor, clock)


async def _room_page(room_id: str, request: Request, session: AsyncSession, actor: Actor, clock: ClockDep, *,
                     error: DomainError | None = None, values: dict[str, str] | None = None) -> Response:
    room = await service.get_room(session, actor, room_id)
    first = parse_day(request.query_params.get("day"), clock.now())
    first -= timedelta(days=first.weekday())  # the week from Monday
    span_start = datetime.combine(first, time(0, 0), SHANGHAI)
    rows_all = await bookings.bookings_between(session, actor, span_start, span_start + timedelta(days=7),
                                               room_id=room.id)
    week = [first + timedelta(days=i) for i in range(7)]
    rows = [Row(d.strftime("%m-%d"), "", f"{BASE}/calendar?day={d.isoformat()}", blocks(rows_all, *window_of(d)))
            for d in week]
    return render(request, "venue/room.html", {
        **labels(), "room": room, "rows": rows, "week": week, "marks": hour_marks(), "sessions": rows_all,
        "prev": first - timedelta(days=7), "next": first + timedelta(days=7), "error": error,
        "values": values or {}, "flash": request.query_params.get("done", ""),
    }, status_code=error.status if error else 200)


@router.post(f"{BASE}/rooms/{{room_id}}", response_model=None)
async def edit_room(room_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if (redirect := guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        patch = RoomPatch(name=values.get("name", "").strip() or None,
                          capacity=max(int_field(values.get("capacity", ""), "capacity"), 1),
                          equipment=[str(v) for v in form.getlist("equipment")],
                          location=values.get("location", ""), rank=max(int_field(values.get("rank", "0") or "0",
                                                                                   "rank"), 0),
                          active=values.get("active") == "on", note=values.get("note", "")[:2000])
        await service.update_room(session, actor, room_id, patch, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _room_page(room_id, request, session, actor, clock, error=exc, values=values)
    return RedirectResponse(f"{BASE}/rooms/{room_id}?done=room_updated", status_code=303)


# ---------------------------------------------------------------- one session


async def _booking_page(request: Request, session: AsyncSession, actor: Actor, booking_id: str, *,
                        error: DomainError | None = None) -> Response:
    b = await bookings.get_booking(session, actor, booking_id)
    rooms = await service.rooms_by_id(session, [b.room_id, *[a.get("room_id") for a in b.alternatives]])
    choosable = await service.list_rooms(session, actor, include_inactive=False)
    family = [r for r in choosable if (r.kind == RoomKind.remote) == (b.kind == RoomKind.remote)]
    return render(request, "venue/booking.html", {
        **labels(), "b": b, "room": rooms.get(b.room_id or ""), "rooms": rooms, "choosable": family,
        "alternatives": [{**a, "starts": datetime.fromisoformat(a["starts_at"]),
                          "ends": datetime.fromisoformat(a["ends_at"])} for a in b.alternatives],
        "error": error, "flash": request.query_params.get("done", ""),
    }, status_code=error.status if error else 200)


@router.get(f"{BASE}/bookings/{{booking_id}}", response_model=None)
async def booking_page(booking_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    return guard(request, actor) or await _booking_page(request, session, actor, booking_id)


@router.post(f"{BASE}/bookings/{{booking_id}}/{{action}}", response_model=None)
async def booking_action(booking_id: str, action: str, *, request: Request, session: DB, actor: CurrentActor,
                         clock: ClockDep) -> Response:
    """place (an alternative or a room chosen by hand) · cancel · remote (远程异地评标 on / off)."""
    if (redirect := guard(request, actor)) is not None:
        return redirect
    if action not in {"place", "cancel", "remote"}:
        raise DomainError("venue.bad_action", "未知的操作", "Unknown action", status=404)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        if action == "place":
            starts = values.get("starts_at", "").strip()
            await bookings.place_booking(session, actor, booking_id, values.get("room_id", ""),
                                         starts_at=parse_local(starts, "starts_at") if starts else None,
                                         now=clock.now())
        elif action == "cancel":
            await bookings.cancel_booking(session, actor, booking_id, values.get("reason", ""), now=clock.now())
        else:
            await bookings.set_remote(session, actor, booking_id, values.get("remote") == "1", now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _booking_page(request, session, actor, booking_id, error=exc)
    done = {"place": "placed", "cancel": "cancelled", "remote": "remote"}[action]
    return RedirectResponse(f"{BASE}/bookings/{booking_id}?done={done}", status_code=303)
