"""Use cases of the evaluation room (评标室): opening the session, electing the chair, the chronograph sweep, and
what each viewer sees. Review and clarifications live in review.py, scoring and submission in scoring.py, the
report and its confirmation in report.py.

Every write locks the evaluation row, re-checks its stage and the clock inside the transaction, appends its audit
event and commits; the room's viewers are told after the commit (events carry the stage only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.bid.models import Bid
from ggzy.evaluation import apply, report, review, rules, state
from ggzy.evaluation.access import (
    Room,
    acting_room,
    audit,
    channel,
    committee,
    current_evaluation,
    decided_draw,
    entries_of,
    entry_in,
    event,
    load_room,
    lots_of,
    member_names,
    rejected_lot_ids,
)
from ggzy.evaluation.errors import (
    AlreadyStarted,
    AlreadyVoted,
    BadEvaluationTransition,
    CentreOnly,
    CommitteeIncomplete,
    EnvelopeMissing,
    NotACandidate,
    TenderNotOpened,
)
from ggzy.evaluation.methods.base import Criterion, Plan
from ggzy.evaluation.models import (
    Candidate,
    ChairVote,
    ClarificationRequest,
    DeviationFlag,
    Dissent,
    Evaluation,
    EvaluationStatus,
    ReviewConclusion,
    ReviewOpinion,
)
from ggzy.evaluation.scoring import confirmations, scores_of, submitted_members
from ggzy.expert.models import CommitteeMember
from ggzy.kit.db import commit
from ggzy.kit.errors import DomainError
from ggzy.notify.service import notify_orgs
from ggzy.opening.models import OpeningEntry
from ggzy.project.service import org_names
from ggzy.realtime.broker import publish_after_commit
from ggzy.storage.blobstore import BlobStore
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Lot, TenderStatus

S = EvaluationStatus
MIN_COMMITTEE = 5
"""5 or more members, an odd number (Evaluation Rules Art.9; MOF 87 Art.47)."""


# ---------------------------------------------------------------- opening the session


async def start_evaluation(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> Evaluation:
    """Centre staff open the session once the opening record is published and the committee draw is decided with
    every seat accepted: the tender goes to `evaluating` and the members elect their chair.

    After an upheld objection or complaint sent the tender back to the committee (重新评审, Bidding Regs Art.54
    and Art.61), the same call opens the next round with the same committee: a fresh session from the chair's
    election on; the earlier round's report and candidates stay as the record of what was reviewed."""
    if not actor.is_centre:
        raise CentreOnly()
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    previous = (await session.execute(current_evaluation(tender_id))).scalars().first()
    again = (previous is not None and previous.status == S.reported
             and tender.status == TenderStatus.evaluating)
    if previous is not None and not again:
        raise AlreadyStarted()
    if previous is None and tender.status != TenderStatus.opened:
        raise TenderNotOpened(detail={"tender_status": str(tender.status)})
    await ensure_trading_open(session, tender.project_id)
    draw = await decided_draw(session, tender_id)
    members = await committee(session, draw.id) if draw is not None else []
    wanted = int((draw.request or {}).get("size", len(members))) if draw is not None else 0
    if (draw is None or len(members) < MIN_COMMITTEE or len(members) % 2 == 0 or len(members) != wanted
            or any(m.user_id is None for m in members)):
        raise CommitteeIncomplete(detail={"accepted": len(members), "size": wanted,
                                          "law": "Evaluation Rules Art.9"})
    assert draw is not None
    ev = Evaluation(tender_id=tender_id, draw_id=draw.id, status=S.convening, opened_at=now, rejected_lots=[],
                    round=previous.round + 1 if previous is not None else 1)
    session.add(ev)
    before = {"status": tender.status}
    if not again:
        tender_state.transition_to(tender, TenderStatus.evaluating)
    tender.updated_at = now
    await session.flush()
    room = Room(tender, ev, draw, members, None, True)
    await audit(session, room, "evaluation:started", actor, now=now, before=before,
                after={"status": ev.status, "tender_status": tender.status, "draw_id": draw.id, "round": ev.round,
                       "members": [m.id for m in members]})
    managers = [o for o in (tender.agency_org_id, tender.tenderer_org_id) if o]
    await notify_orgs(
        session, managers, kind="evaluation:started", tender_id=tender.id, project_id=tender.project_id, now=now,
        link=f"/tenders/{tender.id}", title_zh=f"评标开始：{tender.title}",
        title_en=f"Evaluation started: {tender.title}",
        body_zh=f"{tender.code} 评标委员会已进入评标室。", body_en=f"{tender.code}: the committee is in session.",
    )
    event(session, room, "started")
    await commit(session)
    return ev


# ---------------------------------------------------------------- the chair (Evaluation Rules Art.9)


async def vote_chair(session: AsyncSession, actor: Actor, tender_id: str, candidate_member_id: str, *,
                     now: datetime) -> Evaluation:
    """Each member votes once; the first member to gather a majority of the whole committee is the chair and
    review starts."""
    room = await acting_room(session, actor, tender_id)
    me = room.member()
    ev = room.ev
    if ev.status != S.convening:
        raise BadEvaluationTransition(detail={"from": str(ev.status), "action": "vote_chair"})
    await ensure_trading_open(session, room.tender.project_id)
    if candidate_member_id not in {m.id for m in room.members}:
        raise NotACandidate()
    votes = list((await session.execute(select(ChairVote).where(ChairVote.evaluation_id == ev.id)
                                        .order_by(ChairVote.at, ChairVote.id))).scalars().all())
    if any(v.voter_member_id == me.id for v in votes):
        raise AlreadyVoted()
    vote = ChairVote(evaluation_id=ev.id, voter_member_id=me.id, candidate_member_id=candidate_member_id, at=now)
    session.add(vote)
    await session.flush()
    await audit(session, room, "evaluation:chair_vote", actor, now=now, subject_type="chair_vote", subject_id=vote.id,
                after={"candidate_member_id": candidate_member_id})
    chair = rules.chair_after([*(v.candidate_member_id for v in votes), candidate_member_id], room.size)
    if chair is not None:
        state.transition_to(ev, S.reviewing)
        ev.chair_member_id, ev.chair_elected_at = chair, now
        await audit(session, room, "evaluation:chair_elected", actor, now=now, before={"status": S.convening},
                    after={"status": ev.status, "chair_member_id": chair, "votes": len(votes) + 1,
                           "law": "Evaluation Rules Art.9"})
    event(session, room, "chair_elected" if chair else "chair_vote")
    await commit(session)
    return ev


# ---------------------------------------------------------------- chronograph


async def sweep(session: AsyncSession, evaluation: Evaluation, now: datetime) -> None:
    """Due checks of one evaluation (row claimed by the chronograph): expired clarifications, and the report
    confirmation deadline (the silent are deemed to agree, Evaluation Rules Art.43)."""
    await session.refresh(evaluation)
    expired = await review.expire_due(session, evaluation, now)
    if expired:
        publish_after_commit(session, None, channel(evaluation.tender_id), "evaluation:changed",
                             {"what": "clarification_expired", "status": str(evaluation.status)})
    if await report.deem_and_finalize(session, evaluation, now):
        return
    await review.next_check(session, evaluation)


# ---------------------------------------------------------------- the envelope (documents are decrypted later)


async def envelope(session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, *, now: datetime,
                   blobs: BlobStore) -> tuple[Bid, OpeningEntry]:
    """A member fetches a bid's envelope (ciphertext; the documents are opened client-side). Recorded (Art.49)."""
    room = await acting_room(session, actor, tender_id)
    room.member()
    entry = await entry_in(session, tender_id, entry_id)
    bid = await session.get(Bid, entry.bid_id)
    if bid is None or not await blobs.exists(bid.sha256):
        raise EnvelopeMissing()
    await audit(session, room, "evaluation:envelope_fetched", actor, now=now, subject_type="opening_entry",
                subject_id=entry.id, after={"bid_id": bid.id, "sha256": bid.sha256})
    await commit(session)
    return bid, entry


# ---------------------------------------------------------------- what a viewer sees


@dataclass
class EntryView:
    entry: OpeningEntry
    bidder: str
    auto: list[dict[str, Any]]
    conclusion: ReviewConclusion | None
    my_opinion: ReviewOpinion | None
    evaluated_price: Decimal | None


@dataclass
class LotView:
    lot: Lot
    entries: list[EntryView]
    rejected: dict[str, Any] | None
    ranking: list[dict[str, Any]]
    candidates: list[Candidate]

    @property
    def valid(self) -> list[EntryView]:
        return [e for e in self.entries if e.conclusion is not None and e.conclusion.passed]


@dataclass
class MemberView:
    member: CommitteeMember
    seat: int
    name: str
    kind: str
    is_chair: bool


@dataclass
class RoomView:
    room: Room
    ready: bool = False
    """No session yet, and the centre could open one now."""
    members: list[MemberView] = field(default_factory=list)
    lots: list[LotView] = field(default_factory=list)
    plan: Plan | None = None
    criteria: list[Criterion] = field(default_factory=list)
    my_vote: str | None = None
    votes_cast: int = 0
    opinions_complete: int = 0
    """Members who have judged every bid (a count: who has not is nobody else's business)."""
    sheets_submitted: int = 0
    confirmed: int = 0
    my_scores: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    my_sheet_submitted: bool = False
    my_confirmation: str | None = None
    my_dissent: str = ""
    dissents: list[tuple[str, str]] = field(default_factory=list)
    clarifications: list[tuple[ClarificationRequest, str]] = field(default_factory=list)
    flags: list[tuple[DeviationFlag, str]] = field(default_factory=list)
    rejectable: set[str] = field(default_factory=set)

    @property
    def ev(self) -> Evaluation | None:
        return self.room.evaluation

    @property
    def is_member(self) -> bool:
        return self.room.me is not None

    @property
    def is_chair(self) -> bool:
        return self.room.is_chair

    @property
    def pending_opinions(self) -> int:
        """Bids this member still has to judge."""
        return sum(1 for lv in self.lots for e in lv.entries if not e.auto and e.my_opinion is None)


async def room_view(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> RoomView:
    room = await load_room(session, actor, tender_id)
    view = RoomView(room)
    names = await member_names(session, room.members)
    chair_id = room.evaluation.chair_member_id if room.evaluation else None
    view.members = [MemberView(m, n, names.get(m.id, ""), rules.KIND_LABELS.get(str(m.kind), (str(m.kind), ""))[0],
                               m.id == chair_id) for n, m in enumerate(room.members, start=1)]
    ev = room.evaluation
    if ev is None:
        view.ready = (room.tender.status == TenderStatus.opened and room.draw is not None
                      and len(room.members) >= MIN_COMMITTEE)
        return view
    try:
        view.plan = apply.plan_of(room.tender)
        view.criteria = apply.scored_criteria(view.plan)
    except (DomainError, ValueError, KeyError):  # a plan the methods package refuses: shown, not a 500
        view.plan, view.criteria = None, []
    me = room.me
    entries = await entries_of(session, tender_id)
    bidders = await org_names(session, [e.bidder_org_id for e in entries])
    concl = await review.conclusions(session, ev.id)
    opinions = list((await session.execute(select(ReviewOpinion).where(
        ReviewOpinion.evaluation_id == ev.id))).scalars().all())
    mine = {o.entry_id: o for o in opinions if me is not None and o.member_id == me.id}
    cands = list((await session.execute(select(Candidate).where(Candidate.evaluation_id == ev.id)
                                        .order_by(Candidate.rank))).scalars().all())
    rejected = {str(r["lot_id"]): r for r in ev.rejected_lots or []}
    ranking: dict[str, Any] = ev.ranking or {}
    autos: dict[str, list[dict[str, Any]]] = {}
    for lot in await lots_of(session, tender_id):
        rows = []
        for e in (x for x in entries if x.lot_id == lot.id):
            c = concl.get(e.id)
            auto = c.auto_reasons if c is not None else apply.reasons_for(e, lot, str(room.tender.line))
            autos[e.id] = auto
            price = c.evaluated_price if c is not None else apply.price_of(e)
            rows.append(EntryView(e, bidders.get(e.bidder_org_id, ""), auto, c, mine.get(e.id), price))
        if rows:
            view.lots.append(LotView(lot, rows, rejected.get(lot.id), ranking.get(lot.id, []),
                                     [c for c in cands if c.lot_id == lot.id]))
    judged = [e.id for e in entries if not autos.get(e.id)]
    per_member: dict[str, set[str]] = {}
    for o in opinions:
        per_member.setdefault(o.member_id, set()).add(o.entry_id)
    view.opinions_complete = sum(1 for m in room.members if set(judged) <= per_member.get(m.id, set()))
    votes = list((await session.execute(select(ChairVote).where(ChairVote.evaluation_id == ev.id))).scalars().all())
    view.votes_cast = len(votes)
    view.my_vote = next((v.candidate_member_id for v in votes if me is not None and v.voter_member_id == me.id), None)
    done = await submitted_members(session, ev.id)
    view.sheets_submitted = len(done)
    view.my_sheet_submitted = me is not None and me.id in done
    confirmed = await confirmations(session, ev.id)
    view.confirmed = len(confirmed)
    view.my_confirmation = str(confirmed[me.id].kind) if me is not None and me.id in confirmed else None
    if me is not None:
        view.my_scores = {(s.entry_id, s.criterion_id): s.score for s in await scores_of(session, ev.id)
                          if s.member_id == me.id}
    dissents = list((await session.execute(select(Dissent).where(Dissent.evaluation_id == ev.id))).scalars().all())
    view.my_dissent = next((d.body for d in dissents if me is not None and d.member_id == me.id), "")
    if room.watcher or ev.status in (S.submitted, S.reported):
        view.dissents = [(names.get(d.member_id, ""), d.body) for d in dissents]
    clar = list((await session.execute(select(ClarificationRequest).where(
        ClarificationRequest.evaluation_id == ev.id).order_by(ClarificationRequest.asked_at,
                                                             ClarificationRequest.id))).scalars().all())
    by_entry = {e.id: e for e in entries}
    view.clarifications = [(c, bidders.get(by_entry[c.entry_id].bidder_org_id, "") if c.entry_id in by_entry else "")
                           for c in clar]
    if room.watcher:
        flags = (await session.execute(select(DeviationFlag).where(DeviationFlag.evaluation_id == ev.id))).scalars()
        seat = {m.member.id: m for m in view.members}
        view.flags = [(f, f"{seat[f.member_id].seat}号 {seat[f.member_id].name}" if f.member_id in seat else "")
                      for f in flags]
    if ev.status == S.scoring:
        gone = rejected_lot_ids(ev)
        for lv in view.lots:
            if lv.lot.id not in gone and apply.may_reject_all(len(lv.valid)):
                view.rejectable.add(lv.lot.id)
    return view


def _dec(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def view_json(view: RoomView) -> dict[str, Any]:
    """The API form of the room (the same facts as the page)."""
    room, ev = view.room, view.ev
    out: dict[str, Any] = {
        "tender_id": room.tender.id, "tender_status": str(room.tender.status),
        "role": "chair" if view.is_chair else "member" if view.is_member else "watcher",
        "status": str(ev.status) if ev else None, "ready": view.ready,
        "members": [{"id": m.member.id, "seat": m.seat, "name": m.name, "kind": str(m.member.kind),
                     "chair": m.is_chair} for m in view.members],
    }
    if ev is None:
        return out
    out.update(
        evaluation_id=ev.id, chair_member_id=ev.chair_member_id, opened_at=ev.opened_at,
        submitted_at=ev.submitted_at, reported_at=ev.reported_at, confirm_until=ev.confirm_until,
        report_pdf_sha256=ev.report_pdf_sha256, report_audit_hash=ev.report_audit_hash,
        rejected_lots=ev.rejected_lots,
        criteria=[{"id": c.id, "name": c.name, "kind": str(c.kind), "max": str(c.max)} for c in view.criteria],
        progress={"members": room.size, "votes": view.votes_cast, "opinions_complete": view.opinions_complete,
                  "sheets_submitted": view.sheets_submitted, "confirmed": view.confirmed},
        lots=[{
            "lot_id": lv.lot.id, "number": lv.lot.number, "name": lv.lot.name, "rejected": lv.rejected,
            "may_reject_all": lv.lot.id in view.rejectable, "ranking": lv.ranking,
            "candidates": [{"rank": c.rank, "entry_id": c.entry_id, "bidder_org_id": c.bidder_org_id,
                            "price": str(c.price), "total": _dec(c.total_score)} for c in lv.candidates],
            "entries": [{
                "id": e.entry.id, "bidder_org_id": e.entry.bidder_org_id, "bidder": e.bidder,
                "decrypt_status": str(e.entry.decrypt_status), "price": _dec(e.entry.price),
                "price_in_words": e.entry.price_in_words, "words_match": e.entry.words_match,
                "evaluated_price": _dec(e.evaluated_price), "duration_days": e.entry.duration_days,
                "quality": e.entry.quality, "project_lead": e.entry.project_lead,
                "lead_certificate": e.entry.lead_certificate, "files": e.entry.files or [],
                "auto_reasons": e.auto,
                "conclusion": None if e.conclusion is None else {
                    "passed": e.conclusion.passed, "votes_pass": e.conclusion.votes_pass,
                    "votes_fail": e.conclusion.votes_fail, "reasons": e.conclusion.member_reasons},
                "my_opinion": None if e.my_opinion is None else {"passed": e.my_opinion.passed,
                                                                 "reason": e.my_opinion.reason},
            } for e in lv.entries],
        } for lv in view.lots],
        clarifications=[{"id": c.id, "entry_id": c.entry_id, "bidder": name, "question": c.question,
                         "deadline": c.deadline, "status": str(c.status), "answer": c.answer,
                         "answered_at": c.answered_at} for c, name in view.clarifications],
        dissents=[{"member": n, "body": b} for n, b in view.dissents],
    )
    if view.is_member:
        out["me"] = {"member_id": room.me.id if room.me else None, "vote": view.my_vote,
                     "sheet_submitted": view.my_sheet_submitted, "confirmation": view.my_confirmation,
                     "dissent": view.my_dissent,
                     "scores": [{"entry_id": e, "criterion_id": c, "score": str(v)}
                                for (e, c), v in sorted(view.my_scores.items())]}
    if room.watcher:
        out["deviation_flags"] = [{"member": who, "member_id": f.member_id, "criterion_id": f.criterion_id,
                                   "cells": f.cells, "mean_abs_deviation": str(f.mean_abs_deviation),
                                   "share_of_max": f.share_of_max, "mean_abs_z": f.mean_abs_z, "rules": f.rules}
                                  for f, who in view.flags]
    return out

