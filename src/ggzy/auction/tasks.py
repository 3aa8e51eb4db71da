"""Chronograph handler of auctions (registered with ggzy.chronograph.runner).

AuctionLot.next_check_at is the listing start, the listing end or the countdown's end; the handler re-reads the
row under lock and applies whatever is due at `now` (it never acts early). Bids apply due transitions themselves,
so a late sweeper never lets a bid in after an end.
"""

from __future__ import annotations

from ggzy.auction.bidding import sweep
from ggzy.auction.models import AuctionLot
from ggzy.chronograph.runner import register

register("auction.sweep", AuctionLot, sweep)
