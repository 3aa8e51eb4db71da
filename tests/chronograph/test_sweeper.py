"""The chronograph applies due transitions, one row per transaction, exactly once, never early."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.tender.models import Tender, TenderStatus
from tests.conftest import backend_name
from tests.supervision.builders import audit_tags, fetch, inbox, make_cast, make_project, make_tender, reload

DAYS = 21
CLOSED_WITHOUT_BIDS = TenderStatus.failed
"""These tenders get no bids: at the deadline the opening hook fails them at once (Bidding Regs Art.44)."""


@pytest.fixture
def maker(app: Any) -> Any:
    return app.state.sessionmaker


async def _closed_events(db: AsyncSession, tender_id: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.tag == "tender:bid_closed", AuditEvent.subject_id == tender_id)
    return await fetch(db, stmt)


async def test_due_tender_is_closed_at_its_bid_deadline(db: AsyncSession, clock: FrozenClock, maker: Any) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    tender = await make_tender(db, project, cast, now=clock.now(), bid_deadline=clock.now() + timedelta(days=DAYS))

    clock.advance(days=DAYS)
    assert await runner.sweep_once(maker, clock) == 1

    t = await reload(db, Tender, tender.id)
    assert t.status == CLOSED_WITHOUT_BIDS
    assert t.next_check_at is None
    (ev,) = await _closed_events(db, tender.id)
    assert ev.actor_user_id is None and ev.actor_role == "system:sweeper"
    assert ev.before is not None and ev.before["status"] == "published"
    assert ev.after is not None and ev.after["status"] == "bid_closed"
    for org in (cast.agency, cast.tenderer):
        notes = await inbox(db, org)
        assert [n.kind for n in notes] == ["tender:bid_closed", "tender:failed"]
        assert {n.tender_id for n in notes} == {tender.id}
    assert await inbox(db, cast.bidder) == []


async def test_tender_not_yet_due_is_left_alone(db: AsyncSession, clock: FrozenClock, maker: Any) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    deadline = clock.now() + timedelta(days=DAYS)
    tender = await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline)

    clock.set(deadline - timedelta(seconds=1))
    assert await runner.sweep_once(maker, clock) == 0
    t = await reload(db, Tender, tender.id)
    assert (t.status, t.next_check_at) == (TenderStatus.published, deadline)
    assert await audit_tags(db, tender.id) == []

    clock.set(deadline)  # due exactly at the deadline (≤ now)
    assert await runner.sweep_once(maker, clock) == 1
    assert (await reload(db, Tender, tender.id)).status == CLOSED_WITHOUT_BIDS


async def test_failing_row_does_not_block_the_others(
    db: AsyncSession, clock: FrozenClock, maker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    deadline = clock.now() + timedelta(days=DAYS)
    # The broken tender is due first, so it is claimed first.
    broken = await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline - timedelta(hours=1))
    fine = [await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline) for _ in range(2)]

    import ggzy.tender.tasks as tasks_mod

    real_notify = tasks_mod.notify_orgs

    async def flaky_notify(session: AsyncSession, org_ids: Any, **kw: Any) -> Any:
        if kw.get("tender_id") == broken.id:
            raise RuntimeError("SMS gateway exploded")
        return await real_notify(session, org_ids, **kw)

    monkeypatch.setattr(tasks_mod, "notify_orgs", flaky_notify)
    clock.set(deadline)
    assert await runner.sweep_once(maker, clock) == 2

    for t in fine:
        assert (await reload(db, Tender, t.id)).status == CLOSED_WITHOUT_BIDS
    b = await reload(db, Tender, broken.id)
    # Rolled back completely (no half-closed tender, no audit entry) and retried later, not in a hot loop.
    assert b.status == TenderStatus.published
    assert await audit_tags(db, broken.id) == []
    assert b.next_check_at == clock.now() + runner.RETRY_AFTER
    assert await runner.sweep_once(maker, clock) == 0

    monkeypatch.setattr(tasks_mod, "notify_orgs", real_notify)
    clock.advance(runner.RETRY_AFTER)
    assert await runner.sweep_once(maker, clock) == 1
    b = await reload(db, Tender, broken.id)
    assert b.status == CLOSED_WITHOUT_BIDS
    (ev,) = await _closed_events(db, broken.id)
    assert ev.after is not None and ev.after["closed_at"] == b.bid_deadline.isoformat(timespec="microseconds")


async def test_late_sweeper_changes_nothing(db: AsyncSession, clock: FrozenClock, maker: Any) -> None:
    """Two identical tenders, one swept on time and one three days late, end in the same recorded state."""
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    deadline = clock.now() + timedelta(days=DAYS)
    on_time = await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline)
    clock.set(deadline)
    await runner.sweep_once(maker, clock)
    late = await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline)
    clock.advance(days=3)
    await runner.sweep_once(maker, clock)

    (a,) = await _closed_events(db, on_time.id)
    (b,) = await _closed_events(db, late.id)
    assert a.after is not None and b.after is not None
    assert a.after["closed_at"] == b.after["closed_at"] == deadline.isoformat(timespec="microseconds")
    for t in (on_time, late):
        row = await reload(db, Tender, t.id)
        assert (row.status, row.bid_deadline) == (CLOSED_WITHOUT_BIDS, deadline)


async def test_stale_check_time_never_closes_early(db: AsyncSession, clock: FrozenClock, maker: Any) -> None:
    """The handler re-reads the deadline: a next_check_at left behind by a moved deadline closes nothing."""
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    old = clock.now() + timedelta(days=DAYS)
    tender = await make_tender(db, project, cast, now=clock.now(), bid_deadline=old + timedelta(days=5))
    t = await reload(db, Tender, tender.id)
    t.next_check_at = old  # e.g. a correction moved the deadline but the schedule still says `old`
    db.add(t)
    await db.commit()

    clock.set(old)
    await runner.sweep_once(maker, clock)
    t = await reload(db, Tender, tender.id)
    assert t.status == TenderStatus.published
    assert t.next_check_at == old + timedelta(days=5)
    assert await audit_tags(db, tender.id) == []


async def test_tick_drains_the_outbox_even_when_a_sweep_fails(clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
                                                              maker: Any) -> None:
    async def broken_sweep(*_a: Any, **_k: Any) -> int:
        raise ConnectionError("database restarting")

    drained: list[Any] = []

    async def drain(now: Any) -> int:
        drained.append(now)
        return 0

    monkeypatch.setattr(runner, "sweep_once", broken_sweep)
    assert await runner.tick(maker, clock, drain=drain) == 0
    assert drained == [clock.now()]


class _StopAfterFirstRead(FrozenClock):
    """A clock that asks the worker to stop once it has been read: exactly one round, no sleeping."""

    def __init__(self, start: Any, stop: asyncio.Event) -> None:
        super().__init__(start)
        self._stop = stop

    def now(self) -> Any:
        self._stop.set()
        return super().now()


async def test_run_worker_sweeps_then_stops(db: AsyncSession, clock: FrozenClock, settings: Any) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    tender = await make_tender(db, project, cast, now=clock.now(), bid_deadline=clock.now() + timedelta(days=1))
    stop = asyncio.Event()
    worker_clock = _StopAfterFirstRead(clock.now() + timedelta(days=2), stop)
    await asyncio.wait_for(runner.run_worker(settings, clock=worker_clock, stop=stop), 30)
    assert (await reload(db, Tender, tender.id)).status == CLOSED_WITHOUT_BIDS


@pytest.mark.skipif(backend_name() != "postgresql", reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer")
async def test_locked_row_is_skipped_not_waited_for(db: AsyncSession, clock: FrozenClock, maker: Any) -> None:
    """While one sweeper holds a row, another sweeper takes the others and leaves that one alone."""
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    deadline = clock.now() + timedelta(days=DAYS)
    held = await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline - timedelta(hours=1))
    others = [await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline) for _ in range(3)]
    clock.set(deadline)
    task = next(t for t in runner.tasks() if t.model is Tender)

    async with maker() as first:
        row = await runner._claim(first, task, clock.now(), set())
        assert row is not None and row.id == held.id
        # Without SKIP LOCKED this would wait on our lock forever (the timeout fails the test).
        assert await asyncio.wait_for(runner.sweep_once(maker, clock), 15) == 3
        assert (await reload(db, Tender, held.id)).status == TenderStatus.published
        await task.handler(first, row, clock.now())
        await first.commit()

    for t in [held, *others]:
        assert len(await _closed_events(db, t.id)) == 1


@pytest.mark.skipif(backend_name() != "postgresql", reason="concurrent sweepers need PostgreSQL row locks")
async def test_two_concurrent_sweepers_never_apply_a_row_twice(db: AsyncSession, clock: FrozenClock,
                                                               maker: Any) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    deadline = clock.now() + timedelta(days=DAYS)
    tenders = [await make_tender(db, project, cast, now=clock.now(), bid_deadline=deadline) for _ in range(16)]
    clock.set(deadline)

    counts = await asyncio.wait_for(
        asyncio.gather(runner.sweep_once(maker, clock), runner.sweep_once(maker, clock)), 60)
    assert sum(counts) == len(tenders)
    per_tender = (await db.execute(
        select(AuditEvent.subject_id, func.count()).where(AuditEvent.tag == "tender:bid_closed")
        .group_by(AuditEvent.subject_id)
    )).all()
    assert sorted(n for _, n in per_tender) == [1] * len(tenders)
    assert {sid for sid, _ in per_tender} == {t.id for t in tenders}
