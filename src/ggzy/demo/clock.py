"""A clock that runs with the system clock but can be moved forward (demo only, GGZY_DEMO_CLOCK=1)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class OffsetClock:
    """System time plus an offset the demo can grow; never moves backwards."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the demo clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    @property
    def offset(self) -> timedelta:
        return self._offset
