"""Chronograph handlers of the opening hall (registered with ggzy.chronograph.runner).

Opening.next_check_at is the end of the decryption window, the rescue time limit or the confirmation deadline;
the handler re-reads the row and applies whatever is due at `now` (it never acts early).
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.opening.models import Opening
from ggzy.opening.service import sweep

register("opening.sweep", Opening, sweep)
