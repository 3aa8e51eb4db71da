"""Questions and clarifications (答疑澄清).

A downloader asks; its identity is stored (for the audit trail) but no read here returns it — not to
the agency, the centre or supervisors. The agency answers or publishes a clarification, which goes to
EVERY organisation that downloaded the documents and to no one else (E-Bidding Measures Art.22). A
clarification that changes the documents less than 15 days before the deadline moves the deadline
(Bidding Regs Art.21; MOF 87 Art.27).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.auth.deps import RequireUser
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show as show_time
from ggzy.kit.web import DB, ClockDep
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project.models import Notice, NoticeKind, Project, TradingLine
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender import hooks, rules
from ggzy.tender.document_errors import (
    AlreadyAnswered,
    ClarificationClosed,
    EmptyText,
    NotDownloader,
    NotTenderManager,
    QuestionDeadlinePassed,
    QuestionNotFound,
    TenderNotFound,
)
from ggzy.tender.documents import (
    downloader_org_ids,
    get_tender,
    has_downloaded,
    supervises,
    visible_tender,
)
from ggzy.tender.models import Clarification, DocumentDownload, Question, Tender, TenderStatus
from ggzy.tender.service import manages

MAX_TEXT = 5000


# ---------------------------------------------------------------- pure rules


def question_deadline(tender: Tender) -> datetime | None:
    """Questions close at question_deadline (or, when none was set, at the bid deadline)."""
    return tender.question_deadline or tender.bid_deadline


def questions_open(tender: Tender, now: datetime) -> bool:
    deadline = question_deadline(tender)
    return tender.status == TenderStatus.published and deadline is not None and now < deadline


def clarifications_open(tender: Tender, now: datetime) -> bool:
    return tender.status == TenderStatus.published and tender.bid_deadline is not None and now < tender.bid_deadline


def may_read_all_questions(actor: Actor, tender: Tender) -> bool:
    """Who reads every question of a tender — always without the asker."""
    return actor.is_centre or manages(actor, tender) or supervises(actor, tender)


def clean_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise EmptyText()
    if len(text) > MAX_TEXT:
        raise EmptyText("question.too_long", f"内容不能超过{MAX_TEXT}字", f"At most {MAX_TEXT} characters")
    return text


def _ceil_minute(when: datetime) -> datetime:
    """A moved deadline reads cleanly and is never earlier than the law allows."""
    seconds = when.second + when.microsecond / 1_000_000
    return when.replace(second=0, microsecond=0) + timedelta(minutes=math.ceil(seconds / 60))


# ---------------------------------------------------------------- views (no asker anywhere)


class QuestionOut(BaseModel):
    """A question as anyone sees it: the asker is never part of it."""

    id: str
    tender_id: str
    body: str
    asked_at: datetime
    answered: bool
    clarification_id: str | None
    answer: str | None = None
    mine: bool = False
    """True only on the asking organisation's own view."""


class ClarificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    question_text: str
    body: str
    changes_documents: bool
    notice_id: str | None
    published_at: datetime


class MyQuestionOut(QuestionOut):
    tender_code: str
    tender_title: str


class MyClarificationOut(ClarificationOut):
    tender_code: str
    tender_title: str


def _question_out(q: Question, answer: str | None, *, mine: bool) -> QuestionOut:
    return QuestionOut(
        id=q.id, tender_id=q.tender_id, body=q.body, asked_at=q.asked_at, answered=q.clarification_id is not None,
        clarification_id=q.clarification_id, answer=answer, mine=mine,
    )


# ---------------------------------------------------------------- reads


async def list_questions(
    session: AsyncSession, actor: Actor, tender_id: str, *, unanswered_only: bool = False
) -> list[QuestionOut]:
    """Every question for the agency, tenderer, centre and line supervisors; a bidder's own questions to it."""
    tender = await visible_tender(session, actor, tender_id)
    stmt = (
        select(Question, Clarification.body)
        .outerjoin(Clarification, Clarification.id == Question.clarification_id)
        .where(Question.tender_id == tender_id)
        .order_by(Question.asked_at, Question.id)
    )
    everyone = may_read_all_questions(actor, tender)
    if not everyone:
        if actor.org_id is None or actor.role != Role.bidder:
            return []
        stmt = stmt.where(Question.asker_org_id == actor.org_id)
    if unanswered_only:
        stmt = stmt.where(Question.clarification_id.is_(None))
    rows = (await session.execute(stmt)).all()
    return [_question_out(q, answer, mine=not everyone) for q, answer in rows]


async def list_clarifications(session: AsyncSession, actor: Actor, tender_id: str) -> list[Clarification]:
    """Clarifications of a tender: for its managers, the centre, line supervisors and its downloaders."""
    tender = await visible_tender(session, actor, tender_id)
    if not (may_read_all_questions(actor, tender) or await has_downloaded(session, actor.org_id, tender_id)):
        return []
    stmt = (
        select(Clarification).where(Clarification.tender_id == tender_id)
        .order_by(Clarification.published_at, Clarification.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def list_my_questions(session: AsyncSession, actor: Actor) -> list[MyQuestionOut]:
    """The caller's organisation's own questions, newest first, with their answers."""
    if actor.org_id is None or actor.role != Role.bidder:
        return []
    stmt = (
        select(Question, Clarification.body, Tender.code, Tender.title)
        .join(Tender, Tender.id == Question.tender_id)
        .outerjoin(Clarification, Clarification.id == Question.clarification_id)
        .where(Question.asker_org_id == actor.org_id)
        .order_by(Question.asked_at.desc(), Question.id)
    )
    return [
        MyQuestionOut(**_question_out(q, answer, mine=True).model_dump(), tender_code=code, tender_title=title)
        for q, answer, code, title in (await session.execute(stmt)).all()
    ]


async def list_my_clarifications(session: AsyncSession, actor: Actor) -> list[MyClarificationOut]:
    """Every clarification of every tender the caller's organisation downloaded (Art.22), newest first."""
    if actor.org_id is None or actor.role != Role.bidder:
        return []
    downloaded = select(DocumentDownload.tender_id).where(DocumentDownload.org_id == actor.org_id)
    stmt = (
        select(Clarification, Tender.code, Tender.title)
        .join(Tender, Tender.id == Clarification.tender_id)
        .where(Clarification.tender_id.in_(downloaded))
        .order_by(Clarification.published_at.desc(), Clarification.id)
    )
    return [
        MyClarificationOut(**ClarificationOut.model_validate(c).model_dump(), tender_code=code, tender_title=title)
        for c, code, title in (await session.execute(stmt)).all()
    ]


# ---------------------------------------------------------------- writes


async def ask_question(session: AsyncSession, actor: Actor, *, tender_id: str, body: str, now: datetime) -> Question:
    """A downloader asks before the question deadline; who asked is kept for the audit trail only."""
    text = clean_text(body)
    if actor.role != Role.bidder or actor.org_id is None or actor.user_id is None:
        raise NotDownloader()
    tender = await get_tender(session, tender_id, lock=True)
    if tender.status == TenderStatus.draft:
        raise TenderNotFound()
    if not await has_downloaded(session, actor.org_id, tender_id):
        raise NotDownloader()
    if not questions_open(tender, now):
        deadline = question_deadline(tender)
        raise QuestionDeadlinePassed(detail={"question_deadline": deadline.isoformat() if deadline else None})
    await ensure_trading_open(session, tender.project_id)
    question = Question(
        tender_id=tender_id, asker_org_id=actor.org_id, asker_user_id=actor.user_id, body=text, asked_at=now
    )
    session.add(question)
    await session.flush()
    # The audit event's actor is the asker: the only place the identity can be read (by the centre's audit).
    await record(
        session, "question:asked", actor, subject_type="question", subject_id=question.id,
        project_id=tender.project_id, after={"tender_id": tender_id, "body": text}, now=now,
    )
    managers = [o for o in (tender.agency_org_id or tender.tenderer_org_id,) if o]
    await notify_orgs(
        session, managers, kind="question_asked", title_zh=f"新的答疑问题：{tender.title}",
        title_en=f"New question: {tender.title}", body_zh=text, body_en=text,
        link=f"/workspace/tenders/{tender_id}/questions", tender_id=tender_id, project_id=tender.project_id, now=now,
    )
    await commit(session)
    return question


async def _publish(
    session: AsyncSession,
    actor: Actor,
    tender: Tender,
    *,
    body: str,
    changes_documents: bool,
    questions: Sequence[Question],
    now: datetime,
) -> Clarification:
    """Write a clarification, move the deadline when the law says so, tell every downloader; no commit."""
    text = clean_text(body)
    if not manages(actor, tender) or actor.user_id is None:
        raise NotTenderManager()
    if not clarifications_open(tender, now):
        raise ClarificationClosed()
    for q in questions:
        if q.clarification_id is not None:
            raise AlreadyAnswered(detail={"question_id": q.id})
    assert tender.bid_deadline is not None  # clarifications_open checked it
    old_deadline = tender.bid_deadline
    new_deadline: datetime | None = None
    if changes_documents:
        ruleset = rules.get_ruleset(tender.ruleset_version)
        earliest = rules.deadline_after_document_change(old_deadline, now, ruleset, TradingLine(tender.line))
        if earliest is not None:
            new_deadline = _ceil_minute(earliest)
    # -- every check passed: write
    notice: Notice | None = None
    if new_deadline is not None:
        lr = rules.get_ruleset(tender.ruleset_version).for_line(tender.line)
        project = await session.get(Project, tender.project_id)
        tender.bid_deadline, tender.next_check_at, tender.updated_at = new_deadline, new_deadline, now
        await hooks.run_timetable_changed(session, tender, now)  # the venue moves the sessions
        # The public must learn the new opening time; the clarification's content stays with downloaders.
        notice = Notice(
            project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.correction, line=tender.line,
            region=project.region if project else "", title=f"{tender.title}更正公告（投标截止时间顺延）",
            body=(
                f"因招标文件的澄清或修改距投标截止时间不足{lr.correction_min_days}日，根据{lr.correction_article.zh}，"
                f"投标截止时间（开标时间）由 {show_time(old_deadline)} 顺延至 {show_time(new_deadline)}（北京时间）。"
            ),
            data={
                "tender_code": tender.code, "changes_documents": True, "deadline_moved": True,
                "changes": {"bid_deadline": {"before": old_deadline.isoformat(), "after": new_deadline.isoformat()}},
                "article": {"zh": lr.correction_article.zh, "en": lr.correction_article.en},
            },
            published_at=now, published_by=actor.user_id,
        )
        session.add(notice)
        await session.flush()
    clarification = Clarification(
        tender_id=tender.id, question_text="\n\n".join(q.body for q in questions), body=text,
        changes_documents=changes_documents, notice_id=notice.id if notice else None,
        published_by=actor.user_id, published_at=now,
    )
    session.add(clarification)
    await session.flush()
    for q in questions:
        q.clarification_id = clarification.id
    # No recipient list or count in the audit entry: before the deadline that would reveal downloaders (Art.21).
    await record(
        session, "clarification:published", actor, subject_type="clarification", subject_id=clarification.id,
        project_id=tender.project_id, now=now,
        after={"tender_id": tender.id, "question_ids": [q.id for q in questions], "body": text,
               "changes_documents": changes_documents},
    )
    if new_deadline is not None:
        await record(
            session, "tender:deadline_moved", actor, subject_type="tender", subject_id=tender.id,
            project_id=tender.project_id, now=now, before={"bid_deadline": old_deadline},
            after={"bid_deadline": new_deadline, "clarification_id": clarification.id,
                   "notice_id": notice.id if notice else None},
        )
    moved_zh = f"投标截止时间顺延至 {show_time(new_deadline)}（北京时间）。\n\n" if new_deadline else ""
    moved_en = f"The bid deadline has moved to {show_time(new_deadline)} (Beijing time).\n\n" if new_deadline else ""
    asked = f"问题：{clarification.question_text}\n\n" if clarification.question_text else ""
    await notify_orgs(
        session, await downloader_org_ids(session, tender.id), kind="clarification",
        title_zh=f"澄清/答疑：{tender.title}" + ("（投标截止时间顺延）" if new_deadline else ""),
        title_en=f"Clarification: {tender.title}" + (" (bid deadline moved)" if new_deadline else ""),
        body_zh=f"{moved_zh}{asked}答复：{text}", body_en=f"{moved_en}{text}",
        link=f"/workspace/tenders/{tender.id}/questions", tender_id=tender.id, project_id=tender.project_id, now=now,
    )
    return clarification


async def answer_question(
    session: AsyncSession, actor: Actor, *, question_id: str, body: str, changes_documents: bool = False,
    now: datetime,
) -> Clarification:
    """Answer one question: a clarification carrying the question (without its asker) to every downloader."""
    found = (await session.execute(select(Question.tender_id).where(Question.id == question_id))).scalar()
    if found is None:
        raise QuestionNotFound()
    tender = await get_tender(session, found, lock=True)
    if not may_read_all_questions(actor, tender):
        raise QuestionNotFound()  # a stranger learns nothing, not even that the question exists
    question = (await session.execute(select(Question).where(Question.id == question_id))).scalars().one()
    clarification = await _publish(
        session, actor, tender, body=body, changes_documents=changes_documents, questions=[question], now=now
    )
    await commit(session)
    return clarification


async def publish_clarification(
    session: AsyncSession, actor: Actor, *, tender_id: str, body: str, changes_documents: bool = False,
    question_ids: Sequence[str] = (), now: datetime,
) -> Clarification:
    """A clarification on the agency's own initiative, optionally answering several questions at once."""
    tender = await visible_tender(session, actor, tender_id)
    tender = await get_tender(session, tender.id, lock=True)
    ids = list(dict.fromkeys(question_ids))
    questions: list[Question] = []
    if ids:
        questions = list(
            (await session.execute(
                select(Question).where(Question.id.in_(ids), Question.tender_id == tender_id)
                .order_by(Question.asked_at, Question.id)
            )).scalars().all()
        )
        if len(questions) != len(ids):
            raise QuestionNotFound()
    clarification = await _publish(
        session, actor, tender, body=body, changes_documents=changes_documents, questions=questions, now=now
    )
    await commit(session)
    return clarification


# ---------------------------------------------------------------- JSON API


class QuestionIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class AnswerIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_TEXT)
    changes_documents: bool = False
    """True when the answer modifies the tender documents (may move the deadline: Bidding Regs Art.21)."""


class ClarificationIn(AnswerIn):
    question_ids: list[str] = Field(default_factory=list, max_length=200)
    """Questions this clarification answers (optional)."""


class MyQA(BaseModel):
    questions: list[MyQuestionOut]
    clarifications: list[MyClarificationOut]


router = APIRouter(prefix="/api", tags=["questions"])


@router.post("/tenders/{tender_id}/questions", status_code=201, response_model=QuestionOut)
async def api_ask_question(
    tender_id: str, data: QuestionIn, session: DB, actor: RequireUser, clock: ClockDep
) -> QuestionOut:
    """Ask a question (organisations that downloaded the documents, before the question deadline)."""
    q = await ask_question(session, actor, tender_id=tender_id, body=data.body, now=clock.now())
    return _question_out(q, None, mine=True)


@router.get("/tenders/{tender_id}/questions", response_model=list[QuestionOut])
async def api_list_questions(
    tender_id: str, session: DB, actor: RequireUser, unanswered: bool = False
) -> list[QuestionOut]:
    """Questions without their askers (a bidder sees only its own)."""
    return await list_questions(session, actor, tender_id, unanswered_only=unanswered)


@router.post("/questions/{question_id}/answer", status_code=201, response_model=ClarificationOut)
async def api_answer_question(
    question_id: str, data: AnswerIn, session: DB, actor: RequireUser, clock: ClockDep
) -> Clarification:
    """Answer a question; the answer goes to every downloader (E-Bidding Measures Art.22)."""
    return await answer_question(
        session, actor, question_id=question_id, body=data.body, changes_documents=data.changes_documents,
        now=clock.now(),
    )


@router.post("/tenders/{tender_id}/clarifications", status_code=201, response_model=ClarificationOut)
async def api_publish_clarification(
    tender_id: str, data: ClarificationIn, session: DB, actor: RequireUser, clock: ClockDep
) -> Clarification:
    """Publish a clarification to every downloader (E-Bidding Measures Art.22)."""
    return await publish_clarification(
        session, actor, tender_id=tender_id, body=data.body, changes_documents=data.changes_documents,
        question_ids=data.question_ids, now=clock.now(),
    )


@router.get("/tenders/{tender_id}/clarifications", response_model=list[ClarificationOut])
async def api_list_clarifications(tender_id: str, session: DB, actor: RequireUser) -> list[Clarification]:
    """Clarifications of a tender (its managers, the centre, line supervisors, its downloaders)."""
    return await list_clarifications(session, actor, tender_id)


@router.get("/me/questions", response_model=MyQA)
async def api_my_questions(session: DB, actor: RequireUser) -> MyQA:
    """The caller's own questions and the clarifications of every tender it downloaded."""
    return MyQA(
        questions=await list_my_questions(session, actor),
        clarifications=await list_my_clarifications(session, actor),
    )
