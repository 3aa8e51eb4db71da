"""Pages of the expert pool: staff list / search, detail and edit, import; the expert's own page (我的信息).

The edit form writes employment history and penalties one entry per line in the same `a|b|c|d` form as the
import file, so staff learn one syntax and both go through the same checks (expert.pool_rules).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.expert import pool_rules as rules
from ggzy.expert import pool_service as svc
from ggzy.expert.errors import ExpertsOnly, ImportUnreadable, PoolStaffOnly
from ggzy.expert.models import DeclarationKind, ExpertStatus
from ggzy.expert.pool_endpoints import read_upload
from ggzy.expert.pool_state import EXPERT_TRANSITIONS
from ggzy.kit.clock import Clock
from ggzy.kit.errors import DomainError, Invalid
from ggzy.kit.i18n import t
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import SHANGHAI
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
BASE = "/workspace/centre/experts"
ME = "/expert/me"

STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    ExpertStatus.active: ("在库", "Active", "green"),
    ExpertStatus.suspended: ("暂停", "Suspended", "orange"),
    ExpertStatus.retired: ("出库", "Retired", "gray"),
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    ExpertStatus.active: ("恢复在库", "Reinstate"),
    ExpertStatus.suspended: ("暂停", "Suspend"),
    ExpertStatus.retired: ("出库", "Retire"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    DeclarationKind.relative: ("近亲属", "Close relative"),
    DeclarationKind.interest: ("利害关系", "Interest"),
}
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "Name"), "id_number": ("身份证号", "ID number"), "phone": ("手机", "Mobile"),
    "employer": ("工作单位", "Employer"), "employer_credit_code": ("单位信用代码", "Employer's credit code"),
    "title": ("职称", "Title"), "senior_title": ("高级职称", "Senior title"),
    "years_in_field": ("从业年限", "Years in the field"), "specialties": ("专业", "Specialties"),
    "region": ("地区", "Region"), "employments": ("工作经历", "Employment history"),
    "penalties": ("处罚", "Penalties"), "declarations": ("申报", "Declarations"), "note": ("备注", "Note"),
}
LABELS: dict[str, Any] = {"statuses": STATUS_LABELS, "kinds": KIND_LABELS, "fields": FIELD_LABELS,
                          "actions": ACTION_LABELS, "columns": rules.COLUMNS}


def _staff_or_raise(actor: Actor) -> None:
    if not actor.is_centre:
        raise PoolStaffOnly()


def _form_text(form: Any, name: str, limit: int = 20_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


# ---------------------------------------------------------------- staff: list and search


@router.get(BASE, response_class=HTMLResponse, response_model=None)
async def pool_list(request: Request, session: DB, actor: CurrentActor) -> Response:
    """Search the pool by name / ID / phone, specialty prefix, region prefix and status."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    q = request.query_params
    f = {"q": q.get("q", "")[:64].strip(), "specialty": q.get("specialty", "")[:16].strip().upper(),
         "region": q.get("region", "")[:6].strip(), "status": q.get("status", "")}
    status = f["status"] if f["status"] in STATUS_LABELS else ""
    try:
        page = max(1, min(int(q.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    found = await svc.list_experts(
        session, actor, q=f["q"], specialty=f["specialty"] if f["specialty"].isalnum() else "",
        region=f["region"] if f["region"].isdigit() else "", status=ExpertStatus(status) if status else None,
        page=page, page_size=PAGE_SIZE,
    )
    base_query = urlencode({k: v for k, v in f.items() if v})
    ctx = {"found": found, "f": f, "base_query": base_query, **LABELS}
    partial = request.headers.get("hx-request") == "true" and not request.headers.get("hx-history-restore-request")
    response = render(request, "expert/pool_list_results.html" if partial else "expert/pool_list.html", ctx)
    response.headers["Vary"] = "HX-Request"
    return response


# ---------------------------------------------------------------- staff: import


@router.get(f"{BASE}/import", response_class=HTMLResponse, response_model=None)
async def import_page(request: Request, actor: CurrentActor) -> Response:
    """Upload a CSV or XLSX file; the column names are listed on the page (docs/experts.md)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    return render(request, "expert/pool_import.html", {"result": None, "error": None, **LABELS})


@router.post(f"{BASE}/import", response_class=HTMLResponse, response_model=None)
async def import_submit(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Import, then show either the error table (nothing written) or the counts and the new logins (once)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ImportUnreadable(message_zh="请选择要导入的文件", message_en="Choose a file to import")
        content = await read_upload(upload)
        result = await svc.import_experts(session, actor, content, filename=upload.filename, now=clock.now())
    except DomainError as exc:
        return render(request, "expert/pool_import.html", {"result": None, "error": exc, **LABELS},
                      status_code=exc.status)
    return render(request, "expert/pool_import.html", {"result": result, "error": None, **LABELS})


# ---------------------------------------------------------------- staff: detail, edit, status


def _form_values(d: svc.ExpertDetail) -> dict[str, str]:
    """The edit form's fields from the record, lists written the way the import file writes them."""
    e = d.expert
    return {
        "name": e.name, "id_number": e.id_number, "phone": e.phone, "employer": e.employer,
        "employer_credit_code": e.employer_credit_code, "title": e.title,
        "senior_title": "是" if e.senior_title else "否", "years_in_field": str(e.years_in_field),
        "region": e.region, "specialties": ";".join(d.specialties), "note": e.note,
        "employments": "\n".join(f"{j.org_name}|{j.org_credit_code}|{j.start.isoformat()}|"
                                 f"{j.end.isoformat() if j.end else ''}" for j in d.employments),
        "penalties": "\n".join(f"{p.decided_on.isoformat()}|{p.until.isoformat() if p.until else ''}|"
                               f"{p.authority}|{p.reason}" for p in d.penalties),
    }


async def _detail_page(
    request: Request, session: AsyncSession, actor: Actor, expert_id: str, *, values: dict[str, str] | None = None,
    errors: list[rules.FieldError] | None = None, error: DomainError | None = None, message: str = "",
    status_code: int = 200,
) -> Response:
    d = await svc.get_expert(session, actor, expert_id)
    return render(request, "expert/pool_detail.html", {
        "d": d, "e": d.expert, "values": values if values is not None else _form_values(d), "errors": errors or [],
        "bad_fields": {x.field for x in errors or []}, "error": error, "message": message,
        "next_statuses": sorted(EXPERT_TRANSITIONS[ExpertStatus(d.expert.status)]), **LABELS,
    }, status_code=status_code)


@router.get(BASE + "/{expert_id}", response_class=HTMLResponse, response_model=None)
async def detail_page(expert_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    done = {"saved": ("已保存", "Saved"), "status": ("状态已变更", "Status changed")}.get(
        request.query_params.get("done", ""))
    return await _detail_page(request, session, actor, expert_id, message=t(*done) if done else "")


@router.post(BASE + "/{expert_id}", response_class=HTMLResponse, response_model=None)
async def detail_save(expert_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Save the edit form; every bad field is marked and nothing is saved."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    form = await request.form()
    names = [*(c.key for c in rules.COLUMNS if c.key != "declarations"), "note"]
    values = {n: _form_text(form, n) for n in names}
    now = clock.now()
    checker = rules.Checker()
    rec = rules.record_from_cells({k: v for k, v in values.items() if k != "note"}, today=svc.today_of(now),
                                  checker=checker)
    if rec is None:
        invalid = Invalid("request.invalid", "请检查标出的字段", "Please check the fields marked")
        return await _detail_page(request, session, actor, expert_id, values=values, errors=checker.errors,
                                  error=invalid, status_code=422)
    try:
        await svc.update_expert(session, actor, expert_id, rec, note=values["note"][:2000], now=now)
    except DomainError as exc:
        await session.rollback()
        return await _detail_page(request, session, actor, expert_id, values=values, error=exc,
                                  status_code=exc.status)
    return RedirectResponse(f"{BASE}/{expert_id}?done=saved", status_code=303)


@router.post(BASE + "/{expert_id}/status", response_class=HTMLResponse, response_model=None)
async def status_save(expert_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Suspend, retire or reinstate with a reason."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _staff_or_raise(actor)
    form = await request.form()
    target = _form_text(form, "status")
    try:
        if target not in STATUS_LABELS:
            raise Invalid("request.invalid", "请选择新的状态", "Choose the new status")
        await svc.change_status(session, actor, expert_id, ExpertStatus(target), reason=_form_text(form, "reason"),
                                now=clock.now())
    except DomainError as exc:
        await session.rollback()
        return await _detail_page(request, session, actor, expert_id, error=exc, status_code=exc.status)
    return RedirectResponse(f"{BASE}/{expert_id}?done=status", status_code=303)


# ---------------------------------------------------------------- the expert's own page


def _expert_or_raise(actor: Actor) -> None:
    if actor.role != Role.expert:
        raise ExpertsOnly()


async def _me_page(request: Request, session: AsyncSession, actor: Actor, *, now: datetime,
                   error: DomainError | None = None, message: str = "", status_code: int = 200) -> Response:
    d = await svc.my_record(session, actor)
    return render(request, "expert/pool_me.html", {
        "d": d, "e": d.expert, "error": error, "message": message, "now": now,
        "today": svc.today_of(now).isoformat(), **LABELS,
    }, status_code=status_code)


_DONE = {
    "phone": ("手机号码已更新", "Mobile number updated"),
    "declared": ("申报已提交", "Declaration recorded"),
    "withdrawn": ("申报已撤回", "Declaration withdrawn"),
    "unavailable": ("已登记不可参评时段", "Unavailability period recorded"),
    "removed": ("已删除不可参评时段", "Unavailability period removed"),
}


@router.get(ME, response_class=HTMLResponse, response_model=None)
async def me_page(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """我的信息: one's own record, phone, declarations and unavailability periods."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _expert_or_raise(actor)
    done = _DONE.get(request.query_params.get("done", ""))
    return await _me_page(request, session, actor, now=clock.now(), message=t(*done) if done else "")


FormAction = Callable[[Any, datetime], Awaitable[None]]


async def _me_action(request: Request, session: AsyncSession, actor: Actor, clock: Clock, *, done: str,
                     action: FormAction) -> Response:
    """Run one self-service write; on a refusal re-render the page with the reason, else redirect (PRG)."""
    if not actor.is_authenticated:
        return login_redirect(request)
    _expert_or_raise(actor)
    form = await request.form()
    now = clock.now()
    try:
        await action(form, now)
    except DomainError as exc:
        await session.rollback()
        return await _me_page(request, session, actor, now=now, error=exc, status_code=exc.status)
    return RedirectResponse(f"{ME}?done={done}", status_code=303)


@router.post(f"{ME}/phone", response_class=HTMLResponse, response_model=None)
async def me_phone(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    async def act(form: Any, now: datetime) -> None:
        await svc.update_my_phone(session, actor, _form_text(form, "phone", 40), now=now)
    return await _me_action(request, session, actor, clock, done="phone", action=act)


@router.post(f"{ME}/declarations", response_class=HTMLResponse, response_model=None)
async def me_declare(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    async def act(form: Any, now: datetime) -> None:
        entry = rules.check_declaration([_form_text(form, n, 2000) for n in
                                         ("kind", "org_name", "org_credit_code", "detail")])
        await svc.add_declaration(session, actor, entry, now=now)
    return await _me_action(request, session, actor, clock, done="declared", action=act)


@router.post(ME + "/declarations/{declaration_id}/withdraw", response_class=HTMLResponse, response_model=None)
async def me_withdraw(declaration_id: str, request: Request, session: DB, actor: CurrentActor,
                      clock: ClockDep) -> Response:
    async def act(form: Any, now: datetime) -> None:
        await svc.withdraw_declaration(session, actor, declaration_id, now=now)
    return await _me_action(request, session, actor, clock, done="withdrawn", action=act)


def _day_start(value: str) -> datetime:
    """A date field as 00:00 Beijing time (aware)."""
    day = rules.check_date(value)
    assert isinstance(day, date)
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


@router.post(f"{ME}/unavailability", response_class=HTMLResponse, response_model=None)
async def me_unavailable(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """Dates from the form, both days included: from 00:00 of the first to 24:00 of the last (Beijing time)."""
    async def act(form: Any, now: datetime) -> None:
        start = _day_start(_form_text(form, "start", 20))
        end = _day_start(_form_text(form, "end", 20)) + timedelta(days=1)
        await svc.add_unavailability(session, actor, start=start, end=end, reason=_form_text(form, "reason", 200),
                                     now=now)
    return await _me_action(request, session, actor, clock, done="unavailable", action=act)


@router.post(ME + "/unavailability/{unavailability_id}/delete", response_class=HTMLResponse, response_model=None)
async def me_remove_unavailable(unavailability_id: str, request: Request, session: DB, actor: CurrentActor,
                                clock: ClockDep) -> Response:
    async def act(form: Any, now: datetime) -> None:
        await svc.remove_unavailability(session, actor, unavailability_id, now=now)
    return await _me_action(request, session, actor, clock, done="removed", action=act)
