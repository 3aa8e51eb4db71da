"""Realtime fan-out: channels with per-channel sequence numbers, in-process by default, Redis when configured.

A subscriber that reconnects with Last-Event-ID gets what it missed from a bounded replay buffer.
Events are published only after the writing transaction commits (kit.db.after_commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.db import after_commit

log = logging.getLogger("ggzy.realtime")

DEFAULT_REPLAY = 1000
"""Events kept per channel for reconnecting clients."""


@dataclass(frozen=True)
class Event:
    channel: str
    seq: int
    type: str
    data: dict[str, Any]

    @cached_property
    def encoded(self) -> str:
        """The JSON text, encoded once per event however many watchers receive it."""
        return json.dumps(self.data, ensure_ascii=False, default=str)

    def encode(self) -> str:
        return self.encoded


class Broker(Protocol):
    """What publishers and the SSE endpoint rely on; MemoryBroker and RedisBroker both provide it."""

    async def publish(self, channel: str, type_: str, data: dict[str, Any]) -> Event: ...

    def subscribe(self, channel: str, last_seq: int = 0) -> AsyncIterator[Event]: ...

    async def close(self) -> None: ...


_CLOSED = object()
"""Put on a subscriber's queue to end its stream (broker closing, Redis connection lost)."""


async def _replay_then_live(
    replay: list[Event], queue: asyncio.Queue[Any], last_seq: int
) -> AsyncIterator[Event]:
    """Yield what the client missed, then live events; sequence numbers drop the overlap between the two."""
    for ev in replay:
        if ev.seq > last_seq:
            last_seq = ev.seq
            yield ev
    while True:
        item = await queue.get()
        if item is _CLOSED:
            return
        if item.seq > last_seq:
            last_seq = item.seq
            yield item


class MemoryBroker:
    """Single-process fan-out with a replay buffer per channel."""

    def __init__(self, replay: int = DEFAULT_REPLAY) -> None:
        self._seq: dict[str, int] = defaultdict(int)
        self._buffer: dict[str, deque[Event]] = defaultdict(lambda: deque(maxlen=replay))
        self._subscribers: dict[str, set[asyncio.Queue[Any]]] = defaultdict(set)

    async def publish(self, channel: str, type_: str, data: dict[str, Any]) -> Event:
        self._seq[channel] += 1
        ev = Event(channel, self._seq[channel], type_, data)
        self._buffer[channel].append(ev)
        for queue in list(self._subscribers[channel]):
            queue.put_nowait(ev)
        return ev

    async def subscribe(self, channel: str, last_seq: int = 0) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        # Register before replaying so nothing published in between is lost; seq numbers drop duplicates.
        self._subscribers[channel].add(queue)
        try:
            if last_seq > self._seq[channel]:
                last_seq = 0  # the client saw a previous incarnation of this process: replay everything
            async for ev in _replay_then_live(list(self._buffer[channel]), queue, last_seq):
                yield ev
        finally:
            self._subscribers[channel].discard(queue)

    async def close(self) -> None:
        for queues in self._subscribers.values():
            for queue in queues:
                queue.put_nowait(_CLOSED)
        self._subscribers.clear()


# One script, so the sequence number, the replay list and the live message can never disagree in order
# even with several app processes publishing to the same channel.
_PUBLISH_LUA = """
local seq = redis.call('INCR', KEYS[1])
local payload = '{"seq":' .. seq .. ',"type":' .. ARGV[1] .. ',"data":' .. ARGV[2] .. '}'
redis.call('RPUSH', KEYS[2], payload)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('PUBLISH', ARGV[4], payload)
return seq
"""


class RedisBroker:
    """Fan-out across processes: INCR for the per-channel sequence, a capped list for replay, pub/sub for live.

    Each process keeps ONE pattern subscription and fans messages out to its local subscribers, so
    thousands of watchers cost one Redis connection, not thousands.
    """

    def __init__(self, url: str, *, prefix: str = "ggzy:rt:", replay: int = DEFAULT_REPLAY) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._replay = replay
        self._script = self._redis.register_script(_PUBLISH_LUA)
        self._subscribers: dict[str, set[asyncio.Queue[Any]]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._listener_lock = asyncio.Lock()

    def _keys(self, channel: str) -> tuple[str, str]:
        # The hash tag keeps both keys of a channel in one Redis Cluster slot (the script touches both).
        return f"{self._prefix}{{{channel}}}:seq", f"{self._prefix}{{{channel}}}:log"

    def _topic(self, channel: str) -> str:
        return f"{self._prefix}live:{channel}"

    async def publish(self, channel: str, type_: str, data: dict[str, Any]) -> Event:
        body = json.dumps(data, ensure_ascii=False, default=str)
        seq_key, log_key = self._keys(channel)
        seq = await self._script(
            keys=[seq_key, log_key], args=[json.dumps(type_), body, self._replay, self._topic(channel)]
        )
        return Event(channel, int(seq), type_, json.loads(body))

    def _decode(self, channel: str, payload: str) -> Event:
        raw = json.loads(payload)
        return Event(channel, int(raw["seq"]), str(raw["type"]), raw["data"])

    async def _ensure_listener(self) -> None:
        async with self._listener_lock:
            if self._listener is not None and not self._listener.done():
                return
            pubsub = self._redis.pubsub()
            await pubsub.psubscribe(f"{self._prefix}live:*")
            # Wait for the confirmation: only then is every later publish guaranteed to reach us.
            while True:
                msg = await pubsub.get_message(timeout=5.0)
                if msg is None:
                    raise ConnectionError("Redis did not confirm the realtime subscription")
                if msg["type"] == "psubscribe":
                    break
            self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        start = len(self._prefix) + len("live:")
        try:
            async for msg in pubsub.listen():
                if msg.get("type") != "pmessage":
                    continue
                channel = str(msg["channel"])[start:]
                queues = self._subscribers.get(channel)
                if not queues:
                    continue
                ev = self._decode(channel, str(msg["data"]))
                for queue in list(queues):
                    queue.put_nowait(ev)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Streams end; browsers reconnect with Last-Event-ID and the replay list fills the gap.
            log.exception("realtime: lost the Redis subscription")
            for queues in self._subscribers.values():
                for queue in queues:
                    queue.put_nowait(_CLOSED)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def subscribe(self, channel: str, last_seq: int = 0) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        try:
            await self._ensure_listener()
            seq_key, log_key = self._keys(channel)
            current = int(await self._redis.get(seq_key) or 0)
            if last_seq > current:
                last_seq = 0  # sequence was reset (Redis flushed): replay what is there
            replay = [self._decode(channel, str(p)) for p in await self._redis.lrange(log_key, 0, -1)]
            async for ev in _replay_then_live(replay, queue, last_seq):
                yield ev
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    async def close(self) -> None:
        for queues in self._subscribers.values():
            for queue in queues:
                queue.put_nowait(_CLOSED)
        self._subscribers.clear()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await self._redis.aclose()


_default: Broker | None = None
"""The broker of the running app or worker, for code that publishes outside a request (chronograph)."""


def current_broker() -> Broker | None:
    return _default


def set_current_broker(broker: Broker | None) -> None:
    global _default  # noqa: PLW0603  (one broker per process, set at start-up)
    _default = broker


def make_broker(redis_url: str) -> Broker:
    """Redis when a URL is configured, in-process otherwise."""
    return RedisBroker(redis_url) if redis_url else MemoryBroker()


async def start_broker(app: FastAPI) -> None:
    if not hasattr(app.state, "broker"):
        app.state.broker = make_broker(app.state.settings.redis_url)
    set_current_broker(app.state.broker)


async def stop_broker(app: FastAPI) -> None:
    broker = getattr(app.state, "broker", None)
    if broker is not None:
        await broker.close()
        if current_broker() is broker:
            set_current_broker(None)


def publish_after_commit(
    session: AsyncSession, broker: Broker | None, channel: str, type_: str, data: dict[str, Any]
) -> None:
    """Send the event once the session commits; `broker=None` uses the process's current broker."""

    async def _send() -> None:
        target = broker or current_broker()
        if target is None:
            return  # no app or worker running (a script): nobody is listening
        try:
            await target.publish(channel, type_, data)
        except Exception:  # the change is committed; a lost live event is recovered by a page reload
            log.exception("realtime: publish to %s failed", channel)

    after_commit(session, _send)
