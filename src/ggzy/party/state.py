"""The organisation status machine as data: who may move from which status to which."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.party.errors import BadStatusTransition
from ggzy.party.models import Organisation, OrgStatus

ORG_TRANSITIONS: Final = MappingProxyType({
    OrgStatus.pending: frozenset({OrgStatus.verified, OrgStatus.rejected}),
    # A rejected applicant may correct its data and apply again.
    OrgStatus.rejected: frozenset({OrgStatus.pending}),
    OrgStatus.verified: frozenset({OrgStatus.disabled}),
    OrgStatus.disabled: frozenset({OrgStatus.verified}),
})


def can_transition(current: OrgStatus | str, target: OrgStatus) -> bool:
    """True when the table allows current → target."""
    return target in ORG_TRANSITIONS.get(OrgStatus(current), frozenset())


def transition_to(org: Organisation, target: OrgStatus) -> OrgStatus:
    """Move `org` to `target` or raise party.bad_status_transition; returns the previous status."""
    previous = OrgStatus(org.status)
    if not can_transition(previous, target):
        raise BadStatusTransition(detail={"from": previous.value, "to": target.value})
    org.status = target
    return previous
