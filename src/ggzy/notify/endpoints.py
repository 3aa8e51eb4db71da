"""JSON API of the notify domain: the caller's organisation's inbox (站内信)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ggzy.auth.deps import RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.notify.models import Notification
from ggzy.notify.schemas import InboxOut, NotificationOut
from ggzy.notify.service import list_inbox, mark_read

router = APIRouter(prefix="/api", tags=["notify"])


@router.get("/inbox", response_model=InboxOut)
async def api_inbox(
    session: DB,
    actor: RequireUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    unread_only: bool = False,
) -> InboxOut:
    """Own organisation's notifications, newest first, with the unread count."""
    found = await list_inbox(session, actor, page=page, per_page=per_page, unread_only=unread_only)
    return InboxOut(
        items=[NotificationOut.model_validate(n) for n in found.items], total=found.total, unread=found.unread,
        page=found.page, per_page=found.per_page,
    )


@router.post("/inbox/{notification_id}/read", response_model=NotificationOut)
async def api_mark_read(notification_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> Notification:
    """Mark one notification read."""
    return await mark_read(session, actor, notification_id, now=clock.now())
