"""Chronograph handlers of the evaluation room (registered with ggzy.chronograph.runner).

Evaluation.next_check_at is the earliest open clarification deadline or the report confirmation deadline; the
handler re-reads the row and applies whatever is due at `now` (it never acts early).
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.evaluation.models import Evaluation
from ggzy.evaluation.service import sweep

register("evaluation.sweep", Evaluation, sweep)
