"""The audit API: chain verification and the event listing, with Art.21 secrecy before the bid deadline."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.tender.models import EvaluationMethod, Tender, TenderStatus
from tests.factories import bearer, create_party


async def _project_with_tender(db: AsyncSession, line: TradingLine, *, owner: tuple[Organisation, User],
                               now: datetime, deadline: datetime) -> tuple[Project, Tender]:
    org, user = owner
    project = Project(code=f"T-{uuid.uuid4().hex[:12]}", name="测试项目",
                      line=line, tenderer_org_id=org.id, applicant_user_id=user.id,
                      status=ProjectStatus.admitted, submitted_at=now, created_at=now, amount=Decimal("1000000"))
    db.add(project)
    await db.flush()
    tender = Tender(project_id=project.id, code=f"{project.code}-01", title="测试招标", line=line,
                    ruleset_version="test", status=TenderStatus.published, tenderer_org_id=org.id,
                    created_by=user.id, evaluation_method=EvaluationMethod.lowest_price, bid_deadline=deadline,
                    created_at=now, updated_at=now)
    db.add(tender)
    await db.commit()
    return project, tender


async def _events(client: AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await client.get("/api/audit/events", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _setup(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> dict[str, Any]:
    now = clock.now()
    _, staff, _ = await create_party(db, OrgKind.centre, now=now)
    tenderer_org, tenderer_user, _ = await create_party(db, OrgKind.tenderer, now=now)
    _, bidder_user, bidder = await create_party(db, OrgKind.bidder, now=now)
    _, fin_user, _ = await create_party(db, OrgKind.supervisor, now=now, department="财政局",
                                        supervised_lines=["procurement"])
    _, land_user, _ = await create_party(db, OrgKind.supervisor, now=now, department="自然资源局",
                                         supervised_lines=["land"])
    deadline = now + timedelta(days=20)
    project, tender = await _project_with_tender(db, TradingLine.procurement, owner=(tenderer_org, tenderer_user),
                                                 now=now, deadline=deadline)
    return {
        "staff": await bearer(client, staff), "bidder_h": await bearer(client, bidder_user),
        "fin": await bearer(client, fin_user), "land": await bearer(client, land_user),
        "bidder": bidder, "project": project, "tender": tender, "deadline": deadline,
    }


async def _secret_events(db: AsyncSession, bidder: Actor, project: Project, tender: Tender, now: datetime) -> None:
    """What engineer C's services append: a download (subject = tender) and a question (tender_id in after)."""
    await record(db, "document:downloaded", bidder, subject_type="tender", subject_id=tender.id,
                 project_id=project.id, now=now, after={"document_id": "d1"})
    await record(db, "question:asked", bidder, subject_type="question", subject_id="q1", project_id=project.id,
                 now=now, after={"tender_id": tender.id})
    await record(db, "tender:published", bidder, subject_type="tender", subject_id=tender.id,
                 project_id=project.id, now=now)
    await db.commit()


async def test_verify_endpoint_for_centre_staff_only_art49(client: AsyncClient, db: AsyncSession,
                                                           clock: FrozenClock) -> None:
    s = await _setup(client, db, clock)
    r = await client.get("/api/audit/verify", headers=s["staff"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"ok": True, "broken_seq": None, "reason": ""}  # no count or head: they would leak Art.21
    assert (await client.get("/api/audit/verify", headers=s["bidder_h"])).status_code == 403
    assert (await client.get("/api/audit/verify", headers=s["fin"])).status_code == 403
    assert (await client.get("/api/audit/verify")).status_code == 401


async def test_downloads_and_questions_withheld_from_everyone_before_deadline_art21(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.21: before the deadline nobody learns who downloaded or asked, nor how many."""
    s = await _setup(client, db, clock)
    await _secret_events(db, s["bidder"], s["project"], s["tender"], clock.now())
    for who in ("staff", "fin"):
        page = await _events(client, s[who], project_id=s["project"].id)
        tags = [e["tag"] for e in page["items"]]
        assert tags == ["tender:published"], (who, tags)
        assert page["total"] == 1
        for tag in ("document:downloaded", "question:asked", "document:", "question:"):
            hidden = await _events(client, s[who], tag=tag)
            assert hidden["total"] == 0 and hidden["items"] == [], (who, tag)
    everything = await _events(client, s["staff"])
    assert not {"document:downloaded", "question:asked"} & {e["tag"] for e in everything["items"]}

    clock.set(s["deadline"] - timedelta(seconds=1))
    assert (await _events(client, s["staff"], tag="document:downloaded"))["total"] == 0
    clock.set(s["deadline"])
    released = await _events(client, s["staff"], project_id=s["project"].id)
    assert {e["tag"] for e in released["items"]} == {"document:downloaded", "question:asked", "tender:published"}
    assert released["total"] == 3
    assert (await _events(client, s["fin"], tag="question:asked"))["total"] == 1


async def test_secret_event_without_tender_waits_for_every_tender_of_its_project_art21(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    s = await _setup(client, db, clock)
    later = s["deadline"] + timedelta(days=5)
    owner = (await create_party(db, OrgKind.tenderer, now=clock.now()))[:2]
    project2, _ = await _project_with_tender(db, TradingLine.procurement, owner=owner, now=clock.now(),
                                             deadline=s["deadline"])
    second = Tender(project_id=project2.id, code="SECOND-01", title="第二标", line=TradingLine.procurement,
                    ruleset_version="test", status=TenderStatus.published, tenderer_org_id=owner[0].id,
                    created_by=owner[1].id, evaluation_method=EvaluationMethod.lowest_price, bid_deadline=later,
                    created_at=clock.now(), updated_at=clock.now())
    db.add(second)
    await record(db, "document:downloaded", s["bidder"], subject_type="document", subject_id="doc",
                 project_id=project2.id, now=clock.now())
    await db.commit()
    clock.set(s["deadline"] + timedelta(days=1))
    assert (await _events(client, s["staff"], project_id=project2.id))["total"] == 0
    clock.set(later)
    assert (await _events(client, s["staff"], project_id=project2.id))["total"] == 1


async def test_supervisors_see_only_projects_of_their_lines(client: AsyncClient, db: AsyncSession,
                                                            clock: FrozenClock) -> None:
    s = await _setup(client, db, clock)
    await _secret_events(db, s["bidder"], s["project"], s["tender"], clock.now())
    assert (await _events(client, s["fin"]))["total"] == 1
    land = await _events(client, s["land"])
    assert land["total"] == 0 and land["items"] == []
    r = await client.get("/api/audit/events", headers=s["bidder_h"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "audit.forbidden"
    assert (await client.get("/api/audit/events")).status_code == 401


async def test_events_are_paged_and_bad_page_is_422(client: AsyncClient, db: AsyncSession,
                                                    clock: FrozenClock) -> None:
    s = await _setup(client, db, clock)
    for i in range(55):
        await record(db, "test:event", s["bidder"], subject_type="thing", subject_id=str(i), now=clock.now())
    await db.commit()
    first = await _events(client, s["staff"], tag="test:event")
    second = await _events(client, s["staff"], tag="test:event", page=2)
    assert first["total"] == 55 and len(first["items"]) == 50 and first["has_next"] is True
    assert len(second["items"]) == 5 and second["has_next"] is False
    assert first["items"][0]["seq"] < first["items"][-1]["seq"] < second["items"][0]["seq"]
    for bad in ("0", "-1", "abc"):
        r = await client.get("/api/audit/events", params={"page": bad}, headers=s["staff"])
        assert r.status_code == 422, bad


async def test_supervisor_without_lines_sees_nothing(client: AsyncClient, db: AsyncSession,
                                                     clock: FrozenClock) -> None:
    s = await _setup(client, db, clock)
    _, user, _ = await create_party(db, OrgKind.supervisor, now=clock.now(), role=Role.supervisor)
    await _secret_events(db, s["bidder"], s["project"], s["tender"], clock.now())
    assert (await _events(client, await bearer(client, user)))["total"] == 0
