"""The regulators' live board (监督看板): every tender and auction lot of a supervisor's lines in its current stage,
with what is overdue or contested, and the alerts sent to the supervisor's organisation.

What it never shows before the opening: bids, their number, who downloaded or asked (E-Bidding Measures Art.21).
Stages come from the tender's and the lot's own status, the opening, objections and complaints — never from bid
rows. Live: every audited stage change of a line's project (the allow-list below: no bid, download or question tag)
is announced on `supervision:{line}` after its transaction commits; the page then re-fetches its fragment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, object_session

from ggzy.auction.models import AuctionLot
from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import Actor
from ggzy.kit.errors import Forbidden
from ggzy.notify.models import Notification
from ggzy.opening.models import Opening
from ggzy.party.models import Role
from ggzy.project.models import Project, TradingLine
from ggzy.publicity.models import Objection, ObjectionStatus
from ggzy.realtime.broker import current_broker
from ggzy.realtime.channels import register_channel
from ggzy.supervision.models import Complaint, ComplaintStatus
from ggzy.tender.models import Tender, TenderStatus

CHANNEL: Final = "supervision:"
FINISHED_TENDERS: Final = frozenset({TenderStatus.archived, TenderStatus.cancelled})
STAGE_TAGS: Final = frozenset({
    "project:admitted", "tender:published", "tender:corrected", "tender:failed", "tender:cancelled",
    "tender:awarded", "tender:contracted", "tender:reevaluation_ordered",
    "opening:started", "opening:bidders_published", "opening:window_closed", "opening:announced",
    "opening:confirmed", "opening:platform_fault", "opening:objection_raised",
    "draw:drawn", "draw:failed", "evaluation:started", "evaluation:reported", "evaluation:rejected_all",
    "publicity:published", "publicity:ended", "publicity:overdue", "objection:filed", "objection:answered",
    "objection:answer_overdue", "complaint:filed", "complaint:accepted", "complaint:refused", "complaint:decided",
    "award:confirmed", "award:notified", "award:revoked", "award:result_overdue", "award:contract_overdue",
    "contract:recorded", "archive:built", "suspension:requested", "suspension:ended", "suspension:rejected",
    "auction:announced", "auction:listing_started", "auction:timed_started", "auction:result",
})
"""Audit tags that move a project to another stage. Anything else (bids, downloads, questions, sign-ins, auction
applications) stays off the supervisors' live channel: its mere timing would tell who is taking part."""


def channel(line: str) -> str:
    return f"{CHANNEL}{line}"


async def _line_regulator(_s: AsyncSession, actor: Actor, ch: str) -> bool:
    return actor.is_centre or (actor.has(Role.supervisor) and ch.removeprefix(CHANNEL) in actor.supervised_lines)


register_channel(CHANNEL, _line_regulator, prefix=True)


@event.listens_for(AuditEvent, "after_insert")
def _announce_stage(_mapper: Mapper[Any], connection: Connection, target: AuditEvent) -> None:
    """Queue a `stage` event on the project's line, sent once the change commits (kit.db.commit)."""
    if target.project_id is None or target.tag not in STAGE_TAGS:
        return
    session = object_session(target)
    line = connection.execute(select(Project.line).where(Project.id == target.project_id)).scalar()
    if session is None or line is None:
        return
    data = {"project_id": target.project_id, "tag": target.tag, "at": target.occurred_at.isoformat()}

    async def _send() -> None:
        broker = current_broker()
        if broker is not None:
            await broker.publish(channel(str(line)), "stage", data)

    session.info.setdefault("after_commit", []).append(_send)


@dataclass
class TenderRow:
    tender: Tender
    project: Project
    opening_status: str | None
    open_objections: int
    open_complaints: int
    suspended: bool


@dataclass
class LotRow:
    lot: AuctionLot
    project: Project
    suspended: bool


@dataclass
class Board:
    lines: list[str]
    tenders: list[TenderRow] = field(default_factory=list)
    lots: list[LotRow] = field(default_factory=list)
    alerts: list[Notification] = field(default_factory=list)


def _lines_of(actor: Actor) -> list[str]:
    if actor.is_centre:
        return [line.value for line in TradingLine]
    if actor.has(Role.supervisor):
        return sorted(actor.supervised_lines)
    raise Forbidden("supervision.board_forbidden", "监督看板仅向行政监督部门和交易中心开放",
                    "The board is for supervisors and centre staff only")


async def _counts(session: AsyncSession, model: Any, status_col: Any, open_values: tuple[str, ...],
                  tender_ids: list[str]) -> dict[str, int]:
    if not tender_ids:
        return {}
    rows = await session.execute(select(model.tender_id, func.count(model.id))
                                 .where(model.tender_id.in_(tender_ids), status_col.in_(open_values))
                                 .group_by(model.tender_id))
    return {tid: int(n) for tid, n in rows.all()}


async def board(session: AsyncSession, actor: Actor, *, now: datetime, limit: int = 300) -> Board:
    """The running tenders and lots of the actor's lines (archived and cancelled ones drop off), newest first."""
    lines = _lines_of(actor)
    out = Board(lines=lines)
    if not lines:
        return out
    tenders = (await session.execute(
        select(Tender, Project).join(Project, Project.id == Tender.project_id)
        .where(Tender.line.in_(lines), Tender.status.not_in(FINISHED_TENDERS))
        .order_by(Tender.created_at.desc(), Tender.id).limit(limit))).all()
    ids = [t.id for t, _ in tenders]
    openings = dict((await session.execute(
        select(Opening.tender_id, Opening.status).where(Opening.tender_id.in_(ids)))).tuples().all()) if ids else {}
    objections = await _counts(session, Objection, Objection.status, (ObjectionStatus.open,), ids)
    complaints = await _counts(session, Complaint, Complaint.status,
                               (ComplaintStatus.filed, ComplaintStatus.accepted), ids)
    out.tenders = [TenderRow(t, p, str(openings[t.id]) if t.id in openings else None, objections.get(t.id, 0),
                             complaints.get(t.id, 0), p.suspended_at is not None) for t, p in tenders]
    lots = (await session.execute(
        select(AuctionLot, Project).join(Project, Project.id == AuctionLot.project_id)
        .where(AuctionLot.line.in_(lines), AuctionLot.status != "draft")
        .order_by(AuctionLot.listing_start.desc(), AuctionLot.id).limit(limit))).all()
    out.lots = [LotRow(lot, p, p.suspended_at is not None) for lot, p in lots]
    if actor.org_id is not None:
        out.alerts = list((await session.execute(
            select(Notification).where(Notification.org_id == actor.org_id, Notification.created_at <= now)
            .order_by(Notification.created_at.desc()).limit(20))).scalars())
    return out
