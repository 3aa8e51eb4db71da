"""Pages: a tender's documents section and a bidder's "tenders I downloaded".

Like the API, no page here shows who or how many downloaded before the bid deadline (Art.21).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.party.models import Role
from ggzy.storage.blobstore import BlobsDep
from ggzy.storage.upload import open_upload
from ggzy.tender import documents as svc
from ggzy.tender.models import Tender
from ggzy.tender.service import manages

router = APIRouter(include_in_schema=False)

DONE = {
    "uploaded": ("招标文件已上传。", "The document was uploaded."),
}

async def documents_context(
    session: AsyncSession, actor: Actor, tender: Tender, now: datetime, max_bytes: int
) -> dict[str, Any]:
    """Everything the documents section shows to this caller (downloads only once unsealed)."""
    is_manager = manages(actor, tender)
    unsealed = svc.downloads_unsealed(tender, now)
    downloads = None
    if unsealed and svc.may_list_downloads(actor, tender):
        downloads = await svc.list_downloads(session, actor, tender.id, now)
    return {
        "tender": tender,
        "docs": await svc.list_documents(session, actor, tender.id),
        "old_docs": [d for d in await svc.list_documents(session, actor, tender.id, include_old=True)
                     if not d.current] if is_manager else [],
        "is_manager": is_manager,
        "is_bidder": actor.role == Role.bidder,
        "verified": actor.org_verified,
        "on_offer": svc.on_offer(tender, now),
        "i_downloaded": await svc.has_downloaded(session, actor.org_id, tender.id)
        if actor.role == Role.bidder else False,
        "may_upload": is_manager and tender.status in svc.UPLOADABLE,
        "unsealed": unsealed,
        "downloads": downloads,
        "max_mb": max_bytes / (1024 * 1024),
        "tab": "documents",
    }


async def _page(
    request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime, max_bytes: int,
    error: DomainError | None = None, done: str = "",
) -> Response:
    tender = await svc.visible_tender(session, actor, tender_id)
    ctx = await documents_context(session, actor, tender, now, max_bytes)
    ctx.update(error=error, done=DONE.get(done))
    return render(request, "tender/documents.html", ctx, status_code=error.status if error else 200)


@router.get("/workspace/tenders/{tender_id}/documents", response_class=HTMLResponse, response_model=None)
async def documents_page(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, settings: SettingsDep,
    done: str = "",
) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request.url.path)
    return await _page(
        request, session, actor, tender_id, now=clock.now(), max_bytes=settings.max_document_bytes, done=done
    )


@router.post("/workspace/tenders/{tender_id}/documents", response_class=HTMLResponse, response_model=None)
async def upload_submit(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, settings: SettingsDep,
    blobs: BlobsDep,
) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request.url.path)
    try:
        upload = await open_upload(request, "file", settings.max_document_bytes)
        await svc.upload_document(
            session, actor, blobs=blobs, tender_id=tender_id, upload=upload,
            max_bytes=settings.max_document_bytes, now=clock.now(),
        )
    except DomainError as exc:
        await session.rollback()
        return await _page(
            request, session, actor, tender_id, now=clock.now(), max_bytes=settings.max_document_bytes, error=exc
        )
    return RedirectResponse(f"/workspace/tenders/{tender_id}/documents?done=uploaded", status_code=303)


@router.post(
    "/workspace/tenders/{tender_id}/documents/{document_id}/download", response_class=HTMLResponse,
    response_model=None,
)
async def download_submit(
    tender_id: str, document_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    settings: SettingsDep, blobs: BlobsDep,
) -> Response:
    """A form POST (with the CSRF token), so no link on another site can make a bidder "download"."""
    if not actor.is_authenticated:
        return login_redirect(f"/workspace/tenders/{tender_id}/documents")
    try:
        doc = await svc.download_document(
            session, actor, blobs=blobs, tender_id=tender_id, document_id=document_id, now=clock.now()
        )
    except DomainError as exc:
        await session.rollback()
        return await _page(
            request, session, actor, tender_id, now=clock.now(), max_bytes=settings.max_document_bytes, error=exc
        )
    return svc.file_response(blobs, doc)


@router.get("/workspace/downloads", response_class=HTMLResponse, response_model=None)
async def my_downloads_page(request: Request, session: DB, actor: CurrentActor) -> Response:
    """Tenders I downloaded: the caller's own organisation's records only."""
    if not actor.is_authenticated:
        return login_redirect(request.url.path)
    rows = await svc.list_my_downloads(session, actor)
    tenders: dict[str, list[svc.MyDownload]] = {}
    for row in rows:
        tenders.setdefault(row.tender_id, []).append(row)
    return render(request, "tender/documents_mine.html", {"groups": list(tenders.values())})
