"""What goes into an archive, one section function per domain.

Each section reads its own tables for the tender and adds files to the plan: small JSON/text in memory, stored
files (documents, envelopes, PDFs, pool snapshots) by their SHA-256 in the blob store, copied later without
loading them whole. A domain that lands later adds one function to SECTIONS. The evaluation, publicity and award
sections dump every table of their domain's models module that belongs to the tender (by `tender_id`, or by a
foreign key to a row already taken), so their tables are included as they appear, and only when rows exist.

The read phase runs in one short transaction (on SQLite it holds the write lock), so nothing here streams bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, inspect, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.archive import rules
from ggzy.audit.models import AuditEvent, AuditHead
from ggzy.audit.queries import SECRET_UNTIL_DEADLINE, released_after_deadline
from ggzy.audit.service import GENESIS, HASHED_FIELDS, jsonable
from ggzy.bid.models import Bid, KeySet, RescueKey, RescueShare
from ggzy.kit.db import Base
from ggzy.opening.models import Opening, OpeningEntry, OpeningObjection, OpeningSignIn
from ggzy.party.models import Organisation
from ggzy.project.models import Notice, Project
from ggzy.storage.blobstore import BlobStore
from ggzy.tender.models import Clarification, DocumentDownload, Lot, Question, Tender, TenderDocument

# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class FileSpec:
    """One file of the archive: exactly one of `data`, `blob`, `local` says where its bytes come from."""

    path: str
    data: bytes | None = None
    blob: str | None = None
    """SHA-256 of a blob-store file; the copy is checked against it."""
    local: Path | None = None
    """A file written during the read phase (the audit slice), in the build's temporary directory."""


class Plan:
    """The archive's files by path (paths are unique; `unique()` finds a free one)."""

    def __init__(self) -> None:
        self.files: dict[str, FileSpec] = {}

    def unique(self, path: str) -> str:
        if path not in self.files:
            return path
        stem, dot, ext = path.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = path, ""
        n = 2
        while (candidate := f"{stem}-{n}{'.' + ext if ext else ''}") in self.files:
            n += 1
        return candidate

    def _add(self, spec: FileSpec) -> str:
        if spec.path in self.files or spec.path in (rules.MANIFEST, rules.SIGNATURE):
            raise ValueError(f"archive path taken twice: {spec.path}")
        self.files[spec.path] = spec
        return spec.path

    def add_bytes(self, path: str, data: bytes) -> str:
        return self._add(FileSpec(path, data=data))

    def add_json(self, path: str, obj: Any) -> str:
        return self.add_bytes(path, dumps(obj))

    def add_text(self, path: str, text: str) -> str:
        return self.add_bytes(path, text.encode())

    def add_blob(self, path: str, sha256: str) -> str:
        return self._add(FileSpec(path, blob=sha256))

    def add_local(self, path: str, local: Path) -> str:
        return self._add(FileSpec(path, local=local))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money stays exact: "950000.00", never a float
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-serialisable in an archive: {type(value)!r}")


def dumps(obj: Any) -> bytes:
    """Readable, stable JSON (sorted keys, UTF-8) for the data files; only the manifest is canonical JSON."""
    return (json.dumps(obj, default=_default, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


SECRET_COLUMN = re.compile(
    r"(^|_)(seed|secret|password|token|private|phone)($|_)|^data_key$|^id_number$|(^|_)share$", re.IGNORECASE)
"""Columns never copied by the generic dump: key material (a bid's data key, rescue shares, an unrevealed draw
seed) and personal data. Sections that need one of them (the revealed seed) add it explicitly."""


def row(obj: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A mapped row as a dict of its columns (without `exclude`)."""
    skip = set(exclude)
    return {a.key: getattr(obj, a.key) for a in inspect(type(obj)).column_attrs if a.key not in skip}


def public_row(obj: Any) -> dict[str, Any]:
    """A row without the columns SECRET_COLUMN matches."""
    return row(obj, exclude=[a.key for a in inspect(type(obj)).column_attrs if SECRET_COLUMN.search(a.key)])


# ---------------------------------------------------------------- context


@dataclass
class AuditSlice:
    """What the manifest records about the audit slice."""

    count: int
    first_seq: int | None
    last_seq: int | None
    head_seq: int
    head_hash: str


@dataclass
class SectionContext:
    session: AsyncSession
    tender: Tender
    project: Project
    blobs: BlobStore
    now: datetime
    tmp_dir: Path
    plan: Plan = field(default_factory=Plan)
    org_ids: set[str] = field(default_factory=set)
    """Organisations the files mention; parties.json lists them with their names."""
    audit: AuditSlice | None = None


Section = Callable[[SectionContext], Awaitable[None]]


async def _all(session: AsyncSession, stmt: Any) -> list[Any]:
    return list((await session.execute(stmt)).scalars().all())


# ---------------------------------------------------------------- project and tender


async def project_section(ctx: SectionContext) -> None:
    ctx.plan.add_json("project.json", row(ctx.project))
    ctx.org_ids.update(o for o in (ctx.project.tenderer_org_id, ctx.project.agency_org_id) if o)


async def tender_section(ctx: SectionContext) -> None:
    """tender.json: the tender row (timetable, evaluation plan, rescue plan, ruleset version) and its lots."""
    t = ctx.tender
    lots = await _all(ctx.session, select(Lot).where(Lot.tender_id == t.id).order_by(Lot.number))
    ctx.plan.add_json("tender.json", {**row(t), "lots": [row(lot) for lot in lots]})
    ctx.org_ids.update(o for o in (t.tenderer_org_id, t.agency_org_id) if o)


async def documents_section(ctx: SectionContext) -> None:
    """Every version of every tender document (replaced versions stay, TenderDocument.current), and downloads."""
    docs = await _all(ctx.session, select(TenderDocument).where(TenderDocument.tender_id == ctx.tender.id)
                      .order_by(TenderDocument.version, TenderDocument.uploaded_at, TenderDocument.id))
    index = []
    for d in docs:
        path = ctx.plan.add_blob(ctx.plan.unique(f"documents/v{d.version}/{rules.safe_name(d.filename)}"), d.sha256)
        index.append({**row(d), "archive_path": path})
    if index:
        ctx.plan.add_json("documents/index.json", index)
    downloads = await _all(ctx.session, select(DocumentDownload).where(DocumentDownload.tender_id == ctx.tender.id)
                           .order_by(DocumentDownload.at, DocumentDownload.id))
    if downloads:
        # Past the deadline (the build refuses earlier), so Art.21 no longer hides who downloaded.
        ctx.plan.add_json("documents/downloads.json", [row(d) for d in downloads])
        ctx.org_ids.update(d.org_id for d in downloads)


async def notices_section(ctx: SectionContext) -> None:
    """Every notice of the tender: notices/<published>-<kind>.json (the row) and .txt (title and body)."""
    notices = await _all(ctx.session, select(Notice).where(Notice.tender_id == ctx.tender.id)
                         .order_by(Notice.published_at, Notice.id))
    for n in notices:
        base = ctx.plan.unique(f"notices/{rules.stamp(n.published_at)}-{rules.safe_name(str(n.kind))}.json")
        ctx.plan.add_json(base, row(n))
        ctx.plan.add_text(ctx.plan.unique(base[:-5] + ".txt"), f"{n.title}\n\n{n.body}\n")


async def questions_section(ctx: SectionContext) -> None:
    """Questions (with their asker: the centre's record) and the clarifications sent to every downloader."""
    qs = await _all(ctx.session, select(Question).where(Question.tender_id == ctx.tender.id)
                    .order_by(Question.asked_at, Question.id))
    cs = await _all(ctx.session, select(Clarification).where(Clarification.tender_id == ctx.tender.id)
                    .order_by(Clarification.published_at, Clarification.id))
    if qs:
        ctx.plan.add_json("qa/questions.json", [row(q) for q in qs])
        ctx.org_ids.update(q.asker_org_id for q in qs)
    if cs:
        ctx.plan.add_json("qa/clarifications.json", [row(c) for c in cs])


# ---------------------------------------------------------------- bids and the opening


async def bids_section(ctx: SectionContext) -> None:
    """Every envelope as stored (ciphertext: active, replaced and withdrawn), the signed receipts, the public
    keys they were sealed to, and the rescue key's public half (never a share)."""
    bids = await _all(ctx.session, select(Bid).where(Bid.tender_id == ctx.tender.id)
                      .order_by(Bid.received_at, Bid.id))
    if bids:
        key_sets = {k.id: k for k in await _all(ctx.session, select(KeySet).where(
            KeySet.id.in_({b.key_set_id for b in bids})))}
        index = []
        for b in bids:
            path = ctx.plan.add_blob(f"bids/{b.id}.ggzyenv", b.sha256)
            ks = key_sets.get(b.key_set_id)
            index.append({
                **row(b, exclude=("header", "receipt", "idempotency_key")), "archive_path": path,
                "receipt": json.loads(b.receipt),
                "key_set": row(ks) if ks else None,
            })
        ctx.plan.add_json("bids/index.json", index)
        ctx.org_ids.update(b.bidder_org_id for b in bids)
    rk = (await ctx.session.execute(select(RescueKey).where(RescueKey.tender_id == ctx.tender.id))).scalars().first()
    if rk is not None:
        shares = await _all(ctx.session, select(RescueShare).where(RescueShare.rescue_key_id == rk.id)
                            .order_by(RescueShare.x))
        ctx.plan.add_json("bids/rescue_key.json", {
            **row(rk), "custodians": [row(s, exclude=("encrypted_share", "submitted_share")) for s in shares]})
        ctx.org_ids.update(s.custodian_org_id for s in shares)


async def opening_section(ctx: SectionContext) -> None:
    """The hall: its row, entries (opening sheets; never the data keys), objections, sign-ins, the record PDF."""
    opening = (await ctx.session.execute(
        select(Opening).where(Opening.tender_id == ctx.tender.id))).scalars().first()
    if opening is None:
        return
    ctx.plan.add_json("opening/opening.json", row(opening))
    entries = await _all(ctx.session, select(OpeningEntry).where(OpeningEntry.opening_id == opening.id)
                         .order_by(OpeningEntry.lot_id, OpeningEntry.bid_id))
    ctx.plan.add_json("opening/entries.json", [row(e, exclude=("data_key",)) for e in entries])
    objections = await _all(ctx.session, select(OpeningObjection).where(OpeningObjection.opening_id == opening.id)
                            .order_by(OpeningObjection.raised_at, OpeningObjection.id))
    if objections:
        ctx.plan.add_json("opening/objections.json", [row(o) for o in objections])
    signins = await _all(ctx.session, select(OpeningSignIn).where(OpeningSignIn.opening_id == opening.id)
                         .order_by(OpeningSignIn.at, OpeningSignIn.id))
    if signins:
        ctx.plan.add_json("opening/signins.json", [row(s) for s in signins])
    ctx.org_ids.update(e.bidder_org_id for e in entries)
    ctx.org_ids.update(o.org_id for o in objections)
    if opening.record_pdf_sha256:
        if not await ctx.blobs.exists(opening.record_pdf_sha256):
            # The opening domain re-renders a missing record and refuses unless it is byte-identical.
            from ggzy.opening.service import record_pdf

            await record_pdf(ctx.session, ctx.tender.id, blobs=ctx.blobs)
        ctx.plan.add_blob("opening/record.pdf", opening.record_pdf_sha256)


# ---------------------------------------------------------------- the expert draw


async def draws_section(ctx: SectionContext) -> None:
    """Each draw: the request, the seed commitment, the seed once revealed (never before), every round with its
    eligible-pool snapshot, and the committee with the members' names (public with the result, MOF 87 Art.69)."""
    from ggzy.expert.models import CommitteeMember, DrawRound, Expert, ExpertDraw

    draws = await _all(ctx.session, select(ExpertDraw).where(ExpertDraw.tender_id == ctx.tender.id)
                       .order_by(ExpertDraw.requested_at, ExpertDraw.id))
    for i, d in enumerate(draws, start=1):
        folder = f"draws/{i}-{d.id}"
        ctx.plan.add_json(f"{folder}/draw.json", {
            **row(d, exclude=("seed",)), "seed": d.seed if d.revealed_at is not None else None})
        rounds = await _all(ctx.session, select(DrawRound).where(DrawRound.draw_id == d.id).order_by(DrawRound.number))
        out = []
        for r in rounds:
            path = f"{folder}/pool-{r.number}-{r.pool_sha256}.json"
            kept = getattr(r, "snapshot", "") or ""
            stored: str | None = path
            if await ctx.blobs.exists(r.pool_sha256):
                ctx.plan.add_blob(path, r.pool_sha256)
            elif kept:
                # The round keeps the snapshot's exact bytes too (the chronograph has no blob store).
                ctx.plan.add_bytes(path, kept.encode())
            else:
                stored = None
            out.append({**row(r, exclude=("snapshot",)), "snapshot_path": stored})
        if out:
            ctx.plan.add_json(f"{folder}/rounds.json", out)
        members = await _all(ctx.session, select(CommitteeMember).where(CommitteeMember.draw_id == d.id)
                             .order_by(CommitteeMember.round, CommitteeMember.position, CommitteeMember.id))
        if members:
            names = dict((await ctx.session.execute(select(Expert.id, Expert.name).where(
                Expert.id.in_({m.expert_id for m in members if m.expert_id})))).tuples().all())
            ctx.plan.add_json(f"{folder}/committee.json", [
                {**row(m), "expert_name": names.get(m.expert_id or "")} for m in members])


# ---------------------------------------------------------------- generic domain dumps


def _mapped_classes(module: ModuleType) -> list[type[Any]]:
    """The module's mapped classes, parents before children (the metadata's dependency order)."""
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    classes = [m.class_ for m in Base.registry.mappers if m.class_.__module__ == module.__name__]
    return sorted(classes, key=lambda c: order.get(c.__tablename__, 0))


async def dump_domain(ctx: SectionContext, module: ModuleType, folder: str) -> None:
    """Every table of `module` with rows for this tender: those with `tender_id`, then (following foreign keys
    inside the module) their children. One JSON file per table; PDF columns (`…pdf_sha256`) and stored files
    (`sha256` + `filename`) are copied beside them."""
    taken: dict[str, list[Any]] = {}
    for cls in _mapped_classes(module):
        table: Table = cls.__table__
        conds: list[ColumnElement[bool]] = []
        if "tender_id" in table.c:
            conds.append(table.c.tender_id == ctx.tender.id)
        else:
            for fk in table.foreign_keys:
                ids = taken.get(fk.column.table.name)
                if ids:
                    conds.append(fk.parent.in_(ids))
        if not conds:
            continue
        pk = list(table.primary_key.columns)
        rows = await _all(ctx.session, select(cls).where(or_(*conds)).order_by(*pk))
        if not rows:
            continue
        if len(pk) == 1:
            taken[table.name] = [getattr(r, pk[0].key) for r in rows]
        ctx.plan.add_json(f"{folder}/{table.name}.json", [public_row(r) for r in rows])
        for r in rows:
            _attach_files(ctx, folder, table, r, single=len(rows) == 1)
        for org_col in ("bidder_org_id", "org_id"):
            if org_col in table.c:
                ctx.org_ids.update(v for r in rows if (v := getattr(r, org_col)))


def _attach_files(ctx: SectionContext, folder: str, table: Table, r: Any, *, single: bool) -> None:
    rid = getattr(r, "id", "")
    for col in table.c:
        value = getattr(r, col.key, None)
        if not value or not isinstance(value, str):
            continue
        if col.key.endswith("pdf_sha256"):
            stem = col.key.removesuffix("_sha256").removesuffix("_pdf").removesuffix("pdf") or "document"
            path = f"{folder}/{stem}.pdf" if single else f"{folder}/{table.name}/{rid}-{stem}.pdf"
            ctx.plan.add_blob(ctx.plan.unique(path), value)
        elif col.key == "sha256" and "filename" in table.c:
            name = rules.safe_name(str(getattr(r, "filename", "") or "file"))
            ctx.plan.add_blob(ctx.plan.unique(f"{folder}/{table.name}/{rid}-{name}"), value)


async def evaluation_section(ctx: SectionContext) -> None:
    """The evaluation (评标): its row and report PDF (evaluation/report.pdf), candidates, and every further
    table of ggzy.evaluation.models (scores, reviews, clarifications…) as it lands."""
    from ggzy.evaluation import models

    await dump_domain(ctx, models, "evaluation")


async def publicity_section(ctx: SectionContext) -> None:
    """Candidate publicity (中标候选人公示) and its objections: every table of ggzy.publicity.models."""
    from ggzy.publicity import models

    await dump_domain(ctx, models, "publicity")


async def award_section(ctx: SectionContext) -> None:
    """Award notices (中标通知书, their PDFs) and contracts: every table of ggzy.award.models."""
    from ggzy.award import models

    await dump_domain(ctx, models, "award")


async def complaints_section(ctx: SectionContext) -> None:
    """Complaints (投诉) to the line's supervisor about this tender, with their deadlines and decisions (the
    published decision notices are in notices/ already): every table of ggzy.supervision.models keyed by tender."""
    from ggzy.supervision import models

    await dump_domain(ctx, models, "complaints")


# ---------------------------------------------------------------- parties and the audit slice


async def parties_section(ctx: SectionContext) -> None:
    """parties.json: the organisations the other files name (id, kind, name, credit code) — runs after them."""
    if not ctx.org_ids:
        return
    orgs = await _all(ctx.session, select(Organisation).where(Organisation.id.in_(ctx.org_ids))
                      .order_by(Organisation.id))
    ctx.plan.add_json("parties.json", [
        {"id": o.id, "kind": o.kind, "name": o.name, "credit_code": o.credit_code, "region": o.region}
        for o in orgs])


_BATCH = 2000


def slice_filter(project_id: str, now: datetime, head_seq: int) -> ColumnElement[bool]:
    """The project's events up to the head, less those E-Bidding Measures Art.21 still hides at `now` (events
    of another tender of the project whose bid deadline has not passed)."""
    secret = AuditEvent.tag.in_(sorted(SECRET_UNTIL_DEADLINE))
    return and_(AuditEvent.project_id == project_id, AuditEvent.seq <= head_seq,
                or_(not_(secret), released_after_deadline(now)))


async def audit_section(ctx: SectionContext) -> None:
    """audit/events.jsonl: every event of the tender's project, one JSON line each (the hashed fields, prev_hash,
    hash); audit/head.json: the whole chain's signed head at build time, read first so the slice ends at it."""
    head = await ctx.session.get(AuditHead, 1, populate_existing=True)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    ctx.plan.add_json(rules.AUDIT_HEAD, {"seq": head_seq, "hash": head_hash, "mac": head.mac if head else "",
                                         "mac_alg": "HMAC-SHA256(GGZY_SECRET_KEY, \"seq:hash\")"})
    path = ctx.tmp_dir / "audit-events.jsonl"
    count, first, last = 0, None, None
    cols = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    where = slice_filter(ctx.project.id, ctx.now, head_seq)
    result = await ctx.session.stream(select(*cols).where(where).order_by(AuditEvent.seq)
                                      .execution_options(yield_per=_BATCH))
    f = await asyncio.to_thread(path.open, "wb")
    try:
        async for partition in result.partitions(_BATCH):  # one thread hop per batch of lines, not per line
            lines = []
            for ev in partition:
                body = jsonable({name: getattr(ev, name) for name in HASHED_FIELDS})
                lines.append(json.dumps({**body, "prev_hash": ev.prev_hash, "hash": ev.hash}, ensure_ascii=False,
                                        sort_keys=True, separators=(",", ":")).encode() + b"\n")
                first = ev.seq if first is None else first
                last = ev.seq
            count += len(lines)
            await asyncio.to_thread(f.writelines, lines)
    finally:
        await asyncio.to_thread(f.close)
    ctx.plan.add_local(rules.AUDIT_EVENTS, path)
    ctx.audit = AuditSlice(count, first, last, head_seq, head_hash)


SECTIONS: list[Section] = [
    project_section,
    tender_section,
    documents_section,
    notices_section,
    questions_section,
    bids_section,
    opening_section,
    draws_section,
    evaluation_section,
    publicity_section,
    award_section,
    complaints_section,
    parties_section,  # after every section that names an organisation
    audit_section,
]
"""In order; a domain that lands later inserts its function before parties_section."""

__all__ = ["SECTIONS", "AuditSlice", "FileSpec", "Plan", "SectionContext", "dumps"]
