"""Who is in the evaluation room, and the loading every use case starts with.

The room is closed (评标保密): accepted members of THIS tender's committee act; centre staff and the supervisor
of the tender's line watch read-only; for everyone else the evaluation does not exist (404). A write by anyone
but a member is a 403 `evaluation.not_a_member`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.bid.models import Bid
from ggzy.evaluation import rules
from ggzy.evaluation.errors import EntryNotFound, EvaluationNotFound, NotAMember, NotChair
from ggzy.evaluation.models import Evaluation
from ggzy.expert.models import CommitteeMember, DrawStatus, Expert, ExpertDraw, MemberStatus
from ggzy.opening.models import Opening, OpeningEntry
from ggzy.party.models import User
from ggzy.realtime.broker import publish_after_commit
from ggzy.realtime.channels import register_channel
from ggzy.tender import documents as tender_docs
from ggzy.tender.models import Lot, Tender

CHANNEL = "evaluation:"


def channel(tender_id: str) -> str:
    return f"{CHANNEL}{tender_id}"


@dataclass
class Room:
    tender: Tender
    evaluation: Evaluation | None
    draw: ExpertDraw | None
    members: list[CommitteeMember]
    """Accepted seats, in draw order."""
    me: CommitteeMember | None
    watcher: bool

    @property
    def ev(self) -> Evaluation:
        if self.evaluation is None:
            raise EvaluationNotFound()
        return self.evaluation

    @property
    def is_chair(self) -> bool:
        return self.me is not None and self.evaluation is not None and self.evaluation.chair_member_id == self.me.id

    @property
    def size(self) -> int:
        return len(self.members)

    def member(self) -> CommitteeMember:
        if self.me is None:
            raise NotAMember()
        return self.me

    def chair(self) -> CommitteeMember:
        me = self.member()
        if not self.is_chair:
            raise NotChair()
        return me


async def decided_draw(session: AsyncSession, tender_id: str) -> ExpertDraw | None:
    """The tender's decided committee draw (the latest, should a cancelled one have preceded it)."""
    stmt = (select(ExpertDraw).where(ExpertDraw.tender_id == tender_id, ExpertDraw.status == DrawStatus.decided)
            .order_by(ExpertDraw.decided_at.desc(), ExpertDraw.id).limit(1))
    return (await session.execute(stmt)).scalars().first()


async def committee(session: AsyncSession, draw_id: str) -> list[CommitteeMember]:
    stmt = (select(CommitteeMember)
            .where(CommitteeMember.draw_id == draw_id, CommitteeMember.status == MemberStatus.accepted)
            .order_by(CommitteeMember.round, CommitteeMember.position, CommitteeMember.id))
    return list((await session.execute(stmt)).scalars().all())


async def member_names(session: AsyncSession, members: list[CommitteeMember]) -> dict[str, str]:
    """member id → name: the expert's name from the pool, the representative's user name otherwise."""
    experts = {m.expert_id for m in members if m.expert_id}
    users = {m.user_id for m in members if m.user_id}
    by_expert: dict[str, str] = {}
    by_user: dict[str, str] = {}
    if experts:
        rows = await session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(experts)))
        by_expert = {str(k): str(v) for k, v in rows.all()}
    if users:
        rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(users)))
        by_user = {str(k): str(v) for k, v in rows.all()}
    out: dict[str, str] = {}
    for m in members:
        name = by_expert.get(m.expert_id or "") or by_user.get(m.user_id or "") or ""
        out[m.id] = name
    return out


def current_evaluation(tender_id: str) -> Select[Evaluation]:
    """The tender's latest evaluation round (the room shows and acts on that one only)."""
    return select(Evaluation).where(Evaluation.tender_id == tender_id).order_by(Evaluation.round.desc()).limit(1)


async def load_room(session: AsyncSession, actor: Actor, tender_id: str, *, lock: bool = False,
                    lock_tender: bool = False) -> Room:
    """The room as `actor` may enter it, or 404. `lock` takes the evaluation row (FOR UPDATE on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises writers) so stage checks and writes are atomic."""
    tender = await tender_docs.get_tender(session, tender_id, lock=lock_tender)
    stmt = current_evaluation(tender_id)
    if lock:
        stmt = stmt.with_for_update()
    evaluation = (await session.execute(stmt)).scalars().first()
    draw = (await session.get(ExpertDraw, evaluation.draw_id)) if evaluation else await decided_draw(session, tender_id)
    members = await committee(session, draw.id) if draw is not None else []
    me = next((m for m in members if actor.user_id is not None and m.user_id == actor.user_id), None)
    room = Room(tender, evaluation, draw, members, me, rules.watches(actor, tender))
    if me is None and not room.watcher:
        raise EvaluationNotFound()
    return room


async def acting_room(session: AsyncSession, actor: Actor, tender_id: str, *, lock_tender: bool = False) -> Room:
    """For writes: the evaluation row locked, the caller a member (403 otherwise, 404 when there is no session)."""
    # Lock order everywhere in this package: the evaluation row, then the tender row (as the chronograph does,
    # which claims the evaluation first), so two writers never wait on each other in opposite orders.
    evaluation = (await session.execute(
        current_evaluation(tender_id).with_for_update())).scalars().first()
    tender = await tender_docs.get_tender(session, tender_id, lock=lock_tender and evaluation is not None)
    if evaluation is None:
        raise EvaluationNotFound()  # no session yet: nothing to act on, for members and outsiders alike
    draw = await session.get(ExpertDraw, evaluation.draw_id)
    members = await committee(session, evaluation.draw_id)
    me = next((m for m in members if actor.user_id is not None and m.user_id == actor.user_id), None)
    if me is None:
        raise NotAMember()
    return Room(tender, evaluation, draw, members, me, rules.watches(actor, tender))


async def room_listener(session: AsyncSession, actor: Actor, name: str) -> bool:
    """Live events of the room go to its members and watchers only (they carry the stage, nothing more)."""
    try:
        await load_room(session, actor, name[len(CHANNEL):])
    except Exception:  # a missing tender or evaluation is simply "not yours"
        return False
    return True


register_channel(CHANNEL, room_listener, prefix=True)


def event(session: AsyncSession, room: Room, what: str) -> None:
    """After commit: tell the room's viewers to re-fetch their own view."""
    data: dict[str, Any] = {"what": what, "status": str(room.evaluation.status) if room.evaluation else None}
    publish_after_commit(session, None, channel(room.tender.id), "evaluation:changed", data)


async def audit(session: AsyncSession, room: Room, tag: str, actor: Actor, *, now: datetime,
                subject_type: str = "evaluation", subject_id: str | None = None,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEvent:
    """Every write of the room records its event in the same transaction; tender_id lets the audit listing find
    the tender. Members appear by seat id, never by name (names stay secret until the result, Art.8)."""
    body = {"tender_id": room.tender.id, **(after or {})}
    if room.me is not None and actor.user_id == room.me.user_id:
        body.setdefault("member_id", room.me.id)
    return await record(session, tag, actor, subject_type=subject_type,
                        subject_id=subject_id or (room.evaluation.id if room.evaluation else room.tender.id),
                        project_id=room.tender.project_id, now=now, before=before, after=body)


# ---------------------------------------------------------------- the bids under evaluation


async def opening_of(session: AsyncSession, tender_id: str) -> Opening | None:
    return (await session.execute(select(Opening).where(Opening.tender_id == tender_id))).scalars().first()


async def lots_of(session: AsyncSession, tender_id: str) -> list[Lot]:
    return list((await session.execute(
        select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number))).scalars().all())


async def entries_of(session: AsyncSession, tender_id: str) -> list[OpeningEntry]:
    """The opening's entries of the lots that went ahead, by lot then in the order the hall listed them."""
    opening = await opening_of(session, tender_id)
    if opening is None:
        return []
    stmt = (select(OpeningEntry).join(Lot, Lot.id == OpeningEntry.lot_id).join(Bid, Bid.id == OpeningEntry.bid_id)
            .where(OpeningEntry.opening_id == opening.id).order_by(Lot.number, Bid.received_at, OpeningEntry.id))
    return list((await session.execute(stmt)).scalars().all())


async def entry_in(session: AsyncSession, tender_id: str, entry_id: str) -> OpeningEntry:
    opening = await opening_of(session, tender_id)
    entry = await session.get(OpeningEntry, entry_id) if opening is not None else None
    if entry is None or opening is None or entry.opening_id != opening.id:
        raise EntryNotFound()
    return entry


def rejected_lot_ids(evaluation: Evaluation) -> set[str]:
    return {str(r["lot_id"]) for r in (evaluation.rejected_lots or [])}
