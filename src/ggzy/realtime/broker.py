"""Realtime fan-out: channels with per-channel sequence numbers, in-process by default.

A subscriber that reconnects with Last-Event-ID gets what it missed from a bounded replay buffer.
Events are published only after the writing transaction commits (kit.db.after_commit).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.db import after_commit


@dataclass(frozen=True)
class Event:
    channel: str
    seq: int
    type: str
    data: dict[str, Any]

    def encode(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, default=str)


class MemoryBroker:
    """Single-process fan-out with a replay buffer per channel."""

    def __init__(self, replay: int = 1000) -> None:
        self._seq: dict[str, int] = defaultdict(int)
        self._buffer: dict[str, deque[Event]] = defaultdict(lambda: deque(maxlen=replay))
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def publish(self, channel: str, type_: str, data: dict[str, Any]) -> Event:
        self._seq[channel] += 1
        ev = Event(channel, self._seq[channel], type_, data)
        self._buffer[channel].append(ev)
        for queue in list(self._subscribers[channel]):
            queue.put_nowait(ev)
        return ev

    async def subscribe(self, channel: str, last_seq: int = 0) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        try:
            for ev in list(self._buffer[channel]):
                if ev.seq > last_seq:
                    yield ev
                    last_seq = ev.seq
            while True:
                ev = await queue.get()
                if ev.seq > last_seq:
                    last_seq = ev.seq
                    yield ev
        finally:
            self._subscribers[channel].discard(queue)

    async def close(self) -> None:
        self._subscribers.clear()


async def start_broker(app: FastAPI) -> None:
    if not hasattr(app.state, "broker"):
        app.state.broker = MemoryBroker()


async def stop_broker(app: FastAPI) -> None:
    broker = getattr(app.state, "broker", None)
    if broker is not None:
        await broker.close()


def publish_after_commit(session: AsyncSession, broker: MemoryBroker, channel: str, type_: str,
                         data: dict[str, Any]) -> None:
    async def _send() -> None:
        await broker.publish(channel, type_, data)

    after_commit(session, _send)
