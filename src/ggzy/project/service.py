"""Use cases of project entry (进场登记) and the public notice reads.

Writes: apply_project, admit_project, return_project, resubmit_project, set_priority. Reads take the
Actor and return only what it may see; priority projects are always listed first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.kit.errors import Forbidden, not_found
from ggzy.kit.timefmt import SHANGHAI
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role
from ggzy.project import rules, state
from ggzy.project.errors import (
    BadPartyOrg,
    NotApplicant,
    NotProjectParty,
    ProjectNotFound,
    ReasonRequired,
    TendererRequired,
)
from ggzy.project.models import (
    PRIORITY_LABELS,
    Notice,
    NoticeKind,
    Priority,
    Project,
    ProjectStatus,
    TradingLine,
)
from ggzy.project.schemas import ProjectAmend, ProjectApply

_CODE_LOCK = 0x6767_7072  # "ggpr": serialises code allocation on PostgreSQL
MAX_PER_PAGE = 100


def snapshot(p: Project) -> dict[str, Any]:
    """The audited view of a project."""
    return {
        "code": p.code, "name": p.name, "line": p.line, "region": p.region, "amount": p.amount,
        "tenderer_org_id": p.tenderer_org_id, "agency_org_id": p.agency_org_id, "status": p.status,
        "priority": p.priority, "priority_reason": p.priority_reason, "return_reason": p.return_reason,
        "description": p.description, "funding_source": p.funding_source, "state_funded": p.state_funded,
    }


def is_party(actor: Actor, project: Project) -> bool:
    """The project's tenderer or agency organisation, acting in that role."""
    return actor.acts_for(tenderer_org_id=project.tenderer_org_id, agency_org_id=project.agency_org_id)


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Access control in the query: the centre sees all, parties their own, supervisors their lines."""
    if actor.is_centre:
        return Project.id.is_not(None)
    if actor.role == Role.tenderer and actor.org_id:
        return Project.tenderer_org_id == actor.org_id
    if actor.role == Role.agency and actor.org_id:
        return Project.agency_org_id == actor.org_id
    if actor.role == Role.supervisor and actor.supervised_lines:
        return Project.line.in_(list(actor.supervised_lines))
    return false()


def _priority_first(stmt: Select[Any], *, oldest_first: bool) -> Select[Any]:
    # (priority IS NULL) sorts False before True on both engines: flagged projects come first.
    order = Project.submitted_at.asc() if oldest_first else Project.submitted_at.desc()
    return stmt.order_by(Project.priority.is_(None), order, Project.id)


async def _org(session: AsyncSession, org_id: str, kind: OrgKind) -> Organisation:
    org = await session.get(Organisation, org_id)
    if org is None or org.kind != kind or org.status != OrgStatus.verified:
        raise BadPartyOrg(detail={"org_id": org_id, "expected_kind": kind.value})
    return org


async def _lock(session: AsyncSession, project_id: str) -> Project:
    # PostgreSQL row lock; SQLite already holds BEGIN IMMEDIATE for the whole transaction.
    stmt = select(Project).where(Project.id == project_id).with_for_update()
    project = (await session.execute(stmt)).scalars().first()
    if project is None:
        raise ProjectNotFound()
    return project


async def _allocate_code(session: AsyncSession, line: TradingLine, now: datetime) -> str:
    year = now.astimezone(SHANGHAI).year
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CODE_LOCK})
    prefix = rules.code_prefix(line, year)
    codes = (await session.execute(select(Project.code).where(Project.code.startswith(prefix)))).scalars().all()
    return rules.next_code(line, year, list(codes))


def _require_centre(actor: Actor) -> None:
    if not actor.is_centre:
        raise Forbidden()


async def _tell_parties(session: AsyncSession, project: Project, kind: str, *, zh: str, en: str, now: datetime,
                        body_zh: str = "", body_en: str = "") -> None:
    orgs = [project.tenderer_org_id] + ([project.agency_org_id] if project.agency_org_id else [])
    await notify_orgs(session, orgs, kind=kind, title_zh=zh, title_en=en, body_zh=body_zh, body_en=body_en,
                      link=f"/workspace/projects/{project.id}", project_id=project.id, now=now)


# ---------------------------------------------------------------- writes


async def apply_project(session: AsyncSession, actor: Actor, data: ProjectApply, *, now: datetime) -> Project:
    """A tenderer or an agency registers a project for entry; it waits in the centre's admission queue."""
    if actor.org_id is None or actor.user_id is None or actor.role not in (Role.tenderer, Role.agency):
        raise NotApplicant()
    if actor.role == Role.agency:
        if not data.tenderer_org_id:
            raise TendererRequired()
        tenderer_id: str = data.tenderer_org_id
        agency_id: str | None = actor.org_id
    else:
        tenderer_id, agency_id = actor.org_id, data.agency_org_id
    await _org(session, tenderer_id, OrgKind.tenderer)
    if agency_id is not None:
        await _org(session, agency_id, OrgKind.agency)
    project = Project(
        code=await _allocate_code(session, data.line, now), name=data.name, line=data.line,
        region=data.region.strip(), description=data.description.strip(), funding_source=data.funding_source.strip(),
        state_funded=data.state_funded, amount=data.amount, tenderer_org_id=tenderer_id, agency_org_id=agency_id,
        applicant_user_id=actor.user_id, priority=None, priority_reason="", status=ProjectStatus.submitted,
        return_reason="", submitted_at=now, created_at=now,
    )
    session.add(project)
    await session.flush()
    await record(session, "project:applied", actor, subject_type="project", subject_id=project.id,
                 project_id=project.id, after=snapshot(project), now=now)
    await commit(session)
    return project


async def admit_project(session: AsyncSession, actor: Actor, project_id: str, *, now: datetime) -> Project:
    """Centre staff admit a submitted project (项目进场); tenders may then be created for it."""
    _require_centre(actor)
    project = await _lock(session, project_id)
    before = snapshot(project)
    state.transition_to(project, ProjectStatus.admitted)
    project.decided_at, project.decided_by, project.return_reason = now, actor.user_id, ""
    await _tell_parties(session, project, "project_admitted", zh=f"项目已进场：{project.name}",
                        en=f"Project admitted: {project.name}", now=now)
    await record(session, "project:admitted", actor, subject_type="project", subject_id=project.id,
                 project_id=project.id, before=before, after=snapshot(project), now=now)
    await commit(session)
    return project


async def return_project(
    session: AsyncSession, actor: Actor, project_id: str, reason: str, *, now: datetime
) -> Project:
    """Centre staff return an application with a reason; the applicant may amend and resubmit."""
    _require_centre(actor)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    project = await _lock(session, project_id)
    before = snapshot(project)
    state.transition_to(project, ProjectStatus.returned)
    project.decided_at, project.decided_by, project.return_reason = now, actor.user_id, reason
    await _tell_parties(session, project, "project_returned", zh=f"项目进场申请被退回：{project.name}",
                        en=f"Project application returned: {project.name}", now=now, body_zh=reason, body_en=reason)
    await record(session, "project:returned", actor, subject_type="project", subject_id=project.id,
                 project_id=project.id, before=before, after=snapshot(project), now=now)
    await commit(session)
    return project


async def resubmit_project(
    session: AsyncSession, actor: Actor, project_id: str, changes: ProjectAmend, *, now: datetime
) -> Project:
    """The tenderer or agency amends a returned application and submits it again."""
    project = await _lock(session, project_id)
    if not is_party(actor, project):
        if not (await _can_see(session, actor, project_id)):
            raise ProjectNotFound()
        raise NotProjectParty()
    before = snapshot(project)
    state.transition_to(project, ProjectStatus.submitted)
    for name, value in changes.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    project.submitted_at, project.decided_at, project.decided_by = now, None, None
    await record(session, "project:resubmitted", actor, subject_type="project", subject_id=project.id,
                 project_id=project.id, before=before, after=snapshot(project), now=now)
    await commit(session)
    return project


async def set_priority(
    session: AsyncSession, actor: Actor, project_id: str, priority: Priority | None, reason: str, *, now: datetime
) -> Project:
    """Centre staff flag a project priority (城市运行/疫情防控/重大民生/企业急需) with a reason, or clear it."""
    _require_centre(actor)
    reason = reason.strip()
    if priority is not None and not reason:
        raise ReasonRequired()
    project = await _lock(session, project_id)
    before = snapshot(project)
    project.priority = priority
    project.priority_reason = reason if priority is not None else ""
    if priority is not None:
        zh, en = PRIORITY_LABELS[priority]
        await _tell_parties(session, project, "project_priority", zh=f"项目已列为优先（{zh}）：{project.name}",
                            en=f"Project prioritised ({en}): {project.name}", now=now, body_zh=reason, body_en=reason)
    await record(session, "project:priority_set", actor, subject_type="project", subject_id=project.id,
                 project_id=project.id, before=before, after=snapshot(project), now=now)
    await commit(session)
    return project


# ---------------------------------------------------------------- reads


async def _can_see(session: AsyncSession, actor: Actor, project_id: str) -> bool:
    stmt = select(Project.id).where(Project.id == project_id, _visible(actor))
    return (await session.execute(stmt)).first() is not None


async def get_project(session: AsyncSession, actor: Actor, project_id: str) -> Project:
    """One project the actor may see; anything else is 404 (its existence is not revealed)."""
    stmt = select(Project).where(Project.id == project_id, _visible(actor))
    project = (await session.execute(stmt)).scalars().first()
    if project is None:
        raise ProjectNotFound()
    return project


async def list_projects(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ProjectStatus | None = None,
    lines: Collection[TradingLine] | None = None,
    q: str | None = None,
    limit: int = 200,
) -> list[Project]:
    """Projects the actor may see: priority first, then newest first."""
    stmt = select(Project).where(_visible(actor))
    if status is not None:
        stmt = stmt.where(Project.status == status)
    if lines is not None:
        stmt = stmt.where(Project.line.in_(list(lines)))
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(or_(func.lower(Project.name).contains(needle, autoescape=True),
                              func.lower(Project.code).contains(needle, autoescape=True)))
    stmt = _priority_first(stmt, oldest_first=False).limit(max(1, min(limit, 1000)))
    return list((await session.execute(stmt)).scalars())


async def admission_queue(session: AsyncSession, actor: Actor) -> list[Project]:
    """The centre's queue of submitted projects: priority first, then first come first served."""
    _require_centre(actor)
    stmt = _priority_first(select(Project).where(Project.status == ProjectStatus.submitted), oldest_first=True)
    return list((await session.execute(stmt)).scalars())


async def org_names(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, str]:
    """Organisation names for display (tenderers and agencies are public bodies / firms of record)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))
    return dict(rows.tuples().all())


async def orgs_of_kind(session: AsyncSession, kind: OrgKind) -> list[Organisation]:
    """Verified tenderers or agencies, for the application form's choices."""
    if kind not in (OrgKind.tenderer, OrgKind.agency):
        return []
    stmt = select(Organisation).where(Organisation.kind == kind, Organisation.status == OrgStatus.verified)
    return list((await session.execute(stmt.order_by(Organisation.name))).scalars())


# ---------------------------------------------------------------- public notices (no login)


@dataclass(frozen=True)
class NoticePage:
    items: list[Notice]
    total: int
    page: int
    per_page: int


def _notice_filters(
    stmt: Select[Any], *, line: TradingLine | None, region: str | None, kind: NoticeKind | None, q: str | None,
    date_from: date | None, date_to: date | None, status: str | None, now: datetime | None,
) -> Select[Any]:
    from ggzy.tender.models import Tender, TenderStatus  # tender depends on project, not the reverse

    if now is not None:
        stmt = stmt.where(Notice.published_at <= now)
    if line is not None:
        stmt = stmt.where(Notice.line == line)
    if region:
        stmt = stmt.where(Notice.region == region)
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(or_(func.lower(Notice.title).contains(needle, autoescape=True),
                              func.lower(Notice.body).contains(needle, autoescape=True)))
    if date_from is not None:
        stmt = stmt.where(Notice.published_at >= datetime.combine(date_from, time.min, tzinfo=SHANGHAI))
    if date_to is not None:
        stmt = stmt.where(Notice.published_at < datetime.combine(date_to + timedelta(days=1), time.min,
                                                                 tzinfo=SHANGHAI))
    if status in ("open", "closed"):
        is_open = Tender.status == TenderStatus.published
        if now is not None:
            is_open = is_open & (Tender.bid_deadline > now)
        sub = select(Tender.id).where(is_open)
        cond = Notice.tender_id.in_(sub)
        stmt = stmt.where(cond if status == "open" else (Notice.tender_id.is_not(None) & ~cond))
    return stmt


async def list_public_notices(
    session: AsyncSession,
    *,
    line: TradingLine | None = None,
    region: str | None = None,
    kind: NoticeKind | None = None,
    q: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
) -> NoticePage:
    """Published notices of all lines, newest first (public). `status`: open | closed (tenders); dates are Beijing."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    kw: dict[str, Any] = {"line": line, "region": region, "kind": kind, "q": q, "date_from": date_from,
                          "date_to": date_to, "status": status, "now": now}
    total = int((await session.execute(_notice_filters(select(func.count(Notice.id)), **kw))).scalar_one())
    stmt = _notice_filters(select(Notice), **kw).order_by(Notice.published_at.desc(), Notice.id.desc())
    items = list((await session.execute(stmt.offset((page - 1) * per_page).limit(per_page))).scalars())
    return NoticePage(items=items, total=total, page=page, per_page=per_page)


async def get_public_notice(session: AsyncSession, notice_id: str, *, now: datetime | None = None) -> Notice:
    """One published notice (public); unknown or not yet published is 404."""
    stmt = select(Notice).where(Notice.id == notice_id)
    if now is not None:
        stmt = stmt.where(Notice.published_at <= now)
    notice = (await session.execute(stmt)).scalars().first()
    if notice is None:
        raise not_found("该公告", "Notice", "notice.not_found")
    return notice
