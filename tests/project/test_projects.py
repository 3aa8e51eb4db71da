"""Project entry (进场登记): apply, admit, return with a reason, resubmit, priority first, scoped reads."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project import rules
from ggzy.project.models import Project, TradingLine
from tests.factories import bearer, create_party
from tests.tender.helpers import cast


def test_project_code_has_line_prefix_year_and_sequence() -> None:
    assert rules.project_code(TradingLine.construction, 2026, 1) == "JS-2026-00001"
    assert rules.next_code(TradingLine.land, 2026, ["TD-2026-00007", "TD-2026-00002", "GC-DEMO-0001"]) == (
        "TD-2026-00008"
    )
    assert rules.next_code(TradingLine.procurement, 2027, []) == "CG-2027-00001"


async def test_agency_applies_for_a_tenderer_and_codes_count_per_line(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c = await cast(db, clock.now())
    h = await bearer(client, c.agency_user)
    body = {"name": "二小教学楼", "line": "construction", "tenderer_org_id": c.tenderer_org.id, "amount": "3850000.00"}
    r1 = await client.post("/api/projects", json=body, headers=h)
    r2 = await client.post("/api/projects", json=body, headers=h)
    r3 = await client.post("/api/projects", json={**body, "line": "procurement"}, headers=h)
    assert [r.status_code for r in (r1, r2, r3)] == [201, 201, 201], r1.text
    assert [r.json()["code"] for r in (r1, r2, r3)] == ["JS-2026-00001", "JS-2026-00002", "CG-2026-00001"]
    p = r1.json()
    assert p["status"] == "submitted" and p["agency_org_id"] == c.agency_org.id and p["amount"] == "3850000.00"
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == p["id"]))).scalars().all()
    assert tags == ["project:applied"]


async def test_agency_must_name_the_tenderer(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    c = await cast(db, clock.now())
    h = await bearer(client, c.agency_user)
    r = await client.post("/api/projects", json={"name": "x", "line": "land"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "project.tenderer_required"
    r = await client.post("/api/projects", json={"name": "x", "line": "land", "tenderer_org_id": c.agency_org.id},
                          headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "project.bad_party_org"
    assert (await db.execute(select(func.count(Project.id)))).scalar_one() == 0


async def test_tenderer_applies_naming_its_agency_and_bidder_cannot(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c = await cast(db, clock.now())
    r = await client.post("/api/projects", json={"name": "土地出让", "line": "land", "agency_org_id": c.agency_org.id},
                          headers=await bearer(client, c.tenderer_user))
    assert r.status_code == 201
    assert r.json()["tenderer_org_id"] == c.tenderer_org.id and r.json()["agency_org_id"] == c.agency_org.id
    _, bidder_user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    hb = await bearer(client, bidder_user)
    r = await client.post("/api/projects", json={"name": "x", "line": "land"}, headers=hb)
    assert r.status_code == 403 and r.json()["error"]["code"] == "project.not_applicant"


async def test_return_needs_a_reason_then_resubmit_and_admit(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c = await cast(db, clock.now())
    ha = await bearer(client, c.agency_user)
    hc = await bearer(client, c.centre_user)
    pid = (await client.post("/api/projects", json={"name": "道路", "line": "construction",
                                                   "tenderer_org_id": c.tenderer_org.id}, headers=ha)).json()["id"]
    r = await client.post(f"/api/projects/{pid}/return", json={"reason": "   "}, headers=hc)
    assert r.status_code == 422 and r.json()["error"]["code"] == "project.reason_required"
    r = await client.post(f"/api/projects/{pid}/return", json={}, headers=hc)
    assert r.status_code == 422
    # Only the centre decides.
    r = await client.post(f"/api/projects/{pid}/admit", headers=ha)
    assert r.status_code == 403
    r = await client.post(f"/api/projects/{pid}/return", json={"reason": "缺少立项批复文件"}, headers=hc)
    assert r.status_code == 200 and r.json()["status"] == "returned" and r.json()["return_reason"] == "缺少立项批复文件"
    r = await client.post(f"/api/projects/{pid}/admit", headers=hc)
    assert r.status_code == 409 and r.json()["error"]["code"] == "project.bad_transition"
    clock.advance(days=1)
    r = await client.post(f"/api/projects/{pid}/resubmit", json={"description": "已补充立项批复"}, headers=ha)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = await client.post(f"/api/projects/{pid}/admit", headers=hc)
    assert r.status_code == 200 and r.json()["status"] == "admitted"
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == pid).order_by(AuditEvent.seq)))
    assert tags.scalars().all() == ["project:applied", "project:returned", "project:resubmitted", "project:admitted"]


async def test_priority_projects_listed_first_in_queue_and_lists(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c = await cast(db, clock.now())
    ha = await bearer(client, c.agency_user)
    hc = await bearer(client, c.centre_user)
    ids = []
    for name in ("甲", "乙", "丙"):
        r = await client.post("/api/projects", json={"name": name, "line": "procurement",
                                                    "tenderer_org_id": c.tenderer_org.id}, headers=ha)
        ids.append(r.json()["id"])
        clock.advance(minutes=5)
    r = await client.post(f"/api/projects/{ids[2]}/priority", json={"priority": "epidemic", "reason": ""}, headers=hc)
    assert r.status_code == 422 and r.json()["error"]["code"] == "project.reason_required"
    r = await client.post(f"/api/projects/{ids[2]}/priority", json={"priority": "epidemic", "reason": "方舱医院物资"},
                          headers=hc)
    assert r.status_code == 200 and r.json()["priority"] == "epidemic"
    r = await client.post(f"/api/projects/{ids[1]}/priority", json={"priority": "epidemic", "reason": "x"}, headers=ha)
    assert r.status_code == 403
    queue = await client.get("/api/projects?status=submitted", headers=hc)
    assert queue.json()[0]["name"] == "丙"
    from ggzy.project import service

    q = await service.admission_queue(db, c.centre)
    assert [p.name for p in q] == ["丙", "甲", "乙"]  # priority first, then first come first served
    await db.rollback()  # release SQLite's write lock (BEGIN IMMEDIATE) before the next request
    mine = await client.get("/api/projects", headers=ha)
    assert [p["name"] for p in mine.json()] == ["丙", "乙", "甲"]  # priority first, then newest


async def test_reads_are_scoped_by_actor(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    c = await cast(db, clock.now())
    ha = await bearer(client, c.agency_user)
    pid = (await client.post("/api/projects", json={"name": "水库", "line": "construction",
                                                   "tenderer_org_id": c.tenderer_org.id}, headers=ha)).json()["id"]
    _, other_agency, _ = await create_party(db, OrgKind.agency, now=clock.now())
    _, sup_build, _ = await create_party(db, OrgKind.supervisor, now=clock.now(), supervised_lines=["construction"])
    _, sup_fin, _ = await create_party(db, OrgKind.supervisor, now=clock.now(), supervised_lines=["procurement"])
    for user, visible in ((c.tenderer_user, True), (c.centre_user, True), (other_agency, False), (sup_build, True),
                          (sup_fin, False)):
        h = await bearer(client, user)
        r = await client.get(f"/api/projects/{pid}", headers=h)
        assert r.status_code == (200 if visible else 404), user.username
        listed = [p["id"] for p in (await client.get("/api/projects", headers=h)).json()]
        assert (pid in listed) is visible
    assert (await client.get(f"/api/projects/{pid}")).status_code == 401
    r = await client.post(f"/api/projects/{pid}/resubmit", json={}, headers=await bearer(client, other_agency))
    assert r.status_code == 404


async def test_public_notices_need_no_login(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    r = await client.get("/api/notices")
    assert r.status_code == 200 and r.json()["total"] == 0
    r = await client.get("/api/notices/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "notice.not_found"
    r = await client.get("/api/notices?status=bogus")
    assert r.status_code == 422
