"""Demo projects: two admitted projects with published announcements, so the portal is not empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.demo.seed import SEED_ACTOR, SeedResult, demo_timetable
from ggzy.kit.db import commit
from ggzy.project.models import Notice, NoticeKind, Priority, Project, ProjectStatus, TradingLine
from ggzy.tender.models import EvaluationMethod, Lot, Tender, TenderStatus


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    line: TradingLine
    tenderer: str
    agency: str
    amount: Decimal
    method: EvaluationMethod
    lots: tuple[tuple[str, Decimal], ...]
    priority: Priority | None = None


DEMO_PROJECTS = (
    DemoProject("GC-DEMO-0001", "云州市青山区第二小学教学楼改扩建工程", TradingLine.construction, "tenderer1",
                "agency1", Decimal("38500000.00"), EvaluationMethod.comprehensive_assessment,
                (("施工", Decimal("36800000.00")), ("监理", Decimal("1700000.00"))), Priority.livelihood),
    DemoProject("CG-DEMO-0001", "云州市人民医院医用设备采购项目", TradingLine.procurement, "tenderer3", "agency2",
                Decimal("6200000.00"), EvaluationMethod.comprehensive_scoring,
                (("医学影像设备", Decimal("4500000.00")), ("检验设备", Decimal("1700000.00")))),
)


async def seed_projects(session: AsyncSession, seeded: SeedResult, *, now: datetime) -> bool:
    """Create the demo projects that are missing; True when anything was created."""
    created = False
    for spec in DEMO_PROJECTS:
        exists = (await session.execute(select(Project.id).where(Project.code == spec.code))).first()
        if exists is not None:
            seeded.projects.append(exists[0])
            continue
        project_id = await _seed_project(session, seeded, spec, now)
        seeded.projects.append(project_id)
        created = True
    return created


async def _seed_project(session: AsyncSession, seeded: SeedResult, spec: DemoProject, now: datetime) -> str:
    tenderer = seeded.orgs[spec.tenderer]
    agency = seeded.orgs[spec.agency]
    applicant = seeded.users[spec.agency]
    admin = seeded.users["staff1"]
    project = Project(
        code=spec.code, name=spec.name, line=spec.line, region=tenderer.region, amount=spec.amount,
        description=f"{spec.name}（演示数据）", funding_source="财政资金", state_funded=True,
        tenderer_org_id=tenderer.id, agency_org_id=agency.id, applicant_user_id=applicant.id,
        priority=spec.priority, priority_reason="演示：重大民生项目" if spec.priority else "",
        status=ProjectStatus.admitted, submitted_at=now, decided_at=now, decided_by=admin.id, created_at=now,
    )
    session.add(project)
    await session.flush()
    times = demo_timetable(now)
    tender = Tender(
        project_id=project.id, code=f"{spec.code}-01", title=spec.name, line=spec.line, ruleset_version="2026.1",
        status=TenderStatus.published, agency_org_id=agency.id, tenderer_org_id=tenderer.id,
        created_by=applicant.id, evaluation_method=spec.method, description=f"{spec.name}，详见招标文件。",
        qualification="具有独立法人资格，近三年无重大违法记录。", published_at=now,
        next_check_at=times["bid_deadline"], created_at=now, updated_at=now, **times,
    )
    session.add(tender)
    await session.flush()
    for n, (name, budget) in enumerate(spec.lots, start=1):
        session.add(Lot(tender_id=tender.id, number=n, name=name, budget=budget,
                        ceiling_price=budget, bond_amount=(budget * Decimal("0.02")).quantize(Decimal("1"))))
    notice = Notice(
        project_id=project.id, tender_id=tender.id, kind=NoticeKind.tender_announcement, line=spec.line,
        region=project.region, title=f"{spec.name}招标公告", published_at=now, published_by=applicant.id,
        body=f"{spec.name}已具备招标条件，现进行公开招标，欢迎符合条件的投标人参加。\n投标截止时间即开标时间，"
             f"详见公告附件。",
        data={"bid_deadline": times["bid_deadline"].isoformat(), "doc_end": times["doc_end"].isoformat()},
    )
    session.add(notice)
    await session.flush()
    await record(session, "project:seeded", SEED_ACTOR, subject_type="project", subject_id=project.id,
                 project_id=project.id, now=now, after={"code": spec.code, "tender_id": tender.id,
                                                        "notice_id": notice.id})
    await commit(session)
    return project.id
