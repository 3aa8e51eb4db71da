"""The public statistics page (/statistics) and the centre's dashboard (/workspace/statistics): the same charts,
each with its table and CSV; the dashboard adds the platform's own queues (pushes to the public service platform,
outgoing messages, open complaints)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.deps import CurrentActor
from ggzy.exchange.models import DeliveryStatus, ExchangeDelivery
from ggzy.kit import charts as kit_charts
from ggzy.kit.errors import Forbidden, Invalid, not_found
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.notify.models import OutboxMessage, OutboxStatus
from ggzy.stats import charts, rules, service
from ggzy.supervision.models import Complaint, ComplaintStatus

router = APIRouter(include_in_schema=False)
FIRST_YEAR = 2000


def _year(request: Request, now: Any) -> int:
    this = rules.month_of(now)[0]
    raw = request.query_params.get("year", "")
    if not raw:
        return this
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= this:
        raise Invalid("stats.bad_year", f"年份应在{FIRST_YEAR}至{this}之间", f"The year must be {FIRST_YEAR}–{this}")
    return int(raw)


async def _page(request: Request, session: AsyncSession, year: int, this_year: int, *, base: str,
                extra: dict[str, Any]) -> Response:
    figures = await service.figures(session, year)
    built = [(c, kit_charts.render_svg(c, titled=False)) for c in charts.build_charts(figures)]
    return render(request, "stats/index.html", {
        "charts": built, "year": year, "years": list(range(this_year, max(FIRST_YEAR, this_year - 9) - 1, -1)),
        "base": base, **extra})


@router.get("/statistics", response_model=None)
async def public_statistics(request: Request, session: DB, clock: ClockDep) -> Response:
    """交易数据统计: public, no login."""
    now = clock.now()
    return await _page(request, session, _year(request, now), rules.month_of(now)[0], base="/statistics", extra={})


async def _queues(session: AsyncSession) -> dict[str, int]:
    async def count(stmt: Any) -> int:
        return int((await session.execute(stmt)).scalar_one())

    return {
        "push_pending": await count(select(func.count(ExchangeDelivery.id))
                                    .where(ExchangeDelivery.status == DeliveryStatus.pending)),
        "push_failed": await count(select(func.count(ExchangeDelivery.id))
                                   .where(ExchangeDelivery.status == DeliveryStatus.failed)),
        "outbox_failed": await count(select(func.count(OutboxMessage.id))
                                     .where(OutboxMessage.status == OutboxStatus.failed)),
        "complaints_open": await count(select(func.count(Complaint.id)).where(
            Complaint.status.in_((ComplaintStatus.filed, ComplaintStatus.accepted)))),
    }


@router.get("/workspace/statistics", response_model=None)
async def centre_dashboard(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    if not actor.is_centre:
        raise Forbidden("stats.centre_only", "数据看板仅向交易中心工作人员开放", "The dashboard is for centre staff")
    now = clock.now()
    return await _page(request, session, _year(request, now), rules.month_of(now)[0], base="/statistics",
                       extra={"queues": await _queues(session)})


@router.get("/statistics/{filename}", response_model=None)
async def chart_file(filename: str, request: Request, session: DB, clock: ClockDep) -> Response:
    """`<chart>.svg` (the picture) or `<chart>.csv` (its table) for ?year= (public)."""
    key, _, ext = filename.rpartition(".")
    if ext not in ("svg", "csv") or key not in charts.KEYS:
        raise not_found("图表", "Chart", "stats.chart_not_found")
    year = _year(request, clock.now())
    chart = charts.build_chart(await service.figures(session, year), key)
    name = f"ggzy-{key}-{year}.{ext}"
    if ext == "svg":
        return Response(kit_charts.render_svg(chart), media_type="image/svg+xml",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
    return Response(kit_charts.to_csv(chart), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
