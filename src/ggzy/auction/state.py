"""The auction lot's lifecycle as data: draft → announced → listing → timed → sold | unsold."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.auction.errors import BadTransition
from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.kit.state import StateMachine

S = AuctionStatus

AUCTION_TRANSITIONS: Final = MappingProxyType({
    # Centre staff publish the announcement (出让公告 / 挂牌公告).
    S.draft: frozenset({S.announced}),
    # Listing starts (挂牌); a live auction (拍卖) goes straight to timed bidding; nobody approved: 流拍.
    S.announced: frozenset({S.listing, S.timed, S.unsold}),
    # Listing ends: two or more want to continue → timed bidding (Land Order Art.20); otherwise the result.
    S.listing: frozenset({S.timed, S.sold, S.unsold}),
    # The countdown expires without a bid: the highest bid against the reserve.
    S.timed: frozenset({S.sold, S.unsold}),
    S.sold: frozenset(),
    S.unsold: frozenset(),
})

AUCTION_MACHINE: Final = StateMachine(AuctionStatus, AUCTION_TRANSITIONS, BadTransition)


def transition_to(lot: AuctionLot, target: AuctionStatus) -> AuctionStatus:
    """Move `lot` to `target` or raise auction.bad_transition (409); returns the previous status."""
    return AUCTION_MACHINE.move(lot, target)
