"""JSON API of the award (定标), the award notice (中标通知书) and the contract (合同): glue, one service call each."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.award import service
from ggzy.award.models import Contract
from ggzy.award.schemas import AwardOut, ConfirmIn, ContractOut, ExclusionOut
from ggzy.kit.errors import Unauthenticated
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.storage.blobstore import BlobsDep, BlobStore
from ggzy.storage.upload import open_upload

router = APIRouter(prefix="/api", tags=["award"])


def view_json(v: service.AwardView) -> dict[str, Any]:
    return {
        "tender_id": v.tender.id, "tender_status": str(v.tender.status), "ranked": v.ranked, "can_award": v.can_award,
        "blockers": v.blockers,
        "lots": [{
            "lot_id": lv.lot.id, "number": lv.lot.number, "name": lv.lot.name,
            "candidates": [{"candidate_id": r.candidate_id, "rank": r.rank, "bidder_org_id": r.bidder_org_id,
                            "bidder": r.bidder, "price": str(r.price), "excluded": r.candidate_id in lv.excluded}
                           for r in lv.candidates],
            "award": AwardOut.model_validate(lv.live).model_dump(mode="json") if lv.live else None,
            "history": [AwardOut.model_validate(a).model_dump(mode="json") for a in lv.history],
            "exclusions": [ExclusionOut.model_validate(e).model_dump(mode="json") for e in lv.excluded.values()],
            "contract": ContractOut.model_validate(lv.contract).model_dump(mode="json") if lv.contract else None,
        } for lv in v.lots],
    }


@router.get("/tenders/{tender_id}/award")
async def get_award(tender_id: str, session: DB, actor: CurrentActor, clock: ClockDep) -> dict[str, Any]:
    """The managers, the centre and the line's supervisor see every lot and candidate; a bidder its own awards."""
    return view_json(await service.award_view(session, actor, tender_id, now=clock.now()))


@router.post("/tenders/{tender_id}/lots/{lot_id}/award", status_code=201, response_model=AwardOut)
async def confirm(tender_id: str, lot_id: str, *, body: ConfirmIn, session: DB, actor: RequireUser, clock: ClockDep,
                  blobs: BlobsDep) -> Any:
    """定标 for one lot: rank 1 where the rules require it (Bidding Regs Art.55; MOF 87 Art.68), otherwise with a
    reason. Construction issues the award notice at once; procurement publishes it with the result notice."""
    return await service.confirm_award(session, actor, tender_id, lot_id, candidate_id=body.candidate_id,
                                       reason=body.reason, now=clock.now(), blobs=blobs)


@router.post("/awards/{award_id}/publish-result", response_model=AwardOut)
async def publish_result(award_id: str, session: DB, actor: RequireUser, clock: ClockDep, blobs: BlobsDep) -> Any:
    """Procurement: the result notice (with the committee's names) and the award notice, within 2 working days of
    the confirmation (MOF 87 Art.69)."""
    return await service.publish_result(session, actor, award_id, now=clock.now(), blobs=blobs)


def pdf_response(pdf: bytes, sha: str, name: str) -> Response:
    return Response(pdf, media_type="application/pdf", headers={
        "X-Content-SHA256": sha, "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store"})


@router.get("/awards/{award_id}/letter.pdf")
async def letter(award_id: str, session: DB, actor: CurrentActor, blobs: BlobsDep) -> Response:
    """中标通知书 (PDF): the winner, the managers, the centre and the line's supervisor."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    pdf, sha = await service.letter_pdf(session, actor, award_id, blobs=blobs)
    return pdf_response(pdf, sha, f"award-notice-{award_id}.pdf")


@router.post("/awards/{award_id}/contract", status_code=201, response_model=ContractOut)
async def record_contract(award_id: str, *, request: Request, session: DB, actor: RequireUser, clock: ClockDep,
                          settings: SettingsDep, blobs: BlobsDep) -> Any:
    """合同备案 as multipart/form-data: the fields `amount` (yuan) and `signed_on` (YYYY-MM-DD) first, then the
    signed PDF as `file` (streamed; limit max_document_bytes → 413). Within 30 days of the award notice
    (Evaluation Rules Art.49); later is accepted and flagged."""
    upload = await open_upload(request, "file", settings.max_document_bytes)
    return await service.record_contract(
        session, actor, award_id, amount=upload.fields.get("amount", ""), signed_on=upload.fields.get("signed_on", ""),
        upload=upload, max_bytes=settings.max_document_bytes, blobs=blobs, now=clock.now())


@router.get("/awards/{award_id}/contract", response_model=ContractOut)
async def get_contract(award_id: str, session: DB, actor: RequireUser) -> Any:
    return await service.contract_of(session, actor, award_id)


def contract_file(blobs: BlobStore, c: Contract) -> StreamingResponse:
    ascii_name = c.filename.encode("ascii", "replace").decode().replace("?", "_")
    return StreamingResponse(blobs.open(c.sha256), media_type=c.content_type or "application/pdf", headers={
        "X-Content-SHA256": c.sha256, "Content-Length": str(c.size), "Cache-Control": "private, no-store",
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(c.filename)}"})


@router.get("/awards/{award_id}/contract/file", response_class=StreamingResponse)
async def contract_pdf(award_id: str, session: DB, actor: RequireUser, blobs: BlobsDep) -> StreamingResponse:
    """The signed contract as recorded (its SHA-256 in X-Content-SHA256)."""
    return contract_file(blobs, await service.contract_of(session, actor, award_id))
