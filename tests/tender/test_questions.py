"""Questions and clarifications (E-Bidding Measures Art.22; Bidding Regs Art.21; MOF 87 Art.27)."""

from __future__ import annotations

import math
from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification, OutboxMessage
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.tender.models import Question, Tender
from tests.tender.qa_helpers import Party, World, download, make_world, upload

PDF = b"%PDF-1.7 tender documents"


async def ready(db: AsyncSession, client: AsyncClient, clock: FrozenClock, downloaders: int = 2, **kw) -> World:
    """A tender with one document, downloaded by the first `downloaders` bidders (of 3)."""
    w = await make_world(db, client, now=clock.now(), **kw)
    doc = (await upload(client, w, PDF)).json()
    for b in w.bidders[:downloaders]:
        assert (await download(client, w, b, doc["id"])).status_code == 200
    return w


async def ask(client: AsyncClient, w: World, who: Party, body: str = "第3.2条资质要求是否接受联合体？"):
    return await client.post(f"/api/tenders/{w.tender.id}/questions", json={"body": body}, headers=who.headers)


async def inbox_orgs(db: AsyncSession, kind: str) -> set[str]:
    orgs = set((await db.execute(select(Notification.org_id).where(Notification.kind == kind))).scalars().all())
    await db.commit()
    return orgs


async def test_asker_hidden_from_agency_centre_and_supervisors(client: AsyncClient, db: AsyncSession, clock):
    w = await ready(db, client, clock)
    asker = w.bidders[0]
    r = await ask(client, w, asker)
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    for who in (w.agency, w.tenderer, w.centre, w.supervisor):
        listed = await client.get(f"/api/tenders/{w.tender.id}/questions", headers=who.headers)
        assert listed.status_code == 200
        assert [q["id"] for q in listed.json()] == [qid]
        assert asker.org.id not in listed.text and asker.org.name not in listed.text
        assert asker.user.id not in listed.text
        assert listed.json()[0]["mine"] is False
    own = (await client.get(f"/api/tenders/{w.tender.id}/questions", headers=asker.headers)).json()
    assert [(q["id"], q["mine"]) for q in own] == [(qid, True)]
    other = await client.get(f"/api/tenders/{w.tender.id}/questions", headers=w.bidders[1].headers)
    assert other.json() == []
    # The identity is kept, and only the audit trail carries it.
    ev = (await db.execute(select(AuditEvent).where(AuditEvent.tag == "question:asked"))).scalars().one()
    assert ev.actor_org_id == asker.org.id
    # The agency is told a question arrived, without who asked.
    note = (await db.execute(select(Notification).where(Notification.kind == "question_asked"))).scalars().one()
    assert note.org_id == w.agency.org.id and asker.org.name not in note.body_zh + note.title_zh
    await db.commit()


async def test_only_downloaders_may_ask(client: AsyncClient, db: AsyncSession, clock):
    w = await ready(db, client, clock, downloaders=1)
    r = await ask(client, w, w.bidders[1])
    assert r.status_code == 403 and r.json()["error"]["code"] == "question.not_downloader"
    r = await ask(client, w, w.agency)
    assert r.status_code == 403
    r = await client.post(f"/api/tenders/{w.tender.id}/questions", json={"body": "   "}, headers=w.bidders[0].headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "question.empty"
    r = await client.post(f"/api/tenders/{w.tender.id}/questions", json={"body": 5}, headers=w.bidders[0].headers)
    assert r.status_code == 422


async def test_question_after_question_deadline_refused(client: AsyncClient, db: AsyncSession, clock):
    w = await ready(db, client, clock, downloaders=1)
    clock.advance(days=10)  # question_deadline = start + 10 days
    r = await ask(client, w, w.bidders[0])
    assert r.status_code == 409 and r.json()["error"]["code"] == "question.deadline_passed"
    assert (await db.execute(select(Question))).first() is None
    await db.commit()


async def test_clarification_reaches_every_downloader_and_no_one_else_e_bidding_art22(
    client: AsyncClient, db: AsyncSession, clock
):
    """Art.22: a clarification goes to every party that downloaded the documents."""
    w = await ready(db, client, clock, downloaders=2)
    # A second download by the same organisation must not produce a second copy.
    doc_id = (await client.get(f"/api/tenders/{w.tender.id}/documents")).json()[0]["id"]
    assert (await download(client, w, w.bidders[0], doc_id)).status_code == 200
    qid = (await ask(client, w, w.bidders[1], "工期能否调整？")).json()["id"]
    r = await client.post(f"/api/questions/{qid}/answer", json={"body": "工期不变。"}, headers=w.agency.headers)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["question_text"] == "工期能否调整？" and c["body"] == "工期不变。"
    assert w.bidders[1].org.id not in r.text
    downloaders = {w.bidders[0].org.id, w.bidders[1].org.id}
    notes = (await db.execute(select(Notification).where(Notification.kind == "clarification"))).scalars().all()
    assert sorted(n.org_id for n in notes) == sorted(downloaders)  # exactly one each
    outbox = (await db.execute(select(OutboxMessage.recipient_org_id))).scalars().all()
    assert downloaders <= set(outbox) and w.bidders[2].org.id not in outbox
    await db.commit()
    for b in w.bidders[:2]:
        mine = (await client.get("/api/me/questions", headers=b.headers)).json()
        assert [x["id"] for x in mine["clarifications"]] == [c["id"]]
        inbox = (await client.get("/api/inbox", headers=b.headers)).json()
        assert any(n["kind"] == "clarification" and n["tender_id"] == w.tender.id for n in inbox["items"])
    outsider = w.bidders[2]
    assert (await client.get("/api/me/questions", headers=outsider.headers)).json()["clarifications"] == []
    assert (await client.get(f"/api/tenders/{w.tender.id}/clarifications", headers=outsider.headers)).json() == []
    assert (await client.get("/api/inbox", headers=outsider.headers)).json()["total"] == 0
    # The asker's own view shows the answer; nobody's view shows the asker.
    mine = (await client.get("/api/me/questions", headers=w.bidders[1].headers)).json()
    assert mine["questions"][0]["answer"] == "工期不变。"
    again = await client.post(f"/api/questions/{qid}/answer", json={"body": "再答"}, headers=w.agency.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "question.already_answered"


async def test_only_the_tenders_managers_answer(client: AsyncClient, db: AsyncSession, clock):
    w = await ready(db, client, clock, downloaders=1)
    qid = (await ask(client, w, w.bidders[0])).json()["id"]
    r = await client.post(f"/api/questions/{qid}/answer", json={"body": "x"}, headers=w.bidders[0].headers)
    assert r.status_code == 404  # a bidder does not even learn the question exists
    r = await client.post(f"/api/questions/{qid}/answer", json={"body": "x"}, headers=w.centre.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "document.not_manager"
    r = await client.post(f"/api/tenders/{w.tender.id}/clarifications", json={"body": "x"},
                          headers=w.supervisor.headers)
    assert r.status_code == 403
    assert (await inbox_orgs(db, "clarification")) == set()


async def test_document_change_within_15_days_moves_deadline_bidding_regs_art21(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
):
    """Bidding Regs Art.21: a change less than 15 days before the deadline moves the deadline."""
    w = await ready(db, client, clock, downloaders=1)
    deadline = w.tender.bid_deadline
    assert deadline is not None
    # 17 days before the deadline: no move, even for a change to the documents.
    clock.advance(days=3)
    r = await client.post(f"/api/tenders/{w.tender.id}/clarifications",
                          json={"body": "图纸第5页更正", "changes_documents": True}, headers=w.agency.headers)
    assert r.status_code == 201 and r.json()["notice_id"] is None
    # 10 days before: a plain answer leaves the deadline alone, a document change moves it.
    clock.advance(days=7, seconds=30)
    r = await client.post(f"/api/tenders/{w.tender.id}/clarifications", json={"body": "说明"},
                          headers=w.agency.headers)
    assert r.status_code == 201
    assert (await db.get(Tender, w.tender.id, populate_existing=True)).bid_deadline == deadline
    await db.commit()
    r = await client.post(f"/api/tenders/{w.tender.id}/clarifications",
                          json={"body": "工程量清单修改", "changes_documents": True}, headers=w.agency.headers)
    assert r.status_code == 201, r.text
    expected = clock.now() + timedelta(days=15)
    expected = expected.replace(second=0, microsecond=0) + timedelta(minutes=math.ceil(expected.second / 60))
    tender = await db.get(Tender, w.tender.id, populate_existing=True)
    assert tender is not None and tender.bid_deadline == expected > deadline
    notice = await db.get(Notice, r.json()["notice_id"])
    assert notice is not None and notice.kind == NoticeKind.correction and "顺延" in notice.body
    tags = (await db.execute(select(AuditEvent.tag).order_by(AuditEvent.seq))).scalars().all()
    assert tags[-2:] == ["clarification:published", "tender:deadline_moved"]
    titles = (await db.execute(select(Notification.title_zh).where(Notification.kind == "clarification"))).scalars()
    assert sorted("顺延" in t for t in titles) == [False, False, True]  # only the moving one says so
    await db.commit()


async def test_procurement_document_change_moves_deadline_mof87_art27(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
):
    """MOF 87 Art.27: the same 15-day rule for government procurement."""
    w = await ready(db, client, clock, downloaders=1, line=TradingLine.procurement)
    clock.advance(days=10)
    r = await client.post(f"/api/tenders/{w.tender.id}/clarifications",
                          json={"body": "技术参数修改", "changes_documents": True}, headers=w.agency.headers)
    assert r.status_code == 201 and r.json()["notice_id"] is not None


async def test_no_clarification_after_the_bid_deadline(client: AsyncClient, db: AsyncSession, clock: FrozenClock):
    w = await ready(db, client, clock, downloaders=1)
    qid = (await ask(client, w, w.bidders[0])).json()["id"]
    clock.advance(days=20)
    r = await client.post(f"/api/questions/{qid}/answer", json={"body": "迟到的答复"}, headers=w.agency.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "clarification.tender_closed"
    assert (await inbox_orgs(db, "clarification")) == set()
