"""The duty roster (值班): 24 hours with a leader on duty (领导带班), shifts, hand-over notes, who is on duty now,
and the platform's alerts sent to them (DOMAIN.md "Emergency operation")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.service import actor_for
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.notify.models import Notification, OutboxMessage
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.venue import duty
from ggzy.venue.errors import (
    CentreOnly,
    NotYourShift,
    ShiftInvalid,
    ShiftNotStarted,
    ShiftOverlap,
    ShiftStarted,
)
from ggzy.venue.models import DutyAlert, DutyRole, DutyShift
from ggzy.venue.schemas import ShiftIn
from tests.factories import create_party, create_user

H = timedelta(hours=1)


@dataclass
class Staff:
    centre: Organisation
    admin: Actor
    users: list[User]
    actors: list[Actor]


async def staff(db: AsyncSession, now: datetime, n: int = 4) -> Staff:
    org, admin_user, _ = await create_party(db, OrgKind.centre, now=now, role=Role.centre_admin,
                                            contact_phone="0571-12345")
    users = [await create_user(db, org, now=now) for _ in range(n)]
    for i, u in enumerate(users):
        u.phone = f"1390000000{i}"
    await db.commit()
    return Staff(org, actor_for(admin_user, org, "10.0.0.1"), users, [actor_for(u, org, "10.0.0.2") for u in users])


def at(day_offset: int, hh: int, mm: int = 0) -> datetime:
    """Beijing wall time on 2 March 2026 + day_offset."""
    return datetime.combine(datetime(2026, 3, 2).date() + timedelta(days=day_offset), time(hh, mm), SHANGHAI)


async def roster_day(db: AsyncSession, s: Staff, now: datetime) -> list[DutyShift]:
    """3 March: leader 08:30-08:30, officers 00:00-08:30, 08:30-17:30, 17:30-24:00 (the day is covered)."""
    plan = [(DutyRole.leader, 0, at(1, 8, 30), at(2, 8, 30)), (DutyRole.officer, 1, at(1, 0), at(1, 8, 30)),
            (DutyRole.officer, 2, at(1, 8, 30), at(1, 17, 30)), (DutyRole.officer, 3, at(1, 17, 30), at(2, 0)),
            (DutyRole.leader, 3, at(0, 20), at(1, 8, 30))]
    return [await duty.add_shift(db, s.admin, ShiftIn(role=r, user_id=s.users[i].id, starts_at=a, ends_at=b), now=now)
            for r, i, a, b in plan]


async def test_a_full_roster_covers_24_hours_with_a_leader_and_holes_are_shown(db: AsyncSession,
                                                                               clock: FrozenClock) -> None:
    s = await staff(db, clock.now())
    shifts = await roster_day(db, s, clock.now())
    cov = duty.coverage(at(1, 0).date(), shifts)
    assert cov.complete
    await duty.remove_shift(db, s.admin, shifts[3].id, now=clock.now())
    rest = await duty.shifts_between(db, s.admin, *duty.day_bounds(at(1, 0).date()))
    cov = duty.coverage(at(1, 0).date(), rest)
    assert cov.leader_gaps == [] and cov.officer_gaps == []  # the leader on duty answers the phone
    await duty.remove_shift(db, s.admin, shifts[0].id, now=clock.now())
    rest = await duty.shifts_between(db, s.admin, *duty.day_bounds(at(1, 0).date()))
    cov = duty.coverage(at(1, 0).date(), rest)
    assert cov.leader_gaps == [(at(1, 8, 30), at(2, 0))]
    assert cov.officer_gaps == [(at(1, 17, 30), at(2, 0))]


async def test_bad_shifts_are_refused_with_4xx(db: AsyncSession, clock: FrozenClock) -> None:
    s = await staff(db, clock.now())
    await roster_day(db, s, clock.now())
    other, _, bidder = await create_party(db, OrgKind.bidder, now=clock.now())
    outsider = await create_user(db, other, now=clock.now())
    cases: list[tuple[ShiftIn, type[Exception], str]] = [
        (ShiftIn(role=DutyRole.leader, user_id=s.users[3].id, starts_at=at(1, 12), ends_at=at(1, 20)), ShiftOverlap,
         "venue.shift_overlap"),  # one leader at a time
        (ShiftIn(role=DutyRole.officer, user_id=s.users[2].id, starts_at=at(1, 9), ends_at=at(1, 10)), ShiftOverlap,
         "venue.shift_overlap"),  # the same person twice
        (ShiftIn(role=DutyRole.officer, user_id=s.users[3].id, starts_at=at(3, 9), ends_at=at(3, 9)), ShiftInvalid,
         "venue.shift_end_before_start"),
        (ShiftIn(role=DutyRole.officer, user_id=s.users[3].id, starts_at=at(3, 9), ends_at=at(4, 10)), ShiftInvalid,
         "venue.shift_too_long"),
        (ShiftIn(role=DutyRole.officer, user_id=s.users[3].id, starts_at=at(-2, 9), ends_at=at(-2, 10)),
         ShiftInvalid, "venue.shift_in_past"),
        (ShiftIn(role=DutyRole.officer, user_id=outsider.id, starts_at=at(3, 9), ends_at=at(3, 10)), ShiftInvalid,
         "venue.shift_not_centre_user"),
    ]
    for data, error, code in cases:
        with pytest.raises(error) as caught:
            await duty.add_shift(db, s.admin, data, now=clock.now())
        assert caught.value.code == code and 400 <= caught.value.status < 500  # type: ignore[attr-defined]
        await db.rollback()
    with pytest.raises(CentreOnly):
        await duty.add_shift(db, bidder, cases[2][0], now=clock.now())
    await db.rollback()
    assert len(await duty.shifts_between(db, s.admin, at(-5, 0), at(10, 0))) == 5


async def test_who_is_on_duty_now_and_the_hand_over(db: AsyncSession, clock: FrozenClock) -> None:
    s = await staff(db, clock.now())
    shift_ids = [x.id for x in await roster_day(db, s, clock.now())]
    uid = [u.id for u in s.users]  # plain values: a rollback expires the rows
    clock.set(at(1, 7))
    with pytest.raises(NotYourShift):
        await duty.hand_over(db, s.actors[2], shift_ids[1], "无异常", now=clock.now())
    await db.rollback()
    with pytest.raises(ShiftNotStarted):
        await duty.hand_over(db, s.actors[2], shift_ids[2], "提前写", now=clock.now())
    await db.rollback()
    await duty.hand_over(db, s.actors[1], shift_ids[1], "3号评标室空调故障，已报修。", now=clock.now())
    who = await duty.duty_now(db, s.admin, clock.now())
    assert ([x.user_id for x in who.leaders], [x.user_id for x in who.officers]) == ([uid[3]], [uid[1]])
    clock.set(at(1, 9))
    who = await duty.duty_now(db, s.admin, clock.now())
    assert ([x.user_id for x in who.leaders], [x.user_id for x in who.officers]) == ([uid[0]], [uid[2]])
    assert any(p.handover_note.startswith("3号评标室") for p in who.previous)
    with pytest.raises(ShiftStarted):
        await duty.remove_shift(db, s.admin, shift_ids[2], now=clock.now())
    await db.rollback()


async def test_alerts_go_to_the_people_on_duty_or_to_the_centre_when_nobody_is(db: AsyncSession,
                                                                              clock: FrozenClock) -> None:
    s = await staff(db, clock.now())
    await roster_day(db, s, clock.now())
    alone = await duty.alert_on_duty(db, "complaint", "收到投诉：某项目", at(0, 12))
    await db.commit()
    assert alone.unstaffed and alone.recipients == []
    inbox = (await db.execute(select(Notification.kind, Notification.org_id))).all()
    assert [tuple(r) for r in inbox] == [("duty:complaint", s.centre.id)]

    alert = await duty.alert_on_duty(db, duty.AlertKind.opening_failed, "GC-1 流标", at(1, 10),
                                     tender_id="t" * 32)
    await db.commit()
    assert not alert.unstaffed
    assert sorted(r["user_id"] for r in alert.recipients) == sorted([s.users[0].id, s.users[2].id])
    sms = (await db.execute(select(OutboxMessage.address, OutboxMessage.subject)
                            .where(OutboxMessage.subject.like("【值班告警】开标失败%")))).all()
    assert sorted(a for a, _ in sms) == ["13900000000", "13900000002"]
    acked = await duty.acknowledge(db, s.actors[2], alert.id, now=at(1, 10, 5))
    assert acked.acknowledged_by == s.users[2].id
    again = await duty.acknowledge(db, s.actors[0], alert.id, now=at(1, 10, 9))
    assert again.acknowledged_by == s.users[2].id  # idempotent: the first one counts
    kinds = (await db.execute(select(DutyAlert.kind).order_by(DutyAlert.at))).scalars().all()
    assert list(kinds) == ["complaint", "opening_failed"]
    await db.commit()
