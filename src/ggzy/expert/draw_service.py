"""Use cases of the verifiable expert draw (专家抽取): request + commitment, the draw, answers, replacements, reveal.

Commit-reveal (docs/experts.md "## The draw"): the request is checked and a random seed committed (its SHA-256 is
published as a notice and in the audit chain) before anyone is drawn; each round is a pure function of the seed,
the round number, the eligible-pool snapshot's SHA-256 and the request's SHA-256 (draw_rules); once every seat has
accepted, the seed is revealed and anyone can re-run the rounds. Every write locks the draw row, re-checks its
stage and deadline at the server clock, records its audit event and commits in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.bid.models import Bid, BidStatus
from ggzy.expert import draw_rules as rules
from ggzy.expert.errors import (
    AnswerClosed,
    BadDrawTransition,
    DrawCentreOnly,
    DrawExists,
    DrawNotAllowed,
    DrawNotFound,
    DrawNotRevealed,
    EvaluationInPast,
    MemberNotFound,
    NotInvited,
    NotRequester,
    PoolExhausted,
    ReasonRequired,
    RepresentativeNotTenderer,
    RoundNotFound,
    SnapshotMismatch,
)
from ggzy.expert.models import (
    CommitteeMember,
    DrawRound,
    DrawStatus,
    Expert,
    ExpertDeclaration,
    ExpertDraw,
    ExpertEmployment,
    ExpertPenalty,
    ExpertSpecialty,
    ExpertUnavailability,
    MemberKind,
    MemberStatus,
)
from ggzy.expert.schemas import DrawRequestIn
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show
from ggzy.notify.models import OutboxMessage
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import Notice, NoticeKind, Project, TradingLine
from ggzy.storage.blobstore import BlobStore
from ggzy.tender import documents as tender_docs
from ggzy.tender.models import Lot, Tender, TenderStatus

DRAWER = system_actor("expert-draw")
"""The platform acting on its own: replacements for no-answers (`system:expert-draw`)."""

REQUEST_STATUSES = frozenset({TenderStatus.bid_closed, TenderStatus.opening, TenderStatus.opened})
"""Bidding has closed: the bidders are known to the platform (for avoidance), never shown."""
RESULT_STATUSES = frozenset({TenderStatus.awarded, TenderStatus.contracted, TenderStatus.archived})
"""The tender's result is decided: members' names may be shown (Evaluation Rules Art.8; MOF 87 Art.69)."""
LIVE_DRAW = frozenset({DrawStatus.committed, DrawStatus.drawn, DrawStatus.decided})
SEATED = frozenset({MemberStatus.notified, MemberStatus.accepted})
"""Pool seats that stand (not replaced)."""
REPLACED = frozenset({MemberStatus.declined, MemberStatus.no_answer, MemberStatus.withdrawn})

S = DrawStatus
M = MemberStatus


# ---------------------------------------------------------------- loading


async def _draw(session: AsyncSession, draw_id: str, *, lock: bool = False) -> ExpertDraw:
    stmt = select(ExpertDraw).where(ExpertDraw.id == draw_id)
    if lock:
        stmt = stmt.with_for_update()
    draw = (await session.execute(stmt)).scalars().first()
    if draw is None:
        raise DrawNotFound()
    return draw


async def _rounds(session: AsyncSession, draw_id: str) -> list[DrawRound]:
    stmt = select(DrawRound).where(DrawRound.draw_id == draw_id).order_by(DrawRound.number)
    return list((await session.execute(stmt)).scalars().all())


async def _members(session: AsyncSession, draw_id: str) -> list[CommitteeMember]:
    stmt = (select(CommitteeMember).where(CommitteeMember.draw_id == draw_id)
            .order_by(CommitteeMember.round, CommitteeMember.position))
    return list((await session.execute(stmt)).scalars().all())


async def _project(session: AsyncSession, tender: Tender) -> Project | None:
    return await session.get(Project, tender.project_id)


async def _total_budget(session: AsyncSession, tender_id: str) -> Decimal:
    budgets = (await session.execute(select(Lot.budget).where(Lot.tender_id == tender_id))).scalars().all()
    return sum(budgets, Decimal("0"))


def _manager_org(tender: Tender) -> str:
    """Who runs the tender: the agency, or the tenderer when there is none."""
    return tender.agency_org_id or tender.tenderer_org_id


def may_request(actor: Actor, tender: Tender) -> bool:
    if actor.is_centre:
        return True
    if tender.agency_org_id:
        return actor.role == Role.agency and actor.org_id == tender.agency_org_id
    return actor.role == Role.tenderer and actor.org_id == tender.tenderer_org_id


async def _org_ref(session: AsyncSession, org_id: str | None) -> rules.OrgRef | None:
    if org_id is None:
        return None
    org = await session.get(Organisation, org_id)
    return rules.OrgRef(org.name, org.credit_code or "") if org else None


async def _parties(session: AsyncSession, tender: Tender) -> rules.PartyIndex:
    """Bidders (an active bid on the tender), the tenderer, the agency and the line's supervising departments."""
    bidder_ids = select(Bid.bidder_org_id).where(Bid.tender_id == tender.id, Bid.status == BidStatus.active)
    bidders = (await session.execute(
        select(Organisation.name, Organisation.credit_code).where(Organisation.id.in_(bidder_ids)))).all()
    sup_rows = (await session.execute(
        select(Organisation.name, Organisation.credit_code, Organisation.supervised_lines)
        .where(Organisation.kind == OrgKind.supervisor))).all()
    tenderer = await _org_ref(session, tender.tenderer_org_id)
    return rules.party_index(
        bidders=[rules.OrgRef(n, c or "") for n, c in bidders],
        tenderer=tenderer or rules.OrgRef(""),
        agency=await _org_ref(session, tender.agency_org_id),
        supervisors=[rules.OrgRef(n, c or "") for n, c, lines in sup_rows if str(tender.line) in (lines or [])],
        party_org_ids=[o for o in (tender.tenderer_org_id, tender.agency_org_id) if o],
    )


async def load_candidates(session: AsyncSession, codes: Sequence[str], ctx: rules.DrawContext,
                          now: datetime) -> list[rules.Candidate]:
    """Every expert holding one of `codes` (or a code below), with the facts the eligibility rules read.

    Five set-based queries whatever the pool's size; the rules themselves run in Python (draw_rules.grounds).
    """
    match = or_(*[ExpertSpecialty.code.startswith(c, autoescape=True) for c in codes])
    ids = select(ExpertSpecialty.expert_id).where(match)
    # One pass over the matching specialties, joined to their experts (an expert with two matching codes comes
    # twice): on 100,000 experts that is about half the time of a separate specialty query plus an IN (…).
    held: dict[str, list[str]] = {}
    base: dict[str, Any] = {}
    for row in await session.execute(
        select(ExpertSpecialty.code, Expert.id, Expert.status, Expert.senior_title, Expert.years_in_field,
               Expert.years_as_of, Expert.region, Expert.employer, Expert.employer_credit_code, User.organisation_id)
        .join(Expert, Expert.id == ExpertSpecialty.expert_id).outerjoin(User, User.id == Expert.user_id).where(match)
    ):
        held.setdefault(row[1], []).append(row[0])
        base[row[1]] = row
    since = rules.years_before(ctx.evaluation_date, rules.PAST_EMPLOYER_YEARS)
    jobs: dict[str, list[rules.Employment]] = {}
    for eid, name, code, start, end in await session.execute(
        select(ExpertEmployment.expert_id, ExpertEmployment.org_name, ExpertEmployment.org_credit_code,
               ExpertEmployment.start, ExpertEmployment.end)
        .where(ExpertEmployment.expert_id.in_(ids), or_(ExpertEmployment.end.is_(None), ExpertEmployment.end >= since))
    ):
        jobs.setdefault(eid, []).append(rules.Employment(rules.OrgRef(name, code or ""), start, end))
    decls: dict[str, list[rules.Declaration]] = {}
    for eid, kind, name, code in await session.execute(
        select(ExpertDeclaration.expert_id, ExpertDeclaration.kind, ExpertDeclaration.org_name,
               ExpertDeclaration.org_credit_code)
        .where(ExpertDeclaration.expert_id.in_(ids),
               or_(ExpertDeclaration.withdrawn_at.is_(None), ExpertDeclaration.withdrawn_at > now))
    ):
        decls.setdefault(eid, []).append(rules.Declaration(str(kind), rules.OrgRef(name, code or "")))
    penalties: dict[str, int] = {eid: int(n) for eid, n in await session.execute(
        select(ExpertPenalty.expert_id, func.count()).where(ExpertPenalty.expert_id.in_(ids))
        .group_by(ExpertPenalty.expert_id))}
    away: dict[str, list[tuple[datetime, datetime]]] = {}
    for eid, start, end in await session.execute(
        select(ExpertUnavailability.expert_id, ExpertUnavailability.start, ExpertUnavailability.end)
        .where(ExpertUnavailability.expert_id.in_(ids), ExpertUnavailability.start < ctx.evaluation_end,
               ExpertUnavailability.end > ctx.evaluation_at)
    ):
        away.setdefault(eid, []).append((start, end))
    return [
        rules.Candidate(
            id=eid, status=str(status), senior_title=bool(senior), years_in_field=int(years), years_as_of=as_of,
            region=region, specialties=tuple(held.get(eid, ())), employer=rules.OrgRef(employer, code or ""),
            user_org_id=user_org, employments=tuple(jobs.get(eid, ())), declarations=tuple(decls.get(eid, ())),
            penalties=penalties.get(eid, 0), unavailable=tuple(away.get(eid, ())),
        )
        for _, eid, status, senior, years, as_of, region, employer, code, user_org in base.values()
    ]


# ---------------------------------------------------------------- request and commitment


async def _check_reps(session: AsyncSession, tender: Tender, reps: Sequence[str]) -> None:
    if len(set(reps)) != len(reps):
        raise RepresentativeNotTenderer(detail={"duplicate": True})
    if not reps:
        return
    rows = (await session.execute(select(User.id).where(
        User.id.in_(list(reps)), User.organisation_id == tender.tenderer_org_id, User.is_active.is_(True),
        User.role == Role.tenderer))).scalars().all()
    missing = sorted(set(reps) - set(rows))
    if missing:
        raise RepresentativeNotTenderer(detail={"users": missing})


def _spec(body: DrawRequestIn) -> rules.RequestSpec:
    return rules.RequestSpec(
        size=body.size, tenderer_reps=tuple(body.tenderer_reps),
        specialties=tuple(rules.SpecialtyWant(s.code, s.count) for s in body.specialties),
        regions=tuple(body.regions), evaluation_at=body.evaluation_at, evaluation_hours=body.evaluation_hours,
        venue=body.venue, room=body.room, reserve_per_specialty=body.reserve_per_specialty,
        answer_minutes=body.answer_minutes,
    )


async def request_draw(session: AsyncSession, actor: Actor, tender_id: str, body: DrawRequestIn, *,
                       now: datetime) -> ExpertDraw:
    """Check the committee request, commit to a fresh secret seed and publish the commitment at once."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if actor.user_id is None or not may_request(actor, tender):
        raise NotRequester()
    if tender.status not in REQUEST_STATUSES:
        raise DrawNotAllowed(detail={"tender_status": str(tender.status)})
    live = (await session.execute(select(func.count()).select_from(ExpertDraw).where(
        ExpertDraw.tender_id == tender.id, ExpertDraw.status.in_(list(LIVE_DRAW))))).scalar_one()
    if live:
        raise DrawExists()
    spec = _spec(body)
    rules.check_composition(spec, procurement=tender.line == TradingLine.procurement,
                            total_budget=await _total_budget(session, tender.id), now=now)
    await _check_reps(session, tender, spec.tenderer_reps)
    doc = rules.request_doc(tender.id, spec)
    seed = secrets.token_bytes(32)
    draw = ExpertDraw(
        tender_id=tender.id, requested_by=actor.user_id, request=doc, request_sha256=rules.request_sha256(doc),
        status=S.committed, seed_commitment=rules.seed_commitment(seed), seed=seed.hex(), requested_at=now,
    )
    session.add(draw)
    await session.flush()
    project = await _project(session, tender)
    url = f"/draws/{draw.id}"
    session.add(Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.draw_commitment, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}专家抽取承诺",
        body=(f"评标专家将由交易中心在专家抽取室随机抽取。抽取前公布随机种子的承诺值（SHA-256）：\n"
              f"{draw.seed_commitment}\n抽取请求哈希：{draw.request_sha256}\n"
              f"评标委员会组建完成后公布随机种子，任何人可在 {url} 复核抽取结果"
              f"（发改法规规〔2022〕1117号：抽取全程可追溯）。"),
        data={"draw_id": draw.id, "seed_commitment": draw.seed_commitment, "request_sha256": draw.request_sha256,
              "verify_url": url},
        published_at=now, published_by=actor.user_id or DRAWER.display_name[:32],
    ))
    # The seed itself is never written to the audit chain before the reveal: only its commitment.
    await record(session, "draw:requested", actor, subject_type="expert_draw", subject_id=draw.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "seed_commitment": draw.seed_commitment,
                        "request_sha256": draw.request_sha256, "request": doc})
    await commit(session)
    return draw


# ---------------------------------------------------------------- rounds


async def _store(blobs: BlobStore, data: bytes) -> None:
    async def one() -> AsyncIterator[bytes]:
        yield data

    await blobs.put_stream(one(), len(data))


async def _run_round(session: AsyncSession, actor: Actor, draw: ExpertDraw, tender: Tender,
                     wanted: Sequence[rules.GroupWant], *, now: datetime,
                     blobs: BlobStore | None) -> tuple[DrawRound, list[CommitteeMember]]:
    """Snapshot the eligible pool, draw from it, seat the picks and notify them. PoolExhausted propagates."""
    spec = rules.spec_from_doc(draw.request)
    earlier = await _rounds(session, draw.id)
    number = len(earlier) + 1
    already = frozenset(p["expert_id"] for r in earlier for p in r.picked)
    ctx = rules.DrawContext(await _parties(session, tender), spec.evaluation_at, spec.evaluation_hours, spec.regions)
    candidates = await load_candidates(session, [w.code for w in wanted], ctx, now)
    groups, excluded = rules.build_groups(candidates, ctx, wanted, already)
    raw = rules.snapshot_bytes(rules.snapshot_doc(draw.id, number, groups))
    pool_sha = rules.sha256_hex(raw)
    try:
        picks = rules.draw_round(bytes.fromhex(draw.seed), number, pool_sha, draw.request_sha256, groups)
    except PoolExhausted as exc:
        exc.detail.update(excluded=excluded, pool_sha256=pool_sha)
        raise
    if blobs is not None:
        await _store(blobs, raw)
    rnd = DrawRound(
        draw_id=draw.id, number=number, pool_sha256=pool_sha, pool_size=len({x for g in groups for x in g.eligible}),
        wanted=[{"code": w.code, "count": w.count, "reserve": w.reserve} for w in wanted],
        picked=[p.as_dict() for p in picks], excluded=excluded, drawn_at=now, snapshot=raw.decode("utf-8"),
    )
    session.add(rnd)
    experts = {e.id: e for e in (await session.execute(
        select(Expert).where(Expert.id.in_([p.expert_id for p in picks])))).scalars()}
    due = now + timedelta(minutes=spec.answer_minutes)
    members: list[CommitteeMember] = []
    for i, p in enumerate(picks):
        m = CommitteeMember(
            draw_id=draw.id, tender_id=tender.id, kind=MemberKind.pool, expert_id=p.expert_id,
            user_id=experts[p.expert_id].user_id, specialty_code=p.code, round=number, position=i + 1,
            status=M.reserve if p.reserve else M.notified, notified_at=None if p.reserve else now,
            answer_due=None if p.reserve else due,
        )
        session.add(m)
        members.append(m)
    await session.flush()
    await _invite(session, tender, spec, [m for m in members if m.status == M.notified], experts, now=now)
    await record(session, "draw:round", actor, subject_type="expert_draw", subject_id=draw.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "round": number, "pool_sha256": pool_sha, "pool_size": rnd.pool_size,
                        "excluded": excluded, "picked": rnd.picked,
                        "members": [m.id for m in members]})
    return rnd, members


async def _invite(session: AsyncSession, tender: Tender, spec: rules.RequestSpec, seats: Iterable[CommitteeMember],
                  experts: dict[str, Expert], *, now: datetime) -> None:
    """An SMS (outbox) per drawn expert with the time and place; the answer is given on the invitations page."""
    users = {u.id: u for u in (await session.execute(
        select(User).where(User.id.in_([e.user_id for e in experts.values() if e.user_id])))).scalars()}
    where = f"评标室：{spec.room}" if spec.venue == "room" else "远程评标（不见面）"
    for m in seats:
        expert = experts[m.expert_id or ""]
        user = users.get(expert.user_id or "")
        body = (f"{expert.name}专家：您被随机抽取为“{tender.title}”评标委员会成员（专业{m.specialty_code}）。"
                f"评标时间：{show(spec.evaluation_at)}起约{spec.evaluation_hours}小时（北京时间），{where}。"
                f"请于{show(m.answer_due)}前登录平台“我的评标邀请”确认参加或拒绝，逾期视为不参加。")
        session.add(OutboxMessage(channel="sms", recipient_org_id=user.organisation_id if user else None,
                                  address=expert.phone, subject="评标专家抽取通知", body=body, created_at=now))


def _next_check(members: Iterable[CommitteeMember]) -> datetime | None:
    dues = [m.answer_due for m in members if m.status == M.notified and m.answer_due is not None]
    return min(dues) if dues else None


async def _fail(session: AsyncSession, draw: ExpertDraw, tender: Tender, exc: PoolExhausted, actor: Actor, *,
                now: datetime) -> None:
    """The pool cannot fill the committee: the draw fails (its seed is revealed, there is nothing left to draw)."""
    d = exc.detail
    draw.status = S.failed
    draw.failure_reason = (f"专业 {d.get('code')} 需 {d.get('needed')} 人，符合条件仅 {d.get('eligible')} 人"
                           f"（第 {d.get('round')} 轮） / specialty {d.get('code')}: {d.get('needed')} needed, "
                           f"{d.get('eligible')} eligible (round {d.get('round')})")
    draw.decided_at, draw.revealed_at, draw.next_check_at = now, now, None
    await record(session, "draw:failed", actor, subject_type="expert_draw", subject_id=draw.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "reason": draw.failure_reason, "detail": d, "seed": draw.seed})
    await notify_orgs(session, [_manager_org(tender)], kind="expert_draw_failed",
                      title_zh=f"{tender.title}：专家抽取失败", title_en=f"{tender.title}: expert draw failed",
                      body_zh=draw.failure_reason, body_en=draw.failure_reason, link=f"/draws/{draw.id}",
                      tender_id=tender.id, project_id=tender.project_id, now=now)


async def perform_draw(session: AsyncSession, actor: Actor, draw_id: str, *, now: datetime,
                       blobs: BlobStore | None) -> ExpertDraw:
    """Centre staff press 抽取 in the draw room: round 1 seats the committee and draws the reserve list."""
    if not actor.is_centre:
        raise DrawCentreOnly()
    draw = await _draw(session, draw_id, lock=True)
    tender = await tender_docs.get_tender(session, draw.tender_id, lock=True)
    if draw.status != S.committed:
        raise BadDrawTransition(detail={"status": str(draw.status)})
    spec = rules.spec_from_doc(draw.request)
    if spec.evaluation_at <= now:
        raise EvaluationInPast()
    wanted = [rules.GroupWant(s.code, s.count, spec.reserve_per_specialty) for s in spec.specialties]
    try:
        _rnd, members = await _run_round(session, actor, draw, tender, wanted, now=now, blobs=blobs)
    except PoolExhausted as exc:
        await _fail(session, draw, tender, exc, actor, now=now)
        await commit(session)
        raise
    for i, rep in enumerate(spec.tenderer_reps):
        session.add(CommitteeMember(
            draw_id=draw.id, tender_id=tender.id, kind=MemberKind.tenderer_rep, expert_id=None, user_id=rep,
            round=1, position=len(members) + i + 1, status=M.accepted, notified_at=now, answered_at=now))
    draw.status = S.drawn
    draw.next_check_at = _next_check(members)
    await record(session, "draw:drawn", actor, subject_type="expert_draw", subject_id=draw.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "seats": sum(1 for m in members if m.status == M.notified),
                        "reserves": sum(1 for m in members if m.status == M.reserve),
                        "representatives": len(spec.tenderer_reps)})
    await commit(session)
    return draw


async def _replace(session: AsyncSession, draw: ExpertDraw, tender: Tender, gone: Sequence[CommitteeMember],
                   actor: Actor, *, now: datetime, blobs: BlobStore | None) -> None:
    """A fresh deterministic round for the seats just left empty (Bidding Regs Art.46/48; MOF 87 Art.49)."""
    counts: dict[str, int] = {}
    for m in gone:
        counts[m.specialty_code] = counts.get(m.specialty_code, 0) + 1
    wanted = [rules.GroupWant(code, n, 0) for code, n in counts.items()]
    try:
        _rnd, new = await _run_round(session, actor, draw, tender, wanted, now=now, blobs=blobs)
    except PoolExhausted as exc:
        await _fail(session, draw, tender, exc, actor, now=now)
        return
    queue: dict[str, list[CommitteeMember]] = {}
    for m in new:
        queue.setdefault(m.specialty_code, []).append(m)
    for m in gone:
        m.replaced_by = queue[m.specialty_code].pop(0).id


async def _after_answers(session: AsyncSession, draw: ExpertDraw, tender: Tender, *, now: datetime) -> None:
    """Decide once every pool seat has accepted; otherwise schedule the next answer deadline."""
    if draw.status != S.drawn:
        return
    members = await _members(session, draw.id)
    spec = rules.spec_from_doc(draw.request)
    seats = [m for m in members if m.kind == MemberKind.pool and m.status in SEATED]
    if len(seats) == spec.pool_seats and all(m.status == M.accepted for m in seats):
        draw.status = S.decided
        draw.decided_at = draw.revealed_at = now
        draw.next_check_at = None
        await record(session, "draw:decided", DRAWER, subject_type="expert_draw", subject_id=draw.id,
                     project_id=tender.project_id, now=now,
                     after={"tender_id": tender.id, "seed": draw.seed, "seed_commitment": draw.seed_commitment,
                            "members": [m.id for m in members if m.status == M.accepted]})
        await notify_orgs(
            session, [_manager_org(tender)], kind="expert_draw_decided",
            title_zh=f"{tender.title}：评标委员会已组建", title_en=f"{tender.title}: the committee is complete",
            body_zh=f"{len(seats)}名专家均已确认参加。随机种子已公布，可复核抽取过程。",
            body_en=f"All {len(seats)} experts accepted. The seed is published; the draw can be re-run.",
            link=f"/draws/{draw.id}", tender_id=tender.id, project_id=tender.project_id, now=now)
    else:
        draw.next_check_at = _next_check(members)


async def _member_for_answer(session: AsyncSession, actor: Actor, draw_id: str,
                             member_id: str) -> tuple[ExpertDraw, Tender, CommitteeMember]:
    draw = await _draw(session, draw_id, lock=True)
    tender = await tender_docs.get_tender(session, draw.tender_id)
    member = (await session.execute(select(CommitteeMember).where(
        CommitteeMember.id == member_id, CommitteeMember.draw_id == draw.id))).scalars().first()
    if member is None:
        raise MemberNotFound()
    if actor.role != Role.expert or member.user_id is None or member.user_id != actor.user_id:
        raise NotInvited()
    return draw, tender, member


def _check_open(draw: ExpertDraw, member: CommitteeMember, now: datetime) -> None:
    if draw.status != S.drawn or member.status != M.notified or member.answer_due is None or now > member.answer_due:
        raise AnswerClosed(detail={"status": str(member.status),
                                   "answer_due": member.answer_due.isoformat() if member.answer_due else None})


async def accept(session: AsyncSession, actor: Actor, draw_id: str, member_id: str, *,
                 now: datetime) -> CommitteeMember:
    """The drawn expert accepts before the answer deadline (checked at the server clock)."""
    draw, tender, member = await _member_for_answer(session, actor, draw_id, member_id)
    _check_open(draw, member, now)
    member.status, member.answered_at = M.accepted, now
    await record(session, "draw:accepted", actor, subject_type="committee_member", subject_id=member.id,
                 project_id=tender.project_id, now=now, after={"draw_id": draw.id, "tender_id": tender.id})
    await _after_answers(session, draw, tender, now=now)
    await commit(session)
    return member


async def decline(session: AsyncSession, actor: Actor, draw_id: str, member_id: str, reason: str, *,
                  now: datetime, blobs: BlobStore | None) -> CommitteeMember:
    """The drawn expert declines (with a reason); the seat is redrawn at once by a new round."""
    if not reason.strip():
        raise ReasonRequired()
    draw, tender, member = await _member_for_answer(session, actor, draw_id, member_id)
    _check_open(draw, member, now)
    member.status, member.answered_at, member.decline_reason = M.declined, now, reason.strip()
    await record(session, "draw:declined", actor, subject_type="committee_member", subject_id=member.id,
                 project_id=tender.project_id, now=now,
                 after={"draw_id": draw.id, "tender_id": tender.id, "reason": member.decline_reason})
    await _replace(session, draw, tender, [member], actor, now=now, blobs=blobs)
    await _after_answers(session, draw, tender, now=now)
    await commit(session)
    return member


async def sweep(session: AsyncSession, draw: ExpertDraw, now: datetime) -> None:
    """Chronograph: seats unanswered at their deadline become no-answers and are redrawn in one new round."""
    await session.refresh(draw)
    if draw.status != S.drawn:
        draw.next_check_at = None
        return
    tender = await tender_docs.get_tender(session, draw.tender_id)
    late = [m for m in await _members(session, draw.id)
            if m.status == M.notified and m.answer_due is not None and m.answer_due <= now]
    for m in late:
        m.status = M.no_answer
        await record(session, "draw:no_answer", DRAWER, subject_type="committee_member", subject_id=m.id,
                     project_id=tender.project_id, now=now, after={"draw_id": draw.id, "tender_id": tender.id})
    if late:
        await _replace(session, draw, tender, late, DRAWER, now=now, blobs=None)
    await _after_answers(session, draw, tender, now=now)


# ---------------------------------------------------------------- reads: who sees what


@dataclass
class MemberView:
    id: str
    """The pseudonymous member id everyone may see."""
    kind: str
    status: str
    round: int
    position: int
    specialty_code: str
    answer_due: datetime | None
    answered_at: datetime | None
    name: str | None = None
    """Only when names are visible (centre staff; everyone once the tender's result is decided)."""
    employer: str | None = None
    expert_id: str | None = None
    """Centre staff only."""
    phone: str | None = None
    """Centre staff only."""
    decline_reason: str | None = None
    replaced_by: str | None = None


@dataclass
class DrawView:
    draw: ExpertDraw
    tender: Tender
    rounds: list[DrawRound]
    members: list[MemberView]
    names_visible: bool
    is_staff: bool
    is_party: bool
    """Centre staff, or the tenderer / agency of the tender: they see the request before the reveal."""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def revealed(self) -> bool:
        return self.draw.revealed_at is not None

    @property
    def request_visible(self) -> bool:
        return self.is_party or self.revealed


def _is_party(actor: Actor, tender: Tender) -> bool:
    return actor.is_centre or actor.acts_for(tenderer_org_id=tender.tenderer_org_id,
                                             agency_org_id=tender.agency_org_id)


async def draw_view(session: AsyncSession, actor: Actor, draw_id: str) -> DrawView:
    """The draw as `actor` may see it: counts, statuses and pseudonymous member ids for all; names for the centre
    (and for everyone once the result is decided, Evaluation Rules Art.8; MOF 87 Art.69)."""
    draw = await _draw(session, draw_id)
    tender = await tender_docs.get_tender(session, draw.tender_id)
    staff = actor.is_centre
    names_visible = staff or tender.status in RESULT_STATUSES
    members = await _members(session, draw.id)
    experts: dict[str, Expert] = {}
    users: dict[str, str] = {}
    if names_visible and members:
        experts = {e.id: e for e in (await session.execute(select(Expert).where(
            Expert.id.in_([m.expert_id for m in members if m.expert_id])))).scalars()}
        users = dict((await session.execute(select(User.id, User.display_name).where(
            User.id.in_([m.user_id for m in members if m.kind == MemberKind.tenderer_rep and m.user_id])))).all())
    views = []
    for m in members:
        v = MemberView(m.id, str(m.kind), str(m.status), m.round, m.position, m.specialty_code, m.answer_due,
                       m.answered_at, replaced_by=m.replaced_by)
        if names_visible:
            e = experts.get(m.expert_id or "")
            v.name = e.name if e else users.get(m.user_id or "", "")
            v.employer = e.employer if e else None
        if staff:
            e = experts.get(m.expert_id or "")
            v.expert_id, v.phone, v.decline_reason = m.expert_id, e.phone if e else None, m.decline_reason
        views.append(v)
    counts: dict[str, int] = {}
    for m in members:
        counts[str(m.status)] = counts.get(str(m.status), 0) + 1
    return DrawView(draw, tender, await _rounds(session, draw.id), views, names_visible, staff,
                    _is_party(actor, tender), counts)


async def tender_draws(session: AsyncSession, tender_id: str) -> list[ExpertDraw]:
    await tender_docs.get_tender(session, tender_id)
    stmt = select(ExpertDraw).where(ExpertDraw.tender_id == tender_id).order_by(ExpertDraw.requested_at)
    return list((await session.execute(stmt)).scalars().all())


def draw_json(v: DrawView) -> dict[str, Any]:
    """The API form of a view: the seed only after the reveal, the request only for the parties until then."""
    d = v.draw
    out: dict[str, Any] = {
        "id": d.id, "tender_id": d.tender_id, "status": str(d.status), "seed_commitment": d.seed_commitment,
        "request_sha256": d.request_sha256, "requested_at": d.requested_at, "decided_at": d.decided_at,
        "revealed_at": d.revealed_at, "failure_reason": d.failure_reason, "names_visible": v.names_visible,
        "counts": v.counts,
        "rounds": [{"number": r.number, "pool_sha256": r.pool_sha256, "pool_size": r.pool_size,
                    "wanted": r.wanted, "excluded": r.excluded, "drawn_at": r.drawn_at} for r in v.rounds],
        "members": [{k: val for k, val in vars(m).items() if val is not None or k in ("answer_due", "answered_at")}
                    for m in v.members],
    }
    if v.request_visible:
        out["request"] = d.request
    if v.revealed:
        out["seed"] = d.seed
    return out


@dataclass
class Invitation:
    member: CommitteeMember
    draw: ExpertDraw
    tender: Tender
    spec: rules.RequestSpec


async def my_invitations(session: AsyncSession, actor: Actor) -> list[Invitation]:
    """The expert's own seats (never anyone else's), newest first."""
    if actor.user_id is None or actor.role != Role.expert:
        return []
    rows = (await session.execute(
        select(CommitteeMember, ExpertDraw, Tender)
        .join(ExpertDraw, ExpertDraw.id == CommitteeMember.draw_id).join(Tender, Tender.id == ExpertDraw.tender_id)
        .where(CommitteeMember.user_id == actor.user_id, CommitteeMember.kind == MemberKind.pool,
               CommitteeMember.status != M.reserve)
        .order_by(CommitteeMember.notified_at.desc(), CommitteeMember.id))).all()
    return [Invitation(m, d, t, rules.spec_from_doc(d.request)) for m, d, t in rows]


def invitation_json(inv: Invitation) -> dict[str, Any]:
    s = inv.spec
    return {"draw_id": inv.draw.id, "member_id": inv.member.id, "tender_id": inv.tender.id,
            "tender_title": inv.tender.title, "tender_code": inv.tender.code,
            "specialty_code": inv.member.specialty_code,
            "status": str(inv.member.status), "answer_due": inv.member.answer_due,
            "evaluation_at": s.evaluation_at, "evaluation_hours": s.evaluation_hours, "venue": s.venue,
            "room": s.room}


# ---------------------------------------------------------------- verification (after the reveal)


async def verification_doc(session: AsyncSession, draw_id: str) -> dict[str, Any]:
    """Everything a verifier needs (draw_rules.verify_draw): 409 expert.draw_not_revealed before the reveal."""
    draw = await _draw(session, draw_id)
    if draw.revealed_at is None:
        raise DrawNotRevealed()
    members = await _members(session, draw.id)
    return {
        "version": rules.DRAW_VERSION, "draw_id": draw.id, "tender_id": draw.tender_id, "status": str(draw.status),
        "seed_commitment": draw.seed_commitment, "seed": draw.seed, "request": draw.request,
        "request_sha256": draw.request_sha256, "revealed_at": draw.revealed_at.isoformat(),
        "rounds": [{"number": r.number, "pool_sha256": r.pool_sha256, "pool_size": r.pool_size,
                    "picked": r.picked, "excluded": r.excluded, "drawn_at": r.drawn_at.isoformat(),
                    "snapshot_url": f"/api/draws/{draw.id}/rounds/{r.number}/snapshot", "snapshot": r.snapshot}
                   for r in await _rounds(session, draw.id)],
        "replaced_experts": [m.expert_id for m in members if m.status in REPLACED and m.expert_id],
    }


async def round_snapshot(session: AsyncSession, draw_id: str, number: int, *, blobs: BlobStore) -> bytes:
    """A revealed round's snapshot bytes, from the blob store (refilled from the row when missing)."""
    draw = await _draw(session, draw_id)
    if draw.revealed_at is None:
        raise DrawNotRevealed()
    rnd = (await session.execute(select(DrawRound).where(
        DrawRound.draw_id == draw.id, DrawRound.number == number))).scalars().first()
    if rnd is None:
        raise RoundNotFound()
    if await blobs.exists(rnd.pool_sha256):
        data = b"".join([c async for c in blobs.open(rnd.pool_sha256)])
    else:
        data = rnd.snapshot.encode("utf-8")
        if hashlib.sha256(data).hexdigest() == rnd.pool_sha256:
            await _store(blobs, data)
    if hashlib.sha256(data).hexdigest() != rnd.pool_sha256:
        raise SnapshotMismatch()
    return data
