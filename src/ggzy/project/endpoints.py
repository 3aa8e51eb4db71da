"""JSON API of project entry (/api/projects) and the public notices (/api/notices)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from ggzy.auth.deps import CentreStaff, RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.project import service
from ggzy.project.models import NoticeKind, ProjectStatus, TradingLine
from ggzy.project.schemas import (
    NoticeOut,
    NoticePageOut,
    PriorityIn,
    ProjectAmend,
    ProjectApply,
    ProjectOut,
    ReturnIn,
)

router = APIRouter(prefix="/api", tags=["project"])


@router.post("/projects", status_code=201, response_model=ProjectOut)
async def apply(body: ProjectApply, session: DB, actor: RequireUser, clock: ClockDep) -> ProjectOut:
    """Register a project for entry (tenderer or agency)."""
    project = await service.apply_project(session, actor, body, now=clock.now())
    return ProjectOut.model_validate(project)


@router.get("/projects", response_model=list[ProjectOut])
async def list_projects(
    session: DB, actor: RequireUser,
    status: ProjectStatus | None = None, line: TradingLine | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[ProjectOut]:
    """Projects the caller may see, priority projects first."""
    found = await service.list_projects(session, actor, status=status, lines=[line] if line else None, q=q)
    return [ProjectOut.model_validate(p) for p in found]


@router.get("/projects/{project_id}", response_model=ProjectOut)
async def get_project(project_id: str, session: DB, actor: RequireUser) -> ProjectOut:
    return ProjectOut.model_validate(await service.get_project(session, actor, project_id))


@router.post("/projects/{project_id}/admit", response_model=ProjectOut)
async def admit(project_id: str, session: DB, actor: CentreStaff, clock: ClockDep) -> ProjectOut:
    """Admit a submitted project (centre staff)."""
    return ProjectOut.model_validate(await service.admit_project(session, actor, project_id, now=clock.now()))


@router.post("/projects/{project_id}/return", response_model=ProjectOut)
async def return_(project_id: str, body: ReturnIn, session: DB, actor: CentreStaff, clock: ClockDep) -> ProjectOut:
    """Return an application with a reason (centre staff)."""
    project = await service.return_project(session, actor, project_id, body.reason, now=clock.now())
    return ProjectOut.model_validate(project)


@router.post("/projects/{project_id}/resubmit", response_model=ProjectOut)
async def resubmit(
    project_id: str, session: DB, actor: RequireUser, clock: ClockDep, body: ProjectAmend | None = None
) -> ProjectOut:
    """Amend a returned application and submit it again (its tenderer or agency)."""
    project = await service.resubmit_project(session, actor, project_id, body or ProjectAmend(), now=clock.now())
    return ProjectOut.model_validate(project)


@router.post("/projects/{project_id}/priority", response_model=ProjectOut)
async def priority(project_id: str, body: PriorityIn, session: DB, actor: CentreStaff, clock: ClockDep) -> ProjectOut:
    """Flag a project priority with a reason, or clear it (centre staff)."""
    project = await service.set_priority(session, actor, project_id, body.priority, body.reason, now=clock.now())
    return ProjectOut.model_validate(project)


@router.get("/notices", response_model=NoticePageOut)
async def notices(
    *, session: DB, clock: ClockDep,
    line: TradingLine | None = None, region: Annotated[str | None, Query(max_length=64)] = None,
    kind: NoticeKind | None = None, q: Annotated[str | None, Query(max_length=100)] = None,
    date_from: date | None = None, date_to: date | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1, per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NoticePageOut:
    """Published notices (public, no login): dates are Beijing calendar dates, inclusive."""
    found = await service.list_public_notices(
        session, line=line, region=region, kind=kind, q=q, date_from=date_from, date_to=date_to, status=status,
        page=page, per_page=per_page, now=clock.now(),
    )
    return NoticePageOut(items=[NoticeOut.model_validate(n) for n in found.items], total=found.total,
                         page=found.page, per_page=found.per_page)


@router.get("/notices/{notice_id}", response_model=NoticeOut)
async def notice(notice_id: str, session: DB, clock: ClockDep) -> NoticeOut:
    """One published notice (public)."""
    return NoticeOut.model_validate(await service.get_public_notice(session, notice_id, now=clock.now()))
