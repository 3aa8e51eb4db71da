"""Archive pages: the register (/workspace/archives) and one tender's archive with the build button (centre staff).

The ZIP downloads from the API path (/api/tenders/{id}/archive/download), which accepts the page's session.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ggzy.archive import rules, service
from ggzy.archive.errors import ArchiveForbidden, ArchiveNotFound
from ggzy.archive.models import Archive
from ggzy.auth.deps import CurrentActor
from ggzy.bid.endpoints import PlatformKeyDep
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.project.models import LINE_LABELS
from ggzy.storage.blobstore import BlobsDep
from ggzy.tender import documents as tender_docs
from ggzy.tender.state import STATUS_LABELS

router = APIRouter(include_in_schema=False)
PAGE = "/workspace/tenders/{tender_id}/archive"

FLASH: dict[str, tuple[str, str]] = {
    "built": ("已归档：归档文件已生成、签名并保存", "Archived: the archive is built, signed and stored"),
}


def _common() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "line_labels": LINE_LABELS, "flashes": FLASH,
            "archivable": rules.ARCHIVABLE}


@router.get("/workspace/archives", response_class=HTMLResponse, response_model=None)
async def register(request: Request, session: DB, actor: CurrentActor) -> Response:
    """归档登记: every archive the caller may read; for centre staff also the closed tenders awaiting one."""
    if not actor.is_authenticated:
        return login_redirect(request)
    rows = await service.list_archives(session, actor)
    waiting = await service.awaiting(session, actor) if rules.may_build(actor) else []
    return render(request, "archive/list.html", {**_common(), "rows": rows, "waiting": waiting})


async def _detail(request: Request, session: DB, actor: CurrentActor, tender_id: str, *,
                  error: DomainError | None = None, status_code: int = 200) -> Response:
    tender = await tender_docs.get_tender(session, tender_id)
    if not rules.may_read(actor, tender):
        raise ArchiveForbidden()
    archive: Archive | None
    try:
        archive, _ = await service.get_archive(session, actor, tender_id)
    except ArchiveNotFound:
        archive = None
    return render(request, "archive/detail.html", {
        **_common(), "tn": tender, "a": archive, "error": error, "flash": request.query_params.get("flash"),
        "may_build": rules.may_build(actor) and archive is None and tender.status in rules.ARCHIVABLE,
    }, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse, response_model=None)
async def detail(tender_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _detail(request, session, actor, tender_id)


@router.post(PAGE, response_class=HTMLResponse, response_model=None)
async def build(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                blobs: BlobsDep, platform_key: PlatformKeyDep, settings: SettingsDep) -> Response:
    """The build button (a plain form with the CSRF token); a refusal re-renders the page with its message."""
    if not actor.is_authenticated:
        return login_redirect(request)
    try:
        await service.build_archive(session, actor, tender_id, clock=clock, blobs=blobs, platform_key=platform_key,
                                    tmp_root=settings.data_dir / "tmp")
    except DomainError as err:
        await session.rollback()
        if isinstance(err, ArchiveForbidden):
            raise
        return await _detail(request, session, actor, tender_id, error=err, status_code=err.status)
    return RedirectResponse(f"/workspace/tenders/{tender_id}/archive?flash=built", status_code=303)
