"""Scoring (评分): members' score sheets, dissents, the chair's submission (ranking, candidates) and the deviation
flags sent to the line's supervisor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.evaluation import apply, rules, state
from ggzy.evaluation.access import Room, acting_room, audit, entries_of, event, opening_of, rejected_lot_ids
from ggzy.evaluation.errors import (
    AlreadyConfirmed,
    AlreadySubmitted,
    BadEvaluationTransition,
    ClarificationOpen,
    CriterionNotFound,
    LotWithoutValidBids,
    MembersPending,
    NotValidBid,
    ScoreOutOfBounds,
    SheetIncomplete,
    SheetSubmitted,
    TextRequired,
)
from ggzy.evaluation.methods.base import BidInput
from ggzy.evaluation.models import (
    Candidate,
    DeviationFlag,
    Dissent,
    Evaluation,
    EvaluationStatus,
    ReportConfirmation,
    Score,
    SheetSubmission,
)
from ggzy.evaluation.review import ROOM, conclusions, expire_due, next_check, open_clarifications, valid_entries
from ggzy.kit.db import commit
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind
from ggzy.supervision.guard import ensure_trading_open

S = EvaluationStatus


@dataclass(frozen=True)
class Cell:
    entry_id: str
    criterion_id: str
    score: object
    """As sent: a decimal string or an integer (never a float)."""


async def scores_of(session: AsyncSession, evaluation_id: str) -> list[Score]:
    return list((await session.execute(select(Score).where(Score.evaluation_id == evaluation_id))).scalars().all())


def sheet(scores: Sequence[Score]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """member_id → entry_id → criterion_id → score (base.ScoreSheet)."""
    out: dict[str, dict[str, dict[str, Decimal]]] = {}
    for s in scores:
        out.setdefault(s.member_id, {}).setdefault(s.entry_id, {})[s.criterion_id] = s.score
    return out


async def submitted_members(session: AsyncSession, evaluation_id: str) -> set[str]:
    return set((await session.execute(select(SheetSubmission.member_id).where(
        SheetSubmission.evaluation_id == evaluation_id))).scalars().all())


async def confirmations(session: AsyncSession, evaluation_id: str) -> dict[str, ReportConfirmation]:
    rows = (await session.execute(select(ReportConfirmation).where(
        ReportConfirmation.evaluation_id == evaluation_id))).scalars().all()
    return {r.member_id: r for r in rows}


def _scoring(room: Room, action: str) -> Evaluation:
    ev = room.ev
    if ev.status != S.scoring:
        raise BadEvaluationTransition(detail={"from": str(ev.status), "action": action})
    return ev


async def save_scores(session: AsyncSession, actor: Actor, tender_id: str, cells: Sequence[Cell], *,
                      now: datetime) -> list[Score]:
    """A member fills cells of their own sheet. Every cell is checked before any is written: one score out of
    [0, max] refuses the whole request (422 evaluation.score_out_of_bounds) and nothing changes."""
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = _scoring(room, "score")
    await ensure_trading_open(session, room.tender.project_id)
    if me.id in await submitted_members(session, ev.id):
        raise SheetSubmitted()
    criteria = {c.id: c for c in apply.scored_criteria(apply.plan_of(room.tender))}
    valid = {c.entry_id for c in await valid_entries(session, ev)}
    parsed: dict[tuple[str, str], Decimal] = {}
    for cell in cells:
        if cell.entry_id not in valid:
            raise NotValidBid(detail={"entry_id": cell.entry_id})
        criterion = criteria.get(cell.criterion_id)
        if criterion is None:
            raise CriterionNotFound(detail={"criterion_id": cell.criterion_id})
        value = rules.parse_score(cell.score, criterion.max)
        if value is None:
            raise ScoreOutOfBounds(detail={"entry_id": cell.entry_id, "criterion_id": cell.criterion_id,
                                           "min": "0", "max": str(criterion.max), "value": str(cell.score)})
        parsed[(cell.entry_id, cell.criterion_id)] = value
    mine = {(s.entry_id, s.criterion_id): s for s in await scores_of(session, ev.id) if s.member_id == me.id}
    rows: list[Score] = []
    for (entry_id, criterion_id), value in parsed.items():
        row = mine.get((entry_id, criterion_id))
        if row is None:
            row = Score(evaluation_id=ev.id, member_id=me.id, entry_id=entry_id, criterion_id=criterion_id,
                        score=value, at=now)
            session.add(row)
        else:
            row.score, row.at = value, now
        rows.append(row)
    await session.flush()
    await audit(session, room, "evaluation:scores_saved", actor, now=now,
                after={"cells": [{"entry_id": e, "criterion_id": c, "score": v} for (e, c), v in parsed.items()]})
    event(session, room, "scores")
    await commit(session)
    return rows


async def submit_sheet(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> SheetSubmission:
    """A member hands in a complete sheet; it cannot change afterwards."""
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = _scoring(room, "submit_sheet")
    await ensure_trading_open(session, room.tender.project_id)
    if me.id in await submitted_members(session, ev.id):
        raise SheetSubmitted()
    criteria = apply.scored_criteria(apply.plan_of(room.tender))
    valid = await valid_entries(session, ev)
    have = {(s.entry_id, s.criterion_id) for s in await scores_of(session, ev.id) if s.member_id == me.id}
    missing = [(c.entry_id, k.id) for c in valid for k in criteria if (c.entry_id, k.id) not in have]
    if missing:
        raise SheetIncomplete(detail={"missing": len(missing)})
    row = SheetSubmission(evaluation_id=ev.id, member_id=me.id, at=now)
    session.add(row)
    await session.flush()
    await audit(session, room, "evaluation:sheet_submitted", actor, now=now,
                after={"cells": len(valid) * len(criteria)})
    event(session, room, "sheet_submitted")
    await commit(session)
    return row


async def write_dissent(session: AsyncSession, actor: Actor, tender_id: str, body: str, *, now: datetime) -> Dissent:
    """异议意见: any member, while scoring or before confirming the report (Evaluation Rules Art.43)."""
    text = (body or "").strip()
    if not text:
        raise TextRequired(detail={"field": "body"})
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = room.ev
    if ev.status not in (S.scoring, S.submitted):
        raise BadEvaluationTransition(detail={"from": str(ev.status), "action": "dissent"})
    await ensure_trading_open(session, room.tender.project_id)
    if me.id in await confirmations(session, ev.id):
        raise AlreadyConfirmed()
    row = await put_dissent(session, ev, me.id, text[: rules.MAX_TEXT], now)
    await audit(session, room, "evaluation:dissent", actor, now=now, subject_type="dissent", subject_id=row.id,
                after={"body": row.body})
    event(session, room, "dissent")
    await commit(session)
    return row


async def put_dissent(session: AsyncSession, ev: Evaluation, member_id: str, text: str, now: datetime) -> Dissent:
    row = (await session.execute(select(Dissent).where(
        Dissent.evaluation_id == ev.id, Dissent.member_id == member_id))).scalars().first()
    if row is None:
        row = Dissent(evaluation_id=ev.id, member_id=member_id, body=text, at=now)
        session.add(row)
    else:
        row.body, row.at = text, now
    await session.flush()
    return row


# ---------------------------------------------------------------- the chair submits


async def submit_evaluation(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> Evaluation:
    """The chair submits once every member has: the method ranks each lot's valid bids, 1-3 candidates per lot
    (Bidding Regs Art.53), members then confirm the report. A second submission is 409 and changes nothing."""
    room = await acting_room(session, actor, tender_id)
    room.chair()
    ev = room.ev
    if ev.status in (S.submitted, S.reported):
        raise AlreadySubmitted(detail={"submitted_at": ev.submitted_at.isoformat() if ev.submitted_at else None})
    _scoring(room, "submit")
    await ensure_trading_open(session, room.tender.project_id)
    await expire_due(session, ev, now)
    if await open_clarifications(session, ev.id, now):
        raise ClarificationOpen()
    done = await submitted_members(session, ev.id)
    if any(m.id not in done for m in room.members):
        raise MembersPending(detail={"submitted": len(done), "members": room.size})
    plan = apply.plan_of(room.tender)
    entries = {e.id: e for e in await entries_of(session, tender_id)}
    concl = await conclusions(session, ev.id)
    scores = sheet(await scores_of(session, ev.id))
    gone = rejected_lot_ids(ev)
    lots = list(dict.fromkeys(e.lot_id for e in entries.values() if e.lot_id not in gone))
    coefficient = await _coefficient(session, tender_id)
    ranking: dict[str, Any] = {}
    made: list[Candidate] = []
    for lot_id in lots:
        in_lot = [c for c in concl.values() if c.lot_id == lot_id]
        if not any(c.passed for c in in_lot):
            raise LotWithoutValidBids(detail={"lot_id": lot_id})
        bids = [BidInput(entry_id=c.entry_id, bidder_org_id=c.bidder_org_id, price=c.evaluated_price, valid=c.passed)
                for c in in_lot if c.evaluated_price is not None]
        valid_ids = {c.entry_id for c in in_lot if c.passed}
        lot_scores = {m: {e: cells for e, cells in by_entry.items() if e in valid_ids}
                      for m, by_entry in scores.items()}
        ranked = apply.rank_lot(room.tender, plan, bids, lot_scores, coefficient)
        ranking[lot_id] = [apply.ranked_json(r) for r in ranked]
        rejected = {c.entry_id for c in in_lot if not c.passed}
        for n, r in enumerate(apply.candidates_of(ranked, rejected), start=1):
            e = entries[r.entry_id]
            made.append(Candidate(evaluation_id=ev.id, tender_id=tender_id, lot_id=lot_id, entry_id=r.entry_id,
                                  bidder_org_id=r.bidder_org_id, rank=n, price=r.price, total_score=r.total,
                                  project_lead=e.project_lead, lead_certificate=e.lead_certificate))
    session.add_all(made)
    state.transition_to(ev, S.submitted)
    ev.submitted_at, ev.ranking = now, ranking
    ev.confirm_until = now + timedelta(minutes=rules.CONFIRM_MINUTES)
    await next_check(session, ev)
    await session.flush()
    await audit(session, room, "evaluation:submitted", actor, now=now, before={"status": S.scoring},
                after={"status": ev.status, "ranking": ranking, "confirm_until": ev.confirm_until,
                       "coefficient": coefficient,
                       "candidates": [{"lot_id": c.lot_id, "rank": c.rank, "entry_id": c.entry_id,
                                       "bidder_org_id": c.bidder_org_id, "price": c.price} for c in made],
                       "law": "Bidding Regs Art.53"})
    await flag_deviations(session, room, scores, valid_ids={c.entry_id for c in await valid_entries(session, ev)},
                          now=now)
    event(session, room, "submitted")
    await commit(session)
    return ev


async def _coefficient(session: AsyncSession, tender_id: str) -> Decimal | None:
    opening = await opening_of(session, tender_id)
    return Decimal(opening.floating_coefficient) if opening and opening.floating_coefficient else None


# ---------------------------------------------------------------- deviation flags


async def flag_deviations(session: AsyncSession, room: Room, scores: dict[str, dict[str, dict[str, Decimal]]], *,
                          valid_ids: set[str], now: datetime) -> list[DeviationFlag]:
    """After submission, per member and criterion: the deviation test of evaluation.rules (DEVIATION); each flag
    is a row plus an alert to the supervisor of the tender's line (never shown to the committee)."""
    ev = room.ev
    flags: list[DeviationFlag] = []
    for criterion in apply.scored_criteria(apply.plan_of(room.tender)):
        cells = {m: {e: by_c[criterion.id] for e, by_c in by_entry.items() if e in valid_ids and criterion.id in by_c}
                 for m, by_entry in scores.items()}
        for d in rules.deviations(criterion.id, criterion.max, cells):
            if not d.flagged:
                continue
            flags.append(DeviationFlag(
                evaluation_id=ev.id, member_id=d.member_id, criterion_id=d.criterion_id, cells=d.cells,
                mean_abs_deviation=d.mean_abs_deviation, share_of_max=str(d.share_of_max),
                mean_abs_z=None if d.mean_abs_z is None else str(d.mean_abs_z), rules=list(d.rules), flagged_at=now))
    if not flags:
        return []
    session.add_all(flags)
    await session.flush()
    seat = {m.id: n for n, m in enumerate(room.members, start=1)}
    await audit(session, room, "evaluation:deviation_flagged", ROOM, now=now,
                after={"flags": [{"member_id": f.member_id, "criterion_id": f.criterion_id,
                                  "mean_abs_deviation": f.mean_abs_deviation, "share_of_max": f.share_of_max,
                                  "mean_abs_z": f.mean_abs_z, "rules": f.rules} for f in flags],
                       "rule": {"share": str(rules.DEVIATION.share), "z": str(rules.DEVIATION.z),
                                "z_members": rules.DEVIATION.z_members, "sd_floor": str(rules.DEVIATION.sd_floor)}})
    lines = "；".join(f"{seat.get(f.member_id, '?')}号评委·{f.criterion_id}（平均偏差 {f.mean_abs_deviation} 分）"
                     for f in flags)
    await notify_orgs(
        session, await supervisor_orgs(session, str(room.tender.line)), kind="evaluation:deviation",
        tender_id=room.tender.id, project_id=room.tender.project_id, now=now,
        link=f"/tenders/{room.tender.id}/evaluation",
        title_zh=f"评分偏离预警：{room.tender.title}", title_en=f"Scoring deviation alert: {room.tender.title}",
        body_zh=f"{room.tender.code} 评标结果提交后，下列评委评分明显偏离评标委员会平均分：{lines}。请在评标室查看。",
        body_en=f"{room.tender.code}: after submission, {len(flags)} member/criterion score(s) deviate abnormally "
                "from the committee's mean; see the evaluation room.",
    )
    return flags


async def supervisor_orgs(session: AsyncSession, line: str) -> list[str]:
    """Supervisor organisations watching `line` (few rows: filtered here, the JSON column differs per engine)."""
    rows = (await session.execute(select(Organisation.id, Organisation.supervised_lines).where(
        Organisation.kind == OrgKind.supervisor))).all()
    return [str(org_id) for org_id, lines in rows if line in (lines or ())]
