"""The questions pages: a bidder asks, the agency answers, every downloader reads the answer."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.tender.qa_helpers import download, make_world, page_client, upload


async def test_ask_answer_and_read_through_pages_asker_hidden(
    app, client: AsyncClient, db: AsyncSession, clock, settings
):
    w = await make_world(db, client, now=clock.now(), bidders=3)
    doc = (await upload(client, w, b"%PDF docs")).json()
    asker, reader, outsider = w.bidders
    for b in (asker, reader):
        assert (await download(client, w, b, doc["id"])).status_code == 200
    qpath = f"/workspace/tenders/{w.tender.id}/questions"
    async with page_client(app, db, settings, asker, clock.now()) as (pc, csrf):
        assert 'data-testid="ask-submit"' in (await pc.get(qpath)).text
        r = await pc.post(qpath, data={"csrf_token": csrf, "body": "投标有效期是多少天？"})
        assert r.status_code == 303
        r = await pc.post(qpath, data={"csrf_token": csrf, "body": "  "})
        assert r.status_code == 422 and "question.empty" in r.text
    async with page_client(app, db, settings, w.agency, clock.now()) as (pc, csrf):
        page = (await pc.get(qpath)).text
        assert "投标有效期是多少天？" in page and asker.org.name not in page
        qid = (await client.get(f"/api/tenders/{w.tender.id}/questions", headers=w.agency.headers)).json()[0]["id"]
        r = await pc.post(f"/workspace/questions/{qid}/answer", data={"csrf_token": csrf, "body": "90天。"})
        assert r.status_code == 303
        r = await pc.post(f"/workspace/tenders/{w.tender.id}/clarifications",
                          data={"csrf_token": csrf, "body": "补充：开标地点为线上不见面开标大厅。"})
        assert r.status_code == 303
    for who in (w.centre, w.supervisor):
        async with page_client(app, db, settings, who, clock.now()) as (pc, _):
            page = (await pc.get(qpath)).text
            assert "投标有效期是多少天？" in page and "90天。" in page and asker.org.name not in page
    async with page_client(app, db, settings, reader, clock.now()) as (pc, _):
        mine = (await pc.get("/workspace/questions")).text
        assert "90天。" in mine and "线上不见面开标大厅" in mine
        inbox = (await pc.get("/workspace/inbox")).text
        assert w.tender.title in inbox
    async with page_client(app, db, settings, outsider, clock.now()) as (pc, _):
        mine = (await pc.get("/workspace/questions")).text
        assert "90天。" not in mine
        page = (await pc.get(qpath)).text
        assert "90天。" not in page and 'data-testid="ask-submit"' not in page
