"""The public portal: home page, the notices list with search and filters, one page per notice.

Everything here is readable without login (the law makes announcements public). The notices table
is refreshed by htmx when the filter form changes; without JavaScript the same form is a plain GET.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ggzy.auth.deps import CurrentActor
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.portal import queries, rules
from ggzy.project.models import LINE_LABELS, NOTICE_LABELS, TradingLine

router = APIRouter(include_in_schema=False)

PER_PAGE = 15

LINE_ICONS = {
    TradingLine.construction: "建",
    TradingLine.procurement: "采",
    TradingLine.property: "产",
    TradingLine.land: "土",
}


def _labels() -> dict[str, object]:
    return {
        "line_labels": LINE_LABELS,
        "notice_labels": NOTICE_LABELS,
        "status_labels": queries.STATUS_LABELS,
        "line_icons": LINE_ICONS,
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: DB, clock: ClockDep, actor: CurrentActor) -> HTMLResponse:
    """Portal home: search, the four trading lines with open counts, the latest announcements."""
    now = clock.now()
    counts = await queries.open_counts(session, now=now)
    latest = await queries.latest_notices(session, now=now, limit=10)
    return render(request, "portal/home.html", {"counts": counts, "latest": latest, "lines": list(TradingLine),
                                                **_labels()})


@router.get("/notices", response_class=HTMLResponse)
async def notices(
    *,
    request: Request,
    session: DB,
    clock: ClockDep,
    actor: CurrentActor,
    q: str | None = None,
    line: str | None = None,
    region: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """Announcements of all four lines; malformed filter values are ignored rather than refused."""
    now = clock.now()
    flt = queries.NoticeFilter(
        line=rules.parse_line(line),
        region=rules.clean_text(region, 64),
        kind=rules.parse_kind(kind),
        q=rules.clean_text(q),
        date_from=rules.parse_date(date_from),
        date_to=rules.parse_date(date_to),
        status=status if status in queries.NoticeStatus.ALL else None,
    )
    result = await queries.list_notices(session, flt, now=now, page=rules.parse_page(page), per_page=PER_PAGE)
    params = {
        "q": flt.q or "",
        "line": flt.line.value if flt.line else "",
        "region": flt.region or "",
        "kind": flt.kind.value if flt.kind else "",
        "status": flt.status or "",
        "date_from": flt.date_from.isoformat() if flt.date_from else "",
        "date_to": flt.date_to.isoformat() if flt.date_to else "",
    }
    base_query = urlencode({k: v for k, v in params.items() if v})
    ctx = {
        "result": result,
        "f": params,
        "base_query": base_query,
        "regions": await queries.notice_regions(session, now=now),
        "lines": list(TradingLine),
        **_labels(),
    }
    # htmx swaps only the results; a history restore (back button after a swap) needs the whole page.
    partial = request.headers.get("hx-request") == "true" and not request.headers.get("hx-history-restore-request")
    response = render(request, "portal/_notice_results.html" if partial else "portal/notices.html", ctx)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
async def notice_page(
    notice_id: str, request: Request, session: DB, clock: ClockDep, actor: CurrentActor
) -> HTMLResponse:
    """One announcement: text, timetable and lots, and where to get the tender documents."""
    now = clock.now()
    detail = await queries.get_notice(session, notice_id, now=now)
    data = detail.notice.data if isinstance(detail.notice.data, dict) else {}
    return render(
        request,
        "portal/notice.html",
        {
            "d": detail,
            "n": detail.notice,
            "timetable": rules.timetable(data, detail.tender),
            "lot_rows": rules.lot_rows(data, detail.lots),
            **_labels(),
        },
    )
