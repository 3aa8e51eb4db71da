"""Suspension of trading (暂停交易) and its resumption: the only place that writes suspensions.

DOMAIN.md "Emergency operation": the centre may suspend trading platform-wide or per project and resume
later, with every running deadline moved by the suspension's length and all parties notified. A project
suspension waits for a supervisor of the project's trading line to approve it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import jsonable, record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import LINE_LABELS, Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.realtime.broker import Broker, publish_after_commit
from ggzy.realtime.channels import NOTICES, SUPERVISION
from ggzy.supervision.deadlines import Affected, SuspensionWindow, deadline_shifters, lock_for_update, pause_hooks
from ggzy.supervision.errors import (
    AlreadySuspended,
    BadScope,
    BadSuspensionTransition,
    NotCentreStaff,
    NotLineSupervisor,
    ProjectNotAdmitted,
    ProjectNotFound,
    ReasonRequired,
    SuspensionNotFound,
)
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.supervision.state import transition_to
from ggzy.tender.models import DocumentDownload, Tender
from ggzy.venue.duty import AlertKind, alert_on_duty

S = SuspensionStatus
OPEN_STATUSES = (S.pending_approval, S.active)


# ---------------------------------------------------------------- reads (access control in the query)


def _visible(actor: Actor) -> Any:
    """The WHERE clause of suspensions `actor` may see; raises for roles that see none."""
    if actor.is_centre:
        return True
    if actor.has(Role.supervisor):
        lines = list(actor.supervised_lines)
        in_lines = Suspension.project_id.in_(select(Project.id).where(Project.line.in_(lines)))
        return or_(Suspension.scope == SuspensionScope.platform, in_lines)
    raise NotCentreStaff("supervision.forbidden", "只有交易中心和行政监督部门可以查看暂停交易记录",
                         "Only the centre and supervisors may view suspensions")


async def list_suspensions(
    session: AsyncSession, actor: Actor, *, status: SuspensionStatus | None = None, limit: int = 200
) -> list[Suspension]:
    """Centre staff see all; a supervisor sees platform-wide ones and those of its lines' projects."""
    stmt = select(Suspension).where(_visible(actor))
    if status is not None:
        stmt = stmt.where(Suspension.status == status)
    stmt = stmt.order_by(Suspension.requested_at.desc(), Suspension.id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def get_suspension(session: AsyncSession, actor: Actor, suspension_id: str) -> Suspension:
    stmt = select(Suspension).where(Suspension.id == suspension_id, _visible(actor))
    found = (await session.execute(stmt)).scalars().first()
    if found is None:
        raise SuspensionNotFound()
    return found


async def projects_of_my_lines(session: AsyncSession, actor: Actor, *, limit: int = 200) -> list[Project]:
    """Admitted projects of the trading lines a supervisor watches (none for anyone else)."""
    if not actor.has(Role.supervisor) or not actor.supervised_lines:
        return []
    stmt = (
        select(Project)
        .where(Project.line.in_(list(actor.supervised_lines)), Project.status == ProjectStatus.admitted)
        .order_by(Project.suspended_at.is_(None), Project.submitted_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def admitted_projects(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[Project]:
    """Projects centre staff can suspend (for the request form)."""
    if not actor.is_centre:
        return []
    stmt = select(Project).where(Project.status == ProjectStatus.admitted).order_by(Project.code).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def project_names(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, Project]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = (await session.execute(select(Project).where(Project.id.in_(wanted)))).scalars().all()
    return {p.id: p for p in rows}


# ---------------------------------------------------------------- helpers


def _require_centre(actor: Actor) -> None:
    if not actor.is_centre:
        raise NotCentreStaff()


def _snapshot(s: Suspension) -> dict[str, Any]:
    return {
        "scope": s.scope, "project_id": s.project_id, "status": s.status, "reason": s.reason,
        "started_at": s.started_at, "ended_at": s.ended_at, "decision_note": s.decision_note,
    }


async def _lock_suspension(session: AsyncSession, suspension_id: str) -> Suspension:
    stmt = lock_for_update(session, select(Suspension).where(Suspension.id == suspension_id))
    found: Suspension | None = (await session.execute(stmt)).scalars().first()
    if found is None:
        raise SuspensionNotFound()
    return found


async def _open_conflict(session: AsyncSession, scope: SuspensionScope, project_id: str | None) -> bool:
    """Is this scope already suspended or awaiting approval (a project also counts the whole platform)?"""
    cond = Suspension.scope == SuspensionScope.platform
    if scope == SuspensionScope.project:
        cond = or_(cond, Suspension.project_id == project_id)
    stmt = select(Suspension.id).where(Suspension.status.in_(OPEN_STATUSES), cond).limit(1)
    return (await session.execute(stmt)).first() is not None


async def _supervisor_orgs(session: AsyncSession, lines: set[str]) -> dict[str, list[str]]:
    """line -> ids of the supervisor organisations watching it."""
    rows = (await session.execute(
        select(Organisation.id, Organisation.supervised_lines).where(Organisation.kind == OrgKind.supervisor)
    )).all()
    out: dict[str, list[str]] = {line: [] for line in lines}
    for org_id, watched in rows:
        for line in watched or ():
            if line in out:
                out[line].append(org_id)
    return out


def _line_label(line: str) -> str:
    zh, _en = LINE_LABELS.get(TradingLine(line), (line, line))
    return zh


@dataclass
class _Published:
    notices: list[Notice]
    events: list[tuple[str, str, dict[str, Any]]]


async def _announce(
    session: AsyncSession, suspension: Suspension, projects: list[Project], affected: list[Affected], *,
    resumed: bool, now: datetime, by_user: str,
) -> _Published:
    """One public notice per affected project, and a notification to every affected party.

    Recipients: each project's tenderer and agency, the supervisors of its line, and every organisation
    that downloaded a running tender's documents — a downloader is told only about its own tender (one
    notification per organisation), so nobody learns who else downloaded (E-Bidding Measures Art.21).
    """
    kind = NoticeKind.resumption if resumed else NoticeKind.suspension
    label_zh = "恢复交易" if resumed else "暂停交易"
    label_en = "Trading resumed" if resumed else "Trading suspended"
    scope_zh = "全平台" if suspension.scope == SuspensionScope.platform else "本项目"
    supervisors = await _supervisor_orgs(session, {p.line for p in projects})
    tenders_by_project: dict[str, list[str]] = {}
    for a in affected:
        if a.kind == "tender":
            tenders_by_project.setdefault(a.project_id, []).append(a.id)
    tender_rows = {t.id: t for t in (await session.execute(
        select(Tender).where(Tender.id.in_([a.id for a in affected if a.kind == "tender"]))
    )).scalars().all()} if tenders_by_project else {}
    moved = {a.id: a.after for a in affected if a.kind == "tender"}

    out = _Published([], [])
    for project in projects:
        when = show(suspension.ended_at if resumed else suspension.started_at)
        lines_zh = [
            f"项目编号：{project.code}",
            f"项目名称：{project.name}",
            f"交易类型：{_line_label(project.line)}",
            f"范围：{scope_zh}",
            f"{label_zh}时间：{when}（北京时间）",
            f"原因：{suspension.reason}",
        ]
        shifted: list[dict[str, Any]] = []
        if resumed:
            for tender_id in tenders_by_project.get(project.id, []):
                t = tender_rows[tender_id]
                shifted.append({"tender_id": t.id, "code": t.code, "bid_deadline": t.bid_deadline,
                                "delay_seconds": moved[t.id].get("delay_seconds", 0)})
                lines_zh.append(f"{t.code} {t.title}：投标截止（开标）时间顺延至 {show(t.bid_deadline)}")
        else:
            lines_zh.append("暂停期间不受理任何提交；恢复后，所有未到期的时间节点按暂停时长顺延。")
        notice = Notice(
            project_id=project.id, tender_id=None, kind=kind, line=project.line, region=project.region,
            title=f"{project.name} {label_zh}公告", body="\n".join(lines_zh),
            # JSON columns take plain JSON: jsonable turns datetimes into ISO strings.
            data=jsonable({"suspension_id": suspension.id, "scope": str(suspension.scope),
                           "started_at": suspension.started_at, "ended_at": suspension.ended_at,
                           "reason": suspension.reason, "tenders": shifted}),
            published_at=now, published_by=by_user,
        )
        session.add(notice)
        out.notices.append(notice)

        body_zh = f"{project.name}（{project.code}）{label_zh}：{suspension.reason}"
        body_en = f"{project.name} ({project.code}): {label_en.lower()}. Reason: {suspension.reason}"
        common: dict[str, Any] = {"kind": f"suspension:{'resumed' if resumed else 'started'}",
                                  "title_zh": f"{label_zh}通知：{project.name}",
                                  "title_en": f"{label_en}: {project.name}", "now": now,
                                  "body_zh": body_zh, "body_en": body_en, "link": f"/notices/{notice.id}"}
        parties = [project.tenderer_org_id, project.agency_org_id, *supervisors.get(project.line, [])]
        await notify_orgs(session, [p for p in parties if p], project_id=project.id, **common)
        for tender_id in tenders_by_project.get(project.id, []):
            t = tender_rows[tender_id]
            downloaders = (await session.execute(
                select(DocumentDownload.org_id).where(DocumentDownload.tender_id == t.id).distinct()
            )).scalars().all()
            extra = [t.tenderer_org_id, t.agency_org_id]
            recipients = [o for o in [*downloaders, *extra] if o and o not in parties]
            t_common = dict(common)
            if resumed:
                new_deadline = show(t.bid_deadline)
                t_common["body_zh"] = f"{body_zh}。{t.code} 投标截止（开标）时间顺延至 {new_deadline}（北京时间）"
                t_common["body_en"] = f"{body_en}. {t.code}: bid deadline moved to {show(t.bid_deadline)} (Beijing)"
            await notify_orgs(session, recipients, tender_id=t.id, project_id=project.id, **t_common)
    await session.flush()
    for notice in out.notices:
        out.events.append((NOTICES, "notice:published", {
            "id": notice.id, "kind": notice.kind, "project_id": notice.project_id, "title": notice.title,
            "line": notice.line, "published_at": notice.published_at.isoformat(),
        }))
    return out


def _publish(session: AsyncSession, broker: Broker | None, suspension: Suspension, action: str,
             extra: Iterable[tuple[str, str, dict[str, Any]]] = ()) -> None:
    publish_after_commit(session, broker, SUPERVISION, f"suspension:{action}", {
        "id": suspension.id, "scope": str(suspension.scope), "project_id": suspension.project_id,
        "status": str(suspension.status),
    })
    for channel, type_, data in extra:
        publish_after_commit(session, broker, channel, type_, data)


async def _affected_projects(session: AsyncSession, suspension: Suspension,
                             affected: list[Affected]) -> list[Project]:
    if suspension.project_id is not None:
        ids: set[str] = {suspension.project_id}
    else:
        ids = {a.project_id for a in affected}
    if not ids:
        return []
    rows = (await session.execute(select(Project).where(Project.id.in_(ids)).order_by(Project.code))).scalars()
    return list(rows.all())


async def _activate(session: AsyncSession, suspension: Suspension, actor: Actor, *, now: datetime,
                    broker: Broker | None, tag: str, before: dict[str, Any]) -> None:
    """Make a suspension take effect: pause every affected row, publish the notices, notify."""
    transition_to(suspension, S.active)
    suspension.started_at = now
    affected: list[Affected] = []
    for hook in pause_hooks():
        affected.extend(await hook(session, suspension.project_id, now))
    if suspension.project_id is not None:
        project = await session.get(Project, suspension.project_id)
        if project is not None:
            project.suspended_at = now
    projects = await _affected_projects(session, suspension, affected)
    published = await _announce(session, suspension, projects, affected, resumed=False, now=now,
                                by_user=suspension.requested_by)
    scope = "全平台" if suspension.project_id is None else "、".join(f"{p.code} {p.name}" for p in projects)
    await alert_on_duty(session, AlertKind.suspension, f"暂停交易（{scope}）：{suspension.reason}", now,
                        project_id=suspension.project_id)
    await record(session, tag, actor, subject_type="suspension", subject_id=suspension.id,
                 project_id=suspension.project_id, before=before,
                 after={**_snapshot(suspension), "paused": [{"kind": a.kind, "id": a.id} for a in affected],
                        "notices": [n.id for n in published.notices]}, now=now)
    _publish(session, broker, suspension, "started", published.events)


# ---------------------------------------------------------------- writes


async def request_suspension(
    session: AsyncSession, actor: Actor, *, scope: SuspensionScope, project_id: str | None, reason: str,
    now: datetime, broker: Broker | None = None,
) -> Suspension:
    """Centre staff suspend the platform (effective at once) or ask to suspend one project (needs approval)."""
    _require_centre(actor)
    reason = reason.strip()
    if (scope == SuspensionScope.platform) != (project_id is None):
        raise BadScope()
    project: Project | None = None
    if project_id is not None:
        project = (await session.execute(
            lock_for_update(session, select(Project).where(Project.id == project_id))
        )).scalars().first()
        if project is None:
            raise ProjectNotFound()
        if project.status != ProjectStatus.admitted:
            raise ProjectNotAdmitted()
    if not reason:
        raise ReasonRequired()
    if await _open_conflict(session, scope, project_id):
        raise AlreadySuspended()

    suspension = Suspension(
        scope=scope, project_id=project_id, reason=reason, status=S.pending_approval,
        requested_by=actor.user_id, requested_at=now, decision_note="",
    )
    session.add(suspension)
    await session.flush()
    await record(session, "suspension:requested", actor, subject_type="suspension", subject_id=suspension.id,
                 project_id=project_id, after=_snapshot(suspension), now=now)
    if scope == SuspensionScope.platform:
        # An emergency for the whole platform cannot wait for one line's regulator.
        await _activate(session, suspension, actor, now=now, broker=broker, tag="suspension:activated",
                        before=_snapshot(suspension))
    else:
        assert project is not None
        supervisors = (await _supervisor_orgs(session, {project.line})).get(project.line, [])
        await notify_orgs(
            session, supervisors, kind="suspension:approval_requested", project_id=project.id, now=now,
            title_zh=f"待审批：暂停交易 {project.name}", title_en=f"Approval needed: suspend {project.name}",
            body_zh=f"交易中心申请暂停项目 {project.code}：{reason}",
            body_en=f"The centre asks to suspend project {project.code}: {reason}",
            link="/workspace/supervision",
        )
        _publish(session, broker, suspension, "requested")
    await commit(session)
    return suspension


async def approve_suspension(
    session: AsyncSession, actor: Actor, suspension_id: str, *, note: str = "", now: datetime,
    broker: Broker | None = None,
) -> Suspension:
    """A supervisor of the project's line approves: the suspension takes effect now."""
    suspension, _project = await _decidable(session, actor, suspension_id)
    before = _snapshot(suspension)
    suspension.approved_by = actor.user_id
    suspension.approved_at = now
    suspension.decision_note = note.strip()
    await _activate(session, suspension, actor, now=now, broker=broker, tag="suspension:approved", before=before)
    await commit(session)
    return suspension


async def reject_suspension(
    session: AsyncSession, actor: Actor, suspension_id: str, *, note: str = "", now: datetime,
    broker: Broker | None = None,
) -> Suspension:
    """A supervisor of the project's line refuses the request; trading continues."""
    suspension, project = await _decidable(session, actor, suspension_id)
    before = _snapshot(suspension)
    transition_to(suspension, S.rejected)
    suspension.approved_by = actor.user_id
    suspension.approved_at = now
    suspension.decision_note = note.strip()
    await record(session, "suspension:rejected", actor, subject_type="suspension", subject_id=suspension.id,
                 project_id=project.id, before=before, after=_snapshot(suspension), now=now)
    requester_org = (await session.execute(
        select(User.organisation_id).where(User.id == suspension.requested_by)
    )).scalar_one_or_none()
    if requester_org:
        await notify_orgs(
            session, [requester_org], kind="suspension:rejected", project_id=project.id, now=now,
            title_zh=f"暂停交易申请未获批准：{project.name}", title_en=f"Suspension refused: {project.name}",
            body_zh=suspension.decision_note, body_en=suspension.decision_note, link="/workspace/centre/suspensions",
        )
    _publish(session, broker, suspension, "rejected")
    await commit(session)
    return suspension


async def _decidable(session: AsyncSession, actor: Actor, suspension_id: str) -> tuple[Suspension, Project]:
    """Lock a project suspension and check the actor supervises the project's line."""
    if not actor.has(Role.supervisor):
        raise NotLineSupervisor()
    suspension = await _lock_suspension(session, suspension_id)
    project = await session.get(Project, suspension.project_id) if suspension.project_id else None
    if project is None:
        # Platform-wide suspensions are never pending; hide them from the approval API.
        raise SuspensionNotFound()
    if project.line not in actor.supervised_lines:
        raise NotLineSupervisor(detail={"line": project.line})
    if suspension.status != S.pending_approval:
        raise BadSuspensionTransition(detail={"from": str(suspension.status)})
    return suspension, project


async def resume_trading(
    session: AsyncSession, actor: Actor, suspension_id: str, *, note: str = "", now: datetime,
    broker: Broker | None = None,
) -> Suspension:
    """Centre staff end a suspension: every running deadline moves by its length; everyone is told."""
    _require_centre(actor)
    suspension = await _lock_suspension(session, suspension_id)
    await _end(session, actor, suspension, note=note, now=now, broker=broker)
    await commit(session)
    return suspension


async def _end(session: AsyncSession, actor: Actor, suspension: Suspension, *, note: str, now: datetime,
               broker: Broker | None) -> None:
    """End `suspension` in the caller's transaction: shift every running deadline, publish, notify."""
    before = _snapshot(suspension)
    transition_to(suspension, S.ended)
    assert suspension.started_at is not None
    started = suspension.started_at
    suspension.ended_at = now
    suspension.ended_by = actor.user_id
    if note.strip():
        suspension.decision_note = (suspension.decision_note + "\n" + note.strip()).strip()

    others = (await session.execute(
        select(Suspension).where(
            Suspension.id != suspension.id,
            or_(Suspension.status == S.active,
                (Suspension.status == S.ended) & (Suspension.ended_at > started)),
        )
    )).scalars().all()
    window = SuspensionWindow(
        project_id=suspension.project_id, started_at=started, ended_at=now,
        earlier=tuple((o.project_id, o.started_at, o.ended_at) for o in others
                      if o.status == S.ended and o.started_at is not None and o.ended_at is not None),
        still_active=tuple(o.project_id for o in others if o.status == S.active),
    )
    affected: list[Affected] = []
    for shifter in deadline_shifters():
        affected.extend(await shifter(session, window, now))
    if suspension.project_id is not None:
        project = await session.get(Project, suspension.project_id)
        if project is not None:
            project.suspended_at = None
    for a in affected:
        await record(session, f"{a.kind}:deadlines_shifted", actor, subject_type=a.kind, subject_id=a.id,
                     project_id=a.project_id, before=a.before, after={**a.after, "suspension_id": suspension.id},
                     now=now)
    projects = await _affected_projects(session, suspension, affected)
    published = await _announce(session, suspension, projects, affected, resumed=True, now=now,
                                by_user=actor.user_id or "")
    await record(session, "suspension:ended", actor, subject_type="suspension", subject_id=suspension.id,
                 project_id=suspension.project_id, before=before,
                 after={**_snapshot(suspension), "length_seconds": int(window.length.total_seconds()),
                        "shifted": [{"kind": a.kind, "id": a.id} for a in affected],
                        "notices": [n.id for n in published.notices]}, now=now)
    _publish(session, broker, suspension, "ended", published.events)


# ---------------------------------------------------------------- ordered by a supervisor handling a complaint


async def order_suspension(session: AsyncSession, actor: Actor, project_id: str, *, reason: str, now: datetime,
                           broker: Broker | None = None) -> Suspension:
    """A supervisor of the project's line orders it suspended at once while handling a complaint (Bidding Regs
    Art.62: 必要时，行政监督部门可以责令暂停招标投标活动), in the caller's transaction (no commit)."""
    if not actor.has(Role.supervisor):
        raise NotLineSupervisor()
    project = (await session.execute(
        lock_for_update(session, select(Project).where(Project.id == project_id)))).scalars().first()
    if project is None:
        raise ProjectNotFound()
    if project.line not in actor.supervised_lines:
        raise NotLineSupervisor(detail={"line": project.line})
    if project.status != ProjectStatus.admitted:
        raise ProjectNotAdmitted()
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    if await _open_conflict(session, SuspensionScope.project, project_id):
        raise AlreadySuspended()
    suspension = Suspension(scope=SuspensionScope.project, project_id=project_id, reason=reason,
                            status=S.pending_approval, requested_by=actor.user_id, requested_at=now,
                            approved_by=actor.user_id, approved_at=now, decision_note="")
    session.add(suspension)
    await session.flush()
    await _activate(session, suspension, actor, now=now, broker=broker, tag="suspension:ordered",
                    before=_snapshot(suspension))
    return suspension


async def lift_suspension(session: AsyncSession, actor: Actor, suspension_id: str, *, note: str, now: datetime,
                          broker: Broker | None = None) -> Suspension:
    """The supervisor lifts the suspension it ordered (its complaint is decided), in the caller's transaction;
    one the centre has already resumed is left as it is. The caller checks the supervisor's line."""
    suspension = await _lock_suspension(session, suspension_id)
    if suspension.status == S.active:
        await _end(session, actor, suspension, note=note, now=now, broker=broker)
    return suspension
