"""The suspension state machine as data: pending_approval → active / rejected; active → ended."""

from __future__ import annotations

from ggzy.kit.state import StateMachine
from ggzy.supervision.errors import BadSuspensionTransition
from ggzy.supervision.models import Suspension, SuspensionStatus

S = SuspensionStatus

TRANSITIONS: dict[SuspensionStatus, frozenset[SuspensionStatus]] = {
    S.pending_approval: frozenset({S.active, S.rejected}),
    S.active: frozenset({S.ended}),
    S.ended: frozenset(),
    S.rejected: frozenset(),
}


MACHINE = StateMachine(SuspensionStatus, TRANSITIONS, BadSuspensionTransition)


def can_transition(current: SuspensionStatus, target: SuspensionStatus) -> bool:
    return MACHINE.can(current, target)


def transition_to(suspension: Suspension, target: SuspensionStatus) -> None:
    """Move to `target` or raise BadSuspensionTransition naming both states."""
    MACHINE.move(suspension, target)
