"""Tender documents: upload (agency / tenderer), public listing, download by verified bidders.

E-Bidding Measures Art.21: before the bid deadline nobody — centre, agency, tenderer, supervisors —
may learn who or how many downloaded. Download rows are therefore read in exactly two places: a
bidder's own records (`list_my_downloads`) and, once the deadline has passed, `list_downloads`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.kit.db import commit
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.party.models import Organisation, Role
from ggzy.storage.blobstore import BlobsDep, BlobStore
from ggzy.storage.errors import BlobNotFound
from ggzy.storage.upload import Upload, open_upload
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender.document_errors import (
    BadFilename,
    BearerRequired,
    BidderNotVerified,
    BiddersOnly,
    DocumentNotFound,
    DocumentsLocked,
    DownloadsSealed,
    EmptyDocument,
    NotTenderManager,
    OutsideDocumentPeriod,
    TenderNotFound,
)
from ggzy.tender.models import DocumentDownload, Tender, TenderDocument, TenderStatus
from ggzy.tender.service import manages

SHA_HEADER = "X-Content-SHA256"
UPLOADABLE = frozenset({TenderStatus.draft, TenderStatus.published})


# ---------------------------------------------------------------- who may do what (pure)

def supervises(actor: Actor, tender: Tender) -> bool:
    """A supervisor department watching this tender's trading line."""
    return actor.role == Role.supervisor and str(tender.line) in actor.supervised_lines


def may_see_draft(actor: Actor, tender: Tender) -> bool:
    return manages(actor, tender) or actor.is_centre


def on_offer(tender: Tender, now: datetime) -> bool:
    """Documents are on offer between doc_start and doc_end (server clock), for a published tender."""
    return (
        tender.status == TenderStatus.published
        and tender.doc_start is not None
        and tender.doc_end is not None
        and tender.doc_start <= now <= tender.doc_end
    )


def downloads_unsealed(tender: Tender, now: datetime) -> bool:
    """Art.21: downloader identities and counts exist for nobody until the bid deadline."""
    return tender.bid_deadline is not None and now >= tender.bid_deadline


def may_list_downloads(actor: Actor, tender: Tender) -> bool:
    return actor.is_centre or manages(actor, tender) or supervises(actor, tender)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def clean_filename(name: str) -> str:
    """Keep the last path component, drop control characters and quotes; refuse what is left empty."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("", base).strip()
    if not base or base in {".", ".."}:
        raise BadFilename()
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 16 else base[:255]
    return base


def clean_content_type(value: str) -> str:
    value = value.strip().split(";", 1)[0].strip().lower()
    return value[:128] if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", value) else "application/octet-stream"


# ---------------------------------------------------------------- reads (access control in the query)


async def get_tender(session: AsyncSession, tender_id: str, *, lock: bool = False) -> Tender:
    stmt = select(Tender).where(Tender.id == tender_id)
    if lock:
        stmt = stmt.with_for_update()  # PostgreSQL row lock; SQLite already holds BEGIN IMMEDIATE
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None:
        raise TenderNotFound()
    return tender


async def visible_tender(session: AsyncSession, actor: Actor, tender_id: str) -> Tender:
    """A published tender is public; a draft exists only for its managers and the centre."""
    tender = await get_tender(session, tender_id)
    if tender.status == TenderStatus.draft and not may_see_draft(actor, tender):
        raise TenderNotFound()
    return tender


async def list_documents(
    session: AsyncSession, actor: Actor, tender_id: str, *, include_old: bool = False
) -> list[TenderDocument]:
    """Document metadata (never who fetched it): public once the tender is published."""
    await visible_tender(session, actor, tender_id)
    stmt = select(TenderDocument).where(TenderDocument.tender_id == tender_id)
    if not include_old:
        stmt = stmt.where(TenderDocument.current.is_(True))
    stmt = stmt.order_by(TenderDocument.uploaded_at, TenderDocument.filename, TenderDocument.version)
    return list((await session.execute(stmt)).scalars().all())


async def has_downloaded(session: AsyncSession, org_id: str | None, tender_id: str) -> bool:
    """Whether this one organisation fetched the documents (its own fact; reveals nothing of others)."""
    if org_id is None:
        return False
    stmt = select(DocumentDownload.id).where(
        DocumentDownload.tender_id == tender_id, DocumentDownload.org_id == org_id
    ).limit(1)
    return (await session.execute(stmt)).first() is not None


async def downloader_org_ids(session: AsyncSession, tender_id: str) -> list[str]:
    """Every organisation that downloaded; for delivering clarifications only (Art.22), never for display."""
    stmt = (
        select(DocumentDownload.org_id)
        .where(DocumentDownload.tender_id == tender_id)
        .group_by(DocumentDownload.org_id)
        .order_by(func.min(DocumentDownload.at))
    )
    return list((await session.execute(stmt)).scalars().all())


class DownloadRecord(BaseModel):
    """One download, as listed after the bid deadline."""

    model_config = ConfigDict(from_attributes=True)

    org_id: str
    org_name: str
    document_id: str
    filename: str
    at: datetime
    ip: str


class DownloadList(BaseModel):
    tender_id: str
    organisations: int
    """Distinct organisations that downloaded."""
    items: list[DownloadRecord]


async def list_downloads(session: AsyncSession, actor: Actor, tender_id: str, now: datetime) -> DownloadList:
    """Who downloaded: for the centre, the tender's managers and its line's supervisors, after the deadline."""
    tender = await visible_tender(session, actor, tender_id)
    if not may_list_downloads(actor, tender) or not downloads_unsealed(tender, now):
        # One answer for every refusal, so the refusal itself says nothing about downloads (Art.21).
        raise DownloadsSealed()
    stmt = (
        select(DocumentDownload, Organisation.name, TenderDocument.filename)
        .join(Organisation, Organisation.id == DocumentDownload.org_id)
        .join(TenderDocument, TenderDocument.id == DocumentDownload.document_id)
        .where(DocumentDownload.tender_id == tender_id)
        .order_by(DocumentDownload.at, DocumentDownload.id)
    )
    items = [
        DownloadRecord(org_id=d.org_id, org_name=name, document_id=d.document_id, filename=fn, at=d.at, ip=d.ip)
        for d, name, fn in (await session.execute(stmt)).all()
    ]
    return DownloadList(tender_id=tender_id, organisations=len({i.org_id for i in items}), items=items)


class MyDownload(BaseModel):
    """A download by the caller's own organisation."""

    tender_id: str
    tender_code: str
    tender_title: str
    tender_status: str
    bid_deadline: datetime | None
    document_id: str
    filename: str
    at: datetime


async def list_my_downloads(session: AsyncSession, actor: Actor) -> list[MyDownload]:
    """The caller's organisation's own downloads, newest first; nobody else's rows can match."""
    if actor.org_id is None or actor.role != Role.bidder:
        return []
    stmt = (
        select(DocumentDownload, Tender, TenderDocument.filename)
        .join(Tender, Tender.id == DocumentDownload.tender_id)
        .join(TenderDocument, TenderDocument.id == DocumentDownload.document_id)
        .where(DocumentDownload.org_id == actor.org_id)
        .order_by(DocumentDownload.at.desc(), DocumentDownload.id)
    )
    return [
        MyDownload(
            tender_id=t.id, tender_code=t.code, tender_title=t.title, tender_status=str(t.status),
            bid_deadline=t.bid_deadline, document_id=d.document_id, filename=fn, at=d.at,
        )
        for d, t, fn in (await session.execute(stmt)).all()
    ]


# ---------------------------------------------------------------- writes


async def _non_empty(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Fetch the first bytes before anything is written, so an empty file leaves no trace."""
    first = b""
    async for chunk in chunks:
        if chunk:
            first = chunk
            break
    if not first:
        raise EmptyDocument()

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return rest()


async def upload_document(
    session: AsyncSession,
    actor: Actor,
    *,
    blobs: BlobStore,
    tender_id: str,
    upload: Upload,
    max_bytes: int,
    now: datetime,
) -> TenderDocument:
    """Store a tender document; a file with the same name replaces the previous version (kept for the archive)."""
    tender = await visible_tender(session, actor, tender_id)
    if not manages(actor, tender) or actor.user_id is None:
        raise NotTenderManager()
    if tender.status not in UPLOADABLE:
        raise DocumentsLocked()
    filename = clean_filename(upload.filename)
    content_type = clean_content_type(upload.content_type)
    chunks = await _non_empty(upload.chunks)
    # End the read transaction: on SQLite it holds the only write lock, which must not wait on a slow upload.
    await session.rollback()
    sha, size = await blobs.put_stream(chunks, max_bytes)

    tender = await get_tender(session, tender_id, lock=True)
    if tender.status not in UPLOADABLE:
        raise DocumentsLocked()  # cancelled while the bytes arrived; the blob stays unreferenced
    previous = (
        await session.execute(
            select(TenderDocument)
            .where(TenderDocument.tender_id == tender_id, TenderDocument.filename == filename)
            .order_by(TenderDocument.version.desc())
            .limit(1)
        )
    ).scalars().first()
    doc = TenderDocument(
        tender_id=tender_id, sha256=sha, filename=filename, content_type=content_type, size=size,
        version=(previous.version + 1) if previous else 1, current=True,
        uploaded_by=actor.user_id, uploaded_at=now,
    )
    if previous is not None:
        previous.current = False
    session.add(doc)
    await session.flush()
    await record(
        session, "document:uploaded", actor, subject_type="tender_document", subject_id=doc.id,
        project_id=tender.project_id, now=now,
        before={"replaced": previous.id} if previous else None,
        after={"tender_id": tender_id, "filename": filename, "sha256": sha, "size": size, "version": doc.version},
    )
    await commit(session)
    return doc


async def download_document(
    session: AsyncSession, actor: Actor, *, blobs: BlobStore, tender_id: str, document_id: str, now: datetime
) -> TenderDocument:
    """Record a verified bidder's download (checked at the server clock); the caller streams the blob."""
    if actor.role != Role.bidder or actor.org_id is None or actor.user_id is None:
        raise BiddersOnly()
    if not actor.org_verified:
        raise BidderNotVerified()
    tender = await get_tender(session, tender_id, lock=True)
    if tender.status == TenderStatus.draft:
        raise TenderNotFound()
    doc = (
        await session.execute(
            select(TenderDocument).where(
                TenderDocument.id == document_id, TenderDocument.tender_id == tender_id,
                TenderDocument.current.is_(True),
            )
        )
    ).scalars().first()
    if doc is None:
        raise DocumentNotFound()
    if not on_offer(tender, now):
        raise OutsideDocumentPeriod(detail={
            "doc_start": tender.doc_start.isoformat() if tender.doc_start else None,
            "doc_end": tender.doc_end.isoformat() if tender.doc_end else None,
        })
    await ensure_trading_open(session, tender.project_id)
    if not await blobs.exists(doc.sha256):
        raise BlobNotFound()
    row = DocumentDownload(
        tender_id=tender_id, document_id=doc.id, org_id=actor.org_id, user_id=actor.user_id, at=now, ip=actor.ip
    )
    session.add(row)
    await session.flush()
    await record(
        session, "document:downloaded", actor, subject_type="tender_document", subject_id=doc.id,
        project_id=tender.project_id, now=now,
        after={"tender_id": tender_id, "download_id": row.id, "sha256": doc.sha256},
    )
    await commit(session)
    return doc


def file_response(blobs: BlobStore, doc: TenderDocument) -> StreamingResponse:
    """Stream a stored document with its SHA-256, so the bidder can check what it received."""
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace("?", "_")
    return StreamingResponse(
        blobs.open(doc.sha256),
        media_type=doc.content_type or "application/octet-stream",
        headers={
            SHA_HEADER: doc.sha256,
            "Content-Length": str(doc.size),
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(doc.filename)}",
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------- JSON API


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    version: int
    current: bool
    uploaded_at: datetime


router = APIRouter(prefix="/api", tags=["documents"])


@router.post("/tenders/{tender_id}/documents", status_code=201, response_model=DocumentOut)
async def api_upload_document(
    tender_id: str, *, request: Request, session: DB, actor: RequireUser, clock: ClockDep, settings: SettingsDep,
    blobs: BlobsDep,
) -> TenderDocument:
    """Upload a tender document as multipart/form-data, field `file` (streamed; limit max_document_bytes → 413)."""
    upload = await open_upload(request, "file", settings.max_document_bytes)
    return await upload_document(
        session, actor, blobs=blobs, tender_id=tender_id, upload=upload,
        max_bytes=settings.max_document_bytes, now=clock.now(),
    )


@router.get("/tenders/{tender_id}/documents", response_model=list[DocumentOut])
async def api_list_documents(
    tender_id: str, session: DB, actor: CurrentActor, include_old: bool = False
) -> list[TenderDocument]:
    """Document metadata; public once the tender is published."""
    return await list_documents(session, actor, tender_id, include_old=include_old)


@router.get("/tenders/{tender_id}/documents/{document_id}/download", response_class=StreamingResponse)
async def api_download_document(
    tender_id: str, document_id: str, *, request: Request, session: DB, actor: RequireUser, clock: ClockDep,
    blobs: BlobsDep,
) -> StreamingResponse:
    """Download (verified bidders, during the document period); the body's SHA-256 is in X-Content-SHA256.

    Bearer tokens only: a GET carries no CSRF token, so a link on another site must not be able to make
    a logged-in browser "download" (pages use a POST form with the token instead).
    """
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise BearerRequired()
    doc = await download_document(
        session, actor, blobs=blobs, tender_id=tender_id, document_id=document_id, now=clock.now()
    )
    return file_response(blobs, doc)


@router.get("/tenders/{tender_id}/downloads", response_model=DownloadList)
async def api_list_downloads(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> DownloadList:
    """Who downloaded: only after the bid deadline (E-Bidding Measures Art.21)."""
    return await list_downloads(session, actor, tender_id, clock.now())


@router.get("/me/downloads", response_model=list[MyDownload])
async def api_my_downloads(session: DB, actor: RequireUser) -> list[MyDownload]:
    """The caller's own organisation's downloads."""
    return await list_my_downloads(session, actor)
