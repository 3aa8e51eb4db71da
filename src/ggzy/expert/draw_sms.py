"""An outbox adapter for an HTTP SMS gateway (短信网关): drawn experts are told by SMS where and when to come.

Selected with GGZY_OUTBOX_ADAPTER=sms. Each message is POSTed as canonical JSON to GGZY_SMS_GATEWAY_URL with
`X-Ggzy-Signature: sha256=<hex HMAC-SHA256 of the body under GGZY_SMS_GATEWAY_SECRET>`, so the gateway can refuse
forged requests; `X-Ggzy-Message-Id` lets it drop a retry it already delivered. Any non-2xx answer or network
error raises, and the outbox retries (notify.outbox.MAX_ATTEMPTS). A voice-call gateway plugs in the same way
(notify.outbox.register_adapter).
"""

from __future__ import annotations

import httpx

from ggzy.config import get_settings
from ggzy.kit.signing import sign
from ggzy.notify.models import OutboxMessage
from ggzy.notify.outbox import register_adapter
from ggzy.sealing.codec import canonical_json, utc_stamp

SIGNATURE_HEADER = "X-Ggzy-Signature"
MESSAGE_ID_HEADER = "X-Ggzy-Message-Id"


class HttpSmsAdapter:
    name = "sms"

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not url:
            raise ValueError("the SMS gateway needs GGZY_SMS_GATEWAY_URL")
        if not secret:
            raise ValueError("the SMS gateway needs GGZY_SMS_GATEWAY_SECRET (requests are signed)")
        self.url, self.secret, self.timeout, self.transport = url, secret, timeout, transport

    def payload(self, message: OutboxMessage) -> bytes:
        return canonical_json({
            "id": message.id, "channel": message.channel, "to": message.address, "subject": message.subject,
            "text": message.body, "created_at": utc_stamp(message.created_at),
        })

    async def send(self, message: OutboxMessage) -> None:
        if not message.address:
            raise ValueError("no phone number for this message")
        body = self.payload(message)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body),
                   MESSAGE_ID_HEADER: message.id}
        async with httpx.AsyncClient(transport=self.transport, timeout=self.timeout) as client:
            response = await client.post(self.url, content=body, headers=headers)
        response.raise_for_status()


def from_settings() -> HttpSmsAdapter:
    s = get_settings()
    return HttpSmsAdapter(s.sms_gateway_url, s.sms_gateway_secret, timeout=s.sms_gateway_timeout_seconds)


register_adapter("sms", from_settings)
