"""Pages of the village-aid ledger (/aid): the progress page with its charts, CSV and SVG files and the PDF
sheet (staff and supervisors), and the staff's forms for the profile, households, projects and visits.

Forms post back to the page they sit on; a refused form re-renders that page with the message, the fields
marked and what was typed, under the error's 4xx status. A saved form redirects (303) to the page it came from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import charts, rules, service
from ggzy.aid.errors import AidInvalid, ChartNotFound
from ggzy.aid.models import HouseholdStatus, ProjectCategory
from ggzy.aid.schemas import (
    CompleteIn,
    HouseholdIn,
    InvestmentIn,
    MemberIn,
    PartnerIn,
    ProjectIn,
    SolveIn,
    StatusIn,
    VillageIn,
    VisitIn,
)
from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError
from ggzy.kit.i18n import t
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("名称", "Name"), "township": ("乡镇", "Township"), "county": ("县（区）", "County"),
    "region_code": ("行政区划代码", "Region code"), "households": ("全村户数", "Households"),
    "population": ("全村人口", "Population"), "paired_since": ("结对帮扶开始日期", "Supported since"),
    "first_secretary": ("驻村第一书记", "First secretary"), "note": ("备注", "Note"),
    "code": ("户编号", "Household number"), "group_name": ("村民小组", "Village group"),
    "registered_on": ("建档立卡日期", "Registered on"), "reason": ("致贫原因", "Cause of poverty"),
    "members": ("家庭成员", "Members"), "id_number": ("身份证号", "ID number"), "relation": ("与户主关系", "Relation"),
    "status": ("状态", "Status"), "effective_on": ("生效日期", "Effective on"), "kind": ("单位类型", "Kind"),
    "category": ("项目类别", "Category"), "started_on": ("开工日期", "Started on"),
    "completed_on": ("完工日期", "Completed on"), "beneficiary_households": ("受益户数", "Households benefiting"),
    "description": ("项目内容", "Description"), "partner_id": ("帮扶单位", "Partner unit"),
    "amount": ("金额（元）", "Amount (yuan)"), "invested_on": ("到位日期", "Received on"),
    "visited_on": ("走访日期", "Visited on"), "staff": ("走访人员", "Staff"),
    "households_visited": ("走访户数", "Households visited"), "summary": ("走访情况", "Summary"),
    "problems": ("发现的问题", "Problems found"), "solved_on": ("解决日期", "Solved on"),
    "solution": ("解决措施", "Solution"),
}
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "is required"), "string_too_short": ("必填", "is required"),
    "string_too_long": ("太长", "is too long"), "int_parsing": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "date_from_datetime_parsing": ("应为日期（年-月-日）", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("应为日期（年-月-日）", "must be a date (YYYY-MM-DD)"),
    "greater_than": ("应大于零", "must be more than zero"), "greater_than_equal": ("太小", "is too small"),
    "less_than_equal": ("太大", "is too large"), "decimal_parsing": ("不是有效金额", "is not an amount"),
    "decimal_max_places": ("最多两位小数（精确到分）", "has more than two decimals (fen)"),
    "decimal_max_digits": ("金额过大", "is too large"), "decimal_whole_digits": ("金额过大", "is too large"),
    "enum": ("不是可选的值", "is not one of the choices"),
    "literal_error": ("不是可选的值", "is not one of the choices"),
    "string_pattern_mismatch": ("格式有误", "has the wrong format"), "too_long": ("条目过多", "has too many entries"),
    "too_short": ("至少填写一项", "needs at least one entry"),
}
CATEGORIES = [(c.value, rules.CATEGORY_LABELS[c]) for c in ProjectCategory]
STATUSES = [(s.value, rules.STATUS_LABELS[s]) for s in HouseholdStatus]
LABELS: dict[str, Any] = {"fields": FIELD_LABELS, "category_labels": rules.CATEGORY_LABELS, "categories": CATEGORIES,
                          "status_labels": rules.STATUS_LABELS, "status_tags": rules.STATUS_TAGS,
                          "relation_labels": rules.RELATION_LABELS, "partner_kinds": rules.PARTNER_KINDS,
                          "statuses": STATUSES, "wan": rules.wan}
DONE: dict[str, tuple[str, str]] = {
    "saved": ("已保存", "Saved"), "household": ("已登记贫困户", "Household registered"),
    "status": ("状态变更已记录", "Status change recorded"), "member": ("已添加家庭成员", "Member added"),
    "project": ("已添加项目", "Project added"), "investment": ("已登记资金", "Money recorded"),
    "partner": ("已添加帮扶单位", "Partner unit added"), "completed": ("已登记完工", "Completion recorded"),
    "visit": ("已登记走访", "Visit recorded"), "solved": ("已登记解决", "Solution recorded"),
    "village": ("已建立帮扶村", "Village recorded"),
}


# ---------------------------------------------------------------- form plumbing


async def form_data(request: Request) -> dict[str, str]:
    """The posted text fields, capped in length (the schemas refuse what is too long)."""
    form = await request.form()
    return {k: v[:20_000] for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _field_error(err: Any) -> dict[str, str]:
    loc = [str(x) for x in err.get("loc", ())]
    name = next((x for x in loc if x in FIELD_LABELS), loc[0] if loc else "")
    zh, en = MESSAGES.get(str(err.get("type")), ("有误", "is invalid"))
    lzh, len_ = FIELD_LABELS.get(name, (name, name))
    return {"field": name, "message_zh": f"{lzh}{zh}", "message_en": f"{len_} {en}"}


def invalid(fields: list[dict[str, str]]) -> AidInvalid:
    """One named 422 listing every bad field, in words a person can act on."""
    return AidInvalid(message_zh="输入有误：" + "；".join(f["message_zh"] for f in fields),
                      message_en="Invalid input: " + "; ".join(f["message_en"] for f in fields),
                      detail={"fields": fields})


def parse_form(model: type[M], data: dict[str, Any]) -> M:
    """Validate form fields with the API's schema; blank optional fields take their defaults."""
    picked = {k: v for k, v in data.items() if k in model.model_fields and v != ""}
    try:
        return model.model_validate(picked)
    except ValidationError as exc:
        raise invalid([_field_error(e) for e in exc.errors()]) from None


def parse_member_lines(text: str) -> list[dict[str, str]]:
    """家庭成员, one per line: 姓名|身份证号|与户主关系 (the head first). Bad lines are named by number."""
    members: list[dict[str, str]] = []
    bad: list[dict[str, str]] = []
    for n, line in enumerate((x.strip() for x in text.splitlines()), start=1):
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"[|｜\t]", line)]
        relation = rules.relation_key(parts[2]) if len(parts) == 3 else None
        if len(parts) != 3 or relation is None:
            bad.append({"field": "members", "message_zh": f"家庭成员第 {n} 行应为“姓名|身份证号|与户主关系”，关系为"
                        + "、".join(zh for zh, _ in rules.RELATION_LABELS.values()),
                        "message_en": f"Members line {n} must be name|ID number|relation, the relation one of "
                        + ", ".join(en for _, en in rules.RELATION_LABELS.values())})
            continue
        members.append({"name": parts[0], "id_number": parts[1], "relation": relation})
    if bad:
        raise invalid(bad)
    return members


def _bad_fields(error: DomainError | None) -> set[str]:
    if error is None:
        return set()
    fields = {f.get("field", "") for f in error.detail.get("fields", [])}
    if "field" in error.detail:
        fields.add(str(error.detail["field"]))
    return fields


def _done(request: Request) -> str:
    found = DONE.get(request.query_params.get("done", ""))
    return t(*found) if found else ""


Renderer = Callable[[DomainError | None, dict[str, str]], Awaitable[Response]]


async def _post(request: Request, session: AsyncSession, actor: Actor, action: Callable[[dict[str, str]],
                Awaitable[str]], page: Renderer) -> Response:
    """Run a form's action; on a DomainError show the page again with the message and the typed values."""
    if not actor.is_authenticated:
        return login_redirect(request)
    data = await form_data(request)
    try:
        target = await action(data)
    except DomainError as err:
        await session.rollback()
        if err.status in (401, 403):
            raise  # no form to show it beside: the error page says who may do this
        return await page(err, data)
    return RedirectResponse(target, status_code=303)


def _ctx(error: DomainError | None, values: dict[str, str], form: str, **kw: Any) -> dict[str, Any]:
    """Page context: the error belongs to the form named `form` (the one whose values are refilled)."""
    return {"error": error, "bad_fields": _bad_fields(error), "values": values, "form": form, **LABELS, **kw}


def _status(error: DomainError | None) -> int:
    return error.status if error else 200


# ---------------------------------------------------------------- villages


async def _index(request: Request, session: AsyncSession, actor: Actor, *, error: DomainError | None = None,
                 values: dict[str, str] | None = None) -> Response:
    villages = await service.list_villages(session, actor)
    return render(request, "aid/index.html", _ctx(error, values or {}, "village", villages=villages,
                                                   message=_done(request)), status_code=_status(error))


@router.get("/aid", response_class=HTMLResponse, response_model=None)
async def index(request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _index(request, session, actor)


@router.post("/aid/villages", response_class=HTMLResponse, response_model=None)
async def create_village(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        v = await service.create_village(session, actor, parse_form(VillageIn, data), now=clock.now())
        return f"/aid/villages/{v.id}?done=village"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _index(request, session, actor, error=err, values=data)

    return await _post(request, session, actor, action, page)


@router.get("/aid/villages/{village_id}", response_class=HTMLResponse, response_model=None)
async def progress_page(village_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> Response:
    """Progress as of a day: the figures, five charts each with its table and CSV, and the PDF sheet."""
    if not actor.is_authenticated:
        return login_redirect(request)
    service.ensure_reader(actor)
    now = clock.now()
    as_of = service.parse_as_of(request.query_params.get("as_of"), now=now)
    p = await service.progress(session, actor, village_id, as_of=as_of)
    built = [(c, charts.render_svg(c, titled=False)) for c in charts.build_charts(p)]
    query = "" if as_of == service.today_of(now) else f"?as_of={as_of.isoformat()}"
    return render(request, "aid/progress.html", {
        "p": p, "v": p.village, "charts": built, "query": query, "today": service.today_of(now),
        "is_staff": actor.is_centre, "message": _done(request), **LABELS,
    })


@router.get("/aid/villages/{village_id}/charts/{filename}", response_model=None)
async def chart_file(village_id: str, filename: str, *, request: Request, session: DB, actor: CurrentActor,
                     clock: ClockDep) -> Response:
    """`<chart>.svg` (the picture) or `<chart>.csv` (its table), as of ?as_of= like the page."""
    if not actor.is_authenticated:
        return login_redirect(request)
    service.ensure_reader(actor)
    key, _, ext = filename.rpartition(".")
    if ext not in ("svg", "csv") or key not in charts.KEYS:
        raise ChartNotFound(detail={"chart": filename[:40], "charts": list(charts.KEYS)})
    as_of = service.parse_as_of(request.query_params.get("as_of"), now=clock.now())
    chart = charts.build_chart(await service.progress(session, actor, village_id, as_of=as_of), key)
    name = f"aid-{key}-{as_of.isoformat()}.{ext}"
    if ext == "svg":
        return Response(charts.render_svg(chart), media_type="image/svg+xml",
                        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})
    return Response(charts.to_csv(chart), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/aid/villages/{village_id}/sheet.pdf", response_model=None)
async def sheet_pdf(village_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    """The one-page progress sheet (对口帮扶工作进展表): aggregates only."""
    if not actor.is_authenticated:
        return login_redirect(request)
    service.ensure_reader(actor)
    now = clock.now()
    as_of = service.parse_as_of(request.query_params.get("as_of"), now=now)
    pdf = await service.progress_sheet(session, actor, village_id, as_of=as_of, now=now)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="aid-progress-{as_of.isoformat()}.pdf"', "Cache-Control": "no-store"})


def _profile_values(v: Any) -> dict[str, str]:
    return {"name": v.name, "township": v.township, "county": v.county, "region_code": v.region_code,
            "households": str(v.households), "population": str(v.population),
            "paired_since": v.paired_since.isoformat(), "first_secretary": v.first_secretary, "note": v.note}


async def _profile_page(request: Request, session: AsyncSession, actor: Actor, village_id: str,
                        *, error: DomainError | None = None, values: dict[str, str] | None = None) -> Response:
    service.ensure_staff(actor)
    v = await service.get_village(session, actor, village_id)
    return render(request, "aid/profile.html", _ctx(error, values if values is not None else _profile_values(v),
                                                     "village", v=v), status_code=_status(error))


@router.get("/aid/villages/{village_id}/profile", response_class=HTMLResponse, response_model=None)
async def profile_page(village_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _profile_page(request, session, actor, village_id)


@router.post("/aid/villages/{village_id}/profile", response_class=HTMLResponse, response_model=None)
async def profile_save(village_id: str, request: Request, session: DB, actor: CurrentActor,
                       clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        await service.update_village(session, actor, village_id, parse_form(VillageIn, data), now=clock.now())
        return f"/aid/villages/{village_id}?done=saved"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _profile_page(request, session, actor, village_id, error=err, values=data)

    return await _post(request, session, actor, action, page)


# ---------------------------------------------------------------- households (centre staff only)


async def _households_page(request: Request, session: AsyncSession, actor: Actor, village_id: str,
                           *, error: DomainError | None = None, values: dict[str, str] | None = None) -> Response:
    rows = await service.list_households(session, actor, village_id)
    v = await service.get_village(session, actor, village_id)
    status = request.query_params.get("status", "")
    shown = [r for r in rows if not status or r.status == status]
    return render(request, "aid/households.html", _ctx(
        error, values or {}, "household", v=v, rows=shown, total=len(rows), status=status,
        message=_done(request)), status_code=_status(error))


@router.get("/aid/villages/{village_id}/households", response_class=HTMLResponse, response_model=None)
async def households_page(village_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _households_page(request, session, actor, village_id)


@router.post("/aid/villages/{village_id}/households", response_class=HTMLResponse, response_model=None)
async def add_household(village_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        service.ensure_staff(actor)
        body = parse_form(HouseholdIn, {**data, "members": parse_member_lines(data.get("members", ""))})
        h = await service.add_household(session, actor, village_id, body, now=clock.now())
        return f"/aid/households/{h.id}?done=household"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _households_page(request, session, actor, village_id, error=err, values=data)

    return await _post(request, session, actor, action, page)


async def _household_page(request: Request, session: AsyncSession, actor: Actor, household_id: str,
                          *, error: DomainError | None = None, values: dict[str, str] | None = None,
                          form: str = "") -> Response:
    d = await service.get_household(session, actor, household_id)
    return render(request, "aid/household.html", _ctx(error, values or {}, form, d=d, v=d.village,
                                                       message=_done(request)), status_code=_status(error))


@router.get("/aid/households/{household_id}", response_class=HTMLResponse, response_model=None)
async def household_page(household_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _household_page(request, session, actor, household_id)


@router.post("/aid/households/{household_id}/status", response_class=HTMLResponse, response_model=None)
async def change_status(household_id: str, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        await service.change_status(session, actor, household_id, parse_form(StatusIn, data), now=clock.now())
        return f"/aid/households/{household_id}?done=status"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _household_page(request, session, actor, household_id, error=err, values=data, form="status")

    return await _post(request, session, actor, action, page)


@router.post("/aid/households/{household_id}/members", response_class=HTMLResponse, response_model=None)
async def add_member(household_id: str, request: Request, session: DB, actor: CurrentActor,
                     clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        relation = rules.relation_key(data.get("relation", "")) or data.get("relation", "")
        body = parse_form(MemberIn, {**data, "relation": relation})
        await service.add_member(session, actor, household_id, body, now=clock.now())
        return f"/aid/households/{household_id}?done=member"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _household_page(request, session, actor, household_id, error=err, values=data, form="member")

    return await _post(request, session, actor, action, page)


# ---------------------------------------------------------------- projects, money, partners


async def _projects_page(request: Request, session: AsyncSession, actor: Actor, village_id: str,
                         *, error: DomainError | None = None, values: dict[str, str] | None = None,
                         form: str = "") -> Response:
    projects = await service.list_projects(session, actor, village_id)
    v = await service.get_village(session, actor, village_id)
    partners = await service.list_partners(session, actor)
    total = sum((pv.total for pv in projects), rules.ZERO)
    partner_totals: dict[str, Decimal] = defaultdict(lambda: rules.ZERO)
    for pv in projects:
        for name, amount in pv.by_partner():
            partner_totals[name] += amount
    matrix_partners = sorted(partner_totals, key=lambda n: (-partner_totals[n], n))
    return render(request, "aid/projects.html", _ctx(
        error, values or {}, form, v=v, projects=projects, partners=partners, total=total,
        partner_options=[(pa.id, pa.name) for pa in partners], matrix_partners=matrix_partners,
        partner_totals=dict(partner_totals), is_staff=actor.is_centre, message=_done(request)),
        status_code=_status(error))


@router.get("/aid/villages/{village_id}/projects", response_class=HTMLResponse, response_model=None)
async def projects_page(village_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _projects_page(request, session, actor, village_id)


def _amount_text(data: dict[str, str]) -> dict[str, str]:
    """People type 1,200,000.00 or 1 200 000: drop the separators before the schema reads the amount."""
    return {**data, "amount": re.sub(r"[,，\s]", "", data.get("amount", ""))}


@router.post("/aid/villages/{village_id}/projects", response_class=HTMLResponse, response_model=None)
async def add_project(village_id: str, request: Request, session: DB, actor: CurrentActor,
                      clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        await service.add_project(session, actor, village_id, parse_form(ProjectIn, data), now=clock.now())
        return f"/aid/villages/{village_id}/projects?done=project"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _projects_page(request, session, actor, village_id, error=err, values=data, form="project")

    return await _post(request, session, actor, action, page)


@router.post("/aid/villages/{village_id}/partners", response_class=HTMLResponse, response_model=None)
async def add_partner(village_id: str, request: Request, session: DB, actor: CurrentActor,
                      clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        await service.add_partner(session, actor, parse_form(PartnerIn, data), now=clock.now())
        return f"/aid/villages/{village_id}/projects?done=partner"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _projects_page(request, session, actor, village_id, error=err, values=data, form="partner")

    return await _post(request, session, actor, action, page)


@router.post("/aid/villages/{village_id}/projects/{project_id}/investments", response_class=HTMLResponse,
             response_model=None)
async def add_investment(village_id: str, project_id: str, *, request: Request, session: DB, actor: CurrentActor,
                         clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        body = parse_form(InvestmentIn, _amount_text(data))
        await service.add_investment(session, actor, project_id, body, now=clock.now(), village_id=village_id)
        return f"/aid/villages/{village_id}/projects?done=investment#p-{project_id}"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _projects_page(request, session, actor, village_id, error=err, values=data,
            form=f"inv-{project_id}")

    return await _post(request, session, actor, action, page)


@router.post("/aid/villages/{village_id}/projects/{project_id}/complete", response_class=HTMLResponse,
             response_model=None)
async def complete_project(village_id: str, project_id: str, *, request: Request, session: DB, actor: CurrentActor,
                           clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        body = parse_form(CompleteIn, data)
        await service.complete_project(session, actor, project_id, body.completed_on, now=clock.now(),
                                       village_id=village_id)
        return f"/aid/villages/{village_id}/projects?done=completed#p-{project_id}"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _projects_page(request, session, actor, village_id, error=err, values=data,
            form=f"done-{project_id}")

    return await _post(request, session, actor, action, page)


# ---------------------------------------------------------------- visits


async def _visits_page(request: Request, session: AsyncSession, actor: Actor, village_id: str,
                       *, error: DomainError | None = None, values: dict[str, str] | None = None,
                       form: str = "") -> Response:
    visits = await service.list_visits(session, actor, village_id)
    v = await service.get_village(session, actor, village_id)
    show = request.query_params.get("show", "")
    if show == "open":
        visits = [x for x in visits if any(p.solved_on is None for p in x.problems)]
    return render(request, "aid/visits.html", _ctx(
        error, values or {}, form, v=v, visits=visits, show=show, is_staff=actor.is_centre,
        message=_done(request)), status_code=_status(error))


@router.get("/aid/villages/{village_id}/visits", response_class=HTMLResponse, response_model=None)
async def visits_page(village_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _visits_page(request, session, actor, village_id)


@router.post("/aid/villages/{village_id}/visits", response_class=HTMLResponse, response_model=None)
async def add_visit(village_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        problems = [line.strip() for line in data.get("problems", "").splitlines() if line.strip()]
        body = parse_form(VisitIn, {**data, "problems": problems})
        await service.add_visit(session, actor, village_id, body, now=clock.now())
        return f"/aid/villages/{village_id}/visits?done=visit"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _visits_page(request, session, actor, village_id, error=err, values=data, form="visit")

    return await _post(request, session, actor, action, page)


@router.post("/aid/villages/{village_id}/problems/{problem_id}/solve", response_class=HTMLResponse,
             response_model=None)
async def solve_problem(village_id: str, problem_id: str, *, request: Request, session: DB, actor: CurrentActor,
                        clock: ClockDep) -> Response:
    async def action(data: dict[str, str]) -> str:
        await service.solve_problem(session, actor, problem_id, parse_form(SolveIn, data), now=clock.now(),
                                    village_id=village_id)
        return f"/aid/villages/{village_id}/visits?done=solved#pr-{problem_id}"

    async def page(err: DomainError | None, data: dict[str, str]) -> Response:
        return await _visits_page(request, session, actor, village_id, error=err, values=data,
            form=f"solve-{problem_id}")

    return await _post(request, session, actor, action, page)
