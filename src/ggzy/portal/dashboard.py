"""Read-only queries behind /workspace, each scoped to the acting party.

Access control lives in these queries: a function only ever filters by the actor's own organisation,
its supervised lines, or (for centre staff) queues that belong to the centre. Download records are read
for one purpose only — a bidder's own downloads — so no count or downloader identity of any tender can
reach another party before the bid deadline (E-Bidding Measures Art.21).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, OrgStatus, User
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import DocumentDownload, Question, Tender

CARD_LIMIT = 8


@dataclass(frozen=True, slots=True)
class Inbox:
    unread: int
    latest: list[Notification]


@dataclass(frozen=True, slots=True)
class DownloadedTender:
    """A tender this bidder's organisation downloaded documents for (its own record only)."""

    tender: Tender
    last_download_at: datetime


@dataclass(frozen=True, slots=True)
class MyQuestion:
    question: Question
    tender_title: str
    answered: bool


@dataclass(frozen=True, slots=True)
class SuspensionRow:
    suspension: Suspension
    project_name: str | None


@dataclass(slots=True)
class Dashboard:
    """Everything /workspace shows; only the parts for the actor's role are filled."""

    inbox: Inbox
    user: User | None = None
    org: Organisation | None = None
    projects: list[Project] = field(default_factory=list)
    tenders: list[Tender] = field(default_factory=list)
    downloads: list[DownloadedTender] = field(default_factory=list)
    questions: list[MyQuestion] = field(default_factory=list)
    admission_queue: list[Project] = field(default_factory=list)
    admission_total: int = 0
    pending_bidders: list[Organisation] = field(default_factory=list)
    pending_bidders_total: int = 0
    suspensions: list[SuspensionRow] = field(default_factory=list)
    approvals: list[SuspensionRow] = field(default_factory=list)
    lines: list[TradingLine] = field(default_factory=list)


async def inbox_summary(session: AsyncSession, actor: Actor, *, limit: int = 5) -> Inbox:
    """Unread count and newest messages of the actor's organisation inbox."""
    if actor.org_id is None:
        return Inbox(0, [])
    unread = (
        await session.execute(
            select(func.count(Notification.id)).where(
                Notification.org_id == actor.org_id, Notification.read_at.is_(None)
            )
        )
    ).scalar_one()
    latest = (
        await session.execute(
            select(Notification)
            .where(Notification.org_id == actor.org_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    ).scalars()
    return Inbox(int(unread), list(latest))


async def my_profile(session: AsyncSession, actor: Actor) -> tuple[User | None, Organisation | None]:
    """The actor's own user and organisation rows."""
    if actor.user_id is None:
        return None, None
    row = (
        await session.execute(
            select(User, Organisation)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.id == actor.user_id)
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)


async def my_projects(session: AsyncSession, actor: Actor, *, limit: int = CARD_LIMIT) -> list[Project]:
    """Projects where the actor's organisation is the tenderer or the agency."""
    stmt = (
        select(Project)
        .where(or_(Project.tenderer_org_id == actor.org_id, Project.agency_org_id == actor.org_id))
        .order_by(Project.created_at.desc(), Project.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def my_tenders(session: AsyncSession, actor: Actor, *, limit: int = CARD_LIMIT) -> list[Tender]:
    """Tenders run by (agency) or for (tenderer) the actor's organisation."""
    stmt = (
        select(Tender)
        .where(or_(Tender.tenderer_org_id == actor.org_id, Tender.agency_org_id == actor.org_id))
        .order_by(Tender.updated_at.desc(), Tender.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def my_downloads(session: AsyncSession, actor: Actor, *, limit: int = CARD_LIMIT) -> list[DownloadedTender]:
    """Tenders the actor's own organisation downloaded; never anyone else's records (Art.21)."""
    if actor.org_kind != OrgKind.bidder or actor.org_id is None:
        return []
    last = func.max(DocumentDownload.at).label("last_at")
    sub = (
        select(DocumentDownload.tender_id, last)
        .where(DocumentDownload.org_id == actor.org_id)
        .group_by(DocumentDownload.tender_id)
        .subquery()
    )
    stmt = (
        select(Tender, sub.c.last_at)
        .join(sub, sub.c.tender_id == Tender.id)
        .order_by(sub.c.last_at.desc())
        .limit(limit)
    )
    return [DownloadedTender(t, at) for t, at in (await session.execute(stmt)).all()]


async def my_questions(session: AsyncSession, actor: Actor, *, limit: int = CARD_LIMIT) -> list[MyQuestion]:
    """Questions the actor's organisation asked, with whether they have been answered."""
    stmt = (
        select(Question, Tender.title)
        .join(Tender, Tender.id == Question.tender_id)
        .where(Question.asker_org_id == actor.org_id)
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return [
        MyQuestion(q, title, q.clarification_id is not None) for q, title in (await session.execute(stmt)).all()
    ]


async def admission_queue(session: AsyncSession, *, limit: int = CARD_LIMIT) -> tuple[list[Project], int]:
    """Projects waiting for admission: priority projects first, then first come first served."""
    cond = Project.status == ProjectStatus.submitted
    total = (await session.execute(select(func.count(Project.id)).where(cond))).scalar_one()
    stmt = (
        select(Project)
        .where(cond)
        .order_by(Project.priority.is_(None), Project.submitted_at, Project.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars()), int(total)


async def pending_bidders(session: AsyncSession, *, limit: int = CARD_LIMIT) -> tuple[list[Organisation], int]:
    """Self-registered bidder companies waiting for the centre's verification (E-Bidding Measures Art.9)."""
    cond = (Organisation.kind == OrgKind.bidder) & (Organisation.status == OrgStatus.pending)
    total = (await session.execute(select(func.count(Organisation.id)).where(cond))).scalar_one()
    stmt = select(Organisation).where(cond).order_by(Organisation.created_at, Organisation.id).limit(limit)
    return list((await session.execute(stmt)).scalars()), int(total)


async def _suspensions(
    session: AsyncSession, statuses: tuple[SuspensionStatus, ...], lines: list[TradingLine] | None
) -> list[SuspensionRow]:
    stmt = (
        select(Suspension, Project.name)
        .outerjoin(Project, Project.id == Suspension.project_id)
        .where(Suspension.status.in_(statuses))
        .order_by(Suspension.requested_at.desc(), Suspension.id.desc())
        .limit(CARD_LIMIT)
    )
    if lines is not None:
        stmt = stmt.where(Suspension.scope == SuspensionScope.project, Project.line.in_(lines))
    return [SuspensionRow(s, name) for s, name in (await session.execute(stmt)).all()]


def _lines(actor: Actor) -> list[TradingLine]:
    out: list[TradingLine] = []
    for value in actor.supervised_lines:
        try:
            out.append(TradingLine(value))
        except ValueError:
            continue
    return out


async def line_projects(
    session: AsyncSession, lines: list[TradingLine], *, limit: int = CARD_LIMIT
) -> list[Project]:
    """Projects of the lines a supervisor watches."""
    if not lines:
        return []
    stmt = (
        select(Project)
        .where(Project.line.in_(lines))
        .order_by(Project.created_at.desc(), Project.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def dashboard_for(session: AsyncSession, actor: Actor) -> Dashboard:
    """Assemble the dashboard for the actor's role; unknown roles get the inbox and profile only."""
    board = Dashboard(inbox=await inbox_summary(session, actor))
    board.user, board.org = await my_profile(session, actor)
    kind = actor.org_kind
    if actor.is_centre:
        board.admission_queue, board.admission_total = await admission_queue(session)
        board.pending_bidders, board.pending_bidders_total = await pending_bidders(session)
        board.suspensions = await _suspensions(
            session, (SuspensionStatus.active, SuspensionStatus.pending_approval), None
        )
    elif kind in (OrgKind.agency, OrgKind.tenderer):
        board.projects = await my_projects(session, actor)
        board.tenders = await my_tenders(session, actor)
    elif kind == OrgKind.bidder:
        board.downloads = await my_downloads(session, actor)
        board.questions = await my_questions(session, actor)
    elif kind == OrgKind.supervisor:
        board.lines = _lines(actor)
        board.projects = await line_projects(session, board.lines)
        board.approvals = await _suspensions(session, (SuspensionStatus.pending_approval,), board.lines)
        board.suspensions = await _suspensions(session, (SuspensionStatus.active,), board.lines)
    return board
