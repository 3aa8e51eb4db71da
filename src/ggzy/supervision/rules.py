"""Pure rules of suspension: how far a running deadline moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def uncovered_length(start: datetime, end: datetime, covered: Iterable[tuple[datetime, datetime]]) -> timedelta:
    """Length of [start, end) not already covered by `covered` intervals (suspensions applied before).

    Overlapping suspensions must not move a deadline twice for the same hour: the first to end moves it
    by its full length, a later one only by the time the earlier ones did not already cover.
    """
    if end <= start:
        return timedelta(0)
    clipped = sorted((max(s, start), min(e, end)) for s, e in covered if e > start and s < end)
    total = end - start
    cursor = start
    for s, e in clipped:
        if e <= cursor:
            continue
        total -= e - max(s, cursor)
        cursor = e
    return total


MINUTE = timedelta(minutes=1)


def round_up_to_minute(delay: timedelta) -> timedelta:
    """Suspensions last seconds and microseconds; deadlines move by whole minutes, never by less."""
    return -(-delay // MINUTE) * MINUTE


def shift_deadline(deadline: datetime | None, started_at: datetime, delay: timedelta) -> datetime | None:
    """A deadline still running when the suspension started moves by `delay` (rounded up to the minute);
    one already passed stays."""
    if deadline is None or deadline <= started_at or delay <= timedelta(0):
        return deadline
    return deadline + round_up_to_minute(delay)
