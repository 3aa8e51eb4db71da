"""Tender documents: upload, listing, download rules (E-Bidding Measures Art.21; Bidding Regs Art.16)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import DocumentDownload, TenderDocument, TenderStatus
from tests.tender.qa_helpers import count_rows, download, make_world, upload

PDF = b"%PDF-1.7\n" + "招标文件正文".encode() * 500


def blob_files(settings: Settings) -> list[Path]:
    root = settings.blob_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_agency_uploads_and_anyone_lists_published_documents(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now())
    r = await upload(client, w, PDF)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert doc["size"] == len(PDF)
    assert doc["filename"] == "招标文件.pdf"
    listed = await client.get(f"/api/tenders/{w.tender.id}/documents")  # anonymous: metadata is public
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()] == [doc["id"]]
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == doc["id"]))).scalars().all()
    assert tags == ["document:uploaded"]


async def test_same_name_replaces_previous_version(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    first = (await upload(client, w, PDF)).json()
    second = (await upload(client, w, PDF + b"v2")).json()
    assert second["version"] == 2
    listed = (await client.get(f"/api/tenders/{w.tender.id}/documents")).json()
    assert [d["id"] for d in listed] == [second["id"]]
    everything = (await client.get(f"/api/tenders/{w.tender.id}/documents?include_old=true")).json()
    assert {d["id"]: d["current"] for d in everything} == {first["id"]: False, second["id"]: True}


async def test_draft_documents_hidden_from_public_but_not_from_agency(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=1, status=TenderStatus.draft)
    assert (await upload(client, w, PDF)).status_code == 201
    assert (await client.get(f"/api/tenders/{w.tender.id}/documents")).status_code == 404
    r = await client.get(f"/api/tenders/{w.tender.id}/documents", headers=w.bidders[0].headers)
    assert r.status_code == 404
    assert len((await client.get(f"/api/tenders/{w.tender.id}/documents", headers=w.agency.headers)).json()) == 1


async def test_only_the_tenders_agency_or_tenderer_may_upload(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=1)
    for who in (w.bidders[0], w.centre, w.supervisor):
        r = await upload(client, w, PDF, who=who)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "document.not_manager"
    assert (await upload(client, w, PDF, who=w.tenderer)).status_code == 201
    assert (await client.post(f"/api/tenders/{w.tender.id}/documents", files={"file": ("a.pdf", PDF)})).status_code \
        == 401


async def test_same_content_is_stored_once_at_its_sha256_path(client: AsyncClient, db: AsyncSession, clock, settings):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    a = (await upload(client, w, PDF, "A.pdf")).json()
    b = (await upload(client, w, PDF, "B.pdf")).json()
    sha = hashlib.sha256(PDF).hexdigest()
    assert a["sha256"] == b["sha256"] == sha
    assert blob_files(settings) == [settings.blob_dir / sha[:2] / sha[2:4] / sha]
    assert (settings.blob_dir / sha[:2] / sha[2:4] / sha).read_bytes() == PDF


async def test_oversized_upload_is_refused_413_without_row_or_blob(
    client: AsyncClient, db: AsyncSession, clock, settings, app
):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    app.state.settings.max_document_bytes = 1000
    # 3 KB passes the Content-Length pre-check (framing allowance), so the limit trips while streaming.
    for content in (b"x" * 3000, b"y" * 200_000):
        r = await upload(client, w, content)
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "storage.too_large"
    assert await count_rows(db, TenderDocument) == 0
    assert blob_files(settings) == []
    assert (await upload(client, w, b"z" * 1000)).status_code == 201  # exactly the limit is allowed


async def test_empty_and_malformed_uploads_are_4xx(client: AsyncClient, db: AsyncSession, clock, settings):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    r = await upload(client, w, b"")
    assert r.status_code == 422 and r.json()["error"]["code"] == "document.empty"
    r = await client.post(f"/api/tenders/{w.tender.id}/documents", json={"x": 1}, headers=w.agency.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "storage.bad_upload"
    r = await client.post(f"/api/tenders/{w.tender.id}/documents", files={"other": ("a.pdf", PDF)},
                          headers=w.agency.headers)
    assert r.status_code == 422
    r = await client.post("/api/tenders/nope/documents", files={"file": ("a.pdf", PDF)}, headers=w.agency.headers)
    assert r.status_code == 404
    assert blob_files(settings) == []


async def test_verified_bidder_downloads_with_sha256_header(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=1)
    doc = (await upload(client, w, PDF)).json()
    r = await download(client, w, w.bidders[0], doc["id"])
    assert r.status_code == 200, r.text
    assert r.content == PDF
    assert r.headers["x-content-sha256"] == hashlib.sha256(PDF).hexdigest()
    assert "attachment" in r.headers["content-disposition"]
    rows = (await db.execute(select(DocumentDownload))).scalars().all()
    assert [(d.org_id, d.document_id) for d in rows] == [(w.bidders[0].org.id, doc["id"])]
    ev = (await db.execute(select(AuditEvent).where(AuditEvent.tag == "document:downloaded"))).scalars().one()
    assert ev.actor_org_id == w.bidders[0].org.id


async def test_download_outside_document_period_refused_bidding_regs_art16(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
):
    """Documents are on offer only from doc_start to doc_end, by the server's clock."""
    w = await make_world(db, client, now=clock.now() + timedelta(hours=1), bidders=1)
    doc = (await upload(client, w, PDF)).json()
    r = await download(client, w, w.bidders[0], doc["id"])  # one hour before doc_start
    assert r.status_code == 409 and r.json()["error"]["code"] == "document.outside_period"
    clock.advance(hours=1)
    assert (await download(client, w, w.bidders[0], doc["id"])).status_code == 200
    clock.advance(days=5, seconds=1)  # just past doc_end
    r = await download(client, w, w.bidders[0], doc["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "document.outside_period"
    assert await count_rows(db, DocumentDownload) == 1


async def test_unverified_bidder_and_other_roles_cannot_download_e_bidding_art9(
    client: AsyncClient, db: AsyncSession, clock
):
    """A self-registered bidder must be verified by the centre before it takes part."""
    w = await make_world(db, client, now=clock.now(), bidders=0)
    doc = (await upload(client, w, PDF)).json()
    r = await download(client, w, w.unverified, doc["id"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "document.bidder_not_verified"
    for who in (w.agency, w.centre, w.supervisor):
        r = await download(client, w, who, doc["id"])
        assert r.status_code == 403 and r.json()["error"]["code"] == "document.bidders_only"
    assert (await client.get(f"/api/tenders/{w.tender.id}/documents/{doc['id']}/download")).status_code == 401
    assert await count_rows(db, DocumentDownload) == 0


async def test_download_refused_while_trading_suspended(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=1)
    doc = (await upload(client, w, PDF)).json()
    db.add(Suspension(
        scope=SuspensionScope.project, project_id=w.tender.project_id, reason="疫情防控",
        status=SuspensionStatus.active,
        requested_by=w.centre.user.id, requested_at=clock.now(), started_at=clock.now(),
    ))
    await db.commit()
    r = await download(client, w, w.bidders[0], doc["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "supervision.suspended"
    assert await count_rows(db, DocumentDownload) == 0


async def test_unknown_document_and_old_version_not_downloadable(client: AsyncClient, db: AsyncSession, clock):
    w = await make_world(db, client, now=clock.now(), bidders=1)
    old = (await upload(client, w, PDF)).json()
    await upload(client, w, PDF + b"v2")
    assert (await download(client, w, w.bidders[0], old["id"])).status_code == 404
    assert (await download(client, w, w.bidders[0], "missing")).status_code == 404
