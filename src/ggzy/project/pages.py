"""Pages of project entry: the application form, my projects, a project's page, the centre's admission queue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError, Invalid
from ggzy.kit.templating import login_redirect as _login
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import OrgKind, Role
from ggzy.project import service
from ggzy.project.models import LINE_LABELS, PRIORITY_LABELS, Priority, TradingLine
from ggzy.project.schemas import ProjectAmend, ProjectApply
from ggzy.project.state import STATUS_LABELS

router = APIRouter(include_in_schema=False)

QUEUE = "/workspace/centre/projects"

FLASH: dict[str, tuple[str, str]] = {
    "applied": ("进场登记已提交，请等待交易中心受理", "Application submitted; the centre will review it"),
    "admitted": ("项目已受理进场", "Project admitted"),
    "returned": ("已退回申请并告知申请人原因", "Application returned with the reason"),
    "resubmitted": ("已重新提交进场申请", "Application resubmitted"),
    "priority": ("已更新优先级", "Priority updated"),
}

def _common() -> dict[str, Any]:
    return {"line_labels": LINE_LABELS, "priority_labels": PRIORITY_LABELS, "status_labels": STATUS_LABELS,
            "flashes": FLASH, "lines": list(TradingLine), "priorities": list(Priority)}


def validation_error(exc: ValidationError) -> Invalid:
    """A form's pydantic errors as one Invalid with the field names."""
    fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
    listed = ", ".join(fields)
    return Invalid("request.invalid", f"请检查以下字段：{listed}", f"Check these fields: {listed}",
                   detail={"fields": fields})


def money_or_none(value: str) -> Decimal | None:
    value = value.replace(",", "").strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise Invalid("request.bad_amount", f"金额格式有误：{value}", f"Not an amount: {value}") from None


@router.get("/workspace/projects", response_class=HTMLResponse, response_model=None)
async def my_projects(request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    projects = await service.list_projects(session, actor)
    names = await service.org_names(session, [p.tenderer_org_id for p in projects] +
                                    [p.agency_org_id for p in projects])
    return render(request, "project/list.html", {**_common(), "projects": projects, "names": names,
                                                 "can_apply": actor.role in (Role.tenderer, Role.agency)})


async def _form(request: Request, session: DB, actor: Actor, *, form: dict[str, str] | None = None,
                error: DomainError | None = None) -> HTMLResponse:
    return render(request, "project/form.html", {
        **_common(), "form": form or {}, "error": error,
        "tenderers": await service.orgs_of_kind(session, OrgKind.tenderer),
        "agencies": await service.orgs_of_kind(session, OrgKind.agency),
        "is_agency": actor.role == Role.agency,
    }, status_code=error.status if error else 200)


@router.get("/workspace/projects/new", response_class=HTMLResponse, response_model=None)
async def new_project(request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    return await _form(request, session, actor)


@router.post("/workspace/projects/new", response_class=HTMLResponse, response_model=None)
async def apply_project(
    *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    name: Annotated[str, Form()] = "", line: Annotated[str, Form()] = "", region: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", funding_source: Annotated[str, Form()] = "",
    state_funded: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
    tenderer_org_id: Annotated[str, Form()] = "", agency_org_id: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    form = {"name": name, "line": line, "region": region, "description": description,
            "funding_source": funding_source, "state_funded": state_funded, "amount": amount,
            "tenderer_org_id": tenderer_org_id, "agency_org_id": agency_org_id}
    try:
        try:
            data = ProjectApply(
                name=name, line=line, region=region, description=description,
                funding_source=funding_source, state_funded=bool(state_funded), amount=money_or_none(amount),
                tenderer_org_id=tenderer_org_id or None, agency_org_id=agency_org_id or None,
            )
        except ValidationError as exc:
            raise validation_error(exc) from None
        project = await service.apply_project(session, actor, data, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _form(request, session, actor, form=form, error=err)
    return RedirectResponse(f"/workspace/projects/{project.id}?done=applied", status_code=303)


async def _detail(request: Request, session: DB, actor: Actor, project_id: str,
                  error: DomainError | None = None) -> HTMLResponse:
    project = await service.get_project(session, actor, project_id)
    names = await service.org_names(session, [project.tenderer_org_id, project.agency_org_id])
    from ggzy.tender import service as tender_service  # tender depends on project, not the reverse

    tenders = await tender_service.list_tenders(session, actor, project_id=project.id)
    return render(request, "project/detail.html", {
        **_common(), "p": project, "names": names, "tenders": tenders, "error": error,
        "is_party": service.is_party(actor, project), "flash": request.query_params.get("done", ""),
    }, status_code=error.status if error else 200)


@router.get("/workspace/projects/{project_id}", response_class=HTMLResponse, response_model=None)
async def project_page(project_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    return await _detail(request, session, actor, project_id)


@router.post("/workspace/projects/{project_id}/resubmit", response_class=HTMLResponse, response_model=None)
async def resubmit(
    *, project_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    description: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        changes = ProjectAmend(description=description) if description.strip() else ProjectAmend()
        await service.resubmit_project(session, actor, project_id, changes, now=clock.now())
    except ValidationError as exc:
        await session.rollback()
        return await _detail(request, session, actor, project_id, validation_error(exc))
    except DomainError as err:
        await session.rollback()
        return await _detail(request, session, actor, project_id, err)
    return RedirectResponse(f"/workspace/projects/{project_id}?done=resubmitted", status_code=303)


async def _queue(request: Request, session: DB, actor: Actor, error: DomainError | None = None,
                 form: dict[str, str] | None = None) -> HTMLResponse:
    queue = await service.admission_queue(session, actor)
    recent = [p for p in await service.list_projects(session, actor, limit=50) if p.status != "submitted"][:20]
    names = await service.org_names(session, [p.tenderer_org_id for p in queue + recent] +
                                    [p.agency_org_id for p in queue + recent])
    return render(request, "project/queue.html", {
        **_common(), "queue": queue, "recent": recent, "names": names, "error": error, "form": form or {},
        "flash": request.query_params.get("done", ""),
    }, status_code=error.status if error else 200)


@router.get(QUEUE, response_class=HTMLResponse, response_model=None)
async def queue_page(request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    return await _queue(request, session, actor)


@router.post(QUEUE + "/{project_id}/admit", response_class=HTMLResponse, response_model=None)
async def admit(project_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        await service.admit_project(session, actor, project_id, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _queue(request, session, actor, err)
    return RedirectResponse(QUEUE + "?done=admitted", status_code=303)


@router.post(QUEUE + "/{project_id}/return", response_class=HTMLResponse, response_model=None)
async def return_project(
    *, project_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        await service.return_project(session, actor, project_id, reason, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _queue(request, session, actor, err, {"project_id": project_id, "reason": reason})
    return RedirectResponse(QUEUE + "?done=returned", status_code=303)


@router.post(QUEUE + "/{project_id}/priority", response_class=HTMLResponse, response_model=None)
async def priority(
    *, project_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    priority: Annotated[str, Form()] = "", reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        if priority and priority not in {p.value for p in Priority}:
            raise Invalid("project.bad_priority", "优先类别无效", "Unknown priority")
        chosen = Priority(priority) if priority else None
        await service.set_priority(session, actor, project_id, chosen, reason, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _queue(request, session, actor, err, {"project_id": project_id, "reason": reason})
    return RedirectResponse(QUEUE + "?done=priority", status_code=303)
