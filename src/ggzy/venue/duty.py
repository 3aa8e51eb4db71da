"""The duty roster (值班): 24 hours a day, a leader on duty (领导带班) every day, shifts, hand-over notes, and
the alerts of the platform (a failed opening, a suspension, a complaint) sent to whoever is on duty.

`alert_on_duty` is called from other domains inside their own transaction (it never commits), so an alert is
sent exactly when the change it announces commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.kit.timefmt import SHANGHAI, show
from ggzy.notify.models import OutboxMessage
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.venue import rules
from ggzy.venue.errors import (
    AlertNotFound,
    NotYourShift,
    ShiftInvalid,
    ShiftNotFound,
    ShiftNotStarted,
    ShiftOverlap,
    ShiftStarted,
)
from ggzy.venue.models import DutyAlert, DutyRole, DutyShift
from ggzy.venue.schemas import ShiftIn
from ggzy.venue.service import VENUE, locked, require_centre


class AlertKind(StrEnum):
    opening_failed = "opening_failed"  # 开标失败 / 流标 (Bidding Regs Art.44)
    suspension = "suspension"  # 暂停交易
    complaint = "complaint"  # 投诉 (Bidding Regs Art.60)
    other = "other"


ALERT_LABELS: Final[dict[str, tuple[str, str]]] = {
    AlertKind.opening_failed: ("开标失败", "Opening failed"),
    AlertKind.suspension: ("暂停交易", "Trading suspended"),
    AlertKind.complaint: ("投诉", "Complaint"),
    AlertKind.other: ("其他", "Other"),
}
ROLE_LABELS: Final[dict[str, tuple[str, str]]] = {
    DutyRole.leader: ("带班领导", "Leader on duty"),
    DutyRole.officer: ("值班员", "Duty officer"),
}
CENTRE_ROLES: Final = (Role.centre_staff, Role.centre_admin)


def snapshot(s: DutyShift) -> dict[str, Any]:
    return {"role": s.role, "user_id": s.user_id, "name": s.name, "starts_at": s.starts_at, "ends_at": s.ends_at}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A Beijing calendar day as a UTC interval."""
    start = datetime.combine(day, time(0, 0), SHANGHAI)
    return start, start + timedelta(days=1)


# ---------------------------------------------------------------- the roster


async def centre_users(session: AsyncSession) -> list[User]:
    """Who can be put on the roster: active users of the centre."""
    stmt = (select(User).join(Organisation, Organisation.id == User.organisation_id)
            .where(Organisation.kind == OrgKind.centre, User.is_active.is_(True), User.role.in_(CENTRE_ROLES))
            .order_by(User.display_name, User.id))
    return list((await session.execute(stmt)).scalars().all())


async def add_shift(session: AsyncSession, actor: Actor, data: ShiftIn, *, now: datetime) -> DutyShift:
    """Put a centre user on duty. One leader at a time; nobody on two overlapping shifts."""
    require_centre(actor)
    problem = rules.shift_problem(data.starts_at, data.ends_at)
    if problem == "end_before_start":
        raise ShiftInvalid("venue.shift_end_before_start", "下班时间须晚于上班时间", "The end must be after the start",
                           detail={"field": "ends_at"})
    if problem == "longer_than_24h":
        raise ShiftInvalid("venue.shift_too_long", "一个班次不得超过24小时", "A shift lasts 24 hours at most",
                           detail={"field": "ends_at"})
    if data.ends_at <= now:
        raise ShiftInvalid("venue.shift_in_past", "不能安排已经结束的班次", "A shift that has ended cannot be added",
                           detail={"field": "ends_at"})
    user = (await session.execute(
        select(User).join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id == data.user_id, Organisation.kind == OrgKind.centre, User.is_active.is_(True))
    )).scalars().first()
    if user is None:
        raise ShiftInvalid("venue.shift_not_centre_user", "值班人员须为交易中心在职工作人员",
                           "The person on duty must be an active user of the centre", detail={"field": "user_id"})
    # Lock the roster's rows around the interval so two staff cannot add overlapping leaders at once.
    near = await session.execute(locked(session, select(DutyShift).where(
        DutyShift.ends_at > data.starts_at, DutyShift.starts_at < data.ends_at)))
    clashing = [s for s in near.scalars().all()
                if s.user_id == user.id or (data.role == DutyRole.leader and s.role == DutyRole.leader)]
    if clashing:
        c = clashing[0]
        raise ShiftOverlap(detail={"shift_id": c.id, "name": c.name, "role": str(c.role),
                                   "starts_at": c.starts_at.isoformat(), "ends_at": c.ends_at.isoformat()})
    shift = DutyShift(role=data.role, user_id=user.id, name=user.display_name,
                      phone=data.phone.strip() or user.phone, starts_at=data.starts_at, ends_at=data.ends_at,
                      created_by=actor.user_id, created_at=now)
    session.add(shift)
    await session.flush()
    await record(session, "duty:shift_added", actor, subject_type="duty_shift", subject_id=shift.id,
                 after=snapshot(shift), now=now)
    await commit(session)
    return shift


async def _shift(session: AsyncSession, shift_id: str) -> DutyShift:
    s = (await session.execute(locked(session, select(DutyShift).where(DutyShift.id == shift_id)))).scalars().first()
    if s is None:
        raise ShiftNotFound()
    return s


async def remove_shift(session: AsyncSession, actor: Actor, shift_id: str, *, now: datetime) -> None:
    require_centre(actor)
    s = await _shift(session, shift_id)
    if s.starts_at <= now:
        raise ShiftStarted()
    await record(session, "duty:shift_removed", actor, subject_type="duty_shift", subject_id=s.id,
                 before=snapshot(s), now=now)
    await session.delete(s)
    await commit(session)


async def hand_over(session: AsyncSession, actor: Actor, shift_id: str, note: str, *, now: datetime) -> DutyShift:
    """交接班: the person on the shift writes what the next shift must know (once the shift has started)."""
    require_centre(actor)
    note = note.strip()
    if not note:
        raise ShiftInvalid("venue.handover_empty", "交接班记录不能为空", "The hand-over note is empty",
                           detail={"field": "note"})
    s = await _shift(session, shift_id)
    if s.user_id != actor.user_id and actor.role != Role.centre_admin:
        raise NotYourShift()
    if s.starts_at > now:
        raise ShiftNotStarted()
    before = {"handover_note": s.handover_note}
    s.handover_note, s.handed_over_at = note[:4000], now
    await record(session, "duty:handed_over", actor, subject_type="duty_shift", subject_id=s.id, before=before,
                 after={"handover_note": s.handover_note}, now=now)
    await commit(session)
    return s


async def shifts_between(session: AsyncSession, actor: Actor, start: datetime, end: datetime) -> list[DutyShift]:
    require_centre(actor)
    stmt = (select(DutyShift).where(DutyShift.ends_at > start, DutyShift.starts_at < end)
            .order_by(DutyShift.starts_at, DutyShift.role, DutyShift.name))
    return list((await session.execute(stmt)).scalars().all())


@dataclass
class DayCoverage:
    day: date
    shifts: list[DutyShift]
    leader_gaps: list[tuple[datetime, datetime]]
    officer_gaps: list[tuple[datetime, datetime]]

    @property
    def complete(self) -> bool:
        return not self.leader_gaps and not self.officer_gaps


def coverage(day: date, shifts: list[DutyShift]) -> DayCoverage:
    """Where the day's roster has nobody: 24 hours of officers and a leader on duty all day."""
    start, end = day_bounds(day)
    mine = [s for s in shifts if s.ends_at > start and s.starts_at < end]
    leaders = [(s.starts_at, s.ends_at) for s in mine if s.role == DutyRole.leader]
    officers = [(s.starts_at, s.ends_at) for s in mine]  # a leader on duty also answers the phone
    return DayCoverage(day, mine, rules.coverage_gaps(leaders, start, end), rules.coverage_gaps(officers, start, end))


@dataclass
class OnDuty:
    now: datetime
    leaders: list[DutyShift] = field(default_factory=list)
    officers: list[DutyShift] = field(default_factory=list)
    previous: list[DutyShift] = field(default_factory=list)
    """The shifts that ended last: their hand-over notes are for the people on duty now."""
    upcoming: list[DutyShift] = field(default_factory=list)

    @property
    def everyone(self) -> list[DutyShift]:
        return [*self.leaders, *self.officers]


async def on_duty(session: AsyncSession, now: datetime) -> OnDuty:
    """Who is on duty at `now` (no access check: alert_on_duty runs as the platform)."""
    current = (await session.execute(
        select(DutyShift).where(DutyShift.starts_at <= now, DutyShift.ends_at > now)
        .order_by(DutyShift.role, DutyShift.starts_at, DutyShift.id))).scalars().all()
    out = OnDuty(now, [s for s in current if s.role == DutyRole.leader],
                 [s for s in current if s.role == DutyRole.officer])
    last_end = (await session.execute(
        select(DutyShift.ends_at).where(DutyShift.ends_at <= now).order_by(DutyShift.ends_at.desc()).limit(1)
    )).scalar_one_or_none()
    if last_end is not None:
        out.previous = list((await session.execute(
            select(DutyShift).where(DutyShift.ends_at == last_end).order_by(DutyShift.role, DutyShift.id)
        )).scalars().all())
    out.upcoming = list((await session.execute(
        select(DutyShift).where(DutyShift.starts_at > now).order_by(DutyShift.starts_at, DutyShift.id).limit(6)
    )).scalars().all())
    return out


async def duty_now(session: AsyncSession, actor: Actor, now: datetime) -> OnDuty:
    require_centre(actor)
    return await on_duty(session, now)


# ---------------------------------------------------------------- alerts


async def alert_on_duty(session: AsyncSession, kind: str, text: str, now: datetime, *,
                        tender_id: str | None = None, project_id: str | None = None) -> DutyAlert:
    """Send an alert of the platform to whoever is on duty at `now` (SMS to their duty phone), in the caller's
    transaction; nobody on the roster: to the centre's inbox. Never commits, never raises for an empty roster.

    `kind` is an AlertKind value (opening_failed, suspension, complaint, …).
    """
    who = await on_duty(session, now)
    recipients = [{"shift_id": s.id, "user_id": s.user_id, "name": s.name, "role": str(s.role), "phone": s.phone}
                  for s in who.everyone]
    label_zh, label_en = ALERT_LABELS.get(kind, (kind, kind))
    alert = DutyAlert(kind=kind[:32], text=text, at=now, recipients=recipients, unstaffed=not recipients,
                      tender_id=tender_id, project_id=project_id)
    session.add(alert)
    await session.flush()
    subject = f"【值班告警】{label_zh}"
    if recipients:
        orgs = dict((await session.execute(
            select(User.id, User.organisation_id).where(User.id.in_([r["user_id"] for r in recipients]))
        )).all())
        for r in recipients:
            session.add(OutboxMessage(channel="sms", recipient_org_id=orgs.get(r["user_id"]), address=r["phone"],
                                      subject=subject, body=f"{text}（{show(now)}）", created_at=now))
    else:
        centres = (await session.execute(select(Organisation.id).where(Organisation.kind == OrgKind.centre)))
        await notify_orgs(session, list(centres.scalars().all()), kind=f"duty:{kind}"[:48], now=now,
                          title_zh=f"{subject}（当前无人值班）", title_en=f"[Duty alert] {label_en} (nobody on duty)",
                          body_zh=text, body_en=text, link="/workspace/centre/venue/duty", tender_id=tender_id,
                          project_id=project_id)
    await record(session, "duty:alerted", VENUE, subject_type="duty_alert", subject_id=alert.id,
                 project_id=project_id, now=now,
                 after={"kind": kind, "tender_id": tender_id, "unstaffed": alert.unstaffed,
                        "recipients": [r["user_id"] for r in recipients]})
    return alert


async def recent_alerts(session: AsyncSession, actor: Actor, *, limit: int = 50) -> list[DutyAlert]:
    require_centre(actor)
    stmt = select(DutyAlert).order_by(DutyAlert.at.desc(), DutyAlert.id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def acknowledge(session: AsyncSession, actor: Actor, alert_id: str, *, now: datetime) -> DutyAlert:
    """The person on duty confirms they have the alert in hand (idempotent)."""
    require_centre(actor)
    stmt = locked(session, select(DutyAlert).where(DutyAlert.id == alert_id))
    alert = (await session.execute(stmt)).scalars().first()
    if alert is None:
        raise AlertNotFound()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor.user_id
        await record(session, "duty:alert_acknowledged", actor, subject_type="duty_alert", subject_id=alert.id,
                     project_id=alert.project_id, after={"acknowledged_at": now}, now=now)
        await commit(session)
    return alert
