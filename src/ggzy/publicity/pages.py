"""The publicity desk (/workspace/tenders/{id}/publicity): the managers publish the candidates and answer
objections; a bidder objects inside the window and, once answered, may complain to the supervisor.

Plain forms (post → redirect → get): a refused action re-renders the desk with its message and status code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.project.models import LINE_LABELS
from ggzy.publicity import content, rules, service
from ggzy.publicity.errors import BadWindow
from ggzy.publicity.models import ObjectionStatus, PublicityKind, PublicityStatus, Remedy
from ggzy.supervision import complaints
from ggzy.tender.state import STATUS_LABELS

router = APIRouter(include_in_schema=False)
BASE = "/workspace/tenders/{tender_id}/publicity"

DONE: dict[str, tuple[str, str]] = {
    "published": ("中标候选人公示已发布，并已通知各投标人。", "The candidates are published; every bidder was told."),
    "objected": ("异议已提交，招标人应在答复期限内作出答复；答复前暂停招标投标活动。",
                 "Objection filed; the tenderer answers within the period and the process pauses until then."),
    "answered": ("答复已发送给提出异议的投标人。", "The answer was sent to the objector."),
    "complained": ("投诉已提交至本项目的行政监督部门。", "The complaint was sent to the tender's supervisor."),
}


async def _complaint_info(session: AsyncSession, actor: Actor, v: service.PublicityView,
                          now: datetime) -> dict[str, dict[str, Any]]:
    """Per objection of this viewer: its complaint (if any) and, for the objector, until when it may complain."""
    mine = [o for o in v.objections if actor.org_id is not None and o.bidder_org_id == actor.org_id]
    found = await complaints.by_objection(session, [o.id for o in v.objections])
    out: dict[str, dict[str, Any]] = {}
    for o in v.objections:
        until = await complaints.window(session, o, v.tender, now) if o in mine else None
        c = found.get(o.id)
        out[o.id] = {"complaint": c, "until": until,
                     "can_complain": until is not None and now < until.at and (c is None or c.status == "refused")}
    return out


async def _desk(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                error: DomainError | None = None, done: str = "", form: dict[str, str] | None = None) -> HTMLResponse:
    v = await service.view(session, actor, tender_id, now=now)
    p = v.publicity
    show_candidates = p is not None and (p.status != PublicityStatus.due or rules.manages(actor, v.tender)
                                         or rules.supervises(actor, v.tender) or actor.is_centre)
    lots = await content.lot_candidates(session, tender_id, p.evaluation_id) if p and show_candidates else []
    line_rules = rules.rules_for(v.tender.line)
    return render(request, "publicity/desk.html", {
        "v": v, "tn": v.tender, "p": p, "lots": lots, "now": now, "error": error, "done": DONE.get(done),
        "form": form or {}, "line_rules": line_rules, "manages": rules.manages(actor, v.tender),
        "info": await _complaint_info(session, actor, v, now), "status_labels": STATUS_LABELS,
        "line_labels": LINE_LABELS, "P": PublicityStatus, "K": PublicityKind, "O": ObjectionStatus,
        "publicity_labels": rules.PUBLICITY_LABELS, "objection_labels": rules.OBJECTION_LABELS,
        "remedy_labels": rules.REMEDY_LABELS, "kind_words": rules.KIND_WORDS, "until": rules.until,
        "complaint_labels": complaints.STATUS_LABELS, "remedies": list(Remedy),
        "min_days": line_rules.window.n if line_rules.window else 3, "max_days": rules.MAX_WINDOW_DAYS,
    }, status_code=error.status if error else 200)


@router.get(BASE, response_class=HTMLResponse, response_model=None)
async def desk(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
               done: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _desk(request, session, actor, tender_id, now=clock.now(), done=done)


async def _act(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, clock: Any,
               action: Callable[[], Awaitable[object]], done: str, form: dict[str, str] | None = None) -> Response:
    """Run one write; on a refusal re-render the desk with the message (and what was typed)."""
    if not actor.is_authenticated:
        return login_redirect(BASE.format(tender_id=tender_id))
    try:
        await action()
    except DomainError as err:
        await session.rollback()
        return await _desk(request, session, actor, tender_id, now=clock.now(), error=err, form=form)
    return RedirectResponse(f"{BASE.format(tender_id=tender_id)}?done={done}", status_code=303)


def _days(raw: str) -> int | None:
    if not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise BadWindow(detail={"window_days": raw}) from None


@router.post(f"{BASE}/publish", response_class=HTMLResponse, response_model=None)
async def publish(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                  window_days: Annotated[str, Form(max_length=8)] = "") -> Response:
    async def run() -> None:
        await service.publish_candidates(session, actor, tender_id, window_days=_days(window_days), now=clock.now())

    return await _act(request, session, actor, tender_id, clock=clock, action=run, done="published",
                      form={"window_days": window_days})


@router.post(f"{BASE}/objections", response_class=HTMLResponse, response_model=None)
async def object_(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                  body: Annotated[str, Form(max_length=rules.MAX_TEXT)] = "",
                  lot_id: Annotated[str, Form(max_length=32)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock, done="objected", form={"body": body},
                      action=lambda: service.file_objection(session, actor, tender_id, body=body,
                                                            lot_id=lot_id or None, now=clock.now()))


@router.post(f"{BASE}/objections/{{objection_id}}/answer", response_class=HTMLResponse, response_model=None)
async def answer(tender_id: str, objection_id: str, *, request: Request, session: DB, actor: CurrentActor,
                 clock: ClockDep, answer: Annotated[str, Form(max_length=rules.MAX_TEXT)] = "",
                 outcome: Annotated[str, Form(max_length=16)] = "",
                 remedy: Annotated[str, Form(max_length=16)] = "",
                 candidate_id: Annotated[str, Form(max_length=32)] = "") -> Response:
    """outcome: "dismissed" or "upheld" (with a remedy, and the candidate for next_candidate)."""
    upheld = outcome == "upheld"
    chosen = Remedy(remedy) if upheld and remedy in {r.value for r in Remedy} else None
    return await _act(request, session, actor, tender_id, clock=clock, done="answered", form={"answer": answer},
                      action=lambda: service.answer_objection(
                          session, actor, objection_id, answer=answer, upheld=upheld, remedy=chosen,
                          candidate_id=candidate_id or None, now=clock.now()))


@router.post(f"{BASE}/objections/{{objection_id}}/complaint", response_class=HTMLResponse, response_model=None)
async def complain(tender_id: str, objection_id: str, *, request: Request, session: DB, actor: CurrentActor,
                   clock: ClockDep, body: Annotated[str, Form(max_length=rules.MAX_TEXT)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock, done="complained", form={"complaint": body},
                      action=lambda: complaints.file_complaint(session, actor, objection_id, body=body,
                                                               now=clock.now()))

