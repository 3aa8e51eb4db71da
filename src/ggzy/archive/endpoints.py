"""JSON API of the archive (glue): build (centre staff), read and download (centre staff, the line's supervisors)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ggzy.archive import service
from ggzy.archive.schemas import ArchiveOut, archive_out
from ggzy.auth.deps import RequireUser
from ggzy.bid.endpoints import PlatformKeyDep
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.storage.blobstore import BlobsDep

router = APIRouter(prefix="/api", tags=["archive"])
BASE = "/tenders/{tender_id}/archive"


@router.post(BASE, status_code=201, response_model=ArchiveOut)
async def build(tender_id: str, *, session: DB, actor: RequireUser, clock: ClockDep, blobs: BlobsDep,
                platform_key: PlatformKeyDep, settings: SettingsDep) -> ArchiveOut:
    """归档: build, sign and store the archive of a tender that is contracted, failed or cancelled (centre staff).
    The tender becomes `archived`. 409 `archive.already_built` the second time, `archive.not_closed` for a
    tender still under way, `archive.too_early` before the bid deadline of a cancelled tender."""
    archive = await service.build_archive(session, actor, tender_id, clock=clock, blobs=blobs,
                                          platform_key=platform_key, tmp_root=settings.data_dir / "tmp")
    return archive_out(archive)


@router.get(BASE, response_model=ArchiveOut)
async def get(tender_id: str, session: DB, actor: RequireUser) -> ArchiveOut:
    """The archive's register entry: hashes, key, audit slice, keep-until date."""
    archive, _ = await service.get_archive(session, actor, tender_id)
    return archive_out(archive)


@router.get(f"{BASE}/download", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})
async def download(tender_id: str, session: DB, actor: RequireUser, blobs: BlobsDep) -> StreamingResponse:
    """The archive ZIP, streamed from the blob store (centre staff, the line's supervisors)."""
    archive, tender = await service.get_archive(session, actor, tender_id)
    name = f"{tender.code}-archive.zip"
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return StreamingResponse(service.stream_archive(blobs, archive), media_type="application/zip", headers={
        "X-Content-SHA256": archive.sha256, "Content-Length": str(archive.size),
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


@router.get("/archives", response_model=list[ArchiveOut])
async def list_archives(session: DB, actor: RequireUser) -> list[ArchiveOut]:
    """Every archive the caller may read, newest first."""
    return [archive_out(r.archive) for r in await service.list_archives(session, actor)]
