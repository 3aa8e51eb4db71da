"""JSON API of the bid domain: key sets, sealed-bid submission, receipts, rescue shares, the platform key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.bid import keys, rescue, service
from ggzy.bid.schemas import (
    BidOut,
    KeySetIn,
    KeySetOut,
    PlatformKeys,
    PlatformPublicKey,
    RescueKeyOut,
    RescueShareOut,
    bid_out,
    key_set_out,
)
from ggzy.kit.web import DB, ClockDep
from ggzy.sealing.codec import b64e
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import BlobsDep
from ggzy.tender.document_errors import BearerRequired

router = APIRouter(prefix="/api", tags=["bid"])


def get_platform_key(request: Request) -> PlatformKey:
    key: PlatformKey = request.app.state.platform_key
    return key


PlatformKeyDep = Annotated[PlatformKey, Depends(get_platform_key)]


# ---------------------------------------------------------------- key sets


@router.post("/keys", status_code=201, response_model=KeySetOut)
async def register_keys(body: KeySetIn, session: DB, actor: RequireUser, clock: ClockDep) -> KeySetOut:
    """Register the public halves of a key set made on your own machine; the previous active set is retired."""
    return key_set_out(await keys.register_key_set(session, actor, body, now=clock.now()))


@router.get("/keys", response_model=list[KeySetOut])
async def own_keys(session: DB, actor: RequireUser) -> list[KeySetOut]:
    """Your organisation's key sets, newest first (one active, the rest retired)."""
    return [key_set_out(k) for k in await keys.list_own_key_sets(session, actor)]


@router.get("/orgs/{org_id}/keys/active", response_model=KeySetOut)
async def active_keys(org_id: str, session: DB, actor: RequireUser) -> KeySetOut:
    """An organisation's active public keys (the organisation itself, the centre; custodian organisations: anyone
    logged in). A bidder's keys are not shown to others."""
    return key_set_out(await keys.get_active_for(session, actor, org_id))


@router.get("/platform/keys", response_model=PlatformKeys)
async def platform_keys(platform_key: PlatformKeyDep) -> PlatformKeys:
    """The platform's receipt-signing public key (Ed25519): `ggzy receipt verify` checks receipts with it."""
    return PlatformKeys(keys=[PlatformPublicKey(key_id=platform_key.key_id, public_key=b64e(platform_key.public_raw))])


# ---------------------------------------------------------------- bids


@router.put("/tenders/{tender_id}/lots/{lot_id}/bid", status_code=201, response_model=BidOut,
            responses={200: {"description": "an idempotent retry: the receipt of the first request"}},
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def submit(
    tender_id: str, lot_id: str, *, request: Request, session: DB, actor: RequireUser, clock: ClockDep,
    blobs: BlobsDep, platform_key: PlatformKeyDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Upload a sealed envelope (the raw bytes, streamed) and get the signed receipt (回执).

    Refused: not a well-formed encrypted envelope (422), over the tender's size limit (413), at or after the
    deadline by the server clock (409 bid.deadline_passed), while suspended (409). The same Idempotency-Key with
    the same bytes returns the first receipt (200); a later submission for the lot replaces the earlier one.
    """
    length = request.headers.get("content-length", "")
    result = await service.submit_bid(
        session, actor, blobs=blobs, platform_key=platform_key, clock=clock, tender_id=tender_id, lot_id=lot_id,
        idempotency_key=idempotency_key, chunks=request.stream(),
        declared_size=int(length) if length.isdigit() else None,
    )
    out = bid_out(result.bid)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if result.created else 200)


@router.get("/tenders/{tender_id}/lots/{lot_id}/bid", response_model=BidOut)
async def mine_for_lot(tender_id: str, lot_id: str, session: DB, actor: RequireUser) -> BidOut:
    """Your organisation's bid for the lot: status, receipt, and the envelope header (to unwrap at the opening)."""
    return bid_out(await service.my_bid(session, actor, tender_id, lot_id))


@router.delete("/tenders/{tender_id}/lots/{lot_id}/bid", response_model=BidOut)
async def withdraw(tender_id: str, lot_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> BidOut:
    """撤回 your bid for the lot (until the deadline, E-Bidding Measures Art.27)."""
    return bid_out(await service.withdraw_bid(session, actor, clock=clock, tender_id=tender_id, lot_id=lot_id))


@router.get("/bids/mine", response_model=list[BidOut])
async def mine(session: DB, actor: RequireUser) -> list[BidOut]:
    """Every bid of your organisation, newest first."""
    return [bid_out(b) for b in await service.my_bids(session, actor)]


# ---------------------------------------------------------------- rescue plan


@router.get("/tenders/{tender_id}/rescue-key", response_model=RescueKeyOut)
async def rescue_key(tender_id: str, session: DB, actor: CurrentActor) -> RescueKeyOut:
    """The tender's rescue public key (补救方案): bidders wrap their data key to it too. Public."""
    rk, shares = await rescue.rescue_public(session, tender_id)
    return RescueKeyOut(
        tender_id=tender_id, key_id=rk.key_id, public_key=rk.public_key, threshold=rk.threshold, shares=rk.shares,
        custodians=[{"label": s.custodian_label, "x": str(s.x)} for s in shares],
    )


@router.get("/tenders/{tender_id}/rescue-share", response_model=RescueShareOut)
async def rescue_share(
    tender_id: str, request: Request, session: DB, actor: RequireUser, clock: ClockDep
) -> dict[str, Any]:
    """A custodian downloads its encrypted share ONCE; the platform deletes its copy (410 afterwards).

    Bearer tokens only: this GET changes state, so a link on another site must not trigger it from a browser
    session without a CSRF token.
    """
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise BearerRequired()
    return await rescue.download_share(session, actor, tender_id, now=clock.now())
