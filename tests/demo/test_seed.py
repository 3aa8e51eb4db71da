"""Demo data: complete, valid, idempotent, made through the services, and usable for logging in."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.config import Settings
from ggzy.demo.documents import CJK_FONT_FILE
from ggzy.demo.experts import CONSTRUCTION_COMMITTEE, EXPERTS, PROCUREMENT_COMMITTEE
from ggzy.demo.projects import DEMO_DOWNLOADERS, DOCUMENT_FILENAME, demo_timetable
from ggzy.demo.seed import DEMO_PASSWORD, SeedResult, actor_of, database_is_empty, existing_demo_logins, seed_demo
from ggzy.demo.uscc import is_valid_uscc, make_uscc
from ggzy.expert.draw_rules import MIN_YEARS
from ggzy.expert.models import Expert, ExpertSpecialty
from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import is_valid_id_number
from ggzy.kit.timefmt import SHANGHAI
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, OrgStatus, User
from ggzy.party.rules import DEPARTMENT_LINES, is_valid_credit_code
from ggzy.project.models import Notice, Project, ProjectStatus, TradingLine
from ggzy.project.service import admission_queue
from ggzy.storage.blobstore import LocalBlobStore
from ggzy.tender import rules
from ggzy.tender.models import Clarification, Question, Tender, TenderDocument, TenderStatus
from ggzy.workdays.rules import NO_OVERRIDES


def test_uscc_check_digits_match_a_published_code_gb32100() -> None:
    assert is_valid_uscc("91110000802100433B")  # a real, published code
    assert not is_valid_uscc("91110000802100433C")
    code = make_uscc("9", "1", "530900", "70000101")
    assert is_valid_uscc(code) and is_valid_credit_code(code)


async def _count(db: AsyncSession, model: type) -> int:
    return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def _seed(db: AsyncSession, settings: Settings, now: datetime) -> SeedResult:
    return await seed_demo(db, now=now, blobs=LocalBlobStore(settings.blob_dir))


async def _token(client: AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, (username, r.text)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_seed_creates_every_party_with_valid_credit_codes(db: AsyncSession, clock: FrozenClock,
                                                                settings: Settings) -> None:
    assert await database_is_empty(db)
    result = await _seed(db, settings, clock.now())
    assert result.created
    orgs = (await db.execute(select(Organisation))).scalars().all()
    kinds = [o.kind for o in orgs]
    assert kinds.count(OrgKind.centre) == 1 and kinds.count(OrgKind.agency) == 2
    assert kinds.count(OrgKind.tenderer) == 4 and kinds.count(OrgKind.bidder) == 13
    pending = [o for o in orgs if o.status != OrgStatus.verified]
    assert [(o.kind, o.status) for o in pending] == [(OrgKind.bidder, OrgStatus.pending)]
    for org in orgs:
        assert org.credit_code and is_valid_credit_code(org.credit_code) and is_valid_uscc(org.credit_code)
    supervisors = {o.department: tuple(o.supervised_lines) for o in orgs if o.kind == OrgKind.supervisor}
    assert supervisors == dict(DEPARTMENT_LINES)
    assert {"admin", "staff1", "agency1", "agency2", "bidder1", "bidder12", "bidder13", "sup_finance",
            "expert1"} <= {lg.username for lg in result.logins}
    assert [lg.username for lg in await existing_demo_logins(db)] == [lg.username for lg in result.logins]
    statuses = sorted(p.status for p in (await db.execute(select(Project))).scalars())
    assert statuses == sorted([*[ProjectStatus.admitted] * 3, ProjectStatus.submitted])  # 3rd admitted: land
    tenders = (await db.execute(select(Tender))).scalars().all()
    assert len(tenders) == 2 and all(t.status == TenderStatus.published for t in tenders)
    assert await _count(db, Notice) == 2
    assert (await verify_chain(db)).ok


async def test_seed_goes_through_the_services_with_an_audit_trail(db: AsyncSession, clock: FrozenClock,
                                                                  settings: Settings) -> None:
    await _seed(db, settings, clock.now())
    actions = list((await db.execute(select(AuditEvent.tag))).scalars())
    for action, times in [("project:applied", 4), ("project:admitted", 3), ("project:priority_set", 1),
                          ("tender:created", 2), ("document:uploaded", 2), ("tender:published", 2),
                          ("document:downloaded", 2), ("question:asked", 1), ("clarification:published", 1),
                          ("party:bidder_registered", 1)]:
        assert actions.count(action) == times, action
    assert "project:seeded" not in actions
    prioritised = (await db.execute(select(Project).where(Project.priority.is_not(None)))).scalars().all()
    assert [p.line for p in prioritised] == [TradingLine.construction] and prioritised[0].priority_reason


async def test_seeded_tender_document_downloads_with_its_sha256(client: AsyncClient, db: AsyncSession,
                                                                clock: FrozenClock, settings: Settings) -> None:
    await _seed(db, settings, clock.now())
    docs = (await db.execute(select(TenderDocument.tender_id, TenderDocument.id, TenderDocument.sha256,
                                    TenderDocument.size, TenderDocument.filename))).tuples().all()
    await db.rollback()  # SQLite: the read transaction must not keep the write lock from the requests below
    assert len(docs) == 2 and {d[4] for d in docs} == {DOCUMENT_FILENAME}
    headers = await _token(client, "bidder3")  # verified, has not downloaded yet
    for tender_id, doc_id, sha256, size, _ in docs:
        listed = await client.get(f"/api/tenders/{tender_id}/documents")
        assert [d["sha256"] for d in listed.json()] == [sha256]
        r = await client.get(f"/api/tenders/{tender_id}/documents/{doc_id}/download", headers=headers)
        assert r.status_code == 200, r.text
        assert r.content.startswith(b"%PDF-") and len(r.content) == size
        assert hashlib.sha256(r.content).hexdigest() == sha256 == r.headers["X-Content-SHA256"]
        if CJK_FONT_FILE.is_file():
            assert b"WenQuanYiMicroHei" in r.content  # the Chinese font travels inside the file


async def test_admission_queue_holds_the_one_submitted_project(db: AsyncSession, clock: FrozenClock,
                                                               settings: Settings) -> None:
    result = await _seed(db, settings, clock.now())
    queue = await admission_queue(db, actor_of(result, "staff1"))
    assert [(p.status, p.tenderer_org_id) for p in queue] == [(ProjectStatus.submitted, result.orgs["tenderer2"].id)]


async def test_clarification_reaches_the_downloaders_inboxes_only(client: AsyncClient, db: AsyncSession,
                                                                  clock: FrozenClock, settings: Settings) -> None:
    """E-Bidding Measures Art.22: the answer goes to every bidder that obtained the documents, and no other."""
    await _seed(db, settings, clock.now())
    question = (await db.execute(select(Question))).scalars().one()
    clarification = (await db.execute(select(Clarification))).scalars().one()
    assert question.clarification_id == clarification.id and question.body in clarification.question_text
    tender_id = question.tender_id
    await db.rollback()
    for username, expected in [*((u, True) for u in DEMO_DOWNLOADERS), ("bidder3", False)]:
        inbox = (await client.get("/api/inbox", headers=await _token(client, username),
                                  params={"per_page": 100})).json()
        got = any(n["kind"] == "clarification" and n["tender_id"] == tender_id for n in inbox["items"])
        assert got is expected, username
    agency = (await client.get("/api/inbox", headers=await _token(client, "agency1"))).json()
    assert any(n["kind"] == "question_asked" for n in agency["items"])


async def test_pending_bidder_registered_itself_and_can_log_in(client: AsyncClient, db: AsyncSession,
                                                               clock: FrozenClock, settings: Settings) -> None:
    result = await _seed(db, settings, clock.now())
    org = result.orgs["pending_bidder"]
    assert org.status == OrgStatus.pending and org.verified_at is None
    await db.rollback()
    me = (await client.get("/api/auth/me", headers=await _token(client, "bidder13"))).json()
    assert me["username"] == "bidder13"
    centre = (await db.execute(select(Notification).where(Notification.kind == "party.registration_pending")))
    assert len(centre.scalars().all()) == 1


async def test_seed_twice_changes_nothing(db: AsyncSession, clock: FrozenClock, settings: Settings) -> None:
    models = (Organisation, User, Project, Tender, TenderDocument, Question, Clarification, Notice, Notification,
              Expert, ExpertSpecialty, AuditEvent)
    await _seed(db, settings, clock.now())
    counts = [await _count(db, m) for m in models]
    again = await _seed(db, settings, clock.advance(days=1))
    assert not again.created
    assert [await _count(db, m) for m in models] == counts
    assert not await database_is_empty(db)
    assert (await verify_chain(db)).ok


async def test_seed_restores_a_lost_document_blob_without_new_rows(db: AsyncSession, clock: FrozenClock,
                                                                   settings: Settings) -> None:
    await _seed(db, settings, clock.now())
    blobs = LocalBlobStore(settings.blob_dir)
    shas = list((await db.execute(select(TenderDocument.sha256))).scalars())
    for sha in shas:
        await blobs.delete(sha)
    events = await _count(db, AuditEvent)
    assert not (await _seed(db, settings, clock.advance(minutes=5))).created
    for sha in shas:  # the PDF is byte-for-byte reproducible, so the old rows point at the new blobs
        assert hashlib.sha256(blobs.path_for(sha).read_bytes()).hexdigest() == sha
    assert await _count(db, AuditEvent) == events


async def test_seed_refuses_to_make_projects_without_a_blob_store(db: AsyncSession, clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="blob store"):
        await seed_demo(db, now=clock.now())
    assert await database_is_empty(db)  # refused before the first write


@pytest.mark.parametrize("line", [TradingLine.construction, TradingLine.procurement])
def test_demo_timetable_passes_the_rules_every_day_of_the_year_law_art24_mof87_art16(line: TradingLine) -> None:
    """Tendering Law Art.24 (≥ 20 days to the deadline) and MOF Order 87 Art.16 (≥ 5 working days of
    documents), across weekends and the Golden Week and Spring Festival holidays."""
    lr = rules.current_ruleset().for_line(line)
    start = datetime(2026, 1, 1, 9, 17, 42, tzinfo=SHANGHAI)
    for day in range(366):
        now = start + timedelta(days=day, hours=day % 13)
        tt = demo_timetable(now, line, NO_OVERRIDES)
        assert rules.check_timetable(rules.Timetable(**tt), rules=lr, now=now) == [], now
        assert tt["doc_start"] == now and tt["bid_deadline"].astimezone(SHANGHAI).hour == 9


async def test_demo_logins_work_with_the_documented_password(client: AsyncClient, db: AsyncSession,
                                                             clock: FrozenClock) -> None:
    await seed_demo(db, now=clock.now(), with_projects=False)
    for username in ("admin", "agency1", "bidder3", "sup_housing", "bidder13"):
        await _token(client, username)


async def test_seeded_pool_fills_both_demo_committees_evaluation_rules_art9_art11_art12(
        client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings) -> None:
    """Evaluation Rules Art.9 (5 members), Art.11 (senior title, ≥ 8 years) and Art.12 (an employee of a bidder is
    no candidate): the demo pool holds, per specialty of each demo committee, the seats, a reserve and a
    replacement for a decline; every expert is a login of the pool organisation with a valid ID number."""
    result = await _seed(db, settings, clock.now())
    experts = (await db.execute(select(Expert))).scalars().all()
    assert len(experts) == len(EXPERTS)
    codes = {e.id: set((await db.execute(select(ExpertSpecialty.code).where(ExpertSpecialty.expert_id == e.id)))
                       .scalars()) for e in experts}
    bidders = {o.name for k, o in result.orgs.items() if k.startswith("bidder")}
    pool_org = result.orgs["experts"].id
    for e in experts:
        user = next(u for u in result.users.values() if u.id == e.user_id)
        assert user.organisation_id == pool_org and user.role == "expert"
        assert is_valid_id_number(e.id_number, today=clock.now().date()) and e.phone.startswith("1")
    eligible = [e for e in experts if e.senior_title and e.years_in_field >= MIN_YEARS and e.employer not in bidders]
    for code, seats in (*CONSTRUCTION_COMMITTEE, *PROCUREMENT_COMMITTEE):
        assert sum(1 for e in eligible if any(c.startswith(code) for c in codes[e.id])) >= seats + 2, code
    assert [e.employer for e in experts if e.employer in bidders] == ["云州市政建设有限公司"]
    await db.rollback()
    me = (await client.get("/api/expert/me", headers=await _token(client, "expert4"))).json()
    assert me["name"] == "孙建华" and me["specialties"] == ["A0802"]
