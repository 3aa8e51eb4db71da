"""The draw as a use case on a real database: request + commitment, the draw, answers, replacement rounds, the
reveal and its verification; avoidance applied from the tender's real parties; every refusal a coded error."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import ANONYMOUS, Actor
from ggzy.chronograph import runner
from ggzy.expert import draw_rules as rules
from ggzy.expert import draw_service as service
from ggzy.expert.errors import (
    AnswerClosed,
    DrawCentreOnly,
    DrawExists,
    DrawNotAllowed,
    DrawNotRevealed,
    NotInvited,
    NotRequester,
    PoolExhausted,
    ProcurementSize,
    RepresentativeNotTenderer,
)
from ggzy.expert.models import CommitteeMember, DrawRound, DrawStatus, ExpertDraw, MemberStatus
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification, OutboxMessage
from ggzy.party.models import OrgKind
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.expert.draw_builders import (
    DrawWorld,
    add_expert,
    add_pool,
    away,
    declare,
    draw_world,
    employ,
    penalise,
    request_body,
)
from tests.factories import create_party, create_user, query

M = MemberStatus


async def members(db: AsyncSession, draw_id: str) -> list[CommitteeMember]:
    rows = await query(db, select(CommitteeMember.__table__).where(CommitteeMember.draw_id == draw_id)
                       .order_by(CommitteeMember.round, CommitteeMember.position))
    return [CommitteeMember(**r._mapping) for r in rows]


async def draw_row(db: AsyncSession, draw_id: str) -> ExpertDraw:
    rows = await query(db, select(ExpertDraw.__table__).where(ExpertDraw.id == draw_id))
    return ExpertDraw(**rows[0]._mapping)


def expert_actor(w: DrawWorld, expert_id: str | None) -> Actor:
    return w.actors[expert_id or ""]


async def test_the_whole_flow_commit_draw_decline_no_answer_decide_reveal_verify(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 14, codes=("A0801",))
    await add_pool(db, w, now, 8, codes=("A080201",))
    rep_user = await create_user(db, w.cast.tenderer_org, now=now)
    body = request_body(now, size=5, specialties=[("A0801", 3), ("A0802", 1)], tenderer_reps=[rep_user.id])

    draw = await service.request_draw(db, w.agency, w.tender_id, body, now=now)
    draw_id = draw.id
    assert draw.status == DrawStatus.committed and len(draw.seed) == 64
    assert draw.seed_commitment == rules.seed_commitment(bytes.fromhex(draw.seed))
    notice = (await query(db, select(Notice.body, Notice.data).where(
        Notice.tender_id == w.tender_id, Notice.kind == NoticeKind.draw_commitment)))[0]
    assert draw.seed_commitment in notice.body
    assert notice.data["seed_commitment"] == draw.seed_commitment

    clock.advance(minutes=10)
    with pytest.raises(DrawCentreOnly):
        await service.perform_draw(db, w.agency, draw_id, now=clock.now(), blobs=app.state.blobs)
    await db.rollback()
    await service.perform_draw(db, w.centre, draw_id, now=clock.now(), blobs=app.state.blobs)
    ms = await members(db, draw_id)
    seats = [m for m in ms if m.status == M.notified]
    assert [m.specialty_code for m in seats] == ["A0801"] * 3 + ["A0802"]
    assert sum(m.status == M.reserve for m in ms) == 4 and sum(m.kind == "tenderer_rep" for m in ms) == 1
    assert all(m.answer_due == clock.now() + timedelta(minutes=30) for m in seats)
    sms = await query(db, select(OutboxMessage.address, OutboxMessage.body).where(
        OutboxMessage.subject == "评标专家抽取通知"))
    assert len(sms) == 4 and all("第3评标室" in s.body and "评标时间" in s.body for s in sms)
    rnd1 = (await query(db, select(DrawRound.pool_sha256).where(DrawRound.draw_id == draw_id)))[0]
    assert await app.state.blobs.exists(rnd1.pool_sha256)

    # One declines (a fresh round 2 replaces the seat at once); one accepts late → refused.
    first, second, third, fourth = seats
    clock.advance(minutes=5)
    with pytest.raises(NotInvited):  # someone else's invitation
        await service.accept(db, expert_actor(w, second.expert_id), draw_id, first.id, now=clock.now())
    await db.rollback()
    await service.decline(db, expert_actor(w, first.expert_id), draw_id, first.id, "本周出差", now=clock.now(),
                          blobs=app.state.blobs)
    for m in (second, third):
        await service.accept(db, expert_actor(w, m.expert_id), draw_id, m.id, now=clock.now())
    ms = await members(db, draw_id)
    round2 = [m for m in ms if m.round == 2]
    assert len(round2) == 1 and round2[0].status == M.notified and round2[0].specialty_code == "A0801"
    assert round2[0].expert_id not in {m.expert_id for m in ms if m.round == 1}
    assert next(m for m in ms if m.id == first.id).replaced_by == round2[0].id

    # The fourth never answers: the chronograph turns it into a no-answer and draws round 3.
    clock.advance(minutes=26)
    with pytest.raises(AnswerClosed):
        await service.accept(db, expert_actor(w, fourth.expert_id), draw_id, fourth.id, now=clock.now())
    await db.rollback()
    assert await runner.sweep_once(app.state.sessionmaker, clock) >= 1
    ms = await members(db, draw_id)
    assert next(m for m in ms if m.id == fourth.id).status == M.no_answer
    round3 = [m for m in ms if m.round == 3]
    assert [m.specialty_code for m in round3] == ["A0802"] and round3[0].status == M.notified
    with pytest.raises(DrawNotRevealed):
        await service.verification_doc(db, draw_id)

    for m in [*round2, *round3]:
        await service.accept(db, expert_actor(w, m.expert_id), draw_id, m.id, now=clock.now())
    final = await draw_row(db, draw_id)
    assert final.status == DrawStatus.decided and final.revealed_at == clock.now()
    told = await query(db, select(Notification.kind).where(Notification.org_id == w.agency.org_id))
    assert "expert_draw_decided" in {t.kind for t in told}

    doc = await service.verification_doc(db, draw_id)
    await db.rollback()  # end the read: on SQLite it holds the only write lock
    result = rules.verify_draw(json.loads(json.dumps(doc)))
    assert result.ok, result.failures
    accepted = {m.expert_id for m in await members(db, draw_id) if m.status == M.accepted and m.expert_id}
    assert {s["expert_id"] for s in result.committee} == accepted and len(accepted) == 4
    snap = await service.round_snapshot(db, draw_id, 3, blobs=app.state.blobs)
    assert rules.sha256_hex(snap) == doc["rounds"][2]["pool_sha256"]


async def test_conflicted_experts_are_left_out_and_counted_by_ground(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    ok = await add_pool(db, w, now, 5)
    bidder_staff = await add_expert(db, w, now, employer=w.bidders[0].name,
                                    employer_code=w.bidders[0].credit_code or "")
    past_bidder = await add_expert(db, w, now)
    await employ(db, past_bidder, w.bidders[1], start=date(2018, 1, 1), end=date(2024, 6, 30), by_name_only=True)
    long_ago = await add_expert(db, w, now)
    await employ(db, long_ago, w.bidders[1], start=date(2010, 1, 1), end=date(2021, 1, 1))
    agency_staff = await add_expert(db, w, now, employer="华信招标代理有限公司")
    tenderer_staff = await add_expert(db, w, now, employer="市第一中学")
    sup_staff = await add_expert(db, w, now, employer=w.supervisor.name)
    relative = await add_expert(db, w, now)
    await declare(db, relative, w.bidders[2], "relative", now)
    punished = await add_expert(db, w, now)
    await penalise(db, punished)
    busy = await add_expert(db, w, now)
    await away(db, busy, now + timedelta(days=1), now + timedelta(days=3))
    junior = await add_expert(db, w, now, senior=False)
    elsewhere = await add_expert(db, w, now, region="320106")

    body = request_body(now, size=5, reserve_per_specialty=1, regions=["330000"])
    draw = await service.request_draw(db, w.agency, w.tender_id, body, now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    drawn = {m.expert_id for m in await members(db, draw_id)}
    assert drawn == {e.id for e in ok} | {long_ago.id}  # exactly the six eligible: 5 seats + 1 reserve
    excluded = (await query(db, select(DrawRound.excluded).where(DrawRound.draw_id == draw_id)))[0].excluded
    assert excluded == {"employer_agency": 1, "employer_bidder": 2, "employer_supervisor": 1,
                        "employer_tenderer": 1, "declared_relative": 1, "penalty": 1, "unavailable": 1,
                        "no_senior_title": 1, "region": 1}
    for e in (bidder_staff, past_bidder, agency_staff, tenderer_staff, sup_staff, relative, punished, busy, junior,
              elsewhere):
        assert e.id not in drawn


async def test_too_few_eligible_experts_fail_the_draw_with_409(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 4)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    with pytest.raises(PoolExhausted) as exc:
        await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    assert exc.value.status == 409 and exc.value.detail["eligible"] == 4
    failed = await draw_row(db, draw_id)
    assert failed.status == DrawStatus.failed and "4" in failed.failure_reason
    assert await members(db, draw_id) == []
    # A failed draw does not block a new request.
    await add_pool(db, w, now, 3)
    again = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    assert again.status == DrawStatus.committed


async def test_requests_are_refused_with_coded_errors(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now, status=TenderStatus.published)
    with pytest.raises(DrawNotAllowed):  # bidders not known yet: still published
        await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    await db.rollback()

    w = await draw_world(db, now)
    _, _, bidder = await create_party(db, OrgKind.bidder, now=now)
    with pytest.raises(NotRequester):
        await service.request_draw(db, bidder, w.tender_id, request_body(now), now=now)
    await db.rollback()
    stranger = (await create_party(db, OrgKind.tenderer, now=now))[1]
    with pytest.raises(RepresentativeNotTenderer):
        await service.request_draw(db, w.agency, w.tender_id, request_body(now, tenderer_reps=[stranger.id]),
                                   now=now)
    await db.rollback()
    await service.request_draw(db, w.centre, w.tender_id, request_body(now), now=now)
    with pytest.raises(DrawExists):
        await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    await db.rollback()


async def test_large_procurement_needs_seven_members_mof87_art47(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now, line=TradingLine.procurement, budgets=("6000000.00", "4000000.00"))
    with pytest.raises(ProcurementSize):  # the lots' budgets add up to 10,000,000
        await service.request_draw(db, w.agency, w.tender_id, request_body(now, size=5), now=now)
    await db.rollback()
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now, size=7), now=now)
    assert draw.request["size"] == 7


async def test_the_seed_stays_out_of_the_audit_chain_and_notices_until_the_reveal(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 8)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now, reserve_per_specialty=0), now=now)
    draw_id, seed = draw.id, draw.seed
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)

    async def leaked() -> bool:
        dumped = json.dumps([list(r) for r in await query(db, select(AuditEvent.before, AuditEvent.after))],
                            default=str) + json.dumps([list(r) for r in await query(db, select(
                                Notice.title, Notice.body, Notice.data))], default=str)
        return seed in dumped

    assert not await leaked()
    for m in await members(db, draw_id):
        await service.accept(db, expert_actor(w, m.expert_id or ""), draw_id, m.id, now=now)
    assert await leaked()  # revealed in the chain at the decision


async def test_only_centre_sees_names_until_the_result(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    experts = await add_pool(db, w, now, 5)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    names = {e.name for e in experts}
    staff = await service.draw_view(db, w.centre, draw_id)
    assert {m.name for m in staff.members} == names and all(m.expert_id for m in staff.members)
    agency = service.draw_json(await service.draw_view(db, w.agency, draw_id))
    assert not any(n in json.dumps(agency, default=str) for n in names)
    assert not any(e.id in json.dumps(agency, default=str) for e in experts)
    assert len(agency["members"]) == 5 and "seed" not in agency and "request" in agency
    await db.execute(update(Tender).where(Tender.id == w.tender_id).values(status=TenderStatus.awarded))
    await db.commit()
    public = service.draw_json(await service.draw_view(db, ANONYMOUS, draw_id))
    assert {m["name"] for m in public["members"]} == names


async def test_expert_sees_only_their_own_invitation(app, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 7)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    ms = await members(db, draw_id)
    seat = next(m for m in ms if m.status == M.notified)
    reserve = next(m for m in ms if m.status == M.reserve)
    mine = await service.my_invitations(db, expert_actor(w, seat.expert_id))
    assert [i.member.id for i in mine] == [seat.id] and mine[0].spec.room == "第3评标室"
    assert mine[0].member.user_id == w.users[seat.expert_id or ""].id
    assert await service.my_invitations(db, expert_actor(w, reserve.expert_id)) == []
    assert await service.my_invitations(db, w.agency) == []


async def test_a_replacement_the_pool_cannot_fill_fails_the_draw_and_reveals_it(app, db, clock: FrozenClock) -> None:
    """Bidding Regs Art.46/48: a decline is redrawn the same way; with nobody left the draw fails, the agency is
    told, and the rounds drawn so far can still be verified."""
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 5)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    seat = next(m for m in await members(db, draw_id) if m.status == M.notified)
    declined = await service.decline(db, expert_actor(w, seat.expert_id), draw_id, seat.id, "身体原因", now=now,
                                     blobs=None)
    assert declined.status == M.declined and declined.replaced_by is None
    failed = await draw_row(db, draw_id)
    assert failed.status == DrawStatus.failed and failed.revealed_at == now and "0" in failed.failure_reason
    told = await query(db, select(Notification.kind).where(Notification.org_id == w.agency.org_id))
    assert "expert_draw_failed" in {t.kind for t in told}
    other = next(m for m in await members(db, draw_id) if m.status == M.notified)
    with pytest.raises(AnswerClosed):  # nothing more to answer on a failed draw
        await service.accept(db, expert_actor(w, other.expert_id), draw_id, other.id, now=now)
    await db.rollback()
    result = rules.verify_draw(await service.verification_doc(db, draw_id))
    await db.rollback()
    assert result.ok, result.failures
