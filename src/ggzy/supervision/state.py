"""The state machines of supervision as data: suspensions (pending_approval → active / rejected; active → ended)
and complaints (filed → accepted / refused; accepted → decided)."""

from __future__ import annotations

from ggzy.kit.state import StateMachine
from ggzy.supervision.errors import BadComplaintTransition, BadSuspensionTransition
from ggzy.supervision.models import Complaint, ComplaintStatus, Suspension, SuspensionStatus

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


# ---------------------------------------------------------------- complaints (投诉), supervision/complaints.py

C = ComplaintStatus

COMPLAINT_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    # The supervisor accepts or refuses within the acceptance period (Bidding Regs Art.61; MOF 94 Art.21).
    C.filed: frozenset({C.accepted, C.refused}),
    # The written decision (Bidding Regs Art.61; GP Law Art.56).
    C.accepted: frozenset({C.decided}),
    C.refused: frozenset(),
    C.decided: frozenset(),
}

COMPLAINT_MACHINE = StateMachine(ComplaintStatus, COMPLAINT_TRANSITIONS, BadComplaintTransition)


def move_complaint(complaint: Complaint, target: ComplaintStatus) -> None:
    """Move a complaint to `target` or raise BadComplaintTransition naming both states."""
    COMPLAINT_MACHINE.move(complaint, target)
