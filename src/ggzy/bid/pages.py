"""Pages of the bid domain: the key page, the seal & submit page, and the public verification tool.

All cryptography happens in the browser (static/sealing.js, static/bidpages.js): these handlers only render
what the caller may already see through the API (its own key sets and bids) and never receive a private key.
The pages then talk to the JSON API (POST /api/keys, PUT/DELETE /api/tenders/{id}/lots/{lot}/bid) with the
session cookie and the page's CSRF token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ggzy.auth.deps import CurrentActor
from ggzy.bid import keys as key_svc
from ggzy.bid import service
from ggzy.bid.models import Bid, BidStatus
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role
from ggzy.tender import documents as docs
from ggzy.tender.models import TenderStatus
from ggzy.tender.service import lots_of

router = APIRouter(include_in_schema=False)

BID_STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    BidStatus.active: ("有效", "Active", "green"),
    BidStatus.replaced: ("已被替换", "Replaced", "gray"),
    BidStatus.withdrawn: ("已撤回", "Withdrawn", "orange"),
}


@router.get("/workspace/keys", response_class=HTMLResponse, response_model=None)
async def keys_page(request: Request, session: DB, actor: CurrentActor) -> Response:
    """Generate a key set in the browser, save the key file, register the public halves; active set + history."""
    if not actor.is_authenticated:
        return login_redirect(request)
    key_sets = await key_svc.list_own_key_sets(session, actor)
    return render(request, "bid/keys.html", {
        "key_sets": key_sets,
        "active": next((k for k in key_sets if k.status == "active"), None),
        "may_register": actor.org_verified and actor.role != Role.expert and actor.org_id is not None,
    })


_CURRENCY = {BidStatus.active: 0, BidStatus.withdrawn: 1, BidStatus.replaced: 2}


def _latest_per_lot(bids: list[Bid], tender_id: str) -> dict[str, Bid]:
    """The caller's current bid per lot: the active one, else a withdrawn one, else the newest replaced one.

    A replaced bid always has a successor, so it is never the current one while another exists; this keeps the
    answer right when two submissions share a received_at (a coarse or frozen clock). my_bids is newest first.
    """
    out: dict[str, Bid] = {}
    for bid in bids:
        if bid.tender_id != tender_id:
            continue
        have = out.get(bid.lot_id)
        if have is None or _CURRENCY[BidStatus(bid.status)] < _CURRENCY[BidStatus(have.status)]:
            out[bid.lot_id] = bid
    return out


@router.get("/tenders/{tender_id}/bid", response_class=HTMLResponse, response_model=None)
async def seal_page(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Fill the opening sheet per lot, seal in the browser, upload, get the receipt; replace or withdraw."""
    if not actor.is_authenticated:
        return login_redirect(request)
    tender = await docs.visible_tender(session, actor, tender_id)
    now = clock.now()
    lots = (await lots_of(session, [tender])).get(tender.id, [])
    is_bidder = actor.role == Role.bidder
    mine = _latest_per_lot(await service.my_bids(session, actor), tender.id) if is_bidder else {}
    active = await key_svc.active_key_set(session, actor.org_id) if is_bidder and actor.org_id else None
    ctx: dict[str, Any] = {
        "tender": tender,
        "lots": lots,
        "is_bidder": is_bidder,
        "verified": actor.org_verified,
        "open": tender.status == TenderStatus.published and tender.bid_deadline is not None
        and now < tender.bid_deadline,
        "mine": {lot_id: (bid, service.bid_receipt(bid)) for lot_id, bid in mine.items()},
        "active_keys": active,
        "status_labels": BID_STATUS_LABELS,
        "max_mb": tender.max_bid_bytes / (1024 * 1024),
    }
    return render(request, "bid/seal.html", ctx)


@router.get("/tools/verify", response_class=HTMLResponse, response_model=None)
async def verify_page(request: Request, actor: CurrentActor) -> Response:
    """Public, no login: check an envelope, open it with a key file, check a receipt. Nothing is uploaded."""
    return render(request, "bid/verify.html", {})
