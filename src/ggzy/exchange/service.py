"""Queue, send and log the pushes to the public service platform (E-Bidding Measures Art.45).

Queueing: a mapper listener (exchange.models, so it is active in every process that loads the models) adds an
ExchangeDelivery in the very transaction that inserts a published notice, so
an item is pushed if and only if its notice committed — nothing is missed and nothing is sent for a rollback.
Sending (`push_due`, called by the chronograph's drain every tick) never holds a transaction over the network:
one short transaction claims due deliveries with a lease, the HTTP requests run outside it, and one short
transaction per delivery records the attempt. The remote end de-duplicates retries by `X-Ggzy-Delivery`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ggzy.auth.actor import Actor
from ggzy.exchange import rules
from ggzy.exchange.models import DeliveryStatus, ExchangeAttempt, ExchangeDelivery
from ggzy.kit.db import commit
from ggzy.kit.errors import DomainError, Forbidden, not_found
from ggzy.kit.signing import sign
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import Organisation
from ggzy.project.models import LINE_LABELS, NOTICE_LABELS, Notice, NoticeKind, Project, TradingLine
from ggzy.tender.models import Tender

log = logging.getLogger("ggzy.exchange")

SIGNATURE_HEADER = "X-Ggzy-Signature"
DELIVERY_HEADER = "X-Ggzy-Delivery"
BATCH = 50


def _plain(value: Any) -> Any:
    """Notice data as wire JSON: amounts and times as strings, never floats (canonical JSON refuses them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    return value


async def _org(session: AsyncSession, org_id: str | None) -> dict[str, str] | None:
    org = await session.get(Organisation, org_id) if org_id else None
    return {"name": org.name, "credit_code": org.credit_code or ""} if org else None


async def build_payload(session: AsyncSession, delivery: ExchangeDelivery, base_url: str) -> dict[str, Any]:
    """The Art.41 item of one notice: the notice, the project with its tenderer and agency, the tender, and the
    notice's structured data (bidders after the opening, the winner and the amount, contract dates …)."""
    notice = await session.get(Notice, delivery.notice_id)
    if notice is None:
        raise not_found("公告", "Notice", "exchange.notice_not_found")
    project = await session.get(Project, notice.project_id)
    tender = await session.get(Tender, notice.tender_id) if notice.tender_id else None
    kind_zh, kind_en = NOTICE_LABELS.get(NoticeKind(notice.kind), (notice.kind, notice.kind))
    line = TradingLine(notice.line)
    return {
        "delivery_id": delivery.id, "item": delivery.item,
        "notice": {"id": notice.id, "kind": str(notice.kind), "kind_zh": kind_zh, "kind_en": kind_en,
                   "title": notice.title, "body": notice.body, "region": notice.region,
                   "published_at": notice.published_at.astimezone(SHANGHAI).isoformat(),
                   "url": f"{base_url.rstrip('/')}/notices/{notice.id}"},
        "line": {"code": line.value, "zh": LINE_LABELS[line][0]},
        "project": None if project is None else {
            "code": project.code, "name": project.name, "region": project.region,
            "amount": None if project.amount is None else f"{project.amount:.2f}",
            "tenderer": await _org(session, project.tenderer_org_id),
            "agency": await _org(session, project.agency_org_id)},
        "tender": None if tender is None else {
            "code": tender.code, "title": tender.title,
            "bid_deadline": tender.bid_deadline.astimezone(SHANGHAI).isoformat() if tender.bid_deadline else None},
        "data": _plain(notice.data or {}),
    }


async def _claim(maker: async_sessionmaker[AsyncSession], now: datetime, base_url: str) -> list[tuple[str, bytes]]:
    """Due deliveries with their wire bodies; each gets a lease so a concurrent sender skips it."""
    async with maker() as session:
        stmt = (select(ExchangeDelivery).where(ExchangeDelivery.status == DeliveryStatus.pending,
                                               ExchangeDelivery.due_at <= now)
                .order_by(ExchangeDelivery.due_at, ExchangeDelivery.id).limit(BATCH))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        out = []
        for d in (await session.execute(stmt)).scalars():
            if d.payload is None:
                d.payload = await build_payload(session, d, base_url)
            d.due_at = now + rules.LEASE
            out.append((d.id, rules.body(d.payload)))
        await commit(session)
    return out


async def _record(maker: async_sessionmaker[AsyncSession], delivery_id: str, *, url: str, now: datetime,
                  status_code: int | None, error: str, duration_ms: int) -> bool:
    ok = status_code is not None and 200 <= status_code < 300
    async with maker() as session:
        d = await session.get(ExchangeDelivery, delivery_id)
        assert d is not None
        d.attempts += 1
        session.add(ExchangeAttempt(delivery_id=d.id, at=now, url=url, status_code=status_code, error=error[:2000],
                                    duration_ms=duration_ms))
        if ok:
            d.status, d.sent_at, d.last_error = DeliveryStatus.sent, now, ""
        else:
            d.last_error = error[:2000] or f"HTTP {status_code}"
            if d.attempts >= rules.MAX_ATTEMPTS:
                d.status = DeliveryStatus.failed
            else:
                d.due_at = rules.next_attempt(now, d.attempts)
        await commit(session)
    return ok


async def push_due(maker: async_sessionmaker[AsyncSession], *, url: str, secret: str, base_url: str, now: datetime,
                   request_timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Send every due delivery once; returns how many the remote end accepted. Without an endpoint configured
    the queue simply waits (the backlog goes out once the centre configures one)."""
    if not url:
        return 0
    sent = 0
    claimed = await _claim(maker, now, base_url)
    async with httpx.AsyncClient(transport=transport, timeout=request_timeout) as client:
        for delivery_id, body in claimed:
            headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: delivery_id}
            if secret:
                headers[SIGNATURE_HEADER] = sign(secret, body)
            started = time.perf_counter()
            code: int | None = None
            error = ""
            try:
                response = await client.post(url, content=body, headers=headers)
                code = response.status_code
                if not 200 <= code < 300:
                    error = f"HTTP {code}: {response.text[:500]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            ms = int((time.perf_counter() - started) * 1000)
            if await _record(maker, delivery_id, url=url, now=now, status_code=code, error=error, duration_ms=ms):
                sent += 1
            else:
                log.warning("exchange push %s failed: %s", delivery_id, error)
    return sent


def _require_centre(actor: Actor) -> None:
    if not actor.is_centre:
        raise Forbidden("exchange.centre_only", "只有交易中心工作人员可以查看推送日志",
                        "Only centre staff may see the push log")


async def deliveries(session: AsyncSession, actor: Actor, *, status: str | None = None,
                     limit: int = 200) -> list[tuple[ExchangeDelivery, list[ExchangeAttempt]]]:
    """The delivery log, newest first, each with its attempts."""
    _require_centre(actor)
    stmt = select(ExchangeDelivery).order_by(ExchangeDelivery.created_at.desc(), ExchangeDelivery.id).limit(limit)
    if status:
        stmt = stmt.where(ExchangeDelivery.status == status)
    rows = list((await session.execute(stmt)).scalars())
    attempts: dict[str, list[ExchangeAttempt]] = {d.id: [] for d in rows}
    if rows:
        for a in (await session.execute(select(ExchangeAttempt).where(ExchangeAttempt.delivery_id.in_(attempts))
                                        .order_by(ExchangeAttempt.at, ExchangeAttempt.id))).scalars():
            attempts[a.delivery_id].append(a)
    return [(d, attempts[d.id]) for d in rows]


async def retry(session: AsyncSession, actor: Actor, delivery_id: str, *, now: datetime) -> ExchangeDelivery:
    """Centre staff send a failed delivery again (e.g. after the remote end was repaired)."""
    _require_centre(actor)
    d = await session.get(ExchangeDelivery, delivery_id)
    if d is None:
        raise not_found("推送记录", "Delivery", "exchange.not_found")
    if d.status != DeliveryStatus.failed:
        raise DomainError("exchange.not_failed", "只有推送失败的记录可以重新推送",
                          "Only a failed delivery can be retried", status=409)
    d.status, d.due_at, d.attempts = DeliveryStatus.pending, now, 0
    await commit(session)
    return d


def dumps(payload: dict[str, Any] | None) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=1) if payload is not None else ""
