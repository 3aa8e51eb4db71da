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
    S.opened: frozenset({S.evaluating, S.failed, S.cancelled}),
    # The committee may reject every bid (Evaluation Rules Art.27): the tender fails.
    S.evaluating: frozenset({S.evaluated, S.failed, S.cancelled}),
    # Construction publishes candidates first (Bidding Regs Art.54); procurement goes to its result notice.
    S.evaluated: frozenset({S.publicity, S.awarded, S.failed, S.cancelled}),
    # An upheld objection or complaint sends the tender back to the committee (re-evaluation).
    S.publicity: frozenset({S.awarded, S.evaluating, S.failed, S.cancelled}),
    S.awarded: frozenset({S.contracted, S.cancelled}),
    S.contracted: frozenset({S.archived}),
    S.failed: frozenset({S.archived}),
    S.cancelled: frozenset({S.archived}),
    S.archived: frozenset(),
})

STATUS_LABELS: Final = MappingProxyType({
    S.draft: ("草稿", "Draft", "gray"),
    S.published: ("招标中", "Open for bids", "green"),
    S.bid_closed: ("投标已截止", "Bids closed", "orange"),
    S.opening: ("开标中", "Opening", "orange"),
    S.opened: ("已开标", "Opened", "blue"),
    S.evaluating: ("评标中", "Evaluating", "orange"),
    S.evaluated: ("评标结束", "Evaluated", "blue"),
    S.publicity: ("公示中", "Candidates published", "blue"),
    S.awarded: ("已定标", "Awarded", "green"),
    S.contracted: ("合同已备案", "Contract recorded", "green"),
    S.archived: ("已归档", "Archived", "gray"),
    S.failed: ("流标", "Failed", "red"),
    S.cancelled: ("已终止", "Cancelled", "red"),
})


TENDER_MACHINE: Final = StateMachine(TenderStatus, TENDER_TRANSITIONS, BadTenderTransition)


def can_transition(current: TenderStatus | str, target: TenderStatus) -> bool:
    return TENDER_MACHINE.can(current, target)


def transition_to(tender: Tender, new_status: TenderStatus) -> TenderStatus:
    """Move `tender` to `new_status` or raise tender.bad_transition (409); returns the previous status."""
    return TENDER_MACHINE.move(tender, new_status)
