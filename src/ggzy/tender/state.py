"""The tender status machine as data: one table, one transition_to()."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.kit.state import StateMachine
from ggzy.tender.errors import BadTenderTransition
from ggzy.tender.models import Tender, TenderStatus

S = TenderStatus

TENDER_TRANSITIONS: Final = MappingProxyType({
    S.draft: frozenset({S.published, S.cancelled}),
    S.published: frozenset({S.bid_closed, S.cancelled}),
    # At the deadline the opening takes over; fewer than 3 bidders fails the tender (Bidding Regs Art.44).
    S.bid_closed: frozenset({S.opening, S.failed, S.cancelled}),
    S.opening: frozenset({S.opened, S.failed, S.cancelled}),
    S.opened: frozenset({S.failed, S.cancelled}),
    S.failed: frozenset(),
    S.cancelled: frozenset(),
})

STATUS_LABELS: Final = MappingProxyType({
    S.draft: ("草稿", "Draft", "gray"),
    S.published: ("招标中", "Open for bids", "green"),
    S.bid_closed: ("投标已截止", "Bids closed", "orange"),
    S.opening: ("开标中", "Opening", "orange"),
    S.opened: ("已开标", "Opened", "blue"),
    S.failed: ("流标", "Failed", "red"),
    S.cancelled: ("已终止", "Cancelled", "red"),
})


TENDER_MACHINE: Final = StateMachine(TenderStatus, TENDER_TRANSITIONS, BadTenderTransition)


def can_transition(current: TenderStatus | str, target: TenderStatus) -> bool:
    return TENDER_MACHINE.can(current, target)


def transition_to(tender: Tender, new_status: TenderStatus) -> TenderStatus:
    """Move `tender` to `new_status` or raise tender.bad_transition (409); returns the previous status."""
    return TENDER_MACHINE.move(tender, new_status)
