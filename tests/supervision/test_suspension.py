"""Suspension of trading (暂停交易), DOMAIN.md "Emergency operation": suspend platform-wide or per project,
resume later with every running deadline moved by the suspension's length, every party notified, and no
submission accepted meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import OutboxMessage, OutboxStatus
from ggzy.project.models import Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.supervision import service
from ggzy.supervision.errors import BadSuspensionTransition, NotLineSupervisor, TradingSuspended
from ggzy.supervision.guard import ensure_trading_open
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import Tender, TenderStatus
from tests.factories import bearer
from tests.supervision.builders import (
    Cast,
    audit_tags,
    fetch,
    inbox,
    make_cast,
    make_project,
    make_tender,
    record_download,
    reload,
)

DAY = timedelta(days=1)


@pytest.fixture
async def cast(db: AsyncSession, clock: FrozenClock) -> Cast:
    return await make_cast(db, clock.now())


async def _suspend_project(db: AsyncSession, cast: Cast, project: Project, clock: FrozenClock) -> Suspension:
    s = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.project,
                                         project_id=project.id, reason="突发公共卫生事件", now=clock.now())
    return await service.approve_suspension(db, cast.construction_sup_actor, s.id, now=clock.now())


async def _is_open(db: AsyncSession, project_id: str | None) -> bool:
    try:
        await ensure_trading_open(db, project_id)
    except TradingSuspended:
        return False
    finally:
        await db.commit()
    return True


async def test_suspension_moves_every_running_deadline_by_its_length(
    db: AsyncSession, clock: FrozenClock, cast: Cast, app: Any
) -> None:
    maker = app.state.sessionmaker
    start = clock.now()
    project = await make_project(db, cast, now=start)
    bystander_project = await make_project(db, cast, now=start)
    tender = await make_tender(db, project, cast, now=start, doc_start=start - DAY, doc_end=start + 7 * DAY,
                               question_deadline=start + 10 * DAY, bid_deadline=start + 25 * DAY)
    bystander = await make_tender(db, bystander_project, cast, now=start, bid_deadline=start + 25 * DAY)

    clock.advance(days=2)
    s = await _suspend_project(db, cast, project, clock)
    assert s.status == SuspensionStatus.active and s.started_at == clock.now()
    t = await reload(db, Tender, tender.id)
    assert t.next_check_at is None  # the sweeper leaves a suspended tender alone...

    clock.advance(days=30)  # ...even well past its original deadline
    await runner.sweep_once(maker, clock)
    assert (await reload(db, Tender, tender.id)).status == TenderStatus.published
    assert (await reload(db, Tender, bystander.id)).status == TenderStatus.failed  # closed, no bids (Art.44)

    length = clock.now() - s.started_at
    ended = await service.resume_trading(db, cast.centre_actor, s.id, now=clock.now())
    assert ended.status == SuspensionStatus.ended and ended.ended_at == clock.now()

    t = await reload(db, Tender, tender.id)
    assert t.doc_start == start - DAY  # had already passed when the suspension began: stays
    assert t.doc_end == start + 7 * DAY + length
    assert t.question_deadline == start + 10 * DAY + length
    assert t.bid_deadline == start + 25 * DAY + length
    assert t.next_check_at == t.bid_deadline
    assert (await reload(db, Project, project.id)).suspended_at is None
    assert "tender:deadlines_shifted" in await audit_tags(db, tender.id)
    assert await audit_tags(db, s.id) == ["suspension:requested", "suspension:approved", "suspension:ended"]

    clock.set(t.bid_deadline - timedelta(seconds=1))
    assert await runner.sweep_once(maker, clock) == 0
    clock.set(t.bid_deadline)
    assert await runner.sweep_once(maker, clock) == 1
    assert (await reload(db, Tender, tender.id)).status == TenderStatus.failed  # closed; no bids: Art.44


async def test_project_suspension_needs_the_supervisor_of_its_line(
    db: AsyncSession, clock: FrozenClock, cast: Cast, client: AsyncClient
) -> None:
    project = await make_project(db, cast, now=clock.now(), line=TradingLine.construction)
    centre = await bearer(client, cast.centre_user)
    r = await client.post("/api/suspensions", headers=centre,
                          json={"scope": "project", "project_id": project.id, "reason": "现场发现异常情况"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["status"] == "pending_approval"
    assert await _is_open(db, project.id)  # pending is not yet a suspension

    other_line = await bearer(client, cast.procurement_sup_user)
    r = await client.post(f"/api/suspensions/{sid}/approve", headers=other_line, json={"note": "同意"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "supervision.not_line_supervisor"
    r = await client.post(f"/api/suspensions/{sid}/reject", headers=other_line)
    assert r.status_code == 403
    r = await client.post(f"/api/suspensions/{sid}/approve", headers=centre)
    assert r.status_code == 403  # the centre cannot approve its own request
    assert await _is_open(db, project.id)

    # A supervisor of another line does not even see the request.
    r = await client.get("/api/suspensions", headers=other_line)
    assert r.status_code == 200 and r.json() == []
    r = await client.get(f"/api/suspensions/{sid}", headers=other_line)
    assert r.status_code == 404

    line_sup = await bearer(client, cast.construction_sup_user)
    assert [x["id"] for x in (await client.get("/api/suspensions", headers=line_sup)).json()] == [sid]
    r = await client.post(f"/api/suspensions/{sid}/approve", headers=line_sup, json={"note": "同意暂停"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["approved_by"] == cast.construction_sup_user.id
    assert not await _is_open(db, project.id)
    r = await client.post(f"/api/suspensions/{sid}/approve", headers=line_sup)
    assert r.status_code == 409 and r.json()["error"]["code"] == "supervision.bad_transition"

    # Only the centre resumes.
    r = await client.post(f"/api/suspensions/{sid}/resume", headers=line_sup)
    assert r.status_code == 403
    r = await client.post(f"/api/suspensions/{sid}/resume", headers=centre, json={"note": "情况已排除"})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert await _is_open(db, project.id)


async def test_no_submission_accepted_while_suspended(db: AsyncSession, clock: FrozenClock, cast: Cast,
                                                      app: Any) -> None:
    """Publishing an announcement is refused during a suspension and accepted after it, with no partial record."""
    from ggzy.tender.service import publish_announcement

    start = clock.now()
    project = await make_project(db, cast, now=start)
    draft = await make_tender(db, project, cast, now=start, status=TenderStatus.draft, doc_start=start + DAY,
                              doc_end=start + 12 * DAY, question_deadline=start + 15 * DAY,
                              bid_deadline=start + 30 * DAY)
    s = await _suspend_project(db, cast, project, clock)
    async with app.state.sessionmaker() as other:  # a failed call's session is thrown away, as in a request
        with pytest.raises(TradingSuspended) as err:
            await publish_announcement(other, cast.agency_actor, draft.id, now=clock.now())
    assert err.value.status == 409 and err.value.detail["suspension_id"] == s.id
    assert (await reload(db, Tender, draft.id)).status == TenderStatus.draft
    assert await audit_tags(db, draft.id) == []

    clock.advance(hours=4)
    await service.resume_trading(db, cast.centre_actor, s.id, now=clock.now())
    view = await publish_announcement(db, cast.agency_actor, draft.id, now=clock.now())
    assert view.tender.status == TenderStatus.published


async def test_guard_checks_scope_and_status(db: AsyncSession, clock: FrozenClock, cast: Cast) -> None:
    p1 = await make_project(db, cast, now=clock.now())
    p2 = await make_project(db, cast, now=clock.now())
    s = await _suspend_project(db, cast, p1, clock)
    assert not await _is_open(db, p1.id)
    assert await _is_open(db, p2.id)
    assert await _is_open(db, None)  # a project suspension is not a platform one
    await service.resume_trading(db, cast.centre_actor, s.id, now=clock.now())
    assert await _is_open(db, p1.id)

    platform = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.platform,
                                                project_id=None, reason="系统升级", now=clock.now())
    assert platform.status == SuspensionStatus.active  # platform-wide: no approval needed
    for pid in (p1.id, p2.id, None):
        assert not await _is_open(db, pid)


async def test_platform_suspension_notifies_every_party_each_only_of_its_own_tender_art21(
    db: AsyncSession, clock: FrozenClock, cast: Cast, app: Any
) -> None:
    """Downloaders are told per organisation, about their own tender only (E-Bidding Measures Art.21)."""
    now = clock.now()
    build = await make_project(db, cast, now=now, line=TradingLine.construction)
    buy = await make_project(db, cast, now=now, line=TradingLine.procurement)
    idle = await make_project(db, cast, now=now)  # no running tender: nothing to suspend there
    x = await make_tender(db, build, cast, now=now, bid_deadline=now + 25 * DAY)
    y = await make_tender(db, build, cast, now=now, bid_deadline=now + 26 * DAY)
    z = await make_tender(db, buy, cast, now=now, bid_deadline=now + 27 * DAY)
    await record_download(db, x, cast.bidder, cast.bidder_user, now)
    await record_download(db, y, cast.bidder2, cast.bidder2_user, now)
    await record_download(db, z, cast.bidder2, cast.bidder2_user, now)

    s = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.platform, project_id=None,
                                         reason="突发事件，全平台暂停", now=now)
    notices = await fetch(db, select(Notice).where(Notice.kind == NoticeKind.suspension))
    assert sorted(n.project_id for n in notices) == sorted([build.id, buy.id])
    assert all("突发事件" in n.body and n.data["suspension_id"] == s.id for n in notices)

    bidder_notes = await inbox(db, cast.bidder)
    assert [(n.kind, n.tender_id) for n in bidder_notes] == [("suspension:started", x.id)]
    assert y.code not in bidder_notes[0].body_zh
    assert sorted(n.tender_id for n in await inbox(db, cast.bidder2)) == sorted([y.id, z.id])
    assert {n.project_id for n in await inbox(db, cast.construction_sup)} == {build.id}
    assert {n.project_id for n in await inbox(db, cast.procurement_sup)} == {buy.id}
    assert {n.project_id for n in await inbox(db, cast.tenderer)} == {build.id, buy.id}
    assert {n.project_id for n in await inbox(db, cast.agency)} == {build.id, buy.id}
    assert all(n.project_id != idle.id for n in await inbox(db, cast.tenderer))

    clock.advance(days=3)
    await service.resume_trading(db, cast.centre_actor, s.id, now=clock.now())
    resumed = [n for n in await inbox(db, cast.bidder) if n.kind == "suspension:resumed"]
    assert [n.tender_id for n in resumed] == [x.id]
    new_deadline = (await reload(db, Tender, x.id)).bid_deadline
    assert new_deadline == now + 28 * DAY
    assert "顺延" in resumed[0].body_zh
    assert len(await fetch(db, select(Notice).where(Notice.kind == NoticeKind.resumption))) == 2

    # Every inbox row also left for the SMS outbox, and the sweeper's tick sends it.
    drain = runner.outbox_drain(app.state.sessionmaker, app.state.settings, clock)
    assert drain is not None
    await runner.tick(app.state.sessionmaker, clock, drain=drain)
    pending = await fetch(db, select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == OutboxStatus.pending))
    assert pending == [0]
    assert await fetch(db, select(func.count()).select_from(OutboxMessage)
                       .where(OutboxMessage.status == OutboxStatus.sent)) != [0]


async def test_overlapping_suspensions_move_a_deadline_once_per_hour_suspended(
    db: AsyncSession, clock: FrozenClock, cast: Cast
) -> None:
    start = clock.now()
    project = await make_project(db, cast, now=start)
    tender = await make_tender(db, project, cast, now=start, bid_deadline=start + 40 * DAY)
    clock.advance(days=1)
    project_s = await _suspend_project(db, cast, project, clock)  # days 1..4
    clock.advance(days=2)
    platform_s = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.platform,
                                                  project_id=None, reason="全平台暂停", now=clock.now())  # 3..6
    clock.advance(days=1)
    await service.resume_trading(db, cast.centre_actor, project_s.id, now=clock.now())
    t = await reload(db, Tender, tender.id)
    assert t.bid_deadline == start + 43 * DAY
    assert t.next_check_at is None  # the platform is still suspended
    clock.advance(days=2)
    await service.resume_trading(db, cast.centre_actor, platform_s.id, now=clock.now())
    t = await reload(db, Tender, tender.id)
    assert t.bid_deadline == start + 45 * DAY  # suspended from day 1 to day 6: five days in all
    assert t.next_check_at == t.bid_deadline


async def test_rejected_request_changes_nothing(db: AsyncSession, clock: FrozenClock, cast: Cast, app: Any) -> None:
    project = await make_project(db, cast, now=clock.now())
    tender = await make_tender(db, project, cast, now=clock.now(), bid_deadline=clock.now() + 25 * DAY)
    s = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.project,
                                         project_id=project.id, reason="申请暂停", now=clock.now())
    async with app.state.sessionmaker() as other:
        with pytest.raises(NotLineSupervisor):
            await service.reject_suspension(other, cast.procurement_sup_actor, s.id, now=clock.now())
    rejected = await service.reject_suspension(db, cast.construction_sup_actor, s.id, note="理由不充分",
                                               now=clock.now())
    assert rejected.status == SuspensionStatus.rejected and rejected.decision_note == "理由不充分"
    assert await _is_open(db, project.id)
    t = await reload(db, Tender, tender.id)
    assert t.next_check_at == t.bid_deadline == clock.now() + 25 * DAY
    assert [n.kind for n in await inbox(db, cast.centre)] == ["suspension:rejected"]
    async with app.state.sessionmaker() as other:
        with pytest.raises(BadSuspensionTransition):
            await service.resume_trading(other, cast.centre_actor, s.id, now=clock.now())
    # A new request is possible once the old one was refused.
    again = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.project,
                                             project_id=project.id, reason="再次申请", now=clock.now())
    assert again.status == SuspensionStatus.pending_approval


@pytest.mark.parametrize("case", [
    ({"scope": "platform", "project_id": "x" * 32, "reason": "原因原因"}, 422, "request.invalid"),
    ({"scope": "project", "reason": "原因原因"}, 422, "request.invalid"),
    ({"scope": "project", "project_id": "nope", "reason": "原因原因"}, 404, "supervision.project_not_found"),
    ({"scope": "project", "project_id": "RETURNED", "reason": "原因原因"}, 409, "supervision.project_not_admitted"),
    ({"scope": "project", "project_id": "OK", "reason": "   "}, 422, "supervision.reason_required"),
    ({"scope": "everything", "reason": "原因原因"}, 422, "request.invalid"),
    ({"scope": "platform", "reason": "原因原因", "extra": 1}, 422, "request.invalid"),
])
async def test_bad_requests_get_a_named_4xx_and_leave_no_record(
    db: AsyncSession, clock: FrozenClock, cast: Cast, client: AsyncClient, case: tuple[dict[str, Any], int, str],
) -> None:
    body, status, code = case
    ok = await make_project(db, cast, now=clock.now())
    returned = await make_project(db, cast, now=clock.now(), status=ProjectStatus.returned)
    if body.get("project_id") == "OK":
        body = {**body, "project_id": ok.id}
    if body.get("project_id") == "RETURNED":
        body = {**body, "project_id": returned.id}
    r = await client.post("/api/suspensions", headers=await bearer(client, cast.centre_user), json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert await fetch(db, select(func.count()).select_from(Suspension)) == [0]


async def test_only_centre_staff_request_and_only_regulators_list(
    db: AsyncSession, clock: FrozenClock, cast: Cast, client: AsyncClient
) -> None:
    body = {"scope": "platform", "reason": "我想暂停"}
    for user in (cast.bidder_user, cast.agency_user, cast.construction_sup_user):
        r = await client.post("/api/suspensions", headers=await bearer(client, user), json=body)
        assert r.status_code == 403, user.role
    assert (await client.post("/api/suspensions", json=body)).status_code == 401
    r = await client.get("/api/suspensions", headers=await bearer(client, cast.bidder_user))
    assert r.status_code == 403
    assert await fetch(db, select(func.count()).select_from(Suspension)) == [0]


async def test_second_suspension_of_the_same_scope_is_refused(
    db: AsyncSession, clock: FrozenClock, cast: Cast, client: AsyncClient
) -> None:
    project = await make_project(db, cast, now=clock.now())
    centre = await bearer(client, cast.centre_user)
    one = {"scope": "project", "project_id": project.id, "reason": "第一次"}
    assert (await client.post("/api/suspensions", headers=centre, json=one)).status_code == 201
    r = await client.post("/api/suspensions", headers=centre, json=one)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "supervision.already_suspended")
    assert (await client.post("/api/suspensions", headers=centre,
                              json={"scope": "platform", "reason": "全平台"})).status_code == 201
    r = await client.post("/api/suspensions", headers=centre, json={"scope": "platform", "reason": "再来"})
    assert r.status_code == 409


async def test_notices_are_streamed_after_commit(db: AsyncSession, clock: FrozenClock, cast: Cast, app: Any) -> None:
    project = await make_project(db, cast, now=clock.now())
    await make_tender(db, project, cast, now=clock.now(), bid_deadline=clock.now() + 25 * DAY)
    s = await service.request_suspension(db, cast.centre_actor, scope=SuspensionScope.platform, project_id=None,
                                         reason="全平台暂停", now=clock.now(), broker=app.state.broker)
    notice = (await fetch(db, select(Notice).where(Notice.kind == NoticeKind.suspension)))[0]
    stream = app.state.broker.subscribe("notices")
    try:
        ev = await anext(stream)
    finally:
        await stream.aclose()
    assert (ev.type, ev.data["id"], ev.data["kind"]) == ("notice:published", notice.id, "suspension")
    stream = app.state.broker.subscribe("supervision")
    try:
        ev = await anext(stream)
    finally:
        await stream.aclose()
    assert (ev.type, ev.data["id"], ev.data["status"]) == ("suspension:started", s.id, "active")
