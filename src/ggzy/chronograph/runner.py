"""The deadline sweeper: applies transitions that are already due, and drains the notification outbox.

Rows carry `next_check_at`; each domain registers a handler for its model in TASK_MODULES. A handler
re-reads the row under lock, applies what is due at `now`, and sets the row's next `next_check_at`
(or None). One row per transaction, so one failing row never holds back the others. On PostgreSQL,
concurrent sweepers (`ggzy worker`) claim rows with FOR UPDATE SKIP LOCKED.

Correctness never depends on the sweeper being on time: every write re-checks its own deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ggzy.kit.clock import Clock, SystemClock
from ggzy.kit.db import commit, make_engine, make_sessionmaker

if TYPE_CHECKING:
    from ggzy.config import Settings

log = logging.getLogger("ggzy.chronograph")

Handler = Callable[[AsyncSession, Any, datetime], Awaitable[None]]
Drain = Callable[[datetime], Awaitable[int]]
"""Drain the outbox once at `now`; returns how many messages were handled."""

RETRY_AFTER = timedelta(minutes=1)
"""A row whose handler failed is retried this much later, so it cannot spin the sweeper."""
OUTBOX_BATCH = 100


@dataclass(frozen=True)
class Task:
    name: str
    model: Any
    """A mapped class with `id` and an indexed `next_check_at` column."""
    handler: Handler


_TASKS: dict[str, Task] = {}
TASK_MODULES = ["ggzy.tender.tasks", "ggzy.opening.tasks", "ggzy.expert.draw_tasks", "ggzy.evaluation.tasks",
                "ggzy.venue.tasks", "ggzy.publicity.tasks", "ggzy.award.tasks", "ggzy.supervision.tasks",
                "ggzy.auction.tasks"]


def register(name: str, model: Any, handler: Handler) -> None:
    _TASKS[name] = Task(name, model, handler)


def tasks() -> list[Task]:
    for mod in TASK_MODULES:
        importlib.import_module(mod)
    return list(_TASKS.values())


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _claim(session: AsyncSession, task: Task, now: datetime, skip: set[str]) -> Any | None:
    model = task.model
    stmt = select(model).where(model.next_check_at.is_not(None), model.next_check_at <= now)
    if skip:
        stmt = stmt.where(model.id.not_in(skip))
    stmt = stmt.order_by(model.next_check_at, model.id).limit(1)
    if _is_pg(session):
        # Another sweeper holding a row makes us take the next one instead of waiting or doubling up.
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt)).scalars().first()


async def _postpone(maker: async_sessionmaker[AsyncSession], task: Task, row_id: str, seen: datetime,
                    now: datetime) -> None:
    """Push a failing row's next check back, unless someone already rescheduled it."""
    model = task.model
    try:
        async with maker() as session:
            await session.execute(
                update(model).where(model.id == row_id, model.next_check_at == seen)
                .values(next_check_at=now + RETRY_AFTER)
            )
            await session.commit()
    except Exception:
        log.exception("chronograph could not postpone %s %s", task.name, row_id)


async def sweep_once(maker: async_sessionmaker[AsyncSession], clock: Clock, limit: int = 500) -> int:
    """Apply every due transition; returns how many rows were handled."""
    handled = 0
    for task in tasks():
        failed: set[str] = set()
        while handled < limit:
            async with maker() as session:
                now = clock.now()
                row = await _claim(session, task, now, failed)
                if row is None:
                    break
                row_id, seen = row.id, row.next_check_at
                try:
                    await task.handler(session, row, now)
                    await commit(session)
                    handled += 1
                    continue
                except Exception:
                    log.exception("chronograph task %s failed on %s", task.name, row_id)
                    await session.rollback()
                    failed.add(row_id)
            await _postpone(maker, task, row_id, seen, now)
    return handled


def outbox_drain(maker: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock) -> Drain:
    """The outbox drain for `settings.outbox_adapter` (adapters register themselves when their domain's task
    module loads, e.g. expert.draw_tasks brings the "sms" adapter), then the pushes to the public service platform
    (exchange.service)."""
    from ggzy.exchange.service import push_due
    from ggzy.notify.outbox import drain_outbox, get_adapter

    tasks()
    adapter = get_adapter(settings.outbox_adapter)

    async def _drain(now: datetime) -> int:
        sent = await drain_outbox(maker, adapter, now, OUTBOX_BATCH)
        return sent + await push_due(maker, url=settings.exchange_url, secret=settings.exchange_secret,
                                     base_url=settings.base_url, now=now,
                                     request_timeout=settings.exchange_timeout_seconds)

    return _drain


async def tick(maker: async_sessionmaker[AsyncSession], clock: Clock, *, drain: Drain | None = None) -> int:
    """One round: sweep due rows, then send queued notifications (a failure of one never stops the other)."""
    handled = 0
    try:
        handled = await sweep_once(maker, clock)
    except Exception:  # keep going: the next round may succeed (database restarted, etc.)
        log.exception("chronograph sweep failed")
    if drain is not None:
        try:
            await drain(clock.now())
        except Exception:
            log.exception("outbox drain failed")
    return handled


async def run_forever(
    maker: async_sessionmaker[AsyncSession], clock: Clock, interval: float, *,
    drain: Drain | None = None, stop: asyncio.Event | None = None,
) -> None:
    """Tick every `interval` seconds until cancelled or `stop` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        await tick(maker, clock, drain=drain)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def start_background(app: FastAPI) -> None:
    maker = app.state.sessionmaker
    drain = outbox_drain(maker, app.state.settings, app.state.clock)
    app.state.sweeper = asyncio.create_task(
        run_forever(maker, app.state.clock, app.state.settings.sweeper_interval_seconds, drain=drain)
    )


async def stop_background(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "sweeper", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_worker(settings: Settings, *, clock: Clock | None = None, stop: asyncio.Event | None = None) -> None:
    """`ggzy worker`: sweep and drain in this process until cancelled (Ctrl-C) or `stop` is set.

    Run as many as you like against PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED. Realtime
    events go through Redis when GGZY_REDIS_URL is set, so web processes' subscribers receive them.
    """
    from ggzy.realtime.broker import make_broker, set_current_broker

    clock = clock or SystemClock()
    engine = make_engine(settings.effective_database_url)
    maker = make_sessionmaker(engine, audit_key=settings.secret_key)
    broker = make_broker(settings.redis_url)
    set_current_broker(broker)
    log.info("chronograph worker started (interval %.1fs)", settings.sweeper_interval_seconds)
    try:
        await run_forever(maker, clock, settings.sweeper_interval_seconds,
                          drain=outbox_drain(maker, settings, clock), stop=stop)
    finally:
        set_current_broker(None)
        await broker.close()
        await engine.dispose()
        log.info("chronograph worker stopped")
