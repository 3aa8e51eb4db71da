"""The opening hall page (/tenders/{id}/opening): htmx forms + server-sent events, and the public record PDF.

Live updates: the page listens on `opening:{tender_id}` (EventSource resends Last-Event-ID by itself when it
reconnects) and, on each event, re-fetches its own fragment — so what a viewer sees is always decided by the
server for that viewer, and the public events carry nothing but the stage and the countdown.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.bid import rescue as bid_rescue
from ggzy.bid.errors import NotCustodian
from ggzy.kit.clock import Clock
from ggzy.kit.errors import DomainError, Unauthenticated
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.opening import rules, service
from ggzy.opening.models import DecryptStatus, OpeningStatus
from ggzy.storage.blobstore import BlobsDep
from ggzy.tender import documents as tender_docs
from ggzy.tender.state import STATUS_LABELS as TENDER_LABELS

router = APIRouter(include_in_schema=False)
BASE = "/tenders/{tender_id}/opening"


def _ctx(view: service.HallView, now: datetime, error: DomainError | None = None) -> dict[str, Any]:
    return {
        "now_iso": now.isoformat(),
        "v": view, "tn": view.tender, "o": view.opening, "S": OpeningStatus, "D": DecryptStatus,
        "status_labels": rules.STATUS_LABELS, "decrypt_labels": rules.DECRYPT_LABELS, "tender_labels": TENDER_LABELS,
        "fault_from": rules.FAULT_FROM, "error": error,
    }


async def _fragment(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                    error: DomainError | None = None) -> HTMLResponse:
    view = await service.hall(session, actor, tender_id, now=now)
    # A refused htmx action still answers 200 with the fragment and the message, so the hall stays usable.
    return render(request, "opening/_hall.html", _ctx(view, now, error))


@router.get(BASE, response_class=HTMLResponse)
async def hall_page(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                    clock: ClockDep) -> HTMLResponse:
    """Anyone may open the hall; what it shows depends on who is looking and on the stage."""
    now = clock.now()
    view = await service.hall(session, actor, tender_id, now=now)
    return render(request, "opening/hall.html", _ctx(view, now))


@router.get(f"{BASE}/fragment", response_class=HTMLResponse)
async def hall_fragment(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> HTMLResponse:
    return await _fragment(request, session, actor, tender_id, now=clock.now())


async def _act(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, clock: Clock,
               action: Callable[[], Awaitable[object]]) -> HTMLResponse:
    """Run one hall action for an htmx form; a refused action re-renders the fragment with its message."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        await action()
    except DomainError as err:
        await session.rollback()
        return await _fragment(request, session, actor, tender_id, now=clock.now(), error=err)
    return await _fragment(request, session, actor, tender_id, now=clock.now())


@router.post(f"{BASE}/sign-in", response_class=HTMLResponse)
async def sign_in(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.sign_in(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/publish-bidders", response_class=HTMLResponse)
async def publish(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.publish_bidders(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/close-announcing", response_class=HTMLResponse)
async def close(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.close_announcing(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/confirm", response_class=HTMLResponse)
async def confirm(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                  blobs: BlobsDep) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.confirm(session, actor, tender_id, now=clock.now(), blobs=blobs))


@router.post(f"{BASE}/objections", response_class=HTMLResponse)
async def objection(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.raise_objection(session, actor, tender_id, body, now=clock.now()))


@router.post(f"{BASE}/objections/{{objection_id}}/answer", response_class=HTMLResponse)
async def answer(
    tender_id: str, objection_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.answer_objection(session, actor, tender_id, objection_id, body, now=clock.now()))


@router.post(f"{BASE}/entries/{{entry_id}}/fault", response_class=HTMLResponse)
async def fault(
    tender_id: str, entry_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock,
        action=lambda: service.record_fault(session, actor, tender_id, entry_id, reason, now=clock.now()))


@router.post(f"{BASE}/rescue-share", response_class=HTMLResponse)
async def rescue_share(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, blobs: BlobsDep,
    share: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    async def run() -> None:
        try:
            doc = json.loads(share)
        except ValueError:
            doc = None
        await service.submit_share(session, actor, tender_id, doc, now=clock.now(), blobs=blobs)

    return await _act(request, session, actor, tender_id, clock=clock, action=run)


async def _custodian_page(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *,
                          error: DomainError | None = None) -> HTMLResponse:
    """The custodian's own share: downloaded or not, and how to decrypt it at the opening (Art.31)."""
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    rk, shares = await bid_rescue.rescue_public(session, tender_id)
    mine = next((s for s in shares if actor.org_id is not None and s.custodian_org_id == actor.org_id), None)
    if mine is None:
        raise NotCustodian()
    return render(request, "opening/custodian.html", {
        "tn": tender, "rk": rk, "share": mine, "error": error,
    }, status_code=error.status if error else 200)


@router.get(f"{BASE}/custodian", response_class=HTMLResponse, response_model=None)
async def custodian_page(tender_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _custodian_page(request, session, actor, tender_id)


@router.post(f"{BASE}/custodian/share", response_model=None)
async def download_share(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                         clock: ClockDep) -> Response:
    """The encrypted share as a file, ONCE (the platform deletes its copy). A CSRF-checked POST, because the
    download changes state; the JSON API's GET takes bearer tokens only for the same reason."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        doc = await bid_rescue.download_share(session, actor, tender_id, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _custodian_page(request, session, actor, tender_id, error=err)
    name = f"rescue-share-{tender_id}-x{doc['x']}.json"
    return JSONResponse(doc, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})


@router.get(f"{BASE}/record.pdf")
async def record_pdf(tender_id: str, session: DB, blobs: BlobsDep) -> Response:
    """The published 开标记录表 (public, E-Bidding Measures Art.32); its SHA-256 is in the notice."""
    pdf, sha = await service.record_pdf(session, tender_id, blobs=blobs)
    return Response(pdf, media_type="application/pdf", headers={
        "X-Content-SHA256": sha, "Content-Disposition": f'inline; filename="opening-record-{tender_id}.pdf"',
        "Cache-Control": "public, max-age=3600",
    })
