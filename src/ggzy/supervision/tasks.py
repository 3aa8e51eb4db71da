"""Chronograph handlers of complaints (投诉) (registered with ggzy.chronograph.runner).

Complaint.next_check_at is the acceptance deadline (Bidding Regs Art.61: 3 working days) and then the decision
deadline (30 working days): once one passes unmet the line's supervisors and whoever is on duty are alerted.
"""

from __future__ import annotations

from ggzy.chronograph.runner import register
from ggzy.supervision.complaints import sweep_complaint
from ggzy.supervision.models import Complaint

register("supervision.complaint", Complaint, sweep_complaint)

# The board's listener announces stage changes the chronograph makes (publicity ends, overdue awards) as well.
import ggzy.supervision.board  # noqa: E402, F401
