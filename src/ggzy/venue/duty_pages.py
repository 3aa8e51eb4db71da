"""Pages of the duty roster (值班): who is on duty now, hand-over notes, the week's roster with its holes,
and the alerts sent to the people on duty."""

from __future__ import annotations

from datetime import datetime, time, timedelta
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
from ggzy.venue import duty, service
from ggzy.venue.endpoints import parse_day
from ggzy.venue.errors import ShiftInvalid
from ggzy.venue.models import DutyRole
from ggzy.venue.schemas import ShiftIn

router = APIRouter(include_in_schema=False)
DUTY = "/workspace/centre/venue/duty"
DAYS = 7
FLASH: dict[str, tuple[str, str]] = {
    "added": ("值班已安排", "Shift added"), "removed": ("值班已删除", "Shift removed"),
    "handed_over": ("交接班记录已保存", "Hand-over note saved"), "acknowledged": ("告警已确认", "Alert acknowledged"),
}


def _guard(request: Request, actor: Actor) -> Response | None:
    if not actor.is_authenticated:
        return login_redirect(request)
    service.require_centre(actor)
    return None


def gap_text(gap: tuple[datetime, datetime]) -> str:
    """A hole of one Beijing day as HH:MM–HH:MM, the day's end as 24:00."""
    start, end = (g.astimezone(SHANGHAI) for g in gap)
    return f"{start:%H:%M}–{'24:00' if end.time() == time(0, 0) and end.date() > start.date() else f'{end:%H:%M}'}"


def _time(value: str, field: str) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise ShiftInvalid("venue.bad_time", "时间格式有误", "The time is not valid", detail={"field": field}) from None


async def _page(request: Request, session: AsyncSession, actor: Actor, clock: ClockDep, *,
                error: DomainError | None = None, values: dict[str, str] | None = None) -> Response:
    now = clock.now()
    first = parse_day(request.query_params.get("day"), now)
    start = duty.day_bounds(first)[0]
    shifts = await duty.shifts_between(session, actor, start, start + timedelta(days=DAYS))
    days = [duty.coverage(first + timedelta(days=i), shifts) for i in range(DAYS)]
    who = await duty.duty_now(session, actor, now)
    ctx: dict[str, Any] = {
        "who": who, "days": days, "first": first, "prev": first - timedelta(days=DAYS),
        "next": first + timedelta(days=DAYS), "users": await duty.centre_users(session),
        "alerts": await duty.recent_alerts(session, actor, limit=20), "role_labels": duty.ROLE_LABELS,
        "alert_labels": duty.ALERT_LABELS, "Role": DutyRole, "now": now, "error": error, "values": values or {},
        "flash": request.query_params.get("done", ""), "flashes": FLASH,
        "mine": [s for s in who.everyone if s.user_id == actor.user_id],
        "default_start": f"{first.isoformat()}T08:30",
        "default_end": f"{(first + timedelta(days=1)).isoformat()}T08:30",
        "today": now.astimezone(SHANGHAI).date(), "gap_text": gap_text,
    }
    return render(request, "venue/duty.html", ctx, status_code=error.status if error else 200)


@router.get(DUTY, response_model=None)
async def duty_page(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return _guard(request, actor) or await _page(request, session, actor, clock)


@router.post(f"{DUTY}/shifts", response_model=None)
async def add_shift(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        role = values.get("role", "")
        if role not in {r.value for r in DutyRole}:
            raise ShiftInvalid("venue.shift_role_invalid", "请选择值班角色", "Choose the role",
                               detail={"field": "role"})
        data = ShiftIn(role=DutyRole(role), user_id=values.get("user_id", "")[:32] or "-",
                       starts_at=_time(values.get("starts_at", ""), "starts_at"),
                       ends_at=_time(values.get("ends_at", ""), "ends_at"), phone=values.get("phone", "")[:32])
        await duty.add_shift(session, actor, data, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, actor, clock, error=exc, values=values)
    return RedirectResponse(f"{DUTY}?done=added&day={values.get('starts_at', '')[:10]}", status_code=303)


@router.post(f"{DUTY}/shifts/{{shift_id}}/{{action}}", response_model=None)
async def shift_action(shift_id: str, action: str, *, request: Request, session: DB, actor: CurrentActor,
                       clock: ClockDep) -> Response:
    """remove (a shift not started yet) · handover (the note for the next shift)."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    if action not in {"remove", "handover"}:
        raise DomainError("venue.bad_action", "未知的操作", "Unknown action", status=404)
    form = await request.form()
    try:
        if action == "remove":
            await duty.remove_shift(session, actor, shift_id, now=clock.now())
        else:
            await duty.hand_over(session, actor, shift_id, str(form.get("note") or ""), now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, actor, clock, error=exc)
    return RedirectResponse(f"{DUTY}?done={'removed' if action == 'remove' else 'handed_over'}", status_code=303)


@router.post(f"{DUTY}/alerts/{{alert_id}}/ack", response_model=None)
async def ack(alert_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    await duty.acknowledge(session, actor, alert_id, now=clock.now())
    return RedirectResponse(f"{DUTY}?done=acknowledged", status_code=303)
