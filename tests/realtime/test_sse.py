"""GET /api/realtime/{channel}: server-sent events with Last-Event-ID replay and per-channel access."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.app import create_app
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import commit
from ggzy.party.models import OrgKind
from ggzy.realtime.broker import RedisBroker, publish_after_commit
from ggzy.realtime.channels import ensure_can_listen
from tests.factories import bearer, create_party
from tests.realtime.sse import open_sse, read_sse
from tests.realtime.test_brokers import REDIS_URL, _cleanup, _redis_up


async def test_reconnect_with_last_event_id_misses_nothing(app: Any) -> None:
    broker = app.state.broker
    for n in range(1, 4):
        await broker.publish("notices", "notice:published", {"n": n})
    got = await read_sse(app, "/api/realtime/notices", count=2, headers={"Last-Event-ID": "1"})
    assert got.status == 200
    assert [(e["id"], e["event"], json.loads(e["data"])["n"]) for e in got.received] == [
        ("2", "notice:published", 2), ("3", "notice:published", 3)]


async def test_last_event_id_as_query_parameter(app: Any) -> None:
    """EventSource cannot set headers on the first connection; ?last_event_id= does the same job."""
    broker = app.state.broker
    for n in range(1, 4):
        await broker.publish("notices", "notice:published", {"n": n})
    got = await read_sse(app, "/api/realtime/notices?last_event_id=2", count=1)
    assert [e["id"] for e in got.received] == ["3"]


async def test_bad_last_event_id_is_422(app: Any) -> None:
    got = await read_sse(app, "/api/realtime/notices", count=0, headers={"Last-Event-ID": "abc"})
    assert got.status == 422
    assert json.loads(got.body)["error"]["code"] == "realtime.bad_last_event_id"


async def test_unknown_channel_is_404(app: Any) -> None:
    got = await read_sse(app, "/api/realtime/secret-bids", count=0)
    assert got.status == 404
    assert json.loads(got.body)["error"]["code"] == "realtime.unknown_channel"


async def test_supervision_channel_only_for_regulators_and_centre(app: Any, client: Any, db: AsyncSession,
                                                                  clock: FrozenClock) -> None:
    now = clock.now()
    _, bidder_user, _ = await create_party(db, OrgKind.bidder, now=now)
    _, sup_user, _ = await create_party(db, OrgKind.supervisor, now=now, supervised_lines=["construction"])
    await app.state.broker.publish("supervision", "suspension:started", {"id": "s1"})

    anonymous = await read_sse(app, "/api/realtime/supervision", count=0)
    assert anonymous.status == 401
    as_bidder = await read_sse(app, "/api/realtime/supervision", count=0, headers=await bearer(client, bidder_user))
    assert as_bidder.status == 403
    assert json.loads(as_bidder.body)["error"]["code"] == "realtime.channel_forbidden"
    as_sup = await read_sse(app, "/api/realtime/supervision", count=1, headers=await bearer(client, sup_user))
    assert as_sup.status == 200
    assert as_sup.received[0]["event"] == "suspension:started"


async def test_stream_does_not_hold_the_database(app: Any, db: AsyncSession, clock: FrozenClock) -> None:
    """An open stream must not keep SQLite's write lock (BEGIN IMMEDIATE) or a pooled connection."""
    await app.state.broker.publish("notices", "n", {"n": 1})
    async with open_sse(app, "/api/realtime/notices") as stream:
        assert (await stream.next_event())["id"] == "1"  # the stream is open and idle now
        # A write while it stays open: with the lock held this would wait out the 30 s busy timeout.
        org, _, _ = await asyncio.wait_for(create_party(db, OrgKind.bidder, now=clock.now()), 5)
        await app.state.broker.publish("notices", "n", {"id": org.id})
        assert json.loads((await stream.next_event())["data"]) == {"id": org.id}


async def test_publish_after_commit_sends_only_committed_changes(app: Any, db: AsyncSession) -> None:
    broker = app.state.broker
    publish_after_commit(db, broker, "notices", "notice:published", {"id": "rolled-back"})
    await db.execute(select(1))
    await db.rollback()
    db.info.pop("after_commit", None)  # what session_scope does when a request fails
    publish_after_commit(db, None, "notices", "notice:published", {"id": "kept"})
    await db.execute(select(1))
    await commit(db)
    stream = broker.subscribe("notices")
    try:
        first = await anext(stream)
    finally:
        await stream.aclose()
    assert first.data == {"id": "kept"}
    assert first.seq == 1


@pytest.fixture
async def redis_app(settings: Settings, clock: FrozenClock, engine: Any) -> AsyncIterator[Any]:
    if not await _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"ggzy:test:{uuid.uuid4().hex[:12]}:"
    application = create_app(settings.model_copy(update={"redis_url": REDIS_URL}), clock=clock, engine=engine)
    application.state.broker = RedisBroker(REDIS_URL, prefix=prefix)
    async with application.router.lifespan_context(application):
        yield application
    await _cleanup(prefix)


async def test_sse_over_redis_replays_and_streams_live(redis_app: Any) -> None:
    broker = redis_app.state.broker
    for n in range(1, 4):
        await broker.publish("notices", "notice:published", {"n": n})
    # A second broker on the same Redis stands for another app process publishing.
    other = RedisBroker(REDIS_URL, prefix=broker._prefix)
    try:
        async with open_sse(redis_app, "/api/realtime/notices", {"Last-Event-ID": "1"}) as stream:
            replayed = await stream.events(2)
            await other.publish("notices", "notice:published", {"n": 4})
            live = await stream.next_event()
    finally:
        await other.close()
    assert [e["id"] for e in [*replayed, live]] == ["2", "3", "4"]
    assert json.loads(live["data"]) == {"n": 4}


async def test_channel_rules_are_checked_without_http(db: AsyncSession) -> None:
    from ggzy.auth.actor import ANONYMOUS
    from ggzy.kit.errors import Unauthenticated

    await ensure_can_listen(db, ANONYMOUS, "notices")
    with pytest.raises(Unauthenticated):
        await ensure_can_listen(db, ANONYMOUS, "supervision")
