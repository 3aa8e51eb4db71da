"""Realtime events of a lot on `auction:{lot_id}` (public): the price, the bids by bidder number, the countdown's
end and the server time of the change, so a page can follow the server's clock rather than its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import rules
from ggzy.auction.models import AuctionLot
from ggzy.auth.actor import Actor
from ggzy.realtime.broker import publish_after_commit
from ggzy.realtime.channels import register_channel

CHANNEL = "auction:"


def channel(lot_id: str) -> str:
    return f"{CHANNEL}{lot_id}"


async def _anyone(_s: AsyncSession, _a: Actor, _c: str) -> bool:
    return True


# Public: the price, the bids by number and the countdown are public during the auction.
register_channel(CHANNEL, _anyone, prefix=True, public=True)


def money_out(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def lot_state(lot: AuctionLot) -> dict[str, Any]:
    """The public live state of a lot (what every event and the room page carry)."""
    return {
        "status": str(lot.status), "price": money_out(lot.current_price), "bid_count": lot.bid_count,
        "next_minimum": money_out(rules.next_minimum(lot.current_price, lot.start_price, lot.increment)),
        "ends_at": lot.ends_at.isoformat() if lot.ends_at else None,
        "listing_end": lot.listing_end.isoformat(), "countdown_seconds": lot.countdown_seconds,
        "final_price": money_out(lot.final_price), "result": lot.result_reason or None,
    }


def publish(session: AsyncSession, lot: AuctionLot, type_: str, now: datetime, **extra: Any) -> None:
    """After commit: the lot's state with the server time of the change (pages compute their clock offset)."""
    data = {**lot_state(lot), "server_time": now.isoformat(), **extra}
    publish_after_commit(session, None, channel(lot.id), type_, data)
