"""The evaluation room page (/tenders/{id}/evaluation): htmx forms + server-sent events, like the opening hall; the
bidder's clarification page; the report PDF.

Live updates: the page listens on `evaluation:{tender_id}` (members and watchers only) and re-fetches its own
fragment on every event, so what a viewer sees is always decided by the server for that viewer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.evaluation import report, review, rules, scoring, service
from ggzy.evaluation.errors import DeadlineInvalid
from ggzy.evaluation.models import ClarificationStatus, EvaluationStatus
from ggzy.evaluation.state import STATUS_LABELS
from ggzy.kit.clock import Clock
from ggzy.kit.errors import DomainError, Unauthenticated
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import as_utc, local
from ggzy.kit.web import DB, ClockDep
from ggzy.opening.rules import DECRYPT_LABELS
from ggzy.storage.blobstore import BlobsDep
from ggzy.tender import documents as tender_docs

router = APIRouter(include_in_schema=False)
BASE = "/tenders/{tender_id}/evaluation"
SCORE_FIELD = "s__"
"""Score inputs are named s__{entry_id}__{criterion_id}."""


def _ctx(view: service.RoomView, now: datetime, error: DomainError | None = None) -> dict[str, Any]:
    return {
        "now_iso": now.isoformat(), "v": view, "tn": view.room.tender, "ev": view.ev, "S": EvaluationStatus,
        "C": ClarificationStatus, "status_labels": STATUS_LABELS, "decrypt_labels": DECRYPT_LABELS,
        "confirmation_labels": rules.CONFIRMATION_LABELS, "clarification_labels": rules.CLARIFICATION_LABELS,
        "score_field": SCORE_FIELD, "error": error, "default_deadline": _default_deadline(now),
    }


def _default_deadline(now: datetime) -> str:
    """The clarification form's suggestion: one hour from now, Beijing time, as a datetime-local value."""
    when = local(now + timedelta(hours=1))
    return when.strftime("%Y-%m-%dT%H:%M") if when else ""


async def _fragment(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                    error: DomainError | None = None) -> HTMLResponse:
    view = await service.room_view(session, actor, tender_id, now=now)
    # A refused action answers 200 with the fragment and its message, so the room stays usable.
    return render(request, "evaluation/_room.html", _ctx(view, now, error))


@router.get(BASE, response_class=HTMLResponse, response_model=None)
async def room_page(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Members and watchers only; anyone else gets 404 (the room is closed)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    now = clock.now()
    view = await service.room_view(session, actor, tender_id, now=now)
    return render(request, "evaluation/room.html", _ctx(view, now))


@router.get(f"{BASE}/fragment", response_class=HTMLResponse)
async def room_fragment(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> HTMLResponse:
    if not actor.is_authenticated:
        raise Unauthenticated()
    return await _fragment(request, session, actor, tender_id, now=clock.now())


async def _act(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, clock: Clock,
               action: Callable[[], Awaitable[object]]) -> HTMLResponse:
    """Run one room action for an htmx form; a refused action re-renders the fragment with its message."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        await action()
    except DomainError as err:
        await session.rollback()
        return await _fragment(request, session, actor, tender_id, now=clock.now(), error=err)
    return await _fragment(request, session, actor, tender_id, now=clock.now())


@router.post(f"{BASE}/start", response_class=HTMLResponse)
async def start(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: service.start_evaluation(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/chair-vote", response_class=HTMLResponse)
async def vote(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
               member_id: Annotated[str, Form(max_length=32)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: service.vote_chair(session, actor, tender_id, member_id, now=clock.now()))


@router.post(f"{BASE}/entries/{{entry_id}}/opinion", response_class=HTMLResponse)
async def opinion(tender_id: str, entry_id: str, *, request: Request, session: DB, actor: CurrentActor,
                  clock: ClockDep, passed: Annotated[str, Form(max_length=8)] = "",
                  reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock, action=lambda: review.give_opinion(
        session, actor, tender_id, entry_id, passed=passed == "1", reason=reason, now=clock.now()))


@router.post(f"{BASE}/close-review", response_class=HTMLResponse)
async def close_review(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                       clock: ClockDep) -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: review.close_review(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/lots/{{lot_id}}/reject-all", response_class=HTMLResponse)
async def reject_all(tender_id: str, lot_id: str, *, request: Request, session: DB, actor: CurrentActor,
                     clock: ClockDep, reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: review.reject_lot(session, actor, tender_id, lot_id, reason, now=clock.now()))


def _local_deadline(value: str) -> datetime:
    """A datetime-local field is Beijing time (the page says so)."""
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise DeadlineInvalid(detail={"deadline": value}) from None


@router.post(f"{BASE}/clarifications", response_class=HTMLResponse)
async def ask(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
              entry_id: Annotated[str, Form(max_length=32)] = "",
              question: Annotated[str, Form(max_length=4000)] = "",
              deadline: Annotated[str, Form(max_length=40)] = "") -> Response:
    async def run() -> None:
        await review.ask_clarification(session, actor, tender_id, entry_id, question=question,
                                       deadline=_local_deadline(deadline), now=clock.now())

    return await _act(request, session, actor, tender_id, clock=clock, action=run)


@router.post(f"{BASE}/scores", response_class=HTMLResponse)
async def scores(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """The score sheet form: empty inputs are left alone, filled ones are saved together (or none is)."""
    form = await request.form()
    cells: list[scoring.Cell] = []
    for name, value in form.multi_items():
        if not name.startswith(SCORE_FIELD) or not isinstance(value, str) or not value.strip():
            continue
        parts = name[len(SCORE_FIELD):].split("__", 1)
        if len(parts) == 2:
            cells.append(scoring.Cell(parts[0], parts[1], value.strip()))
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: scoring.save_scores(session, actor, tender_id, cells, now=clock.now()))


@router.post(f"{BASE}/sheet/submit", response_class=HTMLResponse)
async def submit_sheet(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                       clock: ClockDep) -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: scoring.submit_sheet(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/dissent", response_class=HTMLResponse)
async def dissent(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                  body: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: scoring.write_dissent(session, actor, tender_id, body, now=clock.now()))


@router.post(f"{BASE}/submit", response_class=HTMLResponse)
async def submit(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(request, session, actor, tender_id, clock=clock,
                      action=lambda: scoring.submit_evaluation(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/report/confirm", response_class=HTMLResponse)
async def confirm(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                  blobs: BlobsDep, dissent: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return await _act(request, session, actor, tender_id, clock=clock, action=lambda: report.confirm_report(
        session, actor, tender_id, dissent=dissent or None, now=clock.now(), blobs=blobs))


# ---------------------------------------------------------------- the bidder's side: its own clarifications


async def _clarification_page(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *,
                              now: datetime, error: DomainError | None = None) -> HTMLResponse:
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    rows = await review.bidder_clarifications(session, actor, tender_id)
    return render(request, "evaluation/clarifications.html", {
        "tn": tender, "rows": rows, "now": now, "C": ClarificationStatus, "labels": rules.CLARIFICATION_LABELS,
        "error": error}, status_code=error.status if error else 200)


@router.get(f"{BASE}/clarifications", response_class=HTMLResponse, response_model=None)
async def clarifications_page(tender_id: str, request: Request, session: DB, actor: CurrentActor,
                              clock: ClockDep) -> Response:
    """A bidder's own clarification requests (never anyone else's) with the answer form."""
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _clarification_page(request, session, actor, tender_id, now=clock.now())


@router.post(f"{BASE}/clarifications/{{clarification_id}}/answer", response_class=HTMLResponse)
async def answer(tender_id: str, clarification_id: str, *, request: Request, session: DB, actor: CurrentActor,
                 clock: ClockDep, answer: Annotated[str, Form(max_length=4000)] = "") -> Response:
    if not actor.is_authenticated:
        raise Unauthenticated()
    try:
        await review.answer_clarification(session, actor, tender_id, clarification_id, answer, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _clarification_page(request, session, actor, tender_id, now=clock.now(), error=err)
    return await _clarification_page(request, session, actor, tender_id, now=clock.now())


@router.get(f"{BASE}/report.pdf")
async def report_pdf(tender_id: str, session: DB, actor: CurrentActor, blobs: BlobsDep) -> Response:
    """评标报告: members, watchers, and the tenderer / agency it is sent to; nobody else (it names the experts)."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    pdf, sha = await report.report_pdf(session, actor, tender_id, blobs=blobs)
    return Response(pdf, media_type="application/pdf", headers={
        "X-Content-SHA256": sha, "Content-Disposition": f'inline; filename="evaluation-report-{tender_id}.pdf"',
        "Cache-Control": "private, no-store",
    })
