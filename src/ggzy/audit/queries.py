"""Read the audit log with access control in the query.

E-Bidding Measures Art.21: before a tender's bid deadline nobody — centre staff and supervisors included —
may learn who downloaded its documents or asked a question, nor how many did. Events carrying those tags
are therefore left out of every listing (and of its count) until the deadline of the tender they concern
has passed. When the tender cannot be identified, the event waits until every tender of its project has
passed its deadline; with neither it stays withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import Actor
from ggzy.kit.errors import Forbidden
from ggzy.party.models import Role
from ggzy.project.models import Project
from ggzy.tender.models import Tender

SECRET_UNTIL_DEADLINE: frozenset[str] = frozenset({
    "document:downloaded", "question:asked", "bid:submitted", "bid:withdrawn",
})
"""Tags that reveal who downloaded, asked or bid — or how many did (Art.21)."""

PAGE_SIZE = 50


@dataclass(frozen=True)
class EventSlice:
    items: list[AuditEvent]
    page: int
    page_size: int
    total: int


def released_after_deadline(now: datetime) -> ColumnElement[bool]:
    """True for a secret-tagged event whose tender (or every tender of its project) is past the deadline."""
    tender_ref = case(
        (AuditEvent.subject_type == "tender", AuditEvent.subject_id),
        else_=AuditEvent.after["tender_id"].as_string(),
    )
    tender_passed = exists().where(Tender.id == tender_ref, Tender.bid_deadline.is_not(None),
                                   Tender.bid_deadline <= now)
    project_has_tender = exists().where(Tender.project_id == AuditEvent.project_id)
    project_open = exists().where(
        Tender.project_id == AuditEvent.project_id,
        or_(Tender.bid_deadline.is_(None), Tender.bid_deadline > now),
    )
    project_passed = and_(AuditEvent.project_id.is_not(None), project_has_tender, not_(project_open))
    return or_(tender_passed, project_passed)


def visible_to(actor: Actor, now: datetime) -> ColumnElement[bool]:
    """The WHERE clause for what `actor` may read from the audit log at `now`."""
    if actor.is_centre:
        scope: ColumnElement[bool] = true()
    elif actor.role == Role.supervisor and actor.supervised_lines:
        scope = AuditEvent.project_id.in_(
            select(Project.id).where(Project.line.in_(list(actor.supervised_lines))).scalar_subquery()
        )
    else:
        scope = false()
    not_secret = AuditEvent.tag.not_in(sorted(SECRET_UNTIL_DEADLINE))
    return and_(scope, or_(not_secret, released_after_deadline(now)))


def ensure_may_read_audit(actor: Actor) -> None:
    """Centre staff and supervisors read the log; everybody else is refused outright."""
    if not (actor.is_centre or actor.role == Role.supervisor):
        raise Forbidden("audit.forbidden", "仅交易中心工作人员和行政监督部门可查看审计日志",
                        "Only centre staff and supervisors may read the audit log")


async def list_events(
    session: AsyncSession, actor: Actor, *, now: datetime, project_id: str | None = None, tag: str | None = None,
    page: int = 1, page_size: int = PAGE_SIZE,
) -> EventSlice:
    """One page of events `actor` may see, oldest first; `tag` ending in ':' matches a prefix (`tender:`)."""
    ensure_may_read_audit(actor)
    conds = [visible_to(actor, now)]
    if project_id:
        conds.append(AuditEvent.project_id == project_id)
    if tag:
        if tag.endswith(":"):
            conds.append(AuditEvent.tag.startswith(tag, autoescape=True))
        else:
            conds.append(AuditEvent.tag == tag)
    total = int((await session.execute(select(func.count()).select_from(AuditEvent).where(*conds))).scalar_one())
    rows = (
        await session.execute(
            select(AuditEvent).where(*conds).order_by(AuditEvent.seq)
            .offset((page - 1) * page_size).limit(page_size)
        )
    ).scalars().all()
    return EventSlice(list(rows), page, page_size, total)
