"""Sessions in rooms: booked automatically from a tender's timetable, or by hand; never double-booked.

Every placement locks the candidate rooms (PostgreSQL row locks; SQLite's BEGIN IMMEDIATE), loads the bookings
that could collide and asks rules.allocate, so two transactions can never both take one room for one time.
Automatic bookings are written in the tender's own transaction (venue.hooks); a clash there is recorded with
its alternatives, never raised, so publishing a tender never fails for want of a room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.project.models import Project
from ggzy.tender.models import Lot, Tender, TenderStatus
from ggzy.venue import rules, state
from ggzy.venue.errors import (
    BadBookingTransition,
    BookingInPast,
    BookingInvalid,
    BookingNotFound,
    RoomNotFound,
    RoomTaken,
    RoomUnsuitable,
)
from ggzy.venue.models import Booking, BookingPurpose, BookingStatus, Room, RoomKind
from ggzy.venue.schemas import BookingIn
from ggzy.venue.service import VENUE, check_equipment, locked, require_centre, spec

B = BookingStatus
MAX_SESSION: Final = timedelta(days=7)
"""Longest session anyone may book; it bounds the window of bookings a placement must look at."""
LOOK_BEHIND: Final = MAX_SESSION + 2 * rules.TURNOVER
LOOK_AHEAD: Final = rules.ALTERNATIVES_HORIZON + MAX_SESSION + 2 * rules.TURNOVER
"""A booking outside [start - LOOK_BEHIND, end + LOOK_AHEAD] can collide neither with the session, nor with a
session moved to make way for it, nor with an alternative offered."""
FALLBACK: Final[dict[str, frozenset[str]]] = {
    # The opening cannot move (its time is the published deadline): another monitored room at the same time.
    RoomKind.opening: frozenset({RoomKind.qa, RoomKind.supervision}),
}
EVALUATION_EQUIPMENT: Final = frozenset({"video"})
"""Evaluation happens in closed, monitored rooms (DOMAIN.md "The venue")."""
ACTIVE = (B.booked, B.clash)


class NoRoomFree(BookingInvalid):
    status = 409
    code = "venue.no_room_free"
    message_zh = "没有合适的空闲场地，请从备选时段或场地中选择"
    message_en = "No suitable room is free; choose one of the alternatives"


def snapshot(b: Booking) -> dict[str, Any]:
    return {"purpose": b.purpose, "kind": b.kind, "room_id": b.room_id, "starts_at": b.starts_at,
            "ends_at": b.ends_at, "seats": b.seats, "priority": b.priority, "status": b.status,
            "tender_id": b.tender_id, "auto": b.auto}


def need_of(b: Booking) -> rules.Need:
    return rules.Need(str(b.kind), b.starts_at, b.ends_at, b.seats, frozenset(b.equipment), b.priority)


# ---------------------------------------------------------------- placement (shared by every write)


async def _rooms(session: AsyncSession, kinds: set[str]) -> list[Room]:
    """The active rooms of these kinds, locked in id order (one order everywhere: no deadlock)."""
    stmt = select(Room).where(Room.kind.in_(sorted(kinds)), Room.active.is_(True)).order_by(Room.id)
    return list((await session.execute(locked(session, stmt))).scalars().all())


async def _held(session: AsyncSession, room_ids: Sequence[str], need: rules.Need,
                exclude: str | None) -> dict[str, Booking]:
    if not room_ids:
        return {}
    stmt = select(Booking).where(
        Booking.status == B.booked, Booking.room_id.in_(list(room_ids)),
        Booking.ends_at > need.starts_at - LOOK_BEHIND, Booking.starts_at < need.ends_at + LOOK_AHEAD)
    if exclude is not None:
        stmt = stmt.where(Booking.id != exclude)
    return {b.id: b for b in (await session.execute(stmt)).scalars().all()}


def _held_specs(rows: dict[str, Booking]) -> list[rules.Held]:
    return [rules.Held(b.id, b.room_id, need_of(b)) for b in rows.values() if b.room_id]


def _alternatives_json(result: rules.Clash, rooms: dict[str, Room]) -> list[dict[str, Any]]:
    return [{"room_id": a.room_id, "code": rooms[a.room_id].code, "name": rooms[a.room_id].name,
             "kind": str(rooms[a.room_id].kind), "starts_at": a.starts_at.isoformat(),
             "ends_at": a.ends_at.isoformat()} for a in result.alternatives]


async def _place(session: AsyncSession, booking: Booking, actor: Actor, *, now: datetime, movable: bool,
                 prefer: str | None = None) -> rules.Placed | rules.Clash:
    """Put `booking` (already in the session) into a room, or mark it in clash with the alternatives."""
    fallback = FALLBACK.get(str(booking.kind), frozenset())
    rooms = {r.id: r for r in await _rooms(session, {str(booking.kind), *fallback})}
    need = need_of(booking)
    rows = await _held(session, list(rooms), need, booking.id)
    result = rules.allocate([spec(r) for r in rooms.values()], _held_specs(rows), need, prefer=prefer,
                            movable=movable, fallback_kinds=fallback)
    before = snapshot(booking)
    if isinstance(result, rules.Placed):
        for move in result.moves:
            moved = rows[move.booking_id]
            moved_before = snapshot(moved)
            moved.room_id, moved.updated_at = move.to_room, now
            await record(session, "venue:booking_moved", actor, subject_type="venue_booking", subject_id=moved.id,
                         project_id=moved.project_id, before=moved_before, now=now,
                         after={**snapshot(moved), "reason": "priority", "for_booking": booking.id})
        if booking.status != B.booked:
            state.transition_to(booking, B.booked)
        booking.room_id = result.room_id
        booking.clash_reason, booking.alternatives = "", []
        tag = "venue:booked"
    else:
        if booking.status != B.clash:
            state.transition_to(booking, B.clash)
        booking.room_id = None
        booking.clash_reason = result.reason
        booking.alternatives = _alternatives_json(result, rooms)
        tag = "venue:clash"
    booking.updated_at = now
    await session.flush()
    await record(session, tag, actor, subject_type="venue_booking", subject_id=booking.id,
                 project_id=booking.project_id, before=before,
                 after={**snapshot(booking), "clash_reason": booking.clash_reason,
                        "alternatives": booking.alternatives}, now=now)
    return result


# ---------------------------------------------------------------- automatic: the tender's timetable


@dataclass(frozen=True)
class SessionPlan:
    purpose: BookingPurpose
    kind: RoomKind
    title: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    equipment: frozenset[str]


async def venue_in_use(session: AsyncSession) -> bool:
    """A centre that has entered no room does not use the venue: tenders then book nothing."""
    return (await session.execute(select(Room.id).limit(1))).first() is not None


async def plan_sessions(session: AsyncSession, tender: Tender, *, remote: bool = False) -> list[SessionPlan]:
    """The opening at the bid deadline and the evaluation right after it, its length by the tender's size."""
    assert tender.bid_deadline is not None
    budgets = list((await session.execute(select(Lot.budget).where(Lot.tender_id == tender.id))).scalars().all())
    total = sum(budgets, Decimal(0))
    o_start, o_end = rules.opening_interval(tender.bid_deadline, tender.decryption_window_minutes)
    e_start, e_end = rules.evaluation_interval(o_end, rules.evaluation_hours(len(budgets), total))
    name = f"{tender.code} {tender.title}"
    return [
        SessionPlan(BookingPurpose.opening, RoomKind.opening, f"开标：{name}", o_start, o_end, 1, frozenset()),
        SessionPlan(BookingPurpose.evaluation, RoomKind.remote if remote else RoomKind.evaluation,
                    f"评标：{name}", e_start, e_end, rules.committee_seats(str(tender.line), total),
                    frozenset() if remote else EVALUATION_EQUIPMENT),
    ]


async def tender_bookings(session: AsyncSession, tender_id: str, *, active_only: bool = True) -> list[Booking]:
    """Every session of the tender, automatic or booked by hand."""
    stmt = select(Booking).where(Booking.tender_id == tender_id)
    if active_only:
        stmt = stmt.where(Booking.status.in_(ACTIVE))
    return list((await session.execute(stmt.order_by(Booking.starts_at, Booking.id))).scalars().all())


async def book_tender(session: AsyncSession, tender: Tender, *, now: datetime, actor: Actor = VENUE) -> list[Booking]:
    """Book (or re-book after the timetable moved) the tender's opening and evaluation; no commit.

    A session whose time did not change keeps its room. One that moved keeps its room when it is free at the new
    time, else gets another, else goes into clash with the alternatives.
    """
    if tender.bid_deadline is None or not await venue_in_use(session):
        return []
    project = await session.get(Project, tender.project_id)
    priority = project is not None and project.priority is not None
    existing: dict[str, Booking] = {b.purpose: b for b in await tender_bookings(session, tender.id)
                                    if b.purpose != BookingPurpose.other}
    evaluation = existing.get(BookingPurpose.evaluation)
    out: list[Booking] = []
    for plan in await plan_sessions(session, tender, remote=evaluation is not None
                                    and evaluation.kind == RoomKind.remote):
        booking = existing.get(plan.purpose)
        if booking is not None and not booking.auto:
            out.append(booking)  # staff moved it by hand: their decision stands
            continue
        if booking is not None and booking.status == B.booked and booking.priority == priority and (
                booking.starts_at, booking.ends_at) == (plan.starts_at, plan.ends_at):
            out.append(booking)
            continue
        if booking is None:
            booking = Booking(purpose=plan.purpose, kind=plan.kind, title=plan.title, tender_id=tender.id,
                              project_id=tender.project_id, starts_at=plan.starts_at, ends_at=plan.ends_at,
                              seats=plan.seats, equipment=sorted(plan.equipment), priority=priority, auto=True,
                              status=B.clash, created_by=actor.user_id or actor.display_name, created_at=now,
                              updated_at=now)
            session.add(booking)
            await session.flush()
        else:
            booking.starts_at, booking.ends_at, booking.seats = plan.starts_at, plan.ends_at, plan.seats
            booking.title, booking.priority = plan.title, priority
        await _place(session, booking, actor, now=now, movable=plan.purpose == BookingPurpose.evaluation,
                     prefer=booking.room_id)
        out.append(booking)
    return out


async def release_tender(session: AsyncSession, tender: Tender, *, now: datetime, reason: str,
                         purposes: Sequence[BookingPurpose] = tuple(BookingPurpose)) -> list[Booking]:
    """Cancel the tender's automatic sessions that have not ended yet (tender cancelled or failed); no commit."""
    out: list[Booking] = []
    for b in await tender_bookings(session, tender.id):
        if b.purpose in purposes and b.ends_at > now:
            before = snapshot(b)
            state.transition_to(b, B.cancelled)
            b.cancelled_at, b.cancel_reason, b.updated_at = now, reason, now
            await record(session, "venue:cancelled", VENUE, subject_type="venue_booking", subject_id=b.id,
                         project_id=b.project_id, before=before, after={**snapshot(b), "reason": reason}, now=now)
            out.append(b)
    return out


async def follow_timetable(session: AsyncSession, tender: Tender, *, now: datetime) -> list[Booking]:
    """The tender's timetable moved (correction, clarification, suspension) or no longer holds (cancelled)."""
    if tender.status == TenderStatus.cancelled:
        return await release_tender(session, tender, now=now, reason="招标终止")
    if tender.status == TenderStatus.failed:
        return await release_tender(session, tender, now=now, reason="流标", purposes=(BookingPurpose.evaluation,))
    if tender.status == TenderStatus.published:
        return await book_tender(session, tender, now=now)
    return []


# ---------------------------------------------------------------- by hand (centre staff)


async def _booking(session: AsyncSession, booking_id: str) -> Booking:
    b = (await session.execute(locked(session, select(Booking).where(Booking.id == booking_id)))).scalars().first()
    if b is None:
        raise BookingNotFound()
    return b


def _check_interval(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise BookingInvalid("venue.booking_end_before_start", "结束时间须晚于开始时间",
                             "The end must be after the start", detail={"field": "ends_at"})
    if ends_at - starts_at > MAX_SESSION:
        raise BookingInvalid("venue.booking_too_long", "单个场次不得超过7天", "A session lasts 7 days at most",
                             detail={"field": "ends_at"})
    if ends_at <= now:
        raise BookingInPast()


async def _take(session: AsyncSession, booking: Booking, room_id: str, actor: Actor, *, now: datetime) -> None:
    """Put `booking` into the room staff chose: it must seat the session and be free (turnover included)."""
    room = (await session.execute(locked(session, select(Room).where(Room.id == room_id)))).scalars().first()
    if room is None:
        raise RoomNotFound()
    need = need_of(booking)
    # A remote seat and a room of our own are different things; between our own rooms staff may choose freely.
    same_family = (room.kind == RoomKind.remote) == (booking.kind == RoomKind.remote)
    if not room.active or not same_family:
        raise RoomUnsuitable(detail={"room_id": room.id})
    rows = await _held(session, [room.id], need, booking.id)
    verdict = rules.can_take(spec(room), need, _held_specs(rows), any_kind=True)
    if verdict == "unsuitable":
        raise RoomUnsuitable(detail={"room_id": room.id, "capacity": room.capacity, "seats": booking.seats})
    if verdict == "taken":
        raise RoomTaken(detail={"room_id": room.id})
    before = snapshot(booking)
    if booking.status != B.booked:
        state.transition_to(booking, B.booked)
    booking.room_id, booking.clash_reason, booking.alternatives, booking.updated_at = room.id, "", [], now
    await session.flush()
    await record(session, "venue:placed", actor, subject_type="venue_booking", subject_id=booking.id,
                 project_id=booking.project_id, before=before, after=snapshot(booking), now=now)


async def book_room(session: AsyncSession, actor: Actor, data: BookingIn, *, now: datetime) -> Booking:
    """A session booked by hand: in the given room, or the first suitable free one (409 with alternatives)."""
    require_centre(actor)
    _check_interval(data.starts_at, data.ends_at, now)
    equipment = check_equipment(data.equipment)
    tender = await session.get(Tender, data.tender_id) if data.tender_id else None
    if data.tender_id and tender is None:
        raise BookingInvalid("venue.tender_not_found", "找不到该招标项目", "Tender not found",
                             detail={"field": "tender_id"})
    project = await session.get(Project, tender.project_id) if tender else None
    booking = Booking(purpose=BookingPurpose.other, kind=data.kind, title=data.title.strip(),
                      tender_id=tender.id if tender else None, project_id=tender.project_id if tender else None,
                      starts_at=data.starts_at, ends_at=data.ends_at, seats=data.seats, equipment=equipment,
                      priority=project is not None and project.priority is not None, auto=False, status=B.clash,
                      note=data.note.strip(), created_by=actor.user_id or "", created_at=now, updated_at=now)
    session.add(booking)
    await session.flush()
    if data.room_id:
        await _take(session, booking, data.room_id, actor, now=now)
    else:
        result = await _place(session, booking, actor, now=now, movable=True)
        if isinstance(result, rules.Clash):
            raise NoRoomFree(detail={"reason": result.reason, "alternatives": booking.alternatives})
    await commit(session)
    return booking


async def place_booking(session: AsyncSession, actor: Actor, booking_id: str, room_id: str, *,
                        starts_at: datetime | None = None, now: datetime) -> Booking:
    """Resolve a clash (or move a session) into a room staff chose, at its own time or a new start.

    Moving an automatic session to another time makes it a session booked by hand: a later timetable change
    will not move it back over the staff's decision.
    """
    require_centre(actor)
    booking = await _booking(session, booking_id)
    if booking.status not in ACTIVE:
        raise BadBookingTransition(detail={"from": str(booking.status), "to": str(B.booked)})
    if starts_at is not None and starts_at != booking.starts_at:
        length = booking.ends_at - booking.starts_at
        _check_interval(starts_at, starts_at + length, now)
        booking.starts_at, booking.ends_at, booking.auto = starts_at, starts_at + length, False
    elif booking.ends_at <= now:
        raise BookingInPast()
    await _take(session, booking, room_id, actor, now=now)
    await commit(session)
    return booking


async def cancel_booking(session: AsyncSession, actor: Actor, booking_id: str, reason: str, *,
                         now: datetime) -> Booking:
    require_centre(actor)
    reason = reason.strip()
    if not reason:
        raise BookingInvalid("venue.reason_required", "请填写取消原因", "Give a reason", detail={"field": "reason"})
    booking = await _booking(session, booking_id)
    if booking.ends_at <= now and booking.status == B.booked:
        raise BookingInPast()
    before = snapshot(booking)
    state.transition_to(booking, B.cancelled)
    booking.cancelled_at, booking.cancel_reason, booking.updated_at = now, reason[:2000], now
    await record(session, "venue:cancelled", actor, subject_type="venue_booking", subject_id=booking.id,
                 project_id=booking.project_id, before=before, after={**snapshot(booking), "reason": reason},
                 now=now)
    await commit(session)
    return booking


async def set_remote(session: AsyncSession, actor: Actor, booking_id: str, remote: bool, *,
                     now: datetime) -> Booking:
    """远程异地评标: the evaluation takes a seat of another centre (shared directory) instead of a room here,
    or comes back. The session is placed again at its time (clash with alternatives when nothing is free)."""
    require_centre(actor)
    booking = await _booking(session, booking_id)
    if booking.purpose != BookingPurpose.evaluation:
        raise BookingInvalid("venue.remote_only_evaluation", "只有评标场次可以改为远程异地评标",
                             "Only an evaluation session can be held remotely")
    if booking.status not in ACTIVE:
        raise BadBookingTransition(detail={"from": str(booking.status)})
    if booking.ends_at <= now:
        raise BookingInPast()
    wanted = RoomKind.remote if remote else RoomKind.evaluation
    if booking.kind != wanted:
        booking.kind = wanted
        booking.equipment = [] if remote else sorted(EVALUATION_EQUIPMENT)
        await record(session, "venue:remote_set", actor, subject_type="venue_booking", subject_id=booking.id,
                     project_id=booking.project_id, after={"remote": remote}, now=now)
        await _place(session, booking, actor, now=now, movable=True)
        await commit(session)
    return booking


# ---------------------------------------------------------------- reads


async def get_booking(session: AsyncSession, actor: Actor, booking_id: str) -> Booking:
    require_centre(actor)
    b = await session.get(Booking, booking_id)
    if b is None:
        raise BookingNotFound()
    return b


async def bookings_between(session: AsyncSession, actor: Actor, start: datetime, end: datetime, *,
                           room_id: str | None = None, include_cancelled: bool = False) -> list[Booking]:
    """Sessions overlapping [start, end) (clashes included: they have a time but no room)."""
    require_centre(actor)
    stmt = select(Booking).where(Booking.ends_at > start, Booking.starts_at < end)
    if room_id is not None:
        stmt = stmt.where(Booking.room_id == room_id)
    if not include_cancelled:
        stmt = stmt.where(Booking.status.in_(ACTIVE))
    return list((await session.execute(stmt.order_by(Booking.starts_at, Booking.id))).scalars().all())


async def open_clashes(session: AsyncSession, actor: Actor, *, now: datetime) -> list[Booking]:
    require_centre(actor)
    stmt = select(Booking).where(Booking.status == B.clash, Booking.ends_at > now).order_by(Booking.starts_at)
    return list((await session.execute(stmt)).scalars().all())


async def bookings_for_tender(session: AsyncSession, actor: Actor, tender_id: str) -> list[Booking]:
    """A tender's sessions (the expert draw and the evaluation room can read the room and the time here)."""
    require_centre(actor)
    stmt = select(Booking).where(Booking.tender_id == tender_id).order_by(Booking.starts_at, Booking.id)
    return list((await session.execute(stmt)).scalars().all())
