"""The HTTP SMS gateway adapter: signed JSON to the configured URL, retried by the outbox on any failure."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from ggzy.config import get_settings
from ggzy.expert.draw_sms import HttpSmsAdapter, sign
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import OutboxMessage, OutboxStatus
from ggzy.notify.outbox import drain_outbox, get_adapter
from tests.factories import query

SECRET = "gateway-secret"


def message(address: str = "13900000001") -> OutboxMessage:
    return OutboxMessage(id="m" * 32, channel="sms", recipient_org_id=None, address=address,
                         subject="评标专家抽取通知", body="请于09:30前确认",
                         created_at=datetime(2026, 3, 2, 1, tzinfo=UTC))


async def test_posts_signed_canonical_json() -> None:
    got: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        got.append(request)
        return httpx.Response(200, json={"ok": True})

    adapter = HttpSmsAdapter("https://sms.example/send", SECRET, transport=httpx.MockTransport(handle))
    await adapter.send(message())
    (req,) = got
    assert str(req.url) == "https://sms.example/send" and req.headers["X-Ggzy-Message-Id"] == "m" * 32
    expected = "sha256=" + hmac.new(SECRET.encode(), req.content, hashlib.sha256).hexdigest()
    assert req.headers["X-Ggzy-Signature"] == expected == sign(SECRET, req.content)
    assert json.loads(req.content) == {"id": "m" * 32, "channel": "sms", "to": "13900000001",
                                       "subject": "评标专家抽取通知", "text": "请于09:30前确认",
                                       "created_at": "2026-03-02T01:00:00.000000Z"}


async def test_gateway_errors_and_missing_numbers_raise() -> None:
    adapter = HttpSmsAdapter("https://sms.example/send", SECRET,
                             transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(httpx.HTTPStatusError):
        await adapter.send(message())
    with pytest.raises(ValueError, match="phone"):
        await adapter.send(message(address=""))
    with pytest.raises(ValueError, match="SECRET"):
        HttpSmsAdapter("https://sms.example/send", "")


async def test_selected_by_settings_and_drained_by_the_outbox(app, db, clock: FrozenClock,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_SMS_GATEWAY_URL", "https://sms.example/send")
    monkeypatch.setenv("GGZY_SMS_GATEWAY_SECRET", SECRET)
    get_settings.cache_clear()
    try:
        adapter = get_adapter("sms")
    finally:
        get_settings.cache_clear()
    assert isinstance(adapter, HttpSmsAdapter) and adapter.url == "https://sms.example/send"

    calls: list[bytes] = []
    fail = {"left": 1}

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        if fail["left"]:
            fail["left"] -= 1
            return httpx.Response(502)
        return httpx.Response(200)

    adapter.transport = httpx.MockTransport(handle)
    db.add(OutboxMessage(channel="sms", address="13900000002", subject="s", body="b", created_at=clock.now()))
    await db.commit()
    assert await drain_outbox(app.state.sessionmaker, adapter, clock.now()) == 0  # the gateway said 502
    assert await drain_outbox(app.state.sessionmaker, adapter, clock.now()) == 1  # retried, delivered
    row = (await query(db, select(OutboxMessage.status, OutboxMessage.attempts).where(
        OutboxMessage.address == "13900000002")))[0]
    assert row.status == OutboxStatus.sent and row.attempts == 2 and len(calls) == 2
