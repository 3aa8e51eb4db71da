"""Chronograph handlers of the venue (registered with ggzy.chronograph.runner).

Visitor.next_check_at is the end of the retention of that visitor's personal data; the handler purges every
visitor then due, in one transaction with one audit entry (counts only).
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.venue.models import Visitor
from ggzy.venue.visitors import sweep

register("venue.visitor_purge", Visitor, sweep)
