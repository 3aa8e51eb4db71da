"""A stand-in for the provincial public service platform: a real HTTP server on a local port that records what
arrives, checks the signature, and can be told to fail the next requests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ggzy.kit.signing import verify

SECRET = "exchange-test-secret"


@dataclass
class Receiver:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    """{"delivery", "signed", "body"} per request, in arrival order."""
    fail_next: int = 0
    """Answer 503 to this many requests (then 200)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = _free_port()
    rec = Receiver(url=f"http://127.0.0.1:{port}/api/receive")

    async def receive(request: Request) -> JSONResponse:
        raw = await request.body()
        rec.received.append({"delivery": request.headers.get("x-ggzy-delivery"),
                             "signed": verify(SECRET, raw, request.headers.get("x-ggzy-signature", "")),
                             "body": json.loads(raw)})
        if rec.fail_next > 0:
            rec.fail_next -= 1
            return JSONResponse({"error": "busy"}, status_code=503)
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/api/receive", receive, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=serve, name="exchange-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the receiver did not start")
        time.sleep(0.02)
    try:
        yield rec
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
