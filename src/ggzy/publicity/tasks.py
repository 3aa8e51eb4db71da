"""Chronograph handlers of candidate publicity and objections (registered with ggzy.chronograph.runner).

Publicity.next_check_at is the publication deadline (the supervisor is alerted once it passes unmet) or the end
of the window (the publicity ends); Objection.next_check_at is its answer deadline (the supervisor is alerted).
The handlers re-read the row under lock and apply only what is due at `now`.
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.publicity.models import Objection, Publicity
from ggzy.publicity.service import sweep_objection, sweep_publicity

register("publicity.sweep", Publicity, sweep_publicity)
register("publicity.objection", Objection, sweep_objection)
