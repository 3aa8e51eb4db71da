"""A small world with one of everything, inserted directly so cross-cutting tests don't depend on services."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role, User
from ggzy.project.models import Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import EvaluationMethod, Lot, Question, Tender, TenderDocument, TenderStatus
from tests.factories import create_party


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    """Real ids by kind: project, tender, notice, document, lot, suspension, notification, org, user."""


ROLES = {
    "centre_admin": (OrgKind.centre, Role.centre_admin, {}),
    "centre_staff": (OrgKind.centre, Role.centre_staff, {}),
    "agency": (OrgKind.agency, Role.agency, {}),
    "other_agency": (OrgKind.agency, Role.agency, {}),
    "tenderer": (OrgKind.tenderer, Role.tenderer, {}),
    "supervisor": (OrgKind.supervisor, Role.supervisor, {"department": "住建局", "supervised_lines": ["construction"]}),
    "other_supervisor": (OrgKind.supervisor, Role.supervisor, {"department": "财政局",
                                                               "supervised_lines": ["procurement"]}),
    "expert": (OrgKind.expert, Role.expert, {}),
    "bidder_a": (OrgKind.bidder, Role.bidder, {}),
    "bidder_b": (OrgKind.bidder, Role.bidder, {}),
    "bidder_c": (OrgKind.bidder, Role.bidder, {}),
    "bidder_d": (OrgKind.bidder, Role.bidder, {}),
    "pending_bidder": (OrgKind.bidder, Role.bidder, {"status": OrgStatus.pending}),
}


async def build_world(db: AsyncSession, clock: FrozenClock, blob_root: object = None) -> World:
    now = clock.now()
    w = World()
    for key, (kind, role, extra) in ROLES.items():
        org, user, _ = await create_party(db, kind, now=now, role=role, name=f"{key}-公司", **extra)
        w.orgs[key], w.users[key] = org, user
    project = Project(
        code="JS-2026-90001", name="世界测试道路工程", line=TradingLine.construction, region="市本级",
        tenderer_org_id=w.orgs["tenderer"].id, agency_org_id=w.orgs["agency"].id,
        applicant_user_id=w.users["agency"].id, status=ProjectStatus.admitted, submitted_at=now, created_at=now,
    )
    db.add(project)
    await db.flush()
    tender = Tender(
        project_id=project.id, code="JS-2026-90001-T1", title="世界测试道路工程施工招标", line=TradingLine.construction,
        ruleset_version="2026.1", status=TenderStatus.published, agency_org_id=w.orgs["agency"].id,
        tenderer_org_id=w.orgs["tenderer"].id, created_by=w.users["agency"].id,
        evaluation_method=EvaluationMethod.comprehensive_assessment, doc_start=now - timedelta(hours=1),
        doc_end=now + timedelta(days=10), question_deadline=now + timedelta(days=15),
        bid_deadline=now + timedelta(days=25), published_at=now - timedelta(hours=1),
        next_check_at=now + timedelta(days=25), created_at=now, updated_at=now,
    )
    db.add(tender)
    await db.flush()
    lot = Lot(tender_id=tender.id, number=1, name="一标段", budget=Decimal("5000000.00"),
              ceiling_price=Decimal("4800000.00"), bond_amount=Decimal("80000.00"))
    notice = Notice(project_id=project.id, tender_id=tender.id, kind=NoticeKind.tender_announcement,
                    line=TradingLine.construction, region="市本级", title="世界测试道路工程施工招标公告",
                    body="招标公告正文", data={}, published_at=now - timedelta(hours=1),
                    published_by=w.users["agency"].id)
    content = "招标文件内容".encode()
    doc = TenderDocument(tender_id=tender.id, sha256=hashlib.sha256(content).hexdigest(), filename="招标文件.pdf",
                         content_type="application/pdf", size=len(content), uploaded_by=w.users["agency"].id,
                         uploaded_at=now - timedelta(hours=2))
    suspension = Suspension(scope=SuspensionScope.project, project_id=project.id, reason="测试",
                            status=SuspensionStatus.pending_approval, requested_by=w.users["centre_staff"].id,
                            requested_at=now)
    note = Notification(org_id=w.orgs["bidder_a"].id, kind="test", title_zh="测试", title_en="Test", created_at=now)
    db.add_all([lot, notice, doc, suspension, note])
    await db.flush()
    question = Question(tender_id=tender.id, asker_org_id=w.orgs["bidder_d"].id, asker_user_id=w.users["bidder_d"].id,
                        body="工期能否延长？", asked_at=now)
    db.add(question)
    await db.commit()
    w.ids.update(project=project.id, tender=tender.id, notice=notice.id, document=doc.id, lot=lot.id,
                 suspension=suspension.id, notification=note.id, org=w.orgs["pending_bidder"].id,
                 user=w.users["expert"].id, question=question.id, year="2027")
    return w
