"""What a suspension does to rows with deadlines: pause their sweeper checks, then shift their deadlines.

Each domain with running deadlines registers a pause hook (clear `next_check_at` so the chronograph leaves
the row alone) and a deadline shifter (move the deadlines on resumption, recompute `next_check_at`).
Tenders are registered here; the other domains in DEADLINE_MODULES register their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.supervision.rules import shift_deadline, uncovered_length
from ggzy.tender.hooks import run_timetable_changed
from ggzy.tender.models import Tender, TenderStatus


@dataclass(frozen=True)
class Affected:
    """One row a suspension touched, for the audit trail, notices and notifications."""

    kind: str
    """Subject type for the audit tag, e.g. `tender`."""
    id: str
    project_id: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SuspensionWindow:
    """The interval a suspension covered and what else is (or was) suspended around it."""

    project_id: str | None
    """None for a platform-wide suspension."""
    started_at: datetime
    ended_at: datetime
    earlier: tuple[tuple[str | None, datetime, datetime], ...] = ()
    """(project or None, start, end) of suspensions that ENDED before this one and overlap it."""
    still_active: tuple[str | None, ...] = ()
    """Scopes of other suspensions still active (None = platform): their rows stay paused."""

    @property
    def length(self) -> timedelta:
        return self.ended_at - self.started_at

    def delay_for(self, project_id: str) -> timedelta:
        """How far this suspension moves a running deadline of `project_id` (time not already applied)."""
        covered = [(s, e) for p, s, e in self.earlier if p is None or p == project_id]
        return uncovered_length(self.started_at, self.ended_at, covered)

    def still_suspended(self, project_id: str) -> bool:
        return any(p is None or p == project_id for p in self.still_active)


PauseHook = Callable[[AsyncSession, str | None, datetime], Awaitable[list[Affected]]]
"""(session, project id or None for the platform, now) -> rows paused."""
DeadlineShifter = Callable[[AsyncSession, SuspensionWindow, datetime], Awaitable[list[Affected]]]
"""(session, window, now) -> rows whose deadlines moved."""

_PAUSE_HOOKS: list[PauseHook] = []
_SHIFTERS: list[DeadlineShifter] = []


def register_pause_hook(fn: PauseHook) -> PauseHook:
    if fn not in _PAUSE_HOOKS:
        _PAUSE_HOOKS.append(fn)
    return fn


def register_deadline_shifter(fn: DeadlineShifter) -> DeadlineShifter:
    """Add a shifter run on every resumption (usable as a decorator)."""
    if fn not in _SHIFTERS:
        _SHIFTERS.append(fn)
    return fn


DEADLINE_MODULES = ("ggzy.opening.deadlines", "ggzy.expert.draw_deadlines", "ggzy.evaluation.deadlines",
                    "ggzy.publicity.service", "ggzy.award.service", "ggzy.auction.deadlines")
"""The domains (besides tenders, here) whose rows carry running deadlines: imported before any suspension
starts or ends, so no code path (web, worker, CLI) can suspend without them."""


def _load() -> None:
    for name in DEADLINE_MODULES:
        importlib.import_module(name)


def pause_hooks() -> list[PauseHook]:
    _load()
    return list(_PAUSE_HOOKS)


def deadline_shifters() -> list[DeadlineShifter]:
    _load()
    return list(_SHIFTERS)


def lock_for_update(session: AsyncSession, stmt: Any, of: Any = None) -> Any:
    """Row locks on PostgreSQL (only `of`'s rows when the statement joins); SQLite's BEGIN IMMEDIATE already
    holds the only write lock."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(of=of)
    return stmt


TENDER_DEADLINES = ("doc_start", "doc_end", "question_deadline", "bid_deadline")
"""Every running deadline a tender carries (issue 1); bids and auctions register their own shifters."""

RUNNING = (TenderStatus.published,)


def tender_next_check(tender: Tender) -> datetime | None:
    """When the chronograph next has work on a running tender: its bid deadline (closing)."""
    return tender.bid_deadline if tender.status == TenderStatus.published else None


async def _scope_tenders(session: AsyncSession, project_id: str | None) -> list[Tender]:
    # Lock EVERY tender of the scope (not only running ones), in id order: submissions lock their
    # tender row before ensure_trading_open, so they either finish first or see this suspension.
    stmt = select(Tender).order_by(Tender.id)
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    return list((await session.execute(lock_for_update(session, stmt))).scalars().all())


@register_pause_hook
async def pause_tenders(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for tender in await _scope_tenders(session, project_id):
        if tender.status not in RUNNING:
            continue
        out.append(Affected("tender", tender.id, tender.project_id, {"next_check_at": tender.next_check_at},
                            {"next_check_at": None}))
        tender.next_check_at = None
    return out


@register_deadline_shifter
async def shift_tenders(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for tender in await _scope_tenders(session, window.project_id):
        if tender.status not in RUNNING:
            continue
        delay = window.delay_for(tender.project_id)
        before: dict[str, Any] = {f: getattr(tender, f) for f in TENDER_DEADLINES}
        before["next_check_at"] = tender.next_check_at
        for name in TENDER_DEADLINES:
            setattr(tender, name, shift_deadline(getattr(tender, name), window.started_at, delay))
        paused = window.still_suspended(tender.project_id)
        tender.next_check_at = None if paused else tender_next_check(tender)
        tender.updated_at = now
        await run_timetable_changed(session, tender, now)  # the venue moves the tender's sessions
        after: dict[str, Any] = {f: getattr(tender, f) for f in TENDER_DEADLINES}
        after.update(next_check_at=tender.next_check_at, delay_seconds=int(delay.total_seconds()),
                     still_suspended=paused)
        out.append(Affected("tender", tender.id, tender.project_id, before, after))
    return out
