"""Use cases of the archive (归档): build one signed ZIP per closed tender, list, read and download archives.

Building runs in three steps so that copying gigabytes of envelopes never holds SQLite's only write lock (nor
PostgreSQL row locks):
1. read: one short transaction checks the tender and gathers every section's rows and blob names (sections.py),
   writing the audit slice to a temporary file; the project's audit count and last seq are noted;
2. write: outside any transaction the ZIP is streamed to a temporary file (package.py) and put in the blob store;
3. commit: one transaction locks the tender, re-checks its status, checks that no event of the project was
   recorded meanwhile (otherwise the build starts over: the archive must hold everything), then inserts the
   Archive row, moves the tender to `archived` and appends `archive:built`, together.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.archive import rules
from ggzy.archive.errors import (
    AlreadyBuilt,
    ArchiveForbidden,
    ArchiveNotFound,
    ChangedDuringBuild,
    NotClosed,
    TooEarly,
)
from ggzy.archive.models import Archive
from ggzy.archive.package import Written, file_chunks, write_archive
from ggzy.archive.sections import SECTIONS, AuditSlice, SectionContext, slice_filter
from ggzy.audit.models import AuditEvent
from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.clock import Clock
from ggzy.kit.db import commit
from ggzy.kit.ids import new_id
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project.models import Project
from ggzy.sealing.codec import utc_stamp
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import BlobStore
from ggzy.tender import state as tender_state
from ggzy.tender.errors import TenderNotFound
from ggzy.tender.models import Tender, TenderStatus

ATTEMPTS = 3
"""Builds started over when the project's records change between the read and the commit."""
MAX_ARCHIVE_BYTES = 1 << 50


@dataclass(frozen=True)
class _Gathered:
    tender_id: str
    project_id: str
    tender_status: str
    line: str
    manifest_fields: dict[str, Any]
    audit: AuditSlice
    project_events: tuple[int, int | None]
    """(count, last seq) of the project's visible events when read: the commit refuses if they moved."""


async def _tender(session: AsyncSession, tender_id: str, *, lock: bool = False) -> Tender:
    stmt = select(Tender).where(Tender.id == tender_id)
    if lock:
        stmt = stmt.with_for_update()
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None:
        raise TenderNotFound()
    return tender


async def _archive_of(session: AsyncSession, tender_id: str) -> Archive | None:
    return (await session.execute(select(Archive).where(Archive.tender_id == tender_id))).scalars().first()


async def _check_archivable(session: AsyncSession, tender: Tender, now: datetime) -> None:
    if tender.status == TenderStatus.archived or await _archive_of(session, tender.id) is not None:
        raise AlreadyBuilt()
    if tender.status not in rules.ARCHIVABLE:
        raise NotClosed(detail={"status": str(tender.status)})
    if tender.published_at is not None and tender.bid_deadline is not None and now < tender.bid_deadline:
        # A tender cancelled before its deadline: downloads and questions stay secret until then (Art.21), and
        # an archive can never be completed later, so it waits.
        raise TooEarly(detail={"bid_deadline": tender.bid_deadline.isoformat()})


async def _project_events(session: AsyncSession, project_id: str, now: datetime) -> tuple[int, int | None]:
    where = slice_filter(project_id, now, head_seq=2**62)
    found = (await session.execute(select(func.count(), func.max(AuditEvent.seq)).where(where))).one()
    return int(found[0]), found[1]


async def _gather(session: AsyncSession, tender_id: str, *, now: datetime, blobs: BlobStore, tmp: Path,
                  built_by: str) -> tuple[_Gathered, SectionContext]:
    """Step 1, in one transaction (rolled back at the end: it only reads)."""
    try:
        tender = await _tender(session, tender_id)
        await _check_archivable(session, tender, now)
        project = await session.get(Project, tender.project_id)
        assert project is not None
        ctx = SectionContext(session=session, tender=tender, project=project, blobs=blobs, now=now, tmp_dir=tmp)
        for section in SECTIONS:
            await section(ctx)
        assert ctx.audit is not None
        years = rules.retention_years(tender.line)
        a = ctx.audit
        fields: dict[str, Any] = {
            "format": rules.FORMAT, "version": rules.VERSION,
            "tender_id": tender.id, "tender_code": tender.code, "tender_title": tender.title,
            "tender_status": str(tender.status), "line": str(tender.line),
            "project_id": project.id, "project_code": project.code, "project_name": project.name,
            "built_at": utc_stamp(now), "built_by": built_by,
            "retention_years": years, "keep_until": rules.keep_until(now, years).isoformat(),
            "audit": {"events": rules.AUDIT_EVENTS, "head": rules.AUDIT_HEAD, "count": a.count,
                      "first_seq": a.first_seq, "last_seq": a.last_seq,
                      "chain_head": {"seq": a.head_seq, "hash": a.head_hash},
                      "withheld": "events of another tender of the project still secret under E-Bidding "
                                  "Measures Art.21 at build time"},
        }
        gathered = _Gathered(tender.id, project.id, str(tender.status), str(tender.line), fields, a,
                             (a.count, a.last_seq))
        return gathered, ctx
    finally:
        await session.rollback()  # release the lock before the long copy


def _built_by(actor: Actor) -> str:
    return actor.user_id or actor.display_name or "system:unknown"


async def build_archive(session: AsyncSession, actor: Actor, tender_id: str, *, clock: Clock, blobs: BlobStore,
                        platform_key: PlatformKey, tmp_root: Path | None = None) -> Archive:
    """Build, sign, store and register the archive of a closed tender; the tender becomes `archived`."""
    if not rules.may_build(actor):
        raise ArchiveForbidden()
    if tmp_root is not None:
        await asyncio.to_thread(tmp_root.mkdir, parents=True, exist_ok=True)
    for _ in range(ATTEMPTS):
        now = clock.now()
        tmp = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="ggzy-archive-", dir=tmp_root))
        try:
            gathered, ctx = await _gather(session, tender_id, now=now, blobs=blobs, tmp=tmp, built_by=_built_by(actor))
            written = await write_archive(ctx.plan, blobs, tmp / "archive.zip", fields=gathered.manifest_fields,
                                          key=platform_key, when=now)
            sha, size = await blobs.put_stream(file_chunks(tmp / "archive.zip"), MAX_ARCHIVE_BYTES)
        finally:
            await asyncio.to_thread(shutil.rmtree, tmp, ignore_errors=True)
        try:
            return await _register(session, actor, gathered, written, sha=sha, size=size, built_at=now, clock=clock)
        except ChangedDuringBuild:
            await session.rollback()
            await _drop_blob(session, blobs, sha)
        except BaseException:
            await session.rollback()
            await _drop_blob(session, blobs, sha)
            raise
    raise ChangedDuringBuild()


async def _drop_blob(session: AsyncSession, blobs: BlobStore, sha: str) -> None:
    """Remove the ZIP of a build that did not commit, unless a registered archive is that very blob."""
    delete = getattr(blobs, "delete", None)
    if delete is None:
        return
    with contextlib.suppress(Exception):  # best effort: an orphan blob is harmless, a crash here is not
        taken = (await session.execute(select(Archive.id).where(Archive.sha256 == sha))).first()
        await session.rollback()
        if taken is None:
            await delete(sha)


async def _register(session: AsyncSession, actor: Actor, g: _Gathered, written: Written, *, sha: str, size: int,
                    built_at: datetime, clock: Clock) -> Archive:
    """Step 3: one transaction for the row, the tender's move to `archived` and the audit event."""
    now = clock.now()
    tender = await _tender(session, g.tender_id, lock=True)
    if tender.status == TenderStatus.archived or await _archive_of(session, tender.id) is not None:
        raise AlreadyBuilt()
    if str(tender.status) != g.tender_status:
        raise ChangedDuringBuild()
    if await _project_events(session, g.project_id, now) != g.project_events:
        raise ChangedDuringBuild()
    years = int(g.manifest_fields["retention_years"])
    archive_id = new_id()
    before = {"status": tender.status}
    tender_state.transition_to(tender, TenderStatus.archived)
    tender.updated_at, tender.next_check_at = now, None
    summary = {
        "archive_id": archive_id, "status": tender.status, "sha256": sha, "size": size,
        "manifest_sha256": written.manifest_sha256, "platform_key_id": written.manifest["platform_key_id"],
        "files": len(written.manifest["files"]), "keep_until": g.manifest_fields["keep_until"],
        "audit_first_seq": g.audit.first_seq, "audit_last_seq": g.audit.last_seq,
        "chain_head_seq": g.audit.head_seq, "law": "GP Law Art.42; E-Bidding Measures Art.49",
    }
    ev = await record(session, "archive:built", actor, subject_type="tender", subject_id=tender.id,
                      project_id=tender.project_id, now=now, before=before, after=summary)
    # The row is written once, complete (on PostgreSQL a trigger refuses any later UPDATE).
    archive = Archive(
        id=archive_id, tender_id=tender.id, project_id=tender.project_id, sha256=sha, size=size,
        manifest_sha256=written.manifest_sha256, platform_key_id=str(written.manifest["platform_key_id"]),
        file_count=len(written.manifest["files"]), audit_first_seq=g.audit.first_seq,
        audit_last_seq=g.audit.last_seq, chain_head_seq=g.audit.head_seq, chain_head_hash=g.audit.head_hash,
        built_at=built_at, built_by=str(g.manifest_fields["built_by"]), tender_status=g.tender_status,
        retention_years=years, keep_until=rules.keep_until(built_at, years), audit_hash=ev.hash,
    )
    session.add(archive)
    await notify_orgs(
        session, [o for o in (tender.agency_org_id, tender.tenderer_org_id) if o], kind="archive:built",
        tender_id=tender.id, project_id=tender.project_id, now=now,
        title_zh=f"已归档：{tender.title}", title_en=f"Archived: {tender.title}",
        body_zh=f"{tender.code} 的全部交易资料已归档并签名，保存至 {archive.keep_until.isoformat()}。",
        body_en=f"{tender.code}: every record is archived and signed, kept until {archive.keep_until.isoformat()}.",
    )
    await commit(session)
    return archive


# ---------------------------------------------------------------- reads


async def get_archive(session: AsyncSession, actor: Actor, tender_id: str) -> tuple[Archive, Tender]:
    """The archive of a tender, for centre staff and the line's supervisors."""
    tender = await _tender(session, tender_id)
    if not rules.may_read(actor, tender):
        raise ArchiveForbidden()
    archive = await _archive_of(session, tender_id)
    if archive is None:
        raise ArchiveNotFound()
    return archive, tender


def stream_archive(blobs: BlobStore, archive: Archive) -> AsyncIterator[bytes]:
    return blobs.open(archive.sha256)


@dataclass(frozen=True)
class ArchiveRow:
    archive: Archive
    tender: Tender


async def list_archives(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[ArchiveRow]:
    """Archives the actor may read, newest first (a supervisor sees its own lines)."""
    if not (actor.is_centre or (actor.role == Role.supervisor and actor.supervised_lines)):
        raise ArchiveForbidden()
    stmt = select(Archive, Tender).join(Tender, Tender.id == Archive.tender_id)
    if not actor.is_centre:
        stmt = stmt.where(Tender.line.in_(list(actor.supervised_lines)))
    stmt = stmt.order_by(Archive.built_at.desc(), Archive.id).limit(limit)
    return [ArchiveRow(a, t) for a, t in (await session.execute(stmt)).tuples().all()]


async def awaiting(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[Tender]:
    """Closed tenders not archived yet (the centre's to-do list)."""
    if not rules.may_build(actor):
        raise ArchiveForbidden()
    stmt = (select(Tender).where(Tender.status.in_(sorted(rules.ARCHIVABLE)))
            .order_by(Tender.updated_at.desc(), Tender.id).limit(limit))
    return list((await session.execute(stmt)).scalars().all())
