"""The expert's status in the pool as data: staff suspend (暂停), retire (出库) and reinstate, with a reason."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.expert.errors import BadExpertTransition
from ggzy.expert.models import Expert, ExpertStatus
from ggzy.kit.state import StateMachine

EXPERT_TRANSITIONS: Final = MappingProxyType({
    ExpertStatus.active: frozenset({ExpertStatus.suspended, ExpertStatus.retired}),
    ExpertStatus.suspended: frozenset({ExpertStatus.active, ExpertStatus.retired}),
    # A retired expert may be taken back in (重新入库) after a new review; the reason says why.
    ExpertStatus.retired: frozenset({ExpertStatus.active}),
})

EXPERT_MACHINE: Final = StateMachine(ExpertStatus, EXPERT_TRANSITIONS, BadExpertTransition)


def transition_to(expert: Expert, target: ExpertStatus) -> ExpertStatus:
    """Move `expert` to `target` or raise expert.bad_status_transition; returns the previous status."""
    return EXPERT_MACHINE.move(expert, target)
