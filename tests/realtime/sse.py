"""Read a server-sent event stream straight from the ASGI app (httpx's ASGITransport buffers whole bodies).

`open_sse` sends the request and hands back a stream to pull events from; leaving the block disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

TIMEOUT = 10.0
"""Only a guard against a hung test; every wait returns as soon as the data is there."""


def _parse(block: str) -> dict[str, str] | None:
    ev: dict[str, str] = {}
    for line in block.splitlines():
        if not line or line.startswith(":"):
            continue  # comments are keep-alive pings
        key, _, value = line.partition(":")
        ev[key] = value.removeprefix(" ")
    return ev if "data" in ev else None


@dataclass
class SseStream:
    status: int
    _queue: asyncio.Queue[dict[str, Any]]
    body: bytes = b""
    _buf: str = ""
    _ready: list[dict[str, str]] = field(default_factory=list)
    received: list[dict[str, str]] = field(default_factory=list)
    """What read_sse collected."""

    async def next_event(self) -> dict[str, str]:
        while not self._ready:
            msg = await asyncio.wait_for(self._queue.get(), TIMEOUT)
            self._buf = (self._buf + msg.get("body", b"").decode()).replace("\r\n", "\n")
            while "\n\n" in self._buf:
                block, self._buf = self._buf.split("\n\n", 1)
                ev = _parse(block)
                if ev is not None:
                    self._ready.append(ev)
        return self._ready.pop(0)

    async def events(self, n: int) -> list[dict[str, str]]:
        return [await self.next_event() for _ in range(n)]


@contextlib.asynccontextmanager
async def open_sse(app: Any, path: str, headers: dict[str, str] | None = None) -> AsyncIterator[SseStream]:
    raw_path, _, query = path.partition("?")
    all_headers = {"accept": "text/event-stream", **(headers or {})}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": raw_path, "raw_path": raw_path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("203.0.113.9", 50000), "server": ("testserver", 80), "state": {},
    }
    disconnect = asyncio.Event()
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnect.wait()
        return {"type": "http.disconnect"}

    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(message: dict[str, Any]) -> None:
        await queue.put(message)

    task = asyncio.create_task(app(scope, receive, send))
    try:
        start = await asyncio.wait_for(queue.get(), TIMEOUT)
        stream = SseStream(status=start["status"], _queue=queue)
        if stream.status != 200:
            while True:
                msg = await asyncio.wait_for(queue.get(), TIMEOUT)
                stream.body += msg.get("body", b"")
                if not msg.get("more_body", False):
                    break
        yield stream
    finally:
        disconnect.set()
        try:
            await asyncio.wait_for(task, TIMEOUT)
        except (asyncio.CancelledError, TimeoutError):
            task.cancel()


async def read_sse(app: Any, path: str, *, count: int, headers: dict[str, str] | None = None) -> SseStream:
    """Open, read `count` events (none for an error status), disconnect."""
    async with open_sse(app, path, headers) as stream:
        if stream.status == 200:
            stream.received = await stream.events(count)
    return stream
