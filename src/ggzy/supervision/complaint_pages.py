"""The supervisor's complaint desk (/workspace/supervision/complaints): accept (optionally suspending the project,
Bidding Regs Art.62) or refuse each complaint of its lines, then decide it (Art.61). Centre staff read it.

Plain forms (post → redirect → get): a refused action re-renders the desk with its message and status code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError, Forbidden
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role
from ggzy.project.models import LINE_LABELS
from ggzy.project.service import org_names
from ggzy.publicity import content
from ggzy.publicity.models import Objection, Publicity, Remedy
from ggzy.publicity.rules import REMEDY_LABELS, rules_for, until
from ggzy.supervision import complaints
from ggzy.supervision.models import Complaint, ComplaintStatus
from ggzy.tender.models import Tender

router = APIRouter(include_in_schema=False)
DESK = complaints.DESK

DONE: dict[str, tuple[str, str]] = {
    "accepted": ("已受理投诉。", "Complaint accepted."),
    "refused": ("已决定不予受理，并通知投诉人。", "Complaint refused; the complainant was told."),
    "decided": ("处理决定已作出并公告。", "Decision made and published."),
}


@dataclass
class Row:
    c: Complaint
    tender: Tender
    objection: Objection | None
    complainant: str
    candidates: list[content.CandidateRow]
    accept_law: str
    decide_law: str


async def _rows(session: AsyncSession, found: list[Complaint]) -> list[Row]:
    tenders = {t.id: t for t in (await session.execute(
        select(Tender).where(Tender.id.in_({c.tender_id for c in found})))).scalars().all()} if found else {}
    objections = {o.id: o for o in (await session.execute(
        select(Objection).where(Objection.id.in_({c.objection_id for c in found})))).scalars().all()} if found else {}
    names = await org_names(session, [c.complainant_org_id for c in found])
    out: list[Row] = []
    for c in found:
        tender = tenders[c.tender_id]
        cands: list[content.CandidateRow] = []
        if c.status == ComplaintStatus.accepted:
            p = (await session.execute(select(Publicity).where(Publicity.tender_id == tender.id)
                                       .order_by(Publicity.round.desc()).limit(1))).scalars().first()
            if p is not None:
                cands = [r for g in await content.lot_candidates(session, tender.id, p.evaluation_id) for r in g.rows]
        line_rules = rules_for(tender.line)
        out.append(Row(c, tender, objections.get(c.objection_id), names.get(c.complainant_org_id, ""), cands,
                       line_rules.accept.law_zh, line_rules.decide.law_zh))
    return out


async def _desk(request: Request, session: AsyncSession, actor: Actor, *, now: datetime,
                error: DomainError | None = None, done: str = "") -> HTMLResponse:
    if not (actor.has(Role.supervisor) or actor.is_centre):
        raise Forbidden()
    rows = await _rows(session, await complaints.list_complaints(session, actor))
    return render(request, "supervision/complaints.html", {
        "rows": rows, "now": now, "error": error, "done": DONE.get(done), "C": ComplaintStatus,
        "labels": complaints.STATUS_LABELS, "decision_labels": complaints.DECISION_LABELS,
        "remedy_labels": REMEDY_LABELS, "remedies": list(Remedy), "line_labels": LINE_LABELS,
        "handles": actor.has(Role.supervisor), "my_lines": list(actor.supervised_lines), "until": until,
    }, status_code=error.status if error else 200)


@router.get(DESK, response_class=HTMLResponse, response_model=None)
async def desk(request: Request, session: DB, actor: CurrentActor, clock: ClockDep, done: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _desk(request, session, actor, now=clock.now(), done=done)


async def _act(request: Request, session: AsyncSession, actor: Actor, *, clock: Any,
               action: Callable[[], Awaitable[object]], done: str) -> Response:
    if not actor.is_authenticated:
        return login_redirect(DESK)
    try:
        await action()
    except DomainError as err:
        await session.rollback()
        return await _desk(request, session, actor, now=clock.now(), error=err)
    return RedirectResponse(f"{DESK}?done={done}", status_code=303)


@router.post(f"{DESK}/{{complaint_id}}/accept", response_class=HTMLResponse, response_model=None)
async def accept(complaint_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                 suspend: Annotated[str, Form(max_length=8)] = "",
                 note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    return await _act(request, session, actor, clock=clock, done="accepted", action=lambda: complaints.accept_complaint(
        session, actor, complaint_id, suspend=suspend == "1", note=note, now=clock.now(),
        broker=request.app.state.broker))


@router.post(f"{DESK}/{{complaint_id}}/refuse", response_class=HTMLResponse, response_model=None)
async def refuse(complaint_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                 reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(request, session, actor, clock=clock, done="refused", action=lambda: complaints.refuse_complaint(
        session, actor, complaint_id, reason=reason, now=clock.now()))


@router.post(f"{DESK}/{{complaint_id}}/decide", response_class=HTMLResponse, response_model=None)
async def decide(complaint_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                 outcome: Annotated[str, Form(max_length=16)] = "",
                 decision: Annotated[str, Form(max_length=4000)] = "",
                 remedy: Annotated[str, Form(max_length=16)] = "",
                 candidate_id: Annotated[str, Form(max_length=32)] = "") -> Response:
    upheld = outcome == "upheld"
    chosen = Remedy(remedy) if upheld and remedy in {r.value for r in Remedy} else None
    return await _act(request, session, actor, clock=clock, done="decided", action=lambda: complaints.decide_complaint(
        session, actor, complaint_id, upheld=upheld, text=decision, remedy=chosen,
        candidate_id=candidate_id or None, now=clock.now(), broker=request.app.state.broker))
