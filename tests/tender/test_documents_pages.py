"""The documents pages: upload and download through plain HTML forms (CSRF token in the form)."""

from __future__ import annotations

import hashlib

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.tender.models import DocumentDownload, TenderDocument
from tests.tender.qa_helpers import count_rows, make_world, page_client

PDF = b"%PDF-1.7 page upload " * 100


async def test_agency_uploads_through_the_page_form(app, client: AsyncClient, db: AsyncSession, clock, settings):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    path = f"/workspace/tenders/{w.tender.id}/documents"
    async with page_client(app, db, settings, w.agency, clock.now()) as (pc, csrf):
        page = await pc.get(path)
        assert page.status_code == 200 and 'data-testid="upload"' in page.text
        r = await pc.post(path, data={"csrf_token": csrf}, files={"file": ("技术规范.pdf", PDF, "application/pdf")})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=uploaded")
        page = await pc.get(r.headers["location"])
        assert "技术规范.pdf" in page.text and hashlib.sha256(PDF).hexdigest()[:16] in page.text
        # Without the CSRF token nothing is stored.
        r = await pc.post(path, files={"file": ("x.pdf", b"x", "application/pdf")})
        assert r.status_code == 403
    assert await count_rows(db, TenderDocument) == 1


async def test_oversized_page_upload_shows_an_error_and_keeps_nothing(
    app, client: AsyncClient, db: AsyncSession, clock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    app.state.settings.max_document_bytes = 100
    async with page_client(app, db, settings, w.agency, clock.now()) as (pc, csrf):
        r = await pc.post(f"/workspace/tenders/{w.tender.id}/documents", data={"csrf_token": csrf},
                          files={"file": ("big.pdf", PDF, "application/pdf")})
        assert r.status_code == 413 and "storage.too_large" in r.text
    assert await count_rows(db, TenderDocument) == 0
    assert not settings.blob_dir.exists() or not any(p.is_file() for p in settings.blob_dir.rglob("*"))


async def test_bidder_downloads_through_the_page_and_sees_it_in_my_downloads(
    app, client: AsyncClient, db: AsyncSession, clock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=1, doc_days=0.25)
    doc = (await client.post(f"/api/tenders/{w.tender.id}/documents", files={"file": ("招标文件.pdf", PDF)},
                             headers=w.agency.headers)).json()
    bidder = w.bidders[0]
    async with page_client(app, db, settings, bidder, clock.now()) as (pc, csrf):
        page = await pc.get(f"/workspace/tenders/{w.tender.id}/documents")
        assert 'data-testid="download"' in page.text and 'data-testid="upload"' not in page.text
        url = f"/workspace/tenders/{w.tender.id}/documents/{doc['id']}/download"
        assert (await pc.post(url)).status_code == 403  # a cross-site POST without the token records nothing
        api = await pc.get(f"/api/tenders/{w.tender.id}/documents/{doc['id']}/download")  # nor a cookie GET
        assert api.status_code == 403 and api.json()["error"]["code"] == "document.bearer_required"
        assert await count_rows(db, DocumentDownload) == 0
        r = await pc.post(url, data={"csrf_token": csrf})
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["x-content-sha256"] == hashlib.sha256(PDF).hexdigest()
        mine = await pc.get("/workspace/downloads")
        assert w.tender.title in mine.text and "招标文件.pdf" in mine.text
        clock.advance(hours=7)  # past doc_end: the page explains instead of offering a button
        page = await pc.get(f"/workspace/tenders/{w.tender.id}/documents")
        assert 'data-testid="download"' not in page.text
        r = await pc.post(url, data={"csrf_token": csrf})
        assert r.status_code == 409 and "document.outside_period" in r.text
    assert await count_rows(db, DocumentDownload) == 1


async def test_unverified_bidder_page_explains_and_anonymous_is_sent_to_login(
    app, client: AsyncClient, db: AsyncSession, clock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=0)
    async with page_client(app, db, settings, w.unverified, clock.now()) as (pc, _):
        page = await pc.get(f"/workspace/tenders/{w.tender.id}/documents?lang=en")
        assert "must be verified" in page.text
    r = await client.get(f"/workspace/tenders/{w.tender.id}/documents")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
