"""JSON API of the realtime domain: server-sent events per channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import Invalid
from ggzy.kit.web import DB
from ggzy.realtime.broker import Broker
from ggzy.realtime.channels import ensure_can_listen

router = APIRouter(prefix="/api", tags=["realtime"])

PING_SECONDS = 15


def _parse_last_id(value: str | None) -> int:
    if value is None or value.strip() == "":
        return 0
    try:
        seq = int(value.strip())
    except ValueError:
        seq = -1
    if seq < 0:
        raise Invalid("realtime.bad_last_event_id", "Last-Event-ID 必须是非负整数",
                      "Last-Event-ID must be a non-negative integer")
    return seq


@router.get(
    "/realtime/{channel}",
    summary="Server-sent events of one channel",
    description=(
        "Each event carries `id` = the channel's sequence number. A client that reconnects with the "
        "`Last-Event-ID` header (or `?last_event_id=`) first receives every event it missed that is "
        "still in the replay buffer. Channels: `notices` (public), `supervision` (supervisors, centre)."
    ),
    response_class=EventSourceResponse,
)
async def stream_channel(
    *,
    channel: str,
    request: Request,
    actor: CurrentActor,
    session: DB,
    last_event_id: Annotated[str | None, Header()] = None,
    last_event_id_q: Annotated[str | None, Query(alias="last_event_id")] = None,
) -> EventSourceResponse:
    await ensure_can_listen(session, actor, channel)
    last = _parse_last_id(last_event_id if last_event_id is not None else last_event_id_q)
    # End the read transaction now: a stream may stay open for hours and must not hold a
    # connection (nor SQLite's write lock, which BEGIN IMMEDIATE takes).
    await session.rollback()
    broker: Broker = request.app.state.broker

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for ev in broker.subscribe(channel, last):
            yield ServerSentEvent(data=ev.encode(), event=ev.type, id=str(ev.seq))

    return EventSourceResponse(events(), ping=PING_SECONDS)
