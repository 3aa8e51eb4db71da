"""Chronograph handler of the expert draw (registered with ggzy.chronograph.runner).

ExpertDraw.next_check_at is the earliest answer deadline still open; the handler marks the seats unanswered at
`now` as no-answers and redraws them in one new deterministic round (Bidding Regs Art.46/48). It never acts early.
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.expert import draw_sms  # noqa: F401  (the worker drains the outbox: make the "sms" adapter known)
from ggzy.expert.draw_service import sweep
from ggzy.expert.models import ExpertDraw

register("expert.draw_answers", ExpertDraw, sweep)
