"""JSON API of the expert draw (glue: every write is one service call; who sees what is decided there)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.expert import draw_service as service
from ggzy.expert import draw_sms  # noqa: F401  (registers the "sms" outbox adapter with the app)
from ggzy.expert.schemas import DeclineIn, DrawRequestIn
from ggzy.kit.web import DB, ClockDep
from ggzy.storage.blobstore import BlobsDep

router = APIRouter(prefix="/api", tags=["expert-draw"])
DRAW = "/draws/{draw_id}"


@router.post("/tenders/{tender_id}/draws", status_code=201)
async def request_draw(tender_id: str, body: DrawRequestIn, session: DB, actor: RequireUser,
                       clock: ClockDep) -> dict[str, Any]:
    """The agency (or centre staff) asks for a committee once bidding has closed; the seed's SHA-256 is
    published at once (notice `draw_commitment`). Composition errors name their article."""
    draw = await service.request_draw(session, actor, tender_id, body, now=clock.now())
    return service.draw_json(await service.draw_view(session, actor, draw.id))


@router.get("/tenders/{tender_id}/draws")
async def tender_draws(tender_id: str, session: DB, actor: CurrentActor) -> list[dict[str, Any]]:
    """The tender's draws as the caller may see them (names only for centre staff until the result)."""
    return [service.draw_json(await service.draw_view(session, actor, d.id))
            for d in await service.tender_draws(session, tender_id)]


@router.get(DRAW)
async def get_draw(draw_id: str, session: DB, actor: CurrentActor) -> dict[str, Any]:
    """Commitment, counts, statuses and pseudonymous member ids for everyone; the seed after the reveal."""
    return service.draw_json(await service.draw_view(session, actor, draw_id))


@router.post(f"{DRAW}/draw")
async def perform_draw(draw_id: str, session: DB, actor: RequireUser, clock: ClockDep,
                       blobs: BlobsDep) -> dict[str, Any]:
    """Centre staff press 抽取 in the draw room: round 1 (seats + reserve list). Too few eligible experts:
    409 expert.pool_exhausted and the draw is recorded as failed."""
    await service.perform_draw(session, actor, draw_id, now=clock.now(), blobs=blobs)
    return service.draw_json(await service.draw_view(session, actor, draw_id))


@router.post(f"{DRAW}/members/{{member_id}}/accept")
async def accept(draw_id: str, member_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The drawn expert accepts before the answer deadline."""
    m = await service.accept(session, actor, draw_id, member_id, now=clock.now())
    return {"id": m.id, "status": str(m.status), "answered_at": m.answered_at}


@router.post(f"{DRAW}/members/{{member_id}}/decline")
async def decline(draw_id: str, member_id: str, *, body: DeclineIn, session: DB, actor: RequireUser,
                  clock: ClockDep, blobs: BlobsDep) -> dict[str, Any]:
    """The drawn expert declines with a reason; the seat is redrawn at once by a new deterministic round."""
    m = await service.decline(session, actor, draw_id, member_id, body.reason, now=clock.now(), blobs=blobs)
    return {"id": m.id, "status": str(m.status), "answered_at": m.answered_at, "replaced_by": m.replaced_by}


@router.get(f"{DRAW}/verification")
async def verification(draw_id: str, session: DB) -> dict[str, Any]:
    """Everything `ggzy expert verify-draw` needs (seed, request, snapshots, picks); 409 before the reveal."""
    return await service.verification_doc(session, draw_id)


@router.get(f"{DRAW}/rounds/{{number}}/snapshot")
async def snapshot(draw_id: str, number: int, session: DB, blobs: BlobsDep) -> Response:
    """One round's eligible-pool snapshot, the exact bytes hashed into the draw (after the reveal)."""
    data = await service.round_snapshot(session, draw_id, number, blobs=blobs)
    return Response(data, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="draw-{draw_id}-round-{number}.json"'})


@router.get("/expert/invitations")
async def invitations(session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    """The calling expert's own invitations (time, place, answer deadline); nobody else's."""
    return [service.invitation_json(i) for i in await service.my_invitations(session, actor)]
