"""The project status machine as data: one table, one transition_to()."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.kit.state import StateMachine
from ggzy.project.errors import BadProjectTransition
from ggzy.project.models import Project, ProjectStatus

S = ProjectStatus

PROJECT_TRANSITIONS: Final = MappingProxyType({
    S.submitted: frozenset({S.admitted, S.returned}),
    # A returned application is amended and submitted again; an admitted project stays admitted.
    S.returned: frozenset({S.submitted}),
    S.admitted: frozenset(),
})

STATUS_LABELS: Final = MappingProxyType({
    S.submitted: ("待受理", "Awaiting admission", "orange"),
    S.admitted: ("已进场", "Admitted", "green"),
    S.returned: ("已退回", "Returned", "red"),
})


PROJECT_MACHINE: Final = StateMachine(ProjectStatus, PROJECT_TRANSITIONS, BadProjectTransition)


def can_transition(current: ProjectStatus | str, target: ProjectStatus) -> bool:
    return PROJECT_MACHINE.can(current, target)


def transition_to(project: Project, new_status: ProjectStatus) -> ProjectStatus:
    """Move `project` to `new_status` or raise project.bad_transition (409); returns the previous status."""
    return PROJECT_MACHINE.move(project, new_status)
