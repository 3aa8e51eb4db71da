"""Pages: a tender's questions & clarifications section, and a bidder's "my questions".

No page shows who asked a question; the agency, the centre and supervisors see the text only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect as _login
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role
from ggzy.tender import documents as docs
from ggzy.tender import questions as svc
from ggzy.tender.document_errors import QuestionNotFound
from ggzy.tender.models import Question
from ggzy.tender.service import manages

router = APIRouter(include_in_schema=False)

DONE = {
    "asked": ("问题已提交，答复将以澄清形式发送给所有获取招标文件的单位。",
              "Question sent; the answer goes to every organisation that downloaded the documents."),
    "answered": ("答复已发布，并已发送给所有获取招标文件的单位。",
                 "Answer published and sent to every organisation that downloaded the documents."),
    "published": ("澄清已发布，并已发送给所有获取招标文件的单位。",
                  "Clarification published and sent to every organisation that downloaded the documents."),
}

async def _page(
    request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
    error: DomainError | None = None, done: str = "",
) -> Response:
    tender = await docs.visible_tender(session, actor, tender_id)
    is_manager = manages(actor, tender)
    reads_all = svc.may_read_all_questions(actor, tender)
    questions = await svc.list_questions(session, actor, tender_id)
    ctx: dict[str, Any] = {
        "tender": tender,
        "tab": "questions",
        "is_manager": is_manager,
        "reads_all": reads_all,
        "is_bidder": actor.role == Role.bidder,
        "i_downloaded": actor.role == Role.bidder and await docs.has_downloaded(session, actor.org_id, tender_id),
        "questions_open": svc.questions_open(tender, now),
        "clarifications_open": svc.clarifications_open(tender, now),
        "unanswered": [q for q in questions if not q.answered],
        "answered": [q for q in questions if q.answered],
        "clarifications": await svc.list_clarifications(session, actor, tender_id),
        "error": error,
        "done": DONE.get(done),
    }
    return render(request, "tender/questions.html", ctx, status_code=error.status if error else 200)


@router.get("/workspace/tenders/{tender_id}/questions", response_class=HTMLResponse, response_model=None)
async def questions_page(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep, done: str = ""
) -> Response:
    if not actor.is_authenticated:
        return _login(request.url.path)
    return await _page(request, session, actor, tender_id, now=clock.now(), done=done)


@router.post("/workspace/tenders/{tender_id}/questions", response_class=HTMLResponse, response_model=None)
async def ask_submit(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    body: Annotated[str, Form(max_length=svc.MAX_TEXT * 2)] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request.url.path)
    try:
        await svc.ask_question(session, actor, tender_id=tender_id, body=body, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, actor, tender_id, now=clock.now(), error=exc)
    return RedirectResponse(f"/workspace/tenders/{tender_id}/questions?done=asked", status_code=303)


@router.post("/workspace/questions/{question_id}/answer", response_class=HTMLResponse, response_model=None)
async def answer_submit(
    question_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    body: Annotated[str, Form(max_length=svc.MAX_TEXT * 2)] = "",
    changes_documents: Annotated[bool, Form()] = False,
) -> Response:
    if not actor.is_authenticated:
        return _login("/workspace")
    question = await session.get(Question, question_id)
    if question is None:
        raise QuestionNotFound()
    tender_id = question.tender_id
    try:
        await svc.answer_question(
            session, actor, question_id=question_id, body=body, changes_documents=changes_documents, now=clock.now()
        )
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, actor, tender_id, now=clock.now(), error=exc)
    return RedirectResponse(f"/workspace/tenders/{tender_id}/questions?done=answered", status_code=303)


@router.post("/workspace/tenders/{tender_id}/clarifications", response_class=HTMLResponse, response_model=None)
async def clarification_submit(
    tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    body: Annotated[str, Form(max_length=svc.MAX_TEXT * 2)] = "",
    changes_documents: Annotated[bool, Form()] = False,
) -> Response:
    if not actor.is_authenticated:
        return _login(request.url.path)
    try:
        await svc.publish_clarification(
            session, actor, tender_id=tender_id, body=body, changes_documents=changes_documents, now=clock.now()
        )
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, actor, tender_id, now=clock.now(), error=exc)
    return RedirectResponse(f"/workspace/tenders/{tender_id}/questions?done=published", status_code=303)


@router.get("/workspace/questions", response_class=HTMLResponse, response_model=None)
async def my_questions_page(request: Request, session: DB, actor: CurrentActor) -> Response:
    """My questions and every clarification of the tenders my organisation downloaded."""
    if not actor.is_authenticated:
        return _login(request.url.path)
    return render(request, "tender/questions_mine.html", {
        "questions": await svc.list_my_questions(session, actor),
        "clarifications": await svc.list_my_clarifications(session, actor),
    })
