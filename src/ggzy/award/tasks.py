"""Chronograph handlers of the award (registered with ggzy.chronograph.runner).

Award.next_check_at is the procurement result notice's deadline (MOF 87 Art.69), the contract reminder (day 25)
or the contract deadline (30 days, Evaluation Rules Art.49): the handler re-reads the row under lock, reminds the
tenderer or alerts the line's supervisor once, and never acts early.
"""

from __future__ import annotations

from ggzy.award.models import Award
from ggzy.award.service import sweep_award
from ggzy.chronograph.runner import register

register("award.sweep", Award, sweep_award)
