"""JSON API of the venue (glue: parse, call one service function, return). Centre staff only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ggzy.auth.deps import RequireUser
from ggzy.kit.errors import Invalid
from ggzy.kit.timefmt import SHANGHAI
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.venue import bookings, duty, rules, service, visitors
from ggzy.venue.models import DutyShift, Visitor
from ggzy.venue.schemas import (
    AlertOut,
    BookingIn,
    BookingOut,
    CancelIn,
    HandoverIn,
    PlaceIn,
    RemoteIn,
    RoomIn,
    RoomOut,
    RoomPatch,
    ScanIn,
    ShiftIn,
    ShiftOut,
    VisitorIn,
    VisitorOut,
)

router = APIRouter(prefix="/api/venue", tags=["venue"])


def parse_day(value: str | None, now: datetime) -> date:
    """A Beijing date (YYYY-MM-DD); today when absent; a 422 when malformed."""
    if not value:
        return now.astimezone(SHANGHAI).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("venue.bad_day", "日期格式应为 YYYY-MM-DD", "A date is YYYY-MM-DD",
                      detail={"value": value[:20]}) from None


def day_span(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), SHANGHAI)
    return start, start + timedelta(days=days)


def visitor_out(v: Visitor, policy: visitors.DeskPolicy) -> VisitorOut:
    zh, en = visitors.refusal_text(v.refusal, policy) if v.refusal else ("", "")
    return VisitorOut(id=v.id, day=v.day, registered_at=v.registered_at, name=v.name,
                      id_number_masked=rules.mask_id_number(v.id_number), organisation=v.organisation,
                      purpose=v.purpose, booking_id=v.booking_id, temperature=visitors.temperature_text(v) or None,
                      mask=v.mask, health_code=v.health_code, admitted=v.admitted, refusal=v.refusal,
                      refusal_zh=zh, refusal_en=en, purged=v.purged_at is not None)


# ---------------------------------------------------------------- rooms


@router.get("/rooms")
async def list_rooms(session: DB, actor: RequireUser) -> list[RoomOut]:
    """Every room of the centre and the remote seats of other centres (kind `remote`)."""
    return [RoomOut.model_validate(r) for r in await service.list_rooms(session, actor)]


@router.post("/rooms", status_code=201)
async def add_room(body: RoomIn, session: DB, actor: RequireUser, clock: ClockDep) -> RoomOut:
    return RoomOut.model_validate(await service.add_room(session, actor, body, now=clock.now()))


@router.patch("/rooms/{room_id}")
async def update_room(room_id: str, body: RoomPatch, session: DB, actor: RequireUser, clock: ClockDep) -> RoomOut:
    return RoomOut.model_validate(await service.update_room(session, actor, room_id, body, now=clock.now()))


# ---------------------------------------------------------------- bookings


@router.get("/bookings")
async def list_bookings(session: DB, actor: RequireUser, clock: ClockDep, *, day: str | None = None,
                        days: int = Query(default=1, ge=1, le=31), room_id: str | None = None,
                        include_cancelled: bool = False) -> list[BookingOut]:
    """Sessions overlapping `days` Beijing days from `day` (default today), optionally of one room."""
    start, end = day_span(parse_day(day, clock.now()), days)
    rows = await bookings.bookings_between(session, actor, start, end, room_id=room_id,
                                           include_cancelled=include_cancelled)
    return [BookingOut.model_validate(b) for b in rows]


@router.get("/clashes")
async def clashes(session: DB, actor: RequireUser, clock: ClockDep) -> list[BookingOut]:
    """Sessions that found no room, with their alternatives."""
    return [BookingOut.model_validate(b) for b in await bookings.open_clashes(session, actor, now=clock.now())]


@router.post("/bookings", status_code=201)
async def book(body: BookingIn, session: DB, actor: RequireUser, clock: ClockDep) -> BookingOut:
    """Book by hand; no room free: 409 venue.no_room_free with `detail.alternatives`."""
    return BookingOut.model_validate(await bookings.book_room(session, actor, body, now=clock.now()))


@router.get("/bookings/{booking_id}")
async def get_booking(booking_id: str, session: DB, actor: RequireUser) -> BookingOut:
    return BookingOut.model_validate(await bookings.get_booking(session, actor, booking_id))


@router.post("/bookings/{booking_id}/place")
async def place(booking_id: str, body: PlaceIn, session: DB, actor: RequireUser, clock: ClockDep) -> BookingOut:
    """Resolve a clash: put the session into a room (an alternative), optionally at another start."""
    b = await bookings.place_booking(session, actor, booking_id, body.room_id, starts_at=body.starts_at,
                                     now=clock.now())
    return BookingOut.model_validate(b)


@router.post("/bookings/{booking_id}/cancel")
async def cancel(booking_id: str, body: CancelIn, session: DB, actor: RequireUser, clock: ClockDep) -> BookingOut:
    b = await bookings.cancel_booking(session, actor, booking_id, body.reason, now=clock.now())
    return BookingOut.model_validate(b)


@router.post("/bookings/{booking_id}/remote")
async def remote(booking_id: str, body: RemoteIn, session: DB, actor: RequireUser, clock: ClockDep) -> BookingOut:
    """远程异地评标: an evaluation session takes a seat of another centre (or comes back to a room here)."""
    b = await bookings.set_remote(session, actor, booking_id, body.remote, now=clock.now())
    return BookingOut.model_validate(b)


@router.get("/tenders/{tender_id}/bookings")
async def tender_sessions(tender_id: str, session: DB, actor: RequireUser) -> list[BookingOut]:
    return [BookingOut.model_validate(b) for b in await bookings.bookings_for_tender(session, actor, tender_id)]


# ---------------------------------------------------------------- reception desk


@router.post("/visitors/scan")
async def scan(body: ScanIn, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Read name and ID number out of a card reader's / OCR's text and check the number (nothing is stored)."""
    service.require_centre(actor)
    found = visitors.read_scan(body.text)
    number = visitors.check_id_number(found.id_number, today=clock.now().astimezone(SHANGHAI).date())
    return {"name": found.name, "id_number": number}


@router.post("/visitors", status_code=201)
async def register(body: VisitorIn, session: DB, actor: RequireUser, clock: ClockDep,
                   settings: SettingsDep) -> VisitorOut:
    """Register a visitor at the door; a refused one is 201 too, with `admitted: false` and the reason."""
    policy = visitors.DeskPolicy.from_settings(settings)
    v = await visitors.register_visitor(session, actor, body, policy=policy, now=clock.now())
    return visitor_out(v, policy)


@router.get("/visitors")
async def day_visitors(session: DB, actor: RequireUser, clock: ClockDep, settings: SettingsDep,
                       day: str | None = None) -> dict[str, Any]:
    """The daily visitor report: counts and the register (ID numbers masked)."""
    report = await visitors.day_report(session, actor, parse_day(day, clock.now()))
    policy = visitors.DeskPolicy.from_settings(settings)
    return {"day": report.day.isoformat(), "total": len(report.visitors), "admitted": report.admitted,
            "refused": report.refused, "by_refusal": report.by_refusal, "purged": report.purged,
            "visitors": [visitor_out(v, policy).model_dump(mode="json") for v in report.visitors]}


@router.get("/visitors.csv")
async def day_visitors_csv(session: DB, actor: RequireUser, clock: ClockDep, settings: SettingsDep,
                           day: str | None = None) -> Response:
    """The day's register as CSV with full ID numbers (for the health authority); the export is audited."""
    d = parse_day(day, clock.now())
    body = await visitors.export_report(session, actor, d, policy=visitors.DeskPolicy.from_settings(settings),
                                        now=clock.now())
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="visitors-{d.isoformat()}.csv"'})


# ---------------------------------------------------------------- duty roster


@router.get("/duty/now")
async def now_on_duty(session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Who is on duty now (the leader and the officers), the last hand-over notes and the next shifts."""
    who = await duty.duty_now(session, actor, clock.now())

    def dump(rows: list[DutyShift]) -> list[dict[str, Any]]:
        return [ShiftOut.model_validate(s).model_dump(mode="json") for s in rows]

    return {"at": who.now.isoformat(), "leaders": dump(who.leaders), "officers": dump(who.officers),
            "previous": dump(who.previous), "upcoming": dump(who.upcoming)}


@router.get("/duty/shifts")
async def shifts(session: DB, actor: RequireUser, clock: ClockDep, day: str | None = None,
                 days: int = Query(default=7, ge=1, le=62)) -> list[ShiftOut]:
    start, end = day_span(parse_day(day, clock.now()), days)
    return [ShiftOut.model_validate(s) for s in await duty.shifts_between(session, actor, start, end)]


@router.post("/duty/shifts", status_code=201)
async def add_shift(body: ShiftIn, session: DB, actor: RequireUser, clock: ClockDep) -> ShiftOut:
    return ShiftOut.model_validate(await duty.add_shift(session, actor, body, now=clock.now()))


@router.delete("/duty/shifts/{shift_id}", status_code=204)
async def remove_shift(shift_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> Response:
    await duty.remove_shift(session, actor, shift_id, now=clock.now())
    return Response(status_code=204)


@router.post("/duty/shifts/{shift_id}/handover")
async def handover(shift_id: str, body: HandoverIn, session: DB, actor: RequireUser, clock: ClockDep) -> ShiftOut:
    return ShiftOut.model_validate(await duty.hand_over(session, actor, shift_id, body.note, now=clock.now()))


@router.get("/duty/alerts")
async def alerts(session: DB, actor: RequireUser) -> list[AlertOut]:
    return [AlertOut.model_validate(a) for a in await duty.recent_alerts(session, actor)]


@router.post("/duty/alerts/{alert_id}/ack")
async def ack(alert_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> AlertOut:
    return AlertOut.model_validate(await duty.acknowledge(session, actor, alert_id, now=clock.now()))
