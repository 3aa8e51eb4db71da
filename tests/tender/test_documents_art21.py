"""E-Bidding Measures Art.21: before the bid deadline nobody learns who or how many downloaded.

Every role is walked through every endpoint and page of documents, questions and the inbox.
"""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.tender.qa_helpers import Party, World, download, make_world, page_client, upload

PDF = b"%PDF-1.7 Art.21"
READ_QUESTIONS = {"agency", "tenderer", "centre", "supervisor"}


def api_paths(w: World) -> list[str]:
    t = w.tender.id
    return [
        f"/api/tenders/{t}/documents", f"/api/tenders/{t}/documents?include_old=true", f"/api/tenders/{t}/questions",
        f"/api/tenders/{t}/clarifications", "/api/me/downloads", "/api/me/questions", "/api/inbox",
    ]


def page_paths(w: World) -> list[str]:
    t = w.tender.id
    return [f"/workspace/tenders/{t}/documents", f"/workspace/tenders/{t}/questions", "/workspace/downloads",
            "/workspace/questions", "/workspace/inbox"]


def leaks(text: str, others: list[Party]) -> list[str]:
    """Names or ids of downloading organisations (other than the caller's own) found in a response."""
    return [s for p in others for s in (p.org.name, p.org.id, p.user.id, p.user.display_name) if s in text]


def strip_volatile(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"|"X-CSRF-Token": "[^"]*"', "", html)


async def test_before_deadline_no_role_learns_who_or_how_many_downloaded_e_bidding_art21(
    app, client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=3)
    doc = (await upload(client, w, PDF)).json()
    downloaders = w.bidders[:2]
    roles = w.roles()
    non_downloaders = {k: p for k, p in roles.items() if p not in downloaders}
    async with AsyncExitStack() as stack:
        pages = {k: await stack.enter_async_context(page_client(app, db, settings, p, clock.now()))
                 for k, p in roles.items()}
        # Pages of everyone who did not download, before anything was downloaded.
        before = {(k, path): strip_volatile((await pages[k][0].get(path)).text)
                  for k in non_downloaders for path in page_paths(w)}
        for b in downloaders:
            assert (await download(client, w, b, doc["id"])).status_code == 200
        assert (await download(client, w, downloaders[0], doc["id"])).status_code == 200
        q = await client.post(f"/api/tenders/{w.tender.id}/questions", json={"body": "可否提供电子图纸？"},
                              headers=downloaders[1].headers)
        assert q.status_code == 201

        for name, p in roles.items():
            others = [b for b in downloaders if b is not p]
            r = await client.get(f"/api/tenders/{w.tender.id}/downloads", headers=p.headers)
            assert r.status_code == 403, name
            assert r.json()["error"]["code"] == "document.downloads_sealed"
            for path in api_paths(w):
                r = await client.get(path, headers=p.headers)
                assert r.status_code == 200, (name, path, r.text)
                assert leaks(r.text, others) == [], (name, path)
            own = (await client.get("/api/me/downloads", headers=p.headers)).json()
            assert {d["tender_id"] for d in own} == ({w.tender.id} if p in downloaders else set()), name
            pc, _ = pages[name]
            for path in page_paths(w):
                r = await pc.get(path)
                assert r.status_code == 200, (name, path)
                assert leaks(r.text, others) == [], (name, path)
                assert 'data-testid="downloader-count"' not in r.text
                assert 'data-testid="downloader-row"' not in r.text
        # Nothing on the documents pages, the downloads list or anyone else's inbox changed with the
        # downloads: not even a count can be inferred.
        for (name, path), html in before.items():
            asked_changes = (path == f"/workspace/tenders/{w.tender.id}/questions" and name in READ_QUESTIONS) or (
                path == "/workspace/inbox" and name == "agency"
            )
            if asked_changes:
                continue  # these roles legitimately see the question (never who asked) once one is asked
            after = strip_volatile((await pages[name][0].get(path)).text)
            assert after == html, (name, path)
        anon = await client.get(f"/api/tenders/{w.tender.id}/downloads")
        assert anon.status_code == 401


async def test_after_deadline_centre_managers_and_line_supervisors_see_downloaders_e_bidding_art21(
    app, client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=3)
    doc = (await upload(client, w, PDF)).json()
    downloaders = w.bidders[:2]
    for b in downloaders:
        assert (await download(client, w, b, doc["id"])).status_code == 200
    clock.advance(days=20)  # the bid deadline (= opening time)
    names = {b.org.name for b in downloaders}
    for who in (w.centre, w.agency, w.tenderer, w.supervisor):
        r = await client.get(f"/api/tenders/{w.tender.id}/downloads", headers=who.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["organisations"] == 2
        assert {i["org_name"] for i in body["items"]} == names
        async with page_client(app, db, settings, who, clock.now()) as (pc, _):
            html = (await pc.get(f"/workspace/tenders/{w.tender.id}/documents")).text
            assert all(n in html for n in names)
            assert 'data-testid="downloader-count">2<' in html
    for who in (w.other_supervisor, w.bidders[0], w.bidders[2], w.unverified):
        r = await client.get(f"/api/tenders/{w.tender.id}/downloads", headers=who.headers)
        assert r.status_code == 403
        async with page_client(app, db, settings, who, clock.now()) as (pc, _):
            html = (await pc.get(f"/workspace/tenders/{w.tender.id}/documents")).text
            assert leaks(html, [b for b in downloaders if b is not who]) == []
