"""The deadline sweeper: applies transitions that are already due.

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
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ggzy.kit.clock import Clock
from ggzy.kit.db import commit

log = logging.getLogger("ggzy.chronograph")

Handler = Callable[[AsyncSession, Any, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Task:
    name: str
    model: Any
    """A mapped class with `id` and an indexed `next_check_at` column."""
    handler: Handler


_TASKS: dict[str, Task] = {}
TASK_MODULES = ["ggzy.tender.tasks"]


def register(name: str, model: Any, handler: Handler) -> None:
    _TASKS[name] = Task(name, model, handler)


def tasks() -> list[Task]:
    for mod in TASK_MODULES:
        importlib.import_module(mod)
    return list(_TASKS.values())


async def _claim(session: AsyncSession, task: Task, now: datetime, skip: set[str]) -> Any | None:
    model = task.model
    stmt = select(model).where(model.next_check_at.is_not(None), model.next_check_at <= now)
    if skip:
        stmt = stmt.where(model.id.not_in(skip))
    stmt = stmt.order_by(model.next_check_at).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt)).scalars().first()


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
                try:
                    await task.handler(session, row, now)
                    await commit(session)
                    handled += 1
                except Exception:
                    log.exception("chronograph task %s failed on %s", task.name, row.id)
                    await session.rollback()
                    failed.add(row.id)
    return handled


async def run_forever(maker: async_sessionmaker[AsyncSession], clock: Clock, interval: float) -> None:
    while True:
        try:
            await sweep_once(maker, clock)
        except Exception:  # keep sweeping: the next round may succeed (database restarted, etc.)
            log.exception("chronograph sweep failed")
        await asyncio.sleep(interval)


def start_background(app: FastAPI) -> None:
    app.state.sweeper = asyncio.create_task(
        run_forever(app.state.sessionmaker, app.state.clock, app.state.settings.sweeper_interval_seconds)
    )


async def stop_background(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "sweeper", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
