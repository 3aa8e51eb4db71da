"""JSON API of the opening hall (glue: every write is a service call)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.opening import service
from ggzy.opening.schemas import AnswerIn, DataKeyIn, FaultIn, ObjectionIn, ShareIn
from ggzy.storage.blobstore import BlobsDep

router = APIRouter(prefix="/api", tags=["opening"])
BASE = "/tenders/{tender_id}/opening"


@router.get(BASE)
async def get_hall(tender_id: str, session: DB, actor: CurrentActor, clock: ClockDep) -> dict[str, Any]:
    """The hall as the caller may see it: the stage and countdowns for everyone; bidders, sheets and objections
    for the hall's parties (bidders, agency, tenderer, centre, the line's supervisor, custodians) and, once the
    record is published, for everyone. A bidder's own pending entries carry the envelope header to unwrap."""
    return service.hall_json(await service.hall(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/sign-in", status_code=201)
async def sign_in(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """签到 (bidders of the hall, until the decryption window closes)."""
    row = await service.sign_in(session, actor, tender_id, now=clock.now())
    return {"org_id": row.org_id, "at": row.at}


@router.post(f"{BASE}/publish-bidders")
async def publish_bidders(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The agency (tenderer without agency; centre staff for them) publishes the list: the window opens."""
    opening = await service.publish_bidders(session, actor, tender_id, now=clock.now())
    return service.public_status(opening)


@router.post(f"{BASE}/entries/{{entry_id}}/decrypt")
async def decrypt(tender_id: str, entry_id: str, *, body: DataKeyIn, session: DB, actor: RequireUser, clock: ClockDep,
                  blobs: BlobsDep) -> dict[str, Any]:
    """Hand over the b64 data key for one's own bid. Wrong key: 422 opening.bad_data_key (retry within the
    window); after the window: 409 opening.window_closed."""
    entry = await service.decrypt_entry(session, actor, tender_id, entry_id, body.data_key, clock=clock, blobs=blobs)
    return {"id": entry.id, "decrypt_status": str(entry.decrypt_status), "failure_reason": entry.failure_reason,
            "signature_ok": entry.signature_ok, "words_match": entry.words_match}


@router.post(f"{BASE}/entries/{{entry_id}}/fault")
async def fault(tender_id: str, entry_id: str, *, body: FaultIn, session: DB, actor: RequireUser,
                clock: ClockDep) -> dict[str, Any]:
    """Centre staff record a platform fault for a bid: 视为撤回, rescue path where the tender has a plan."""
    entry = await service.record_fault(session, actor, tender_id, entry_id, body.reason, now=clock.now())
    return {"id": entry.id, "decrypt_status": str(entry.decrypt_status)}


@router.post(f"{BASE}/rescue-shares", status_code=201)
async def rescue_share(tender_id: str, *, body: ShareIn, session: DB, actor: RequireUser, clock: ClockDep,
                       blobs: BlobsDep) -> dict[str, Any]:
    """A custodian hands in its decrypted share; with k in, the platform-fault bids are opened (and only those)."""
    opened = await service.submit_share(session, actor, tender_id, body.share, now=clock.now(), blobs=blobs)
    return {"opened": opened}


@router.post(f"{BASE}/objections", status_code=201)
async def objection(tender_id: str, body: ObjectionIn, session: DB, actor: RequireUser,
                    clock: ClockDep) -> dict[str, Any]:
    """异议 raised live by a bidder (Bidding Regs Art.44)."""
    obj = await service.raise_objection(session, actor, tender_id, body.body, now=clock.now())
    return {"id": obj.id, "raised_at": obj.raised_at}


@router.post(f"{BASE}/objections/{{objection_id}}/answer")
async def answer(tender_id: str, objection_id: str, *, body: AnswerIn, session: DB, actor: RequireUser,
                 clock: ClockDep) -> dict[str, Any]:
    """The host answers an objection on the spot."""
    obj = await service.answer_objection(session, actor, tender_id, objection_id, body.answer, now=clock.now())
    return {"id": obj.id, "answered_at": obj.answered_at}


@router.post(f"{BASE}/close-announcing")
async def close_announcing(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """End 唱标 (every objection answered); bidders confirm the record within 30 minutes."""
    return service.public_status(await service.close_announcing(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/confirm")
async def confirm(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep,
                  blobs: BlobsDep) -> dict[str, Any]:
    """A bidder confirms the record (silence until the deadline is acceptance, MOF 87 Art.42)."""
    return service.public_status(await service.confirm(session, actor, tender_id, now=clock.now(), blobs=blobs))
