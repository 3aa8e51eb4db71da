"""Sessions booked from the tender's timetable: published, moved (correction, suspension), released (cancelled,
failed at the opening), clashes with their alternatives, priority first choice, remote evaluation, by hand."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project.models import Priority, TradingLine
from ggzy.supervision import service as supervision
from ggzy.supervision.models import SuspensionScope
from ggzy.tender import service as tender_service
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.schemas import CorrectionIn
from ggzy.venue import bookings
from ggzy.venue.errors import BookingInPast, BookingInvalid, RoomInvalid, RoomNotFound, RoomTaken
from ggzy.venue.models import Booking, BookingStatus, DutyAlert, RoomKind
from ggzy.venue.schemas import BookingIn
from tests.factories import create_party
from tests.tender.helpers import cast
from tests.venue.helpers import DAY, fresh, make_venue, published, sessions_of

H = timedelta(hours=1)


async def _tags(db: AsyncSession, prefix: str) -> list[str]:
    rows = (await db.execute(select(AuditEvent.tag).where(AuditEvent.tag.like(f"{prefix}%"))
                             .order_by(AuditEvent.seq))).scalars().all()
    await db.commit()
    return list(rows)


async def test_publishing_books_the_opening_at_the_deadline_and_the_evaluation_after_it(
        db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    s = await sessions_of(db, tender.id)
    deadline = tender.bid_deadline
    assert deadline is not None
    opening, evaluation = s["opening"], s["evaluation"]
    assert (opening.status, opening.room_id, opening.auto) == (BookingStatus.booked, v.rooms["KB-01"].id, True)
    # E-Bidding Measures Art.29: the opening is at the deadline; 30-minute window + 唱标 and confirmation.
    assert (opening.starts_at, opening.ends_at) == (deadline, deadline + 1.5 * H)
    # The committee convenes right after; 1,000,000 yuan in one lot: four hours; 5 members + 2 seats.
    assert (evaluation.starts_at, evaluation.ends_at) == (opening.ends_at, opening.ends_at + 4 * H)
    assert (evaluation.room_id, evaluation.seats, evaluation.equipment) == (v.rooms["PB-01"].id, 7, ["video"])
    assert await _tags(db, "venue:booked") == ["venue:booked", "venue:booked"]


async def test_a_centre_without_rooms_books_nothing(db: AsyncSession, clock: FrozenClock) -> None:
    c = await cast(db, clock.now())
    tender = await published(db, c, clock.now())
    assert await sessions_of(db, tender.id) == {}
    assert await _tags(db, "venue:") == []


async def test_same_time_clash_is_recorded_with_alternatives_and_resolved_by_staff(
        db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    first = await published(db, v.cast, clock.now())
    second = await published(db, v.cast, clock.now())  # same timetable: one opening room for two openings
    s = await sessions_of(db, second.id)
    clash = s["opening"]
    assert (clash.status, clash.room_id, clash.clash_reason) == (BookingStatus.clash, None, "all_taken")
    # The opening cannot move (its time is the published deadline): the Q&A room at the same time is offered.
    assert [(a["code"], a["starts_at"]) for a in clash.alternatives] == [("DY-01", first.bid_deadline.isoformat())]
    assert s["evaluation"].room_id == v.rooms["PB-02"].id  # the second evaluation room
    assert [b.id for b in await bookings.open_clashes(db, v.staff, now=clock.now())] == [clash.id]
    await db.commit()

    placed = await bookings.place_booking(db, v.staff, clash.id, v.rooms["DY-01"].id, now=clock.now())
    assert (placed.status, placed.room_id, placed.alternatives) == (BookingStatus.booked, v.rooms["DY-01"].id, [])
    assert await bookings.open_clashes(db, v.staff, now=clock.now()) == []
    with pytest.raises(RoomTaken):  # KB-01 is the first tender's
        await bookings.place_booking(db, v.staff, clash.id, v.rooms["KB-01"].id, now=clock.now())


async def test_a_priority_project_gets_first_choice_and_the_other_session_moves(
        db: AsyncSession, clock: FrozenClock) -> None:
    """DOMAIN.md "Emergency operation": priority projects come first for room booking."""
    v = await make_venue(db, clock.now())
    normal = await published(db, v.cast, clock.now())
    assert normal.bid_deadline is not None
    n_eval = (await sessions_of(db, normal.id))["evaluation"]
    assert n_eval.room_id == v.rooms["PB-01"].id
    # PB-02 is taken by hand from just after the normal evaluation's end (+ the disinfection gap).
    blocker = await bookings.book_room(db, v.staff, BookingIn(
        title="专家培训", kind=RoomKind.evaluation, starts_at=n_eval.ends_at + 0.5 * H,
        ends_at=n_eval.ends_at + 3 * H, room_id=v.rooms["PB-02"].id), now=clock.now())
    urgent = await published(db, v.cast, clock.now(), priority=Priority.epidemic,
                             bid_deadline=(normal.bid_deadline + H).isoformat())
    u = await sessions_of(db, urgent.id)
    assert u["evaluation"].priority and u["evaluation"].room_id == v.rooms["PB-01"].id
    moved = await fresh(db, Booking, n_eval.id)
    assert (moved.status, moved.room_id) == (BookingStatus.booked, v.rooms["PB-02"].id)
    assert (await fresh(db, Booking, blocker.id)).room_id == v.rooms["PB-02"].id
    assert await _tags(db, "venue:booking_moved") == ["venue:booking_moved"]


async def test_a_correction_moving_the_deadline_moves_both_sessions_in_their_rooms(
        db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    assert tender.bid_deadline is not None
    new_deadline = tender.bid_deadline + 2 * DAY
    await tender_service.publish_correction(db, v.cast.agency, tender.id, CorrectionIn(
        body="投标截止时间顺延", bid_deadline=new_deadline), now=clock.now())
    s = await sessions_of(db, tender.id)
    assert (s["opening"].starts_at, s["opening"].room_id) == (new_deadline, v.rooms["KB-01"].id)
    assert s["evaluation"].starts_at == new_deadline + 1.5 * H and s["evaluation"].room_id == v.rooms["PB-01"].id
    assert len(await bookings.tender_bookings(db, tender.id)) == 2  # moved, not duplicated
    await db.commit()


async def test_suspension_and_resumption_move_the_sessions_by_the_suspension_length(
        db: AsyncSession, clock: FrozenClock) -> None:
    """DOMAIN.md "Emergency operation": every running deadline moves by the suspension's length."""
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    assert tender.bid_deadline is not None
    before = {k: (b.starts_at, b.room_id) for k, b in (await sessions_of(db, tender.id)).items()}
    await create_party(db, OrgKind.supervisor, now=clock.now(), supervised_lines=[TradingLine.construction.value])
    s = await supervision.request_suspension(db, v.staff, scope=SuspensionScope.platform, project_id=None,
                                             reason="突发公共卫生事件", now=clock.now())
    clock.advance(days=3)
    await supervision.resume_trading(db, v.staff, s.id, now=clock.now())
    after = await sessions_of(db, tender.id)
    for purpose in ("opening", "evaluation"):
        assert (after[purpose].starts_at, after[purpose].room_id) == (before[purpose][0] + 3 * DAY,
                                                                      before[purpose][1])
    # The suspension itself went to whoever is on duty (nobody here: the centre's inbox).
    alerts = (await db.execute(select(DutyAlert.kind, DutyAlert.unstaffed))).all()
    assert [tuple(a) for a in alerts] == [("suspension", True)]
    await db.commit()


async def test_cancelling_the_tender_releases_its_rooms(db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    await tender_service.cancel_tender(db, v.cast.agency, tender.id, "项目取消", now=clock.now())
    s = await sessions_of(db, tender.id)
    assert {b.status for b in s.values()} == {BookingStatus.cancelled}
    assert {b.cancel_reason for b in s.values()} == {"招标终止"}
    again = await published(db, v.cast, clock.now())  # the rooms are free again
    assert (await sessions_of(db, again.id))["opening"].room_id == v.rooms["KB-01"].id


async def test_a_tender_failing_at_the_opening_frees_the_evaluation_room_and_alerts_duty(
        app: Any, db: AsyncSession, clock: FrozenClock) -> None:
    """Bidding Regs Art.44: fewer than 3 bids, no opening; the evaluation room is not needed."""
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    assert tender.bid_deadline is not None
    clock.set(tender.bid_deadline)
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert (await fresh(db, Tender, tender.id)).status == TenderStatus.failed
    s = await sessions_of(db, tender.id)
    assert s["opening"].status == BookingStatus.booked  # it happened
    assert (s["evaluation"].status, s["evaluation"].cancel_reason) == (BookingStatus.cancelled, "流标（投标人不足3家）")
    alert = (await db.execute(select(DutyAlert))).scalars().one()
    assert alert.kind == "opening_failed" and tender.code in alert.text and alert.tender_id == tender.id
    await db.commit()


async def test_remote_evaluation_takes_a_seat_of_another_centre_and_can_come_back(
        db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    evaluation = (await sessions_of(db, tender.id))["evaluation"]
    remote = await bookings.set_remote(db, v.staff, evaluation.id, True, now=clock.now())
    assert (remote.kind, remote.room_id, remote.status) == (RoomKind.remote, v.rooms["YC-01"].id, BookingStatus.booked)
    assert tender.bid_deadline is not None
    # A later correction keeps it remote.
    await tender_service.publish_correction(db, v.cast.agency, tender.id, CorrectionIn(
        body="顺延", bid_deadline=tender.bid_deadline + DAY), now=clock.now())
    assert (await sessions_of(db, tender.id))["evaluation"].room_id == v.rooms["YC-01"].id
    back = await bookings.set_remote(db, v.staff, evaluation.id, False, now=clock.now())
    assert (back.kind, back.room_id) == (RoomKind.evaluation, v.rooms["PB-01"].id)
    with pytest.raises(BookingInvalid):
        await bookings.set_remote(db, v.staff, (await sessions_of(db, tender.id))["opening"].id, True,
                                  now=clock.now())


async def test_booking_by_hand_refuses_bad_input_and_writes_nothing(db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    now = clock.now()
    ok = BookingIn(title="答疑会", kind=RoomKind.qa, starts_at=now + DAY, ends_at=now + DAY + 2 * H)
    first = await bookings.book_room(db, v.staff, ok, now=now)
    assert first.room_id == v.rooms["DY-01"].id
    cases: list[tuple[BookingIn, type[Exception], str]] = [
        (ok.model_copy(update={"ends_at": ok.starts_at}), BookingInvalid, "venue.booking_end_before_start"),
        (ok.model_copy(update={"ends_at": ok.starts_at + 8 * DAY}), BookingInvalid, "venue.booking_too_long"),
        (ok.model_copy(update={"starts_at": now - 3 * H, "ends_at": now - H}), BookingInPast, "venue.booking_in_past"),
        (ok.model_copy(update={"room_id": "nope"}), RoomNotFound, "venue.room_not_found"),
        (ok.model_copy(update={"room_id": v.rooms["DY-01"].id}), RoomTaken, "venue.room_taken"),
        (ok, bookings.NoRoomFree, "venue.no_room_free"),
        (ok.model_copy(update={"equipment": ["teleporter"]}), RoomInvalid, "venue.equipment_unknown"),
        (ok.model_copy(update={"seats": 41, "starts_at": now + 3 * DAY, "ends_at": now + 3 * DAY + H}),
         bookings.NoRoomFree, "venue.no_room_free"),
    ]
    for data, error, code in cases:
        with pytest.raises(error) as caught:
            await bookings.book_room(db, v.staff, data, now=now)
        assert caught.value.code == code and 400 <= caught.value.status < 500  # type: ignore[attr-defined]
        await db.rollback()
    taken = cases[5]
    with pytest.raises(bookings.NoRoomFree) as caught:
        await bookings.book_room(db, v.staff, taken[0], now=now)
    assert [a["code"] for a in caught.value.detail["alternatives"]] == ["DY-01"]  # later the same day
    await db.rollback()
    count = (await db.execute(select(func.count()).select_from(Booking))).scalar_one()
    assert count == 1
    await db.commit()


async def test_two_desks_booking_the_same_room_at_once_never_double_book(app: Any, db: AsyncSession,
                                                                          clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    now = clock.now()
    room = v.rooms["DY-01"].id

    async def attempt(i: int) -> str:
        async with app.state.sessionmaker() as session:
            try:
                await bookings.book_room(session, v.staff, BookingIn(
                    title=f"会议{i}", kind=RoomKind.qa, starts_at=now + DAY + i * 0.25 * H,
                    ends_at=now + DAY + 2 * H, room_id=room), now=now)
            except RoomTaken:
                return "taken"
            return "booked"

    results = await asyncio.gather(*(attempt(i) for i in range(4)))
    assert sorted(results) == ["booked", "taken", "taken", "taken"]
    rows = (await db.execute(select(Booking).where(Booking.room_id == room))).scalars().all()
    assert len(rows) == 1
    await db.commit()
