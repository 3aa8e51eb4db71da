"""Pages of the reception desk (来访登记, 疫情防控 at the door) and the daily visitor report (page + CSV)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.config import Settings
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import SHANGHAI
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.venue import bookings, rules, service, visitors
from ggzy.venue.endpoints import parse_day
from ggzy.venue.errors import TemperatureImplausible, VisitorNotFound
from ggzy.venue.models import HealthCode, Visitor
from ggzy.venue.schemas import VisitorIn

router = APIRouter(include_in_schema=False)
DESK = "/workspace/centre/venue/reception"
REPORT = "/workspace/centre/venue/visitors"


def _guard(request: Request, actor: Actor) -> Response | None:
    if not actor.is_authenticated:
        return login_redirect(request)
    service.require_centre(actor)
    return None


def _common(settings: Settings) -> dict[str, Any]:
    policy = visitors.DeskPolicy.from_settings(settings)
    return {"policy": policy, "health_labels": visitors.HEALTH_LABELS, "HealthCode": HealthCode,
            "refusal": lambda code: visitors.refusal_text(code, policy), "mask_id": rules.mask_id_number,
            "temperature": visitors.temperature_text, "kind_labels": service.KIND_LABELS}


async def _desk(request: Request, session: AsyncSession, actor: Actor, clock: ClockDep, settings: Settings, *,
                error: DomainError | None = None, values: dict[str, str] | None = None,
                last: Visitor | None = None) -> Response:
    now = clock.now()
    today = now.astimezone(SHANGHAI).date()
    day_start = datetime.combine(today, time(0, 0), SHANGHAI)
    sessions = [b for b in await bookings.bookings_between(session, actor, day_start, day_start + timedelta(days=1))
                if b.ends_at > now]
    report = await visitors.day_report(session, actor, today)
    return render(request, "venue/reception.html", {
        **_common(settings), "sessions": sessions, "report": report, "error": error, "values": values or {},
        "last": last, "today": today,
    }, status_code=error.status if error else 200)


@router.get(DESK, response_model=None)
async def desk(request: Request, session: DB, actor: CurrentActor, clock: ClockDep, settings: SettingsDep) -> Response:
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    last = None
    if wanted := request.query_params.get("v"):
        last = await session.get(Visitor, wanted[:32])
        if last is None:
            raise VisitorNotFound()
    return await _desk(request, session, actor, clock, settings, last=last)


def _temperature(value: str) -> Decimal:
    try:
        return Decimal(value.strip().replace(",", ".") or "x")
    except InvalidOperation:
        raise TemperatureImplausible(detail={"field": "temperature"}) from None


@router.post(DESK, response_model=None)
async def register(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                   settings: SettingsDep) -> Response:
    """Register one visitor; admitted or refused, the desk shows the outcome (303 to ?v=…)."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        code = values.get("health_code", "")
        data = VisitorIn(
            name=values.get("name", "")[:64], id_number=values.get("id_number", "")[:40],
            scan_text=values.get("scan_text", "")[:4000], organisation=values.get("organisation", "")[:200],
            purpose=values.get("purpose", "")[:200], booking_id=values.get("booking_id") or None,
            temperature=_temperature(values.get("temperature", "")), mask=values.get("mask") == "on",
            health_code=HealthCode(code) if code in {h.value for h in HealthCode} else None)
        v = await visitors.register_visitor(session, actor, data, policy=visitors.DeskPolicy.from_settings(settings),
                                            now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _desk(request, session, actor, clock, settings, error=exc, values=values)
    return RedirectResponse(f"{DESK}?v={v.id}", status_code=303)


@router.post(f"{DESK}/scan", response_model=None)
async def scan(request: Request, actor: CurrentActor, clock: ClockDep) -> Response:
    """htmx: read the pasted scanner text into the name and ID number fields (a 422 names what is missing)."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    form = await request.form()
    text = str(form.get("scan_text") or "")[:4000]
    found = visitors.read_scan(text)
    number = visitors.check_id_number(found.id_number, today=clock.now().astimezone(SHANGHAI).date())
    return render(request, "venue/_identity.html", {"values": {"name": found.name, "id_number": number,
                                                               "scan_text": text}, "scanned": True})


# ---------------------------------------------------------------- the daily report


@router.get(REPORT, response_model=None)
async def report(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                 settings: SettingsDep) -> Response:
    """The day's visitors: counts by outcome, reason and session, and the register (ID numbers masked)."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    day = parse_day(request.query_params.get("day"), clock.now())
    rep = await visitors.day_report(session, actor, day)
    return render(request, "venue/visitors.html", {
        **_common(settings), "report": rep, "day": day, "prev": day - timedelta(days=1),
        "next": day + timedelta(days=1)})


@router.get(f"{REPORT}.csv", response_model=None)
async def report_csv(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                     settings: SettingsDep) -> Response:
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    day = parse_day(request.query_params.get("day"), clock.now())
    body = await visitors.export_report(session, actor, day, policy=visitors.DeskPolicy.from_settings(settings),
                                        now=clock.now())
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="visitors-{day.isoformat()}.csv"'})
