"""Pages of the expert draw: the request form, the draw room / public draw page (/draws/{id}) and the expert's
invitations. Plain forms (POST → redirect), so every page works without JavaScript."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.expert import draw_rules as rules
from ggzy.expert import draw_service as service
from ggzy.expert.schemas import DrawRequestIn
from ggzy.kit.errors import DomainError, Invalid
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import as_utc, local
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role, User
from ggzy.storage.blobstore import BlobsDep
from ggzy.tender import documents as tender_docs
from ggzy.tender.state import STATUS_LABELS as TENDER_LABELS

router = APIRouter(include_in_schema=False)

DRAW_LABELS: dict[str, tuple[str, str]] = {
    "committed": ("已承诺，待抽取", "Committed, not drawn yet"),
    "drawn": ("已抽取，等待专家确认", "Drawn, waiting for answers"),
    "decided": ("评标委员会已组建，种子已公布", "Committee complete, seed revealed"),
    "failed": ("抽取失败", "Failed"),
    "cancelled": ("已取消", "Cancelled"),
}
MEMBER_LABELS: dict[str, tuple[str, str]] = {
    "notified": ("已通知，待答复", "Notified, awaiting answer"),
    "accepted": ("已确认参加", "Accepted"),
    "declined": ("已拒绝（已补抽）", "Declined (replaced)"),
    "no_answer": ("逾期未答复（已补抽）", "No answer (replaced)"),
    "withdrawn": ("回避/缺席（已补抽）", "Withdrawn (replaced)"),
    "reserve": ("备选", "Reserve"),
}
_SPEC_LINE = re.compile(r"^\s*([A-Z][0-9A-Z]{0,15})\s*[:：,，\s]\s*(\d{1,2})\s*$")


def _labels() -> dict[str, Any]:
    return {"draw_labels": DRAW_LABELS, "member_labels": MEMBER_LABELS, "ground_labels": rules.GROUND_LABELS,
            "tender_labels": TENDER_LABELS}


def _invalid(what_zh: str, what_en: str, field: str) -> Invalid:
    return Invalid("request.invalid", f"请检查：{what_zh}", f"Check: {what_en}", detail={"fields": [field]})


def parse_form(form: dict[str, str]) -> DrawRequestIn:
    """The request form's fields → the API body (times are entered in Beijing time)."""
    specialties = []
    for line in form["specialties"].splitlines():
        if not line.strip():
            continue
        m = _SPEC_LINE.match(line.upper())
        if m is None:
            raise _invalid("专业（每行“专业代码 人数”）", "specialties (one 'CODE count' per line)", "specialties")
        specialties.append({"code": m[1], "count": int(m[2])})
    try:
        when = as_utc(datetime.fromisoformat(form["evaluation_at"]))
    except ValueError:
        raise _invalid("评标时间", "evaluation time", "evaluation_at") from None
    split = re.compile(r"[\s,，;；]+")
    try:
        return DrawRequestIn.model_validate({
            "size": int(form["size"] or 0), "specialties": specialties,
            "tenderer_reps": [x for x in split.split(form["tenderer_reps"]) if x],
            "regions": [x for x in split.split(form["regions"]) if x], "evaluation_at": when,
            "evaluation_hours": int(form["evaluation_hours"] or 4), "venue": form["venue"], "room": form["room"],
            "reserve_per_specialty": int(form["reserve_per_specialty"] or 0),
            "answer_minutes": int(form["answer_minutes"] or 30),
        })
    except ValueError as exc:  # int() of a non-number, or the schema (ValidationError is a ValueError)
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()] if isinstance(exc, ValidationError) \
            else ["size"]
        listed = ", ".join(fields)
        raise Invalid("request.invalid", f"请检查以下字段：{listed}", f"Check these fields: {listed}",
                      detail={"fields": fields}) from None


async def _request_form(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *,
                        form: dict[str, str] | None = None, error: DomainError | None = None) -> HTMLResponse:
    tender = await tender_docs.get_tender(session, tender_id)
    reps = (await session.execute(select(User.id, User.display_name).where(
        User.organisation_id == tender.tenderer_org_id, User.role == Role.tenderer,
        User.is_active.is_(True)))).all() if service.may_request(actor, tender) else []
    return render(request, "expert/draw_request.html", {
        **_labels(), "tn": tender, "form": form or {}, "error": error, "reps": reps,
        "allowed": service.may_request(actor, tender), "open": tender.status in service.REQUEST_STATUSES,
        "draws": await service.tender_draws(session, tender_id),
    }, status_code=422 if error is not None and error.status == 422 else 200)


@router.get("/tenders/{tender_id}/draws/new", response_class=HTMLResponse)
async def request_page(tender_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _request_form(request, session, actor, tender_id)


@router.post("/tenders/{tender_id}/draws/new", response_class=HTMLResponse, response_model=None)
async def request_submit(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    size: Annotated[str, Form(max_length=3)] = "", specialties: Annotated[str, Form(max_length=2000)] = "",
    tenderer_reps: Annotated[str, Form(max_length=2000)] = "", regions: Annotated[str, Form(max_length=2000)] = "",
    evaluation_at: Annotated[str, Form(max_length=40)] = "", evaluation_hours: Annotated[str, Form(max_length=3)] = "",
    venue: Annotated[str, Form(max_length=10)] = "room", room: Annotated[str, Form(max_length=100)] = "",
    reserve_per_specialty: Annotated[str, Form(max_length=3)] = "2",
    answer_minutes: Annotated[str, Form(max_length=5)] = "30",
) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    form = {"size": size, "specialties": specialties, "tenderer_reps": tenderer_reps, "regions": regions,
            "evaluation_at": evaluation_at, "evaluation_hours": evaluation_hours, "venue": venue, "room": room,
            "reserve_per_specialty": reserve_per_specialty, "answer_minutes": answer_minutes}
    try:
        draw = await service.request_draw(session, actor, tender_id, parse_form(form), now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _request_form(request, session, actor, tender_id, form=form, error=err)
    return RedirectResponse(f"/draws/{draw.id}", status_code=303)


async def _room(request: Request, session: AsyncSession, actor: Actor, draw_id: str, *,
                error: DomainError | None = None) -> HTMLResponse:
    view = await service.draw_view(session, actor, draw_id)
    check: rules.Verification | None = None
    if view.revealed:
        # The page re-runs the draw on the server from the published inputs, exactly as the CLI does.
        check = rules.verify_draw(await service.verification_doc(session, draw_id))
    return render(request, "expert/draw_room.html", {
        **_labels(), "v": view, "d": view.draw, "tn": view.tender, "check": check, "error": error,
        "evaluation_local": local(rules.spec_from_doc(view.draw.request).evaluation_at),
    }, status_code=error.status if error is not None else 200)


@router.get("/draws/{draw_id}", response_class=HTMLResponse)
async def draw_page(draw_id: str, request: Request, session: DB, actor: CurrentActor) -> HTMLResponse:
    """Public: the commitment from the start; after the reveal the seed, the snapshots and the re-run."""
    return await _room(request, session, actor, draw_id)


@router.post("/draws/{draw_id}/draw", response_class=HTMLResponse, response_model=None)
async def draw_submit(draw_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                      blobs: BlobsDep) -> Response:
    """抽取, pressed by centre staff in the draw room."""
    if not actor.is_authenticated:
        return login_redirect(request)
    try:
        await service.perform_draw(session, actor, draw_id, now=clock.now(), blobs=blobs)
    except DomainError as err:
        await session.rollback()
        return await _room(request, session, actor, draw_id, error=err)
    return RedirectResponse(f"/draws/{draw_id}", status_code=303)


async def _invitations(request: Request, session: AsyncSession, actor: Actor, now: datetime, *,
                       error: DomainError | None = None) -> HTMLResponse:
    return render(request, "expert/draw_invitations.html", {
        **_labels(), "items": await service.my_invitations(session, actor), "now": now, "error": error,
        "done": request.query_params.get("done", ""),
    }, status_code=error.status if error is not None else 200)


@router.get("/expert/invitations", response_class=HTMLResponse)
async def invitations_page(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _invitations(request, session, actor, clock.now())


@router.post("/draws/{draw_id}/members/{member_id}/answer", response_class=HTMLResponse, response_model=None)
async def answer(
    draw_id: str, member_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    blobs: BlobsDep, choice: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    try:
        if choice == "accept":
            await service.accept(session, actor, draw_id, member_id, now=clock.now())
        elif choice == "decline":
            await service.decline(session, actor, draw_id, member_id, reason, now=clock.now(), blobs=blobs)
        else:
            raise _invalid("答复（参加或拒绝）", "answer (accept or decline)", "choice")
    except DomainError as err:
        await session.rollback()
        return await _invitations(request, session, actor, clock.now(), error=err)
    return RedirectResponse(f"/expert/invitations?done={choice}", status_code=303)
