"""A household's status as data: registered → to_lift → lifted, and back to registered on falling back (返贫).

The history is append-only, so the machine is consulted (`can`) rather than moving a column: each allowed
change becomes a new AidStatusChange row and the latest row is the current status.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.aid.errors import BadStatusChange
from ggzy.aid.models import HouseholdStatus
from ggzy.kit.state import StateMachine

H = HouseholdStatus

HOUSEHOLD_TRANSITIONS: Final = MappingProxyType({
    # Named in this year's plan (计划当年脱贫), or lifted straight away by the acceptance check.
    H.registered: frozenset({H.to_lift, H.lifted}),
    # Lifted as planned, or taken out of the plan (postponed) and back to registered.
    H.to_lift: frozenset({H.lifted, H.registered}),
    # Fell back into poverty (返贫): registered again, in a new dated row.
    H.lifted: frozenset({H.registered}),
})

HOUSEHOLD_MACHINE: Final = StateMachine(HouseholdStatus, HOUSEHOLD_TRANSITIONS, BadStatusChange)


def check_change(current: HouseholdStatus, target: HouseholdStatus) -> None:
    """Raise aid.bad_status_change (409) unless `current` may change to `target`."""
    if not HOUSEHOLD_MACHINE.can(current, target):
        raise BadStatusChange(detail={"from": current.value, "to": target.value})
