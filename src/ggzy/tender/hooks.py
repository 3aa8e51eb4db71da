"""Extension points other domains plug into, run inside the tender's own transaction.

The bid domain creates the rescue key when a tender is published; the opening domain takes over at the bid
deadline. Registration happens at import (the modules are listed in HOOK_MODULES), so a hook can never be
forgotten by a code path that publishes or closes a tender.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from ggzy.auth.actor import Actor
    from ggzy.tender.models import Tender

PublishHook = Callable[[AsyncSession, "Actor", "Tender", datetime], Awaitable[None]]
BidClosedHook = Callable[[AsyncSession, "Tender", datetime], Awaitable[None]]
TimetableHook = Callable[[AsyncSession, "Tender", datetime], Awaitable[None]]
"""The bid deadline of a published tender moved (correction, clarification, suspension) or the tender was cancelled."""

HOOK_MODULES = ["ggzy.bid.hooks", "ggzy.opening.hooks", "ggzy.venue.hooks", "ggzy.fees.hooks"]
_on_published: list[PublishHook] = []
_on_bid_closed: list[BidClosedHook] = []
_on_timetable_changed: list[TimetableHook] = []


def on_published(hook: PublishHook) -> PublishHook:
    _on_published.append(hook)
    return hook


def on_bid_closed(hook: BidClosedHook) -> BidClosedHook:
    _on_bid_closed.append(hook)
    return hook


def on_timetable_changed(hook: TimetableHook) -> TimetableHook:
    _on_timetable_changed.append(hook)
    return hook


def _load() -> None:
    for mod in HOOK_MODULES:
        importlib.import_module(mod)  # cached by Python after the first time; registration runs once


async def run_published(session: AsyncSession, actor: Actor, tender: Tender, now: datetime) -> None:
    _load()
    for hook in _on_published:
        await hook(session, actor, tender, now)


async def run_bid_closed(session: AsyncSession, tender: Tender, now: datetime) -> None:
    _load()
    for hook in _on_bid_closed:
        await hook(session, tender, now)


async def run_timetable_changed(session: AsyncSession, tender: Tender, now: datetime) -> None:
    _load()
    for hook in _on_timetable_changed:
        await hook(session, tender, now)
