"""资格 / 符合性审查 (compliance review), clarifications (澄清) and rejecting every bid of a lot (Art.27).

Every write locks the evaluation row, re-checks the stage and the clock inside the transaction, records its audit
event and commits; the room's viewers are told after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.evaluation import apply, rules, state
from ggzy.evaluation.access import (
    Room,
    acting_room,
    audit,
    channel,
    entries_of,
    entry_in,
    event,
    lots_of,
    rejected_lot_ids,
)
from ggzy.evaluation.errors import (
    AutoRejected,
    BadEvaluationTransition,
    ClarificationClosed,
    ClarificationNotFound,
    ClarificationOpen,
    DeadlineInvalid,
    LotNotFound,
    LotRejected,
    NotValidBid,
    ReasonRequired,
    RejectAllNotAllowed,
    ReviewIncomplete,
    TextRequired,
)
from ggzy.evaluation.models import (
    ClarificationRequest,
    ClarificationStatus,
    Evaluation,
    EvaluationStatus,
    ReviewConclusion,
    ReviewOpinion,
)
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.opening.models import OpeningEntry
from ggzy.project.models import Notice, NoticeKind, Project
from ggzy.realtime.broker import publish_after_commit
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Lot, TenderStatus

ROOM = system_actor("evaluation")
"""The platform acting for the room (deadlines passing): `system:evaluation`."""
S = EvaluationStatus
C = ClarificationStatus


def _text(value: str | None, error: type[TextRequired] | type[ReasonRequired] = TextRequired,
          field: str = "text") -> str:
    text = (value or "").strip()
    if not text:
        raise error(detail={"field": field})
    return text[: rules.MAX_TEXT]


def _stage(room: Room, *allowed: EvaluationStatus, action: str) -> Evaluation:
    ev = room.ev
    if ev.status not in allowed:
        raise BadEvaluationTransition(detail={"from": str(ev.status), "action": action})
    return ev


async def _lot(session: AsyncSession, entry: OpeningEntry) -> Lot:
    lot = await session.get(Lot, entry.lot_id)
    if lot is None:
        raise LotNotFound()
    return lot


async def conclusions(session: AsyncSession, evaluation_id: str) -> dict[str, ReviewConclusion]:
    rows = (await session.execute(
        select(ReviewConclusion).where(ReviewConclusion.evaluation_id == evaluation_id))).scalars().all()
    return {r.entry_id: r for r in rows}


async def valid_entries(session: AsyncSession, evaluation: Evaluation) -> list[ReviewConclusion]:
    """Bids that passed review in lots still in play: the ones members score."""
    out = [c for c in (await conclusions(session, evaluation.id)).values() if c.passed]
    gone = rejected_lot_ids(evaluation)
    return [c for c in out if c.lot_id not in gone]


# ---------------------------------------------------------------- review opinions


async def give_opinion(session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, *, passed: bool,
                       reason: str, now: datetime) -> ReviewOpinion:
    """One member's pass / fail on one bid (a fail needs its reason); changeable until the chair closes review."""
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = _stage(room, S.reviewing, action="review")
    await ensure_trading_open(session, room.tender.project_id)
    entry = await entry_in(session, tender_id, entry_id)
    if apply.reasons_for(entry, await _lot(session, entry), str(room.tender.line)):
        raise AutoRejected()
    text = (reason or "").strip()[: rules.MAX_TEXT]
    if not passed and not text:
        raise ReasonRequired(detail={"field": "reason"})
    row = (await session.execute(select(ReviewOpinion).where(
        ReviewOpinion.evaluation_id == ev.id, ReviewOpinion.entry_id == entry.id,
        ReviewOpinion.member_id == me.id))).scalars().first()
    before = None if row is None else {"passed": row.passed, "reason": row.reason}
    if row is None:
        row = ReviewOpinion(evaluation_id=ev.id, entry_id=entry.id, member_id=me.id, passed=passed, reason=text, at=now)
        session.add(row)
    else:
        row.passed, row.reason, row.at = passed, text, now
    await session.flush()
    await audit(session, room, "evaluation:review_opinion", actor, now=now, before=before,
                after={"entry_id": entry.id, "passed": passed, "reason": text})
    event(session, room, "review_opinion")
    await commit(session)
    return row


async def close_review(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> Evaluation:
    """The chair closes review: every bid's conclusion is fixed (automatic reasons bind; otherwise the majority,
    MOF 87 Art.61) and scoring starts. Every member must have judged every bid, and no clarification be open."""
    room = await acting_room(session, actor, tender_id)
    room.chair()
    ev = _stage(room, S.reviewing, action="close_review")
    await ensure_trading_open(session, room.tender.project_id)
    await expire_due(session, ev, now)
    if await open_clarifications(session, ev.id, now):
        raise ClarificationOpen()
    entries = await entries_of(session, tender_id)
    lots = {lot.id: lot for lot in await lots_of(session, tender_id)}
    opinions = (await session.execute(select(ReviewOpinion).where(ReviewOpinion.evaluation_id == ev.id))).scalars()
    by_entry: dict[str, dict[str, ReviewOpinion]] = {}
    for o in opinions:
        by_entry.setdefault(o.entry_id, {})[o.member_id] = o
    member_ids = [m.id for m in room.members]
    rows: list[ReviewConclusion] = []
    missing = 0
    for e in entries:
        auto = apply.reasons_for(e, lots[e.lot_id], str(room.tender.line))
        mine = by_entry.get(e.id, {})
        if not auto:
            missing += sum(1 for m in member_ids if m not in mine)
        ordered = [(mine[m].passed, mine[m].reason) for m in member_ids if m in mine]
        c = rules.conclude(auto, ordered)
        rows.append(ReviewConclusion(
            evaluation_id=ev.id, entry_id=e.id, lot_id=e.lot_id, bidder_org_id=e.bidder_org_id, passed=c.passed,
            auto_reasons=auto, member_reasons=c.reasons, votes_pass=c.votes_pass, votes_fail=c.votes_fail,
            evaluated_price=apply.price_of(e), decided_at=now,
        ))
    if missing:
        raise ReviewIncomplete(detail={"missing_opinions": missing})
    session.add_all(rows)
    state.transition_to(ev, S.scoring)
    ev.review_closed_at = now
    await session.flush()
    await audit(session, room, "evaluation:review_closed", actor, now=now, before={"status": S.reviewing},
                after={"status": ev.status, "conclusions": [
                    {"entry_id": r.entry_id, "lot_id": r.lot_id, "passed": r.passed, "votes_pass": r.votes_pass,
                     "votes_fail": r.votes_fail, "auto": [a.get("code") for a in r.auto_reasons],
                     "evaluated_price": r.evaluated_price} for r in rows],
                       "law": "MOF 87 Art.61; Bidding Regs Art.51; MOF 87 Art.63"})
    event(session, room, "review_closed")
    await commit(session)
    return ev


# ---------------------------------------------------------------- rejecting every bid of a lot (Art.27)


async def reject_lot(session: AsyncSession, actor: Actor, tender_id: str, lot_id: str, reason: str, *,
                     now: datetime) -> Evaluation:
    """Fewer than 3 valid bids remain in the lot: the committee may reject them all (Evaluation Rules Art.27).

    The lot fails with a public notice; when no lot is left the evaluation ends as rejected_all and the tender
    fails (to be re-tendered)."""
    text = _text(reason, field="reason")
    room = await acting_room(session, actor, tender_id, lock_tender=True)
    room.chair()
    ev = _stage(room, S.scoring, action="reject_all")
    await ensure_trading_open(session, room.tender.project_id)
    lots = {lot.id: lot for lot in await lots_of(session, tender_id)}
    in_play = {e.lot_id for e in await entries_of(session, tender_id)}
    if lot_id not in lots or lot_id not in in_play:
        raise LotNotFound()
    if lot_id in rejected_lot_ids(ev):
        raise LotRejected()
    valid = sum(1 for c in (await conclusions(session, ev.id)).values() if c.lot_id == lot_id and c.passed)
    if not apply.may_reject_all(valid):
        raise RejectAllNotAllowed(detail={"valid_bids": valid})
    row = {"lot_id": lot_id, "number": lots[lot_id].number, "name": lots[lot_id].name, "valid": valid,
           "reason": text, "at": now.isoformat()}
    ev.rejected_lots = [*ev.rejected_lots, row]  # a new list, so the JSON column is written
    remaining = in_play - rejected_lot_ids(ev)
    notice = await _failure_notice(session, room, [row], whole=not remaining, now=now)
    await audit(session, room, "evaluation:lot_rejected", actor, now=now,
                after={**row, "notice_id": notice.id, "law": "Evaluation Rules Art.27"})
    bidders = list(dict.fromkeys(e.bidder_org_id for e in await entries_of(session, tender_id)
                                 if e.lot_id == lot_id))
    managers = [o for o in (room.tender.agency_org_id, room.tender.tenderer_org_id) if o]
    if not remaining:
        state.transition_to(ev, S.rejected_all)
        ev.rejected_all_reason = text
        await next_check(session, ev)  # open clarifications still expire at their deadline
        before = {"status": room.tender.status}
        tender_state.transition_to(room.tender, TenderStatus.failed)
        room.tender.updated_at = now
        await audit(session, room, "evaluation:rejected_all", actor, now=now, before=before,
                    after={"status": ev.status, "tender_status": room.tender.status, "notice_id": notice.id,
                           "lots": ev.rejected_lots, "law": "Evaluation Rules Art.27"})
        from ggzy.fees.service import on_evaluation_closed  # the experts worked: 专家评审费, same transaction

        await on_evaluation_closed(session, ev, now)
        bidders = list(dict.fromkeys(e.bidder_org_id for e in await entries_of(session, tender_id)))
    await notify_orgs(
        session, [*managers, *bidders], kind="evaluation:rejected", tender_id=tender_id,
        project_id=room.tender.project_id, now=now, link=f"/notices/{notice.id}",
        title_zh=f"评标委员会否决全部投标：{room.tender.title}",
        title_en=f"The committee rejected every bid: {room.tender.title}",
        body_zh=f"{room.tender.code} 标段 {row['number']} 有效投标不足3家，评标委员会否决全部投标"
                "（《评标委员会和评标方法暂行规定》第二十七条）。",
        body_en=f"{room.tender.code} lot {row['number']}: fewer than 3 valid bids; the committee rejected them all "
                "(Evaluation Rules Art.27).",
    )
    event(session, room, "rejected_all" if not remaining else "lot_rejected")
    await commit(session)
    return ev


async def _failure_notice(session: AsyncSession, room: Room, rows: list[dict[str, Any]], *, whole: bool,
                          now: datetime) -> Notice:
    """废标公告: public, without experts' names or the members' votes (names stay secret, Evaluation Rules Art.8)."""
    tender = room.tender
    project = await session.get(Project, tender.project_id)
    lines = [f"标段 {r['number']} {r['name']}：经评审有效投标 {r['valid']} 家，不足3家，评标委员会否决全部投标。"
             for r in rows]
    tail = ("本项目流标，招标人将依法重新招标。" if whole else "其余标段继续评标。")
    body = (f"{tender.title}（项目编号 {tender.code}）于 {show(now)}（北京时间）评标。\n" + "\n".join(lines)
            + f"\n依据：《评标委员会和评标方法暂行规定》第二十七条。{tail}")
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.evaluation_failed, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}废标公告", body=body,
        data={"lots": [{k: r[k] for k in ("lot_id", "number", "name", "valid")} for r in rows],
              "whole_tender": whole, "retender": whole, "law": "Evaluation Rules Art.27"},
        published_at=now, published_by="system:evaluation",
    )
    session.add(notice)
    await session.flush()
    return notice


# ---------------------------------------------------------------- clarifications (澄清)


async def open_clarifications(session: AsyncSession, evaluation_id: str, now: datetime) -> list[ClarificationRequest]:
    rows = (await session.execute(select(ClarificationRequest).where(
        ClarificationRequest.evaluation_id == evaluation_id, ClarificationRequest.status == C.open))).scalars().all()
    return [r for r in rows if r.deadline > now]


async def ask_clarification(session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, *, question: str,
                            deadline: datetime, now: datetime) -> ClarificationRequest:
    """A member asks one bidder in writing, with a deadline (Bidding Regs Art.52; MOF 87 Art.51)."""
    text = _text(question, field="question")
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = _stage(room, S.reviewing, S.scoring, action="clarification")
    await ensure_trading_open(session, room.tender.project_id)
    if not rules.clarification_deadline_ok(deadline, now):
        raise DeadlineInvalid(detail={"deadline": deadline.isoformat(), "now": now.isoformat()})
    entry = await entry_in(session, tender_id, entry_id)
    if ev.status == S.reviewing and apply.reasons_for(entry, await _lot(session, entry), str(room.tender.line)):
        raise AutoRejected()
    if ev.status == S.scoring and entry.id not in {c.entry_id for c in await valid_entries(session, ev)}:
        raise NotValidBid()
    row = ClarificationRequest(evaluation_id=ev.id, entry_id=entry.id, bidder_org_id=entry.bidder_org_id,
                               asked_by_member_id=me.id, question=text, asked_at=now, deadline=deadline,
                               status=C.open)
    session.add(row)
    await session.flush()
    ev.next_check_at = deadline if ev.next_check_at is None else min(ev.next_check_at, deadline)
    await audit(session, room, "evaluation:clarification_asked", actor, now=now, subject_type="clarification",
                subject_id=row.id, after={"entry_id": entry.id, "bidder_org_id": entry.bidder_org_id,
                                          "question": text, "deadline": deadline})
    await notify_orgs(
        session, [entry.bidder_org_id], kind="evaluation:clarification", tender_id=tender_id,
        project_id=room.tender.project_id, now=now, link=f"/tenders/{tender_id}/evaluation/clarifications",
        title_zh=f"评标委员会要求澄清：{room.tender.title}", title_en=f"Clarification requested: {room.tender.title}",
        body_zh=f"请于 {show(deadline)}（北京时间）前在平台书面答复；澄清不得超出投标文件的范围或改变实质性内容。",
        body_en=f"Answer in writing on the platform by {show(deadline)} (Beijing); the answer may not change the "
                "substance of the bid.",
    )
    event(session, room, "clarification")
    await commit(session)
    return row


async def _own_clarification(session: AsyncSession, actor: Actor, tender_id: str, clarification_id: str, *,
                             lock: bool = False) -> ClarificationRequest:
    """A bidder's own request; anyone else's is 404 (a bidder sees only its own)."""
    stmt = (select(ClarificationRequest).join(Evaluation, Evaluation.id == ClarificationRequest.evaluation_id)
            .where(ClarificationRequest.id == clarification_id, Evaluation.tender_id == tender_id))
    if lock:
        stmt = stmt.with_for_update(of=ClarificationRequest)
    row = (await session.execute(stmt)).scalars().first()
    if row is None or actor.org_id is None or row.bidder_org_id != actor.org_id:
        raise ClarificationNotFound()
    return row


async def answer_clarification(session: AsyncSession, actor: Actor, tender_id: str, clarification_id: str,
                               answer: str, *, now: datetime) -> ClarificationRequest:
    """The bidder answers before the deadline (server clock); after it, or a second time: 409."""
    text = _text(answer, field="answer")
    row = await _own_clarification(session, actor, tender_id, clarification_id, lock=True)
    ev = await session.get(Evaluation, row.evaluation_id)
    if row.status != C.open or now >= row.deadline or ev is None or ev.status not in (S.reviewing, S.scoring):
        raise ClarificationClosed(detail={"deadline": row.deadline.isoformat(), "status": str(row.status)})
    tender_project = await _project_of(session, tender_id)
    await ensure_trading_open(session, tender_project)
    row.answer, row.answered_at, row.answered_by, row.status = text, now, actor.user_id, C.answered
    await record(session, "evaluation:clarification_answered", actor, subject_type="clarification",
                 subject_id=row.id, project_id=tender_project, now=now,
                 after={"tender_id": tender_id, "entry_id": row.entry_id, "answer": text})
    publish_after_commit(session, None, channel(tender_id), "evaluation:changed",
                         {"what": "clarification_answered", "status": str(ev.status)})
    await commit(session)
    return row


async def _project_of(session: AsyncSession, tender_id: str) -> str:
    return (await tender_docs.get_tender(session, tender_id)).project_id


async def bidder_clarifications(session: AsyncSession, actor: Actor, tender_id: str) -> list[ClarificationRequest]:
    """The caller's organisation's own requests on this tender (nobody else's, not even a count)."""
    if actor.org_id is None:
        return []
    stmt = (select(ClarificationRequest).join(Evaluation, Evaluation.id == ClarificationRequest.evaluation_id)
            .where(Evaluation.tender_id == tender_id, ClarificationRequest.bidder_org_id == actor.org_id)
            .order_by(ClarificationRequest.asked_at, ClarificationRequest.id))
    return list((await session.execute(stmt)).scalars().all())


async def expire_due(session: AsyncSession, evaluation: Evaluation, now: datetime) -> list[str]:
    """Open requests whose deadline passed become `expired` (in the caller's transaction); returns their ids."""
    rows = (await session.execute(select(ClarificationRequest).where(
        ClarificationRequest.evaluation_id == evaluation.id, ClarificationRequest.status == C.open,
        ClarificationRequest.deadline <= now))).scalars().all()
    tender = await _project_of(session, evaluation.tender_id)
    for r in rows:
        r.status = C.expired
        await record(session, "evaluation:clarification_expired", ROOM, subject_type="clarification",
                     subject_id=r.id, project_id=tender, now=now,
                     after={"tender_id": evaluation.tender_id, "entry_id": r.entry_id, "deadline": r.deadline})
    return [r.id for r in rows]


async def next_check(session: AsyncSession, evaluation: Evaluation) -> None:
    """The evaluation's next chronograph check: the earliest open clarification deadline or the confirmation
    deadline, whichever comes first."""
    deadlines = list((await session.execute(select(ClarificationRequest.deadline).where(
        ClarificationRequest.evaluation_id == evaluation.id, ClarificationRequest.status == C.open))).scalars())
    if evaluation.status == S.submitted and evaluation.confirm_until is not None:
        deadlines.append(evaluation.confirm_until)
    evaluation.next_check_at = min(deadlines) if deadlines else None

