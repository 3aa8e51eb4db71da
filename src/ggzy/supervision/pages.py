"""Pages of the supervision domain: the centre's suspension desk and the supervisor's workspace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError, Forbidden
from ggzy.kit.templating import login_redirect as _login_redirect
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role
from ggzy.project.models import LINE_LABELS, TradingLine
from ggzy.supervision import board as board_service
from ggzy.supervision import service
from ggzy.supervision.models import SuspensionScope, SuspensionStatus

router = APIRouter(include_in_schema=False)

CENTRE_PAGE = "/workspace/centre/suspensions"
SUPERVISOR_PAGE = "/workspace/supervision"

STATUS_TAGS: dict[str, tuple[str, str, str]] = {
    SuspensionStatus.pending_approval: ("orange", "待审批", "Awaiting approval"),
    SuspensionStatus.active: ("red", "暂停中", "Suspended"),
    SuspensionStatus.ended: ("green", "已恢复", "Resumed"),
    SuspensionStatus.rejected: ("gray", "未批准", "Refused"),
}

FLASH: dict[str, tuple[str, str]] = {
    "requested": ("已提交项目暂停申请，等待行政监督部门审批", "Project suspension requested; awaiting the supervisor"),
    "activated": ("全平台交易已暂停，已发布公告并通知各方", "Trading suspended platform-wide; notices published"),
    "resumed": ("已恢复交易，未到期的时间节点已顺延", "Trading resumed; running deadlines moved"),
    "approved": ("已批准，项目交易已暂停", "Approved: trading on the project is suspended"),
    "rejected": ("已驳回暂停申请", "Suspension request refused"),
}

def _common() -> dict[str, Any]:
    return {"status_tags": STATUS_TAGS, "line_labels": {k.value: v for k, v in LINE_LABELS.items()},
            "flashes": FLASH, "Scope": SuspensionScope, "Status": SuspensionStatus, "TradingLine": TradingLine}


async def _centre_page(request: Request, session: DB, actor: Actor, *, error: DomainError | None = None,
                       form: dict[str, str] | None = None) -> HTMLResponse:
    if not actor.is_centre:
        raise Forbidden()
    suspensions = await service.list_suspensions(session, actor)
    projects = await service.admitted_projects(session, actor)
    names = await service.project_names(session, [s.project_id for s in suspensions])
    return render(request, "supervision/centre_suspensions.html", {
        **_common(), "suspensions": suspensions, "projects": projects, "names": names, "error": error,
        "form": form or {}, "flash": request.query_params.get("done", ""),
    }, status_code=error.status if error else 200)


@router.get(CENTRE_PAGE, response_model=None)
async def centre_suspensions(request: Request, actor: CurrentActor, session: DB) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    return await _centre_page(request, session, actor)


@router.post(CENTRE_PAGE, response_model=None)
async def centre_request(
    *, request: Request, actor: CurrentActor, session: DB, clock: ClockDep,
    scope: Annotated[str, Form()] = "", project_id: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    form = {"scope": scope, "project_id": project_id, "reason": reason}
    try:
        if scope not in {s.value for s in SuspensionScope}:
            raise DomainError("supervision.bad_scope", "请选择暂停范围", "Choose the scope", status=422)
        chosen = SuspensionScope(scope)
        s = await service.request_suspension(
            session, actor, scope=chosen, project_id=(project_id or None) if chosen == SuspensionScope.project
            else None, reason=reason, now=clock.now(), broker=request.app.state.broker,
        )
    except DomainError as exc:
        await session.rollback()
        return await _centre_page(request, session, actor, error=exc, form=form)
    done = "activated" if s.status == SuspensionStatus.active else "requested"
    return RedirectResponse(f"{CENTRE_PAGE}?done={done}", status_code=303)


@router.post(CENTRE_PAGE + "/{suspension_id}/resume", response_model=None)
async def centre_resume(
    *, suspension_id: str, request: Request, actor: CurrentActor, session: DB, clock: ClockDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    try:
        await service.resume_trading(session, actor, suspension_id, note=note, now=clock.now(),
                                     broker=request.app.state.broker)
    except DomainError as exc:
        await session.rollback()
        return await _centre_page(request, session, actor, error=exc)
    return RedirectResponse(f"{CENTRE_PAGE}?done=resumed", status_code=303)


async def _supervisor_page(request: Request, session: DB, actor: Actor, *,
                           error: DomainError | None = None) -> HTMLResponse:
    if not actor.has(Role.supervisor):
        raise Forbidden()
    visible = await service.list_suspensions(session, actor)
    pending = [s for s in visible if s.status == SuspensionStatus.pending_approval]
    projects = await service.projects_of_my_lines(session, actor)
    names = await service.project_names(session, [s.project_id for s in visible])
    return render(request, "supervision/supervisor.html", {
        **_common(), "pending": pending, "suspensions": visible, "projects": projects, "names": names,
        "error": error, "flash": request.query_params.get("done", ""),
        "my_lines": list(actor.supervised_lines),
    }, status_code=error.status if error else 200)


@router.get(SUPERVISOR_PAGE, response_model=None)
async def supervisor_workspace(request: Request, actor: CurrentActor, session: DB) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    return await _supervisor_page(request, session, actor)


@router.post(SUPERVISOR_PAGE + "/suspensions/{suspension_id}/{decision}", response_model=None)
async def supervisor_decide(
    *, suspension_id: str, decision: str, request: Request, actor: CurrentActor, session: DB, clock: ClockDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    if decision not in {"approve", "reject"}:
        raise DomainError("supervision.bad_decision", "未知的审批操作", "Unknown decision", status=404)
    try:
        if decision == "approve":
            await service.approve_suspension(session, actor, suspension_id, note=note, now=clock.now(),
                                             broker=request.app.state.broker)
        else:
            await service.reject_suspension(session, actor, suspension_id, note=note, now=clock.now(),
                                            broker=request.app.state.broker)
    except DomainError as exc:
        await session.rollback()
        return await _supervisor_page(request, session, actor, error=exc)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"{SUPERVISOR_PAGE}?done={done}", status_code=303)


BOARD_PAGE = SUPERVISOR_PAGE + "/board"


async def _board_ctx(session: DB, actor: Actor, now: Any) -> dict[str, Any]:
    from ggzy.auction.rules import STATUS_LABELS as LOT_LABELS
    from ggzy.opening.rules import STATUS_LABELS as OPENING_LABELS
    from ggzy.tender.state import STATUS_LABELS as TENDER_LABELS

    return {**_common(), "b": await board_service.board(session, actor, now=now), "tender_labels": TENDER_LABELS,
            "opening_labels": OPENING_LABELS, "lot_labels": LOT_LABELS}


@router.get(BOARD_PAGE, response_model=None)
async def supervision_board(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    """监督看板: every running tender and lot of the supervisor's lines, live (SSE on `supervision:{line}`)."""
    if not actor.is_authenticated:
        return _login_redirect(request)
    return render(request, "supervision/board.html", await _board_ctx(session, actor, clock.now()))


@router.get(BOARD_PAGE + "/fragment", response_model=None)
async def supervision_board_fragment(request: Request, actor: CurrentActor, session: DB,
                                     clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login_redirect(request)
    return render(request, "supervision/_board.html", await _board_ctx(session, actor, clock.now()))
