"""Builders for tender tests: parties, an admitted project, a lawful timetable and payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project import service as project_service
from ggzy.project.models import Project, TradingLine
from ggzy.project.schemas import ProjectApply
from tests.factories import create_party


@dataclass
class Cast:
    """Everyone a tender test needs."""

    centre: Actor
    centre_user: User
    centre_org: Organisation
    tenderer_org: Organisation
    tenderer: Actor
    tenderer_user: User
    agency_org: Organisation
    agency: Actor
    agency_user: User


async def cast(db: AsyncSession, now: datetime) -> Cast:
    co, cu, ca = await create_party(db, OrgKind.centre, now=now)
    to, tu, ta = await create_party(db, OrgKind.tenderer, now=now, region="青山区")
    ao, au, aa = await create_party(db, OrgKind.agency, now=now)
    return Cast(ca, cu, co, to, ta, tu, ao, aa, au)


async def admitted_project(
    db: AsyncSession, c: Cast, now: datetime, line: TradingLine = TradingLine.construction, *, admit: bool = True
) -> Project:
    """A project applied for by the agency on the tenderer's behalf, admitted by the centre."""
    data = ProjectApply(name=f"测试项目-{line.value}", line=line, region="青山区", tenderer_org_id=c.tenderer_org.id,
                        amount=Decimal("1000000.00"))
    project = await project_service.apply_project(db, c.agency, data, now=now)
    if admit:
        project = await project_service.admit_project(db, c.centre, project.id, now=now)
    return project


def iso(when: datetime) -> str:
    return when.isoformat()


def timetable(now: datetime, *, doc_days: float = 7, question_days: float = 15, deadline_days: float = 21,
              start_in: timedelta = timedelta(hours=1)) -> dict[str, str]:
    """A lawful timetable starting shortly after `now`."""
    start = now + start_in
    return {
        "doc_start": iso(start),
        "doc_end": iso(start + timedelta(days=doc_days)),
        "question_deadline": iso(start + timedelta(days=question_days)),
        "bid_deadline": iso(start + timedelta(days=deadline_days)),
    }


def tender_payload(project: Project, now: datetime, **over: Any) -> dict[str, Any]:
    method = "comprehensive_assessment" if project.line == TradingLine.construction else "comprehensive_scoring"
    body: dict[str, Any] = {
        "project_id": project.id,
        "evaluation_method": method,
        "has_rescue_plan": False,  # a rescue plan needs custodians with keys (tests/bid/test_rescue.py)
        "description": "新建教学楼一栋",
        "qualification": "房屋建筑工程施工总承包二级及以上",
        **timetable(now),
        "lots": [{"name": "施工", "budget": "1000000.00", "ceiling_price": "980000.00", "bond_amount": "20000.00"}],
    }
    body.update(over)
    return body
