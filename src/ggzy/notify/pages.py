"""Pages of the notify domain: the organisation's inbox (站内信)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ggzy.auth.deps import CurrentActor
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.notify.service import list_inbox, mark_read

router = APIRouter(include_in_schema=False)


@router.get("/workspace/inbox", response_class=HTMLResponse, response_model=None)
async def inbox_page(
    request: Request, session: DB, actor: CurrentActor,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, unread_only: bool = False,
) -> Response:
    if not actor.is_authenticated:
        return RedirectResponse("/login?next=/workspace/inbox", status_code=303)
    found = await list_inbox(session, actor, page=page, per_page=20, unread_only=unread_only)
    return render(request, "notify/inbox.html", {"inbox": found, "unread_only": unread_only})


@router.post("/workspace/inbox/{notification_id}/read", response_class=HTMLResponse, response_model=None)
async def mark_read_submit(
    notification_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep
) -> Response:
    """htmx swaps in the updated row; a plain form post returns to the inbox."""
    if not actor.is_authenticated:
        return RedirectResponse("/login?next=/workspace/inbox", status_code=303)
    note = await mark_read(session, actor, notification_id, now=clock.now())
    if request.headers.get("hx-request"):
        return render(request, "notify/inbox_row.html", {"m": note})
    return RedirectResponse("/workspace/inbox", status_code=303)
