"""The award desk (/workspace/tenders/{id}/award): confirm the winner per lot (a reason when passing over rank 1),
publish the procurement result, download the award notice, record the signed contract (streamed upload); and the
award notice / contract downloads for a browser session.

Plain forms (post → redirect → get): a refused action re-renders the desk with its message and status code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.award import errors, rules, service
from ggzy.award.endpoints import contract_file, pdf_response
from ggzy.award.models import AwardStatus
from ggzy.kit.errors import DomainError, Unauthenticated
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.project.models import LINE_LABELS, TradingLine
from ggzy.publicity.rules import local_day, manages, until
from ggzy.storage.blobstore import BlobsDep
from ggzy.storage.upload import open_upload
from ggzy.tender.state import STATUS_LABELS

router = APIRouter(include_in_schema=False)
BASE = "/workspace/tenders/{tender_id}/award"

DONE: dict[str, tuple[str, str]] = {
    "confirmed": ("已确定中标人。", "The winner is confirmed."),
    "notified": ("中标通知书已发出，中标结果已公告并通知其他投标人。",
                 "The award notice is issued; the result is published and the other bidders told."),
    "contracted": ("合同已备案。", "The contract is recorded."),
}
BLOCKERS: dict[str, tuple[str, str]] = {
    e.code: (e.message_zh, e.message_en)
    for e in (errors.NotReady, errors.PublicityRunning, errors.ObjectionOpen, errors.ComplaintOpen)
}


async def _desk(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                error: DomainError | None = None, done: str = "", form: dict[str, str] | None = None) -> HTMLResponse:
    v = await service.award_view(session, actor, tender_id, now=now)
    return render(request, "award/desk.html", {
        "v": v, "tn": v.tender, "now": now, "error": error, "done": DONE.get(done), "form": form or {},
        "manages": manages(actor, v.tender), "procurement": TradingLine(v.tender.line) == TradingLine.procurement,
        "A": AwardStatus, "award_labels": rules.STATUS_LABELS, "status_labels": STATUS_LABELS,
        "line_labels": LINE_LABELS, "blocker_labels": BLOCKERS, "until": until,
        "today": local_day(now).isoformat(),
    }, status_code=error.status if error else 200)


@router.get(BASE, response_class=HTMLResponse, response_model=None)
async def desk(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
               done: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _desk(request, session, actor, tender_id, now=clock.now(), done=done)


async def _act(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, clock: Any,
               action: Callable[[], Awaitable[object]], done: str | Callable[[Any], str],
               form: dict[str, str] | None = None) -> Response:
    """Run one write; `done` names the flash message (or picks it from the write's result)."""
    if not actor.is_authenticated:
        return login_redirect(BASE.format(tender_id=tender_id))
    try:
        result = await action()
    except DomainError as err:
        await session.rollback()
        return await _desk(request, session, actor, tender_id, now=clock.now(), error=err, form=form)
    flash = done(result) if callable(done) else done
    return RedirectResponse(f"{BASE.format(tender_id=tender_id)}?done={flash}", status_code=303)


@router.post(f"{BASE}/lots/{{lot_id}}/confirm", response_class=HTMLResponse, response_model=None)
async def confirm(tender_id: str, lot_id: str, *, request: Request, session: DB, actor: CurrentActor,
                  clock: ClockDep, blobs: BlobsDep, candidate_id: Annotated[str, Form(max_length=32)] = "",
                  reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(
        request, session, actor, tender_id, clock=clock, form={"reason": reason, "candidate_id": candidate_id},
        action=lambda: service.confirm_award(session, actor, tender_id, lot_id, candidate_id=candidate_id,
                                             reason=reason, now=clock.now(), blobs=blobs),
        done=lambda award: "notified" if award.status == AwardStatus.notified else "confirmed")


@router.post(f"{BASE}/{{award_id}}/publish", response_class=HTMLResponse, response_model=None)
async def publish(tender_id: str, award_id: str, *, request: Request, session: DB, actor: CurrentActor,
                  clock: ClockDep, blobs: BlobsDep) -> Response:
    return await _act(request, session, actor, tender_id, clock=clock, done="notified",
                      action=lambda: service.publish_result(session, actor, award_id, now=clock.now(), blobs=blobs))


@router.post(f"{BASE}/{{award_id}}/contract", response_class=HTMLResponse, response_model=None)
async def contract(tender_id: str, award_id: str, *, request: Request, session: DB, actor: CurrentActor,
                   clock: ClockDep, settings: SettingsDep, blobs: BlobsDep) -> Response:
    """multipart/form-data: amount, signed_on, then the PDF as `file` (streamed)."""
    fields: dict[str, str] = {}

    async def run() -> None:
        upload = await open_upload(request, "file", settings.max_document_bytes)
        fields.update(upload.fields)
        await service.record_contract(
            session, actor, award_id, amount=upload.fields.get("amount", ""),
            signed_on=upload.fields.get("signed_on", ""), upload=upload, max_bytes=settings.max_document_bytes,
            blobs=blobs, now=clock.now())

    return await _act(request, session, actor, tender_id, clock=clock, action=run, done="contracted", form=fields)


@router.get("/awards/{award_id}/letter.pdf")
async def letter(award_id: str, session: DB, actor: CurrentActor, blobs: BlobsDep) -> Response:
    """中标通知书 for a logged-in browser (the link sent to the winner)."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    pdf, sha = await service.letter_pdf(session, actor, award_id, blobs=blobs)
    return pdf_response(pdf, sha, f"award-notice-{award_id}.pdf")


@router.get("/awards/{award_id}/contract.pdf", response_class=StreamingResponse)
async def contract_pdf(award_id: str, session: DB, actor: CurrentActor, blobs: BlobsDep) -> StreamingResponse:
    if not actor.is_authenticated:
        raise Unauthenticated()
    return contract_file(blobs, await service.contract_of(session, actor, award_id))
