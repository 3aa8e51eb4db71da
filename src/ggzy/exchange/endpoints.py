"""JSON API of the pushes to the public service platform: the delivery log and a retry (centre staff)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ggzy.auth.deps import RequireUser
from ggzy.exchange import service
from ggzy.exchange.models import ExchangeAttempt, ExchangeDelivery
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api/exchange", tags=["exchange"])


def _delivery(d: ExchangeDelivery, attempts: list[ExchangeAttempt]) -> dict[str, Any]:
    return {"id": d.id, "notice_id": d.notice_id, "item": d.item, "status": str(d.status), "due_at": d.due_at,
            "attempts": d.attempts, "sent_at": d.sent_at, "last_error": d.last_error, "payload": d.payload,
            "log": [{"at": a.at, "url": a.url, "status_code": a.status_code, "error": a.error,
                     "duration_ms": a.duration_ms} for a in attempts]}


@router.get("/deliveries")
async def deliveries(session: DB, actor: RequireUser, status: str | None = None) -> list[dict[str, Any]]:
    """Every item queued for the public service platform with each attempt to send it (newest first)."""
    return [_delivery(d, a) for d, a in await service.deliveries(session, actor, status=status)]


@router.post("/deliveries/{delivery_id}/retry")
async def retry(delivery_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    d = await service.retry(session, actor, delivery_id, now=clock.now())
    return _delivery(d, [])
