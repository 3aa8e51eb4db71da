"""The organisation status machine as data: who may move from which status to which."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.kit.state import StateMachine
from ggzy.party.errors import BadStatusTransition
from ggzy.party.models import Organisation, OrgStatus

ORG_TRANSITIONS: Final = MappingProxyType({
    OrgStatus.pending: frozenset({OrgStatus.verified, OrgStatus.rejected}),
    # A rejected applicant may correct its data and apply again.
    OrgStatus.rejected: frozenset({OrgStatus.pending}),
    OrgStatus.verified: frozenset({OrgStatus.disabled}),
    OrgStatus.disabled: frozenset({OrgStatus.verified}),
})


ORG_MACHINE: Final = StateMachine(OrgStatus, ORG_TRANSITIONS, BadStatusTransition)


def can_transition(current: OrgStatus | str, target: OrgStatus) -> bool:
    """True when the table allows current → target."""
    return ORG_MACHINE.can(current, target)


def transition_to(org: Organisation, target: OrgStatus) -> OrgStatus:
    """Move `org` to `target` or raise party.bad_status_transition; returns the previous status."""
    return ORG_MACHINE.move(org, target)
