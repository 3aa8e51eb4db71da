"""Builders for opening tests: a tender published through the services, real sealed bids uploaded through the
API (tests/bid/helpers), the deadline passed by the chronograph, and the bidder's side of the hall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.opening.models import Opening, OpeningEntry
from ggzy.sealing.codec import b64e
from ggzy.sealing.envelope import unwrap_data_key
from ggzy.tender.models import Lot
from tests.bid.helpers import SHEET, Bidder, BidWorld, make_world, put_bid, rescue_of, seal
from tests.factories import bearer
from tests.supervision.builders import fetch


@dataclass
class Hall:
    w: BidWorld
    host: dict[str, str]
    """Bearer headers of the agency (the host)."""
    centre: dict[str, str]
    headers: dict[str, dict[str, Any]]
    """bid id → envelope header, as each bidder's browser gets it from GET …/bid."""

    @property
    def url(self) -> str:
        return f"/api/tenders/{self.w.tender.id}/opening"


def sheet_for(i: int) -> dict[str, Any]:
    """Distinct prices per bidder; bidder 1 writes its 大写 wrong on purpose (recorded, never fixed)."""
    prices = [("950000.00", "玖拾伍万元整"), ("948000.50", "玖拾肆万捌仟元伍角"), ("961234.56", "玖拾陆万元整"),
              ("939999.99", "玖拾叁万玖仟玖佰玖拾玖元玖角玖分")]
    price, words = prices[i % len(prices)]
    return {**SHEET, "price": price, "price_in_words": words, "duration_days": 180 + i,
            "project_lead": f"负责人{i}"}


async def submit_all(client: AsyncClient, tmp: Path, w: BidWorld, bidders: list[Bidder], *,
                     lot: Lot | None = None) -> dict[str, dict[str, Any]]:
    """Every given bidder seals (with its own sheet) and uploads a bid; returns bid id → header."""
    from tests.bid import helpers as bid_helpers

    rescue = await rescue_of(client, w)
    out: dict[str, dict[str, Any]] = {}
    for i, b in enumerate(bidders):
        original = bid_helpers.SHEET
        bid_helpers.SHEET = sheet_for(w.bidders.index(b))  # seal() reads the module's SHEET
        try:
            body, info = seal(tmp, w, b, lot=lot, rescue=rescue, content=f"%PDF-1.7 bid {i}".encode())
        finally:
            bid_helpers.SHEET = original
        r = await put_bid(client, w, b, body, lot=lot)
        assert r.status_code == 201, r.text
        out[r.json()["id"]] = info.header
    return out


async def open_hall(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path, *,
                    bidders: int = 4,
                    submit: int | None = None, rescue: bool = False, **over: Any) -> Hall:
    """A tender with `submit` real sealed bids, swept past its deadline (the opening hook runs)."""
    w = await make_world(db, client, clock.now(), bidders=bidders, rescue=rescue, **over)
    n = bidders if submit is None else submit
    headers = await submit_all(client, tmp, w, w.bidders[:n])
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)
    await sweep(app, clock)
    return Hall(w, await bearer(client, w.cast.agency_user), await bearer(client, w.cast.centre_user), headers)


async def sweep(app: Any, clock: FrozenClock) -> int:
    return await runner.sweep_once(app.state.sessionmaker, clock)


async def opening_of(db: AsyncSession, tender_id: str) -> Opening | None:
    rows = await fetch(db, select(Opening).where(Opening.tender_id == tender_id).execution_options(
        populate_existing=True))
    return rows[0] if rows else None


async def entries_of(db: AsyncSession, opening_id: str) -> list[OpeningEntry]:
    return await fetch(db, select(OpeningEntry).where(OpeningEntry.opening_id == opening_id)
                       .execution_options(populate_existing=True))


def data_key(b: Bidder, header: dict[str, Any]) -> str:
    """What GGZY.unwrapDataKey does in the bidder's browser: unwrap with its own key file's private key."""
    return b64e(unwrap_data_key(header, enc_private=b.keys.enc_private))


async def my_entry(client: AsyncClient, h: Hall, b: Bidder) -> dict[str, Any]:
    r = await client.get(h.url, headers=b.headers)
    assert r.status_code == 200, r.text
    mine = [e for e in r.json()["entries"] if e["bidder_org_id"] == b.org.id]
    assert len(mine) == 1, mine
    return dict(mine[0])


async def decrypt(client: AsyncClient, h: Hall, b: Bidder, *, key: str | None = None) -> Any:
    e = await my_entry(client, h, b)
    key = key if key is not None else data_key(b, e["header"])
    return await client.post(f"{h.url}/entries/{e['id']}/decrypt", json={"data_key": key}, headers=b.headers)


def later(clock: FrozenClock, minutes: float) -> None:
    clock.advance(timedelta(minutes=minutes))
