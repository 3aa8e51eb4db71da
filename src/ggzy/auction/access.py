"""Who may see what of a lot: only the centre maps bidder numbers (竞买号) to organisations before the result."""

from __future__ import annotations

from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.auth.actor import Actor

FINISHED = frozenset({AuctionStatus.sold, AuctionStatus.unsold})


def sees_identities(actor: Actor, lot: AuctionLot) -> bool:
    """Centre staff always; after the result, also the seller (the winner is named in the result notice)."""
    if actor.is_centre:
        return True
    return lot.status in FINISHED and actor.org_id == lot.seller_org_id
