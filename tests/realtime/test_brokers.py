"""Both brokers keep per-channel sequence numbers and replay what a reconnecting client missed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ggzy.realtime.broker import Broker, Event, MemoryBroker, RedisBroker, make_broker

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _redis_up() -> bool:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


async def _cleanup(prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A factory of brokers of one kind; Redis brokers share a unique prefix so tests never collide."""
    made: list[Broker] = []
    prefix = f"ggzy:test:{uuid.uuid4().hex[:12]}:"
    if request.param == "redis" and not await _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")

    def factory(replay: int = 1000) -> Broker:
        broker: Broker = MemoryBroker(replay) if request.param == "memory" else RedisBroker(
            REDIS_URL, prefix=prefix, replay=replay)
        made.append(broker)
        return broker

    yield factory
    for broker in made:
        await broker.close()
    if request.param == "redis":
        await _cleanup(prefix)


async def take(it: AsyncIterator[Event], n: int) -> list[Event]:
    return [await asyncio.wait_for(anext(it), 5) for _ in range(n)]


async def test_sequence_numbers_are_per_channel(make: Any) -> None:
    broker = make()
    a1 = await broker.publish("a", "x", {"n": 1})
    b1 = await broker.publish("b", "x", {"n": 1})
    a2 = await broker.publish("a", "x", {"n": 2})
    assert (a1.seq, b1.seq, a2.seq) == (1, 1, 2)
    assert a2.data == {"n": 2}


async def test_last_event_id_replays_what_was_missed_then_goes_live(make: Any) -> None:
    broker = make()
    for n in range(1, 4):
        await broker.publish("notices", "notice:published", {"n": n})
    stream = broker.subscribe("notices", last_seq=1)
    try:
        missed = await take(stream, 2)
        assert [(e.seq, e.data["n"]) for e in missed] == [(2, 2), (3, 3)]
        await broker.publish("notices", "notice:published", {"n": 4, "中文": "暂停公告"})
        (live,) = await take(stream, 1)
        assert (live.seq, live.type, live.data) == (4, "notice:published", {"n": 4, "中文": "暂停公告"})
    finally:
        await stream.aclose()


async def test_events_reach_every_subscriber_and_not_other_channels(make: Any) -> None:
    broker = make()
    one, two = broker.subscribe("opening:t1"), broker.subscribe("opening:t1")
    other = broker.subscribe("opening:t2")
    try:
        await broker.publish("opening:t1", "bid:decrypted", {"k": 1})
        await broker.publish("opening:t2", "bid:decrypted", {"k": 2})
        assert [e.data for e in await take(one, 1)] == [{"k": 1}]
        assert [e.data for e in await take(two, 1)] == [{"k": 1}]
        assert [e.data for e in await take(other, 1)] == [{"k": 2}]
    finally:
        for s in (one, two, other):
            await s.aclose()


async def test_replay_buffer_is_bounded(make: Any) -> None:
    broker = make(replay=5)
    for n in range(1, 9):
        await broker.publish("c", "t", {"n": n})
    stream = broker.subscribe("c", last_seq=0)
    try:
        assert [e.seq for e in await take(stream, 5)] == [4, 5, 6, 7, 8]
    finally:
        await stream.aclose()


async def test_a_last_id_from_the_future_replays_everything(make: Any) -> None:
    """A client that saw an older incarnation of the sequence (restart, flushed Redis) must not go deaf."""
    broker = make()
    await broker.publish("c", "t", {"n": 1})
    stream = broker.subscribe("c", last_seq=99)
    try:
        assert [e.seq for e in await take(stream, 1)] == [1]
    finally:
        await stream.aclose()


async def test_redis_brokers_in_two_processes_share_one_sequence() -> None:
    """Two app processes (two brokers on one Redis) publish into one ordered, gap-free sequence."""
    if not await _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"ggzy:test:{uuid.uuid4().hex[:12]}:"
    a, b = RedisBroker(REDIS_URL, prefix=prefix), RedisBroker(REDIS_URL, prefix=prefix)
    watcher = b.subscribe("auction:lot1")
    try:
        first = await a.publish("auction:lot1", "bid", {"p": 1})
        (seen,) = await take(watcher, 1)
        assert seen.seq == first.seq == 1
        events = await asyncio.gather(*(x.publish("auction:lot1", "bid", {"p": i}) for i, x in
                                        enumerate([a, b, a, b, a], start=2)))
        assert sorted(e.seq for e in events) == [2, 3, 4, 5, 6]
        live = await take(watcher, 5)
        assert [e.seq for e in live] == [2, 3, 4, 5, 6]
    finally:
        await watcher.aclose()
        await a.close()
        await b.close()
        await _cleanup(prefix)


async def test_make_broker_picks_redis_only_when_configured() -> None:
    assert isinstance(make_broker(""), MemoryBroker)
    redis_broker = make_broker(REDIS_URL)
    assert isinstance(redis_broker, RedisBroker)
    await redis_broker.close()
