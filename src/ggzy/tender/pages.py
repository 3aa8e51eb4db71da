"""Pages of tenders: my tenders with their timeline, the new-tender form, a tender's page with publish,
correction and cancel forms. Times typed into forms are Beijing time (datetime-local has no zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.bid.models import KeySet, KeySetStatus
from ggzy.bid.rules import RESCUE_SUITE
from ggzy.evaluation.methods import plan as eval_plan
from ggzy.evaluation.methods.base import Category, CriterionKind
from ggzy.kit.errors import DomainError, Invalid
from ggzy.kit.templating import login_redirect as _login
from ggzy.kit.templating import render
from ggzy.kit.timefmt import SHANGHAI, local
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role
from ggzy.project import service as project_service
from ggzy.project.models import LINE_LABELS, NOTICE_LABELS, TENDER_LINES, ProjectStatus
from ggzy.project.pages import money_or_none, validation_error
from ggzy.tender import rules, service
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.schemas import CoefficientRange, CorrectionIn, Custodian, LotChange, LotIn, TenderCreate
from ggzy.tender.service import METHOD_LABELS
from ggzy.tender.state import STATUS_LABELS

router = APIRouter(include_in_schema=False)

FLASH: dict[str, tuple[str, str]] = {
    "created": ("招标草稿已保存，请核对后发布公告", "Draft saved; check it, then publish the announcement"),
    "published": ("招标公告已发布", "Announcement published"),
    "corrected": ("更正公告已发布", "Correction published"),
    "moved": ("更正公告已发布；因修改招标文件距截止不足15日，投标截止时间已顺延",
              "Correction published; the documents changed within 15 days of the deadline, so the deadline moved"),
    "cancelled": ("招标已终止", "Tender cancelled"),
}


@dataclass(frozen=True)
class Stage:
    zh: str
    en: str
    when: datetime | None
    state: str
    """done | now | todo (CSS classes of .timeline)."""


def stages(t: Tender, now: datetime) -> list[Stage]:
    """The tender's journey so far, for the timeline."""
    def mark(at: datetime | None, until: datetime | None = None) -> str:
        if at is None or at > now:
            return "todo"
        return "now" if until is not None and now < until else "done"

    out = [Stage("创建草稿", "Draft created", t.created_at, "done"),
           Stage("发布公告", "Announcement published", t.published_at, "done" if t.published_at else "todo")]
    if t.published_at:
        out += [
            Stage("获取招标文件", "Documents on offer", t.doc_start, mark(t.doc_start, t.doc_end)),
            Stage("答疑截止", "Question deadline", t.question_deadline, mark(t.question_deadline)),
            Stage("投标截止 / 开标", "Bid deadline / opening", t.bid_deadline, mark(t.bid_deadline)),
        ]
    if t.status == TenderStatus.cancelled:
        out.append(Stage("已终止", "Cancelled", t.updated_at, "done"))
    elif t.status == TenderStatus.failed:
        out.append(Stage("流标", "Failed", t.updated_at, "done"))
    return out

def _common() -> dict[str, Any]:
    return {"line_labels": LINE_LABELS, "status_labels": STATUS_LABELS, "method_labels": METHOD_LABELS,
            "notice_labels": NOTICE_LABELS, "flashes": FLASH, "rulesets": rules.RULESETS}


def beijing(value: str, name: str) -> datetime | None:
    """A datetime-local form value, read as Beijing time; empty is None."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("request.bad_datetime", f"时间格式有误：{name}", f"Not a date and time: {name}",
                      detail={"field": name}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def form_time(value: datetime | None) -> str:
    """A stored time as the value of a datetime-local input (Beijing)."""
    loc = local(value)
    return loc.strftime("%Y-%m-%dT%H:%M") if loc else ""


@router.get("/workspace/tenders", response_class=HTMLResponse, response_model=None)
async def my_tenders(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    mine = actor.role in (Role.agency, Role.tenderer)
    tenders = await service.list_tenders(session, actor, mine=mine)
    now = clock.now()
    return render(request, "tender/list.html", {
        **_common(), "tenders": tenders, "stages": {t.id: stages(t, now) for t in tenders}, "mine": mine,
    })


CUSTODIAN_LABELS: dict[str, tuple[str, str]] = {
    OrgKind.centre: ("交易中心", "Trading centre"), OrgKind.supervisor: ("监督部门", "Supervisor"),
    OrgKind.agency: ("代理机构", "Agency"), OrgKind.tenderer: ("招标人", "Tenderer"),
}
"""Default custodian label per organisation kind (补救方案 key-share holders are never bidders)."""


@dataclass(frozen=True)
class CandidateCustodian:
    org_id: str
    name: str
    kind: str
    label: str
    has_keys: bool
    """An active key set of the rescue suite: without one, publication refuses the custodian."""
    project_ids: tuple[str, ...]
    """For a tenderer or agency: the projects it is party to (the form shows it only for those)."""


async def candidate_custodians(session: AsyncSession, projects: list[Any]) -> list[CandidateCustodian]:
    """Who may hold a rescue share: the centre, supervisor departments, and the projects' agency and tenderer."""
    of_projects: dict[str, list[str]] = {}
    for p in projects:
        for org_id in (p.tenderer_org_id, p.agency_org_id):
            if org_id:
                of_projects.setdefault(org_id, []).append(p.id)
    kinds = (OrgKind.centre, OrgKind.supervisor)
    orgs = (await session.execute(
        select(Organisation).where(Organisation.status == OrgStatus.verified)
        .where(Organisation.kind.in_(kinds) | Organisation.id.in_(list(of_projects)))
        .order_by(Organisation.kind, Organisation.name)
    )).scalars().all()
    with_keys = set((await session.execute(
        select(KeySet.org_id).where(KeySet.org_id.in_([o.id for o in orgs]), KeySet.status == KeySetStatus.active,
                                    KeySet.suite == RESCUE_SUITE)
    )).scalars().all())
    order = {OrgKind.centre: 0, OrgKind.supervisor: 1, OrgKind.agency: 2, OrgKind.tenderer: 3}
    out = [CandidateCustodian(o.id, o.name, o.kind, CUSTODIAN_LABELS[o.kind][0], o.id in with_keys,
                              tuple(of_projects.get(o.id, ()) if o.kind not in kinds else ()))
           for o in orgs if o.kind in CUSTODIAN_LABELS]
    return sorted(out, key=lambda c: (order.get(OrgKind(c.kind), 9), c.name))


def custodians_from(raw: FormData) -> list[dict[str, str]]:
    """The ticked custodians with their labels (one `custodian` checkbox and one `label_<org id>` each)."""
    out: list[dict[str, str]] = []
    for org_id in dict.fromkeys(str(v) for v in raw.getlist("custodian")):
        out.append({"org_id": org_id, "label": str(raw.get(f"label_{org_id}", "")).strip()[:64]})
    return out


def check_rescue_plan(has_plan: bool, threshold: int, custodians: list[dict[str, str]]) -> None:
    """A rescue plan needs at least k custodians (E-Bidding Measures Art.31); refused here, on the form, rather
    than only at publication, so the draft is fixed while its author still has the form in front of them."""
    if has_plan and len(custodians) < threshold:
        raise Invalid(
            "rescue.too_few_custodians",
            f"已勾选解密失败补救方案：请至少选择 {threshold} 家密钥保管单位（当前 {len(custodians)} 家）",
            f"The rescue plan needs at least {threshold} custodian organisations ({len(custodians)} chosen)",
            detail={"threshold": threshold, "custodians": len(custodians)},
        )


def _threshold(value: str) -> int:
    value = value.strip() or "3"
    if not value.isdigit() or not 2 <= int(value) <= 9:
        raise Invalid("request.bad_threshold", "补救方案门限须为 2 至 9 的整数",
                      "The rescue threshold must be a whole number from 2 to 9", detail={"field": "rescue_threshold"})
    return int(value)


# ---------------------------------------------------------------- the evaluation plan editor (评标办法细则)

CATEGORY_LABELS: dict[str, tuple[str, str, str]] = {
    Category.goods: ("货物", "Goods", "procurement"), Category.services: ("服务", "Services", "procurement"),
    Category.works: ("工程", "Works", "construction"),
}
"""value → (zh, en, the trading line it belongs to)."""
KIND_LABELS: dict[str, tuple[str, str]] = {
    CriterionKind.price: ("价格分（系统计算）", "Price (computed)"), CriterionKind.technical: ("技术", "Technical"),
    CriterionKind.commercial: ("商务", "Commercial"),
}
PLAN_FIELDS = ("plan_category", "plan_custom", "bp_drop", "bp_above", "bp_below", "coef_min", "coef_max", "coef_step")


def preset_rows(method: str, category: str = "") -> list[dict[str, str]]:
    """The criteria rows of a method's preset, as the form shows them."""
    by_cat = eval_plan.presets_json().get(method, {})
    chosen: dict[str, Any] = by_cat.get(category) or next(iter(by_cat.values()), {"criteria": []})
    return [{"name": c["name"], "kind": c["kind"], "max": c["max"]} for c in chosen["criteria"]]


def plan_form(raw: FormData | None, method: str) -> dict[str, Any]:
    """The plan part of the form as typed (or the method's preset when there is no submission yet)."""
    bp = eval_plan.DEFAULT_BASE_PRICE
    if raw is None:
        return {"plan_category": "", "plan_custom": "", "criteria": preset_rows(method),
                "bp_drop": str(bp.drop_extremes_above), "bp_above": str(bp.deduction_above),
                "bp_below": str(bp.deduction_below), "coef_min": "", "coef_max": "", "coef_step": "0.005"}
    out: dict[str, Any] = {k: str(raw.get(k, "")).strip() for k in PLAN_FIELDS}
    names, kinds, maxes = raw.getlist("crit_name"), raw.getlist("crit_kind"), raw.getlist("crit_max")
    rows = [{"name": str(n).strip(), "kind": str(kinds[i]) if i < len(kinds) else "",
             "max": str(maxes[i]).strip() if i < len(maxes) else ""} for i, n in enumerate(names)]
    rows = [r for r in rows if r["name"] or r["max"]]
    out["criteria"] = rows if out["plan_custom"] else preset_rows(method, out["plan_category"])
    return out


def plan_input(form: dict[str, Any], method: str) -> tuple[eval_plan.EvaluationPlanIn | None, CoefficientRange | None]:
    """The plan and the 下浮系数 range to send to the service; ValidationError on malformed numbers."""
    category = form.get("plan_category") or None
    coefficient = None
    if method in eval_plan.BASE_PRICE_METHODS and (form.get("coef_min") or form.get("coef_max")):
        coefficient = CoefficientRange.model_validate({
            "min": form.get("coef_min") or form.get("coef_max"), "max": form.get("coef_max") or form.get("coef_min"),
            "step": form.get("coef_step") or "0.005"})
    if not form.get("plan_custom"):
        return (eval_plan.EvaluationPlanIn.model_validate({"category": category}) if category else None), coefficient
    base = None
    if method in eval_plan.BASE_PRICE_METHODS:
        base = {"drop_extremes_above": form.get("bp_drop") or None, "deduction_above": form.get("bp_above") or None,
                "deduction_below": form.get("bp_below") or None}
        base = {k: v for k, v in base.items() if v is not None}
    return eval_plan.EvaluationPlanIn.model_validate({
        "category": category, "criteria": form.get("criteria") or [], "base_price": base}), coefficient


async def _new_form(request: Request, session: DB, actor: Actor, *, form: dict[str, Any] | None = None,
                    error: DomainError | None = None) -> HTMLResponse:
    projects = [p for p in await project_service.list_projects(
        session, actor, status=ProjectStatus.admitted, lines=TENDER_LINES) if project_service.is_party(actor, p)]
    current = rules.current_ruleset()
    methods = {line.value: [(m.value, *METHOD_LABELS[m]) for m in current.for_line(line).methods]
               for line in current.lines}
    first_method = next(iter(next(iter(methods.values()))))[0]
    form = form or {"project_id": request.query_params.get("project_id", ""), "rescue_threshold": "3",
                    "custodians": [], "lots": [{"name": "", "budget": "", "ceiling": "", "bond": ""}],
                    "plan": plan_form(None, first_method)}
    chosen = {c["org_id"]: c["label"] for c in form.get("custodians", [])}
    return render(request, "tender/new.html", {
        **_common(), "projects": projects, "methods": methods, "form": form, "error": error, "ruleset": current,
        "candidates": await candidate_custodians(session, projects), "chosen": chosen,
        "presets": eval_plan.presets_json(), "category_labels": CATEGORY_LABELS, "kind_labels": KIND_LABELS,
        "base_price_methods": sorted(eval_plan.BASE_PRICE_METHODS),
    }, status_code=error.status if error else 200)


@router.get("/workspace/tenders/new", response_class=HTMLResponse, response_model=None)
async def new_tender(request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    return await _new_form(request, session, actor)


def _lots_from(form: FormData) -> list[dict[str, str]]:
    names, budgets = form.getlist("lot_name"), form.getlist("lot_budget")
    ceilings, bonds = form.getlist("lot_ceiling"), form.getlist("lot_bond")
    rows = []
    for i, name in enumerate(names):
        row = {"name": str(name), "budget": str(budgets[i]) if i < len(budgets) else "",
               "ceiling": str(ceilings[i]) if i < len(ceilings) else "",
               "bond": str(bonds[i]) if i < len(bonds) else ""}
        if any(v.strip() for v in row.values()):
            rows.append(row)
    return rows


@router.post("/workspace/tenders/new", response_class=HTMLResponse, response_model=None)
async def create_tender(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    raw = await request.form()
    form: dict[str, Any] = {k: str(raw.get(k, "")) for k in (
        "project_id", "title", "evaluation_method", "has_rescue_plan", "description", "qualification",
        "doc_start", "doc_end", "question_deadline", "bid_deadline", "rescue_threshold")}
    form["lots"] = _lots_from(raw) or [{"name": "", "budget": "", "ceiling": "", "bond": ""}]
    form["custodians"] = custodians_from(raw)
    form["plan"] = plan_form(raw, form["evaluation_method"])
    try:
        threshold = _threshold(form["rescue_threshold"])
        check_rescue_plan(bool(form["has_rescue_plan"]), threshold, form["custodians"])
        try:
            lots = [LotIn(name=r["name"], budget=money_or_none(r["budget"]),
                          ceiling_price=money_or_none(r["ceiling"]), bond_amount=money_or_none(r["bond"]) or 0)
                    for r in _lots_from(raw)]
            plan, coefficient = plan_input(form["plan"], form["evaluation_method"])
            data = TenderCreate(
                project_id=form["project_id"], title=form["title"] or None,
                evaluation_method=form["evaluation_method"], has_rescue_plan=bool(form["has_rescue_plan"]),
                description=form["description"], qualification=form["qualification"],
                doc_start=beijing(form["doc_start"], "doc_start"), doc_end=beijing(form["doc_end"], "doc_end"),
                question_deadline=beijing(form["question_deadline"], "question_deadline"),
                bid_deadline=beijing(form["bid_deadline"], "bid_deadline"), lots=lots,
                rescue_threshold=threshold,
                rescue_custodians=[Custodian(**c) for c in form["custodians"]] if form["has_rescue_plan"] else [],
                evaluation_plan=plan, coefficient_range=coefficient,
            )
        except ValidationError as exc:
            raise validation_error(exc) from None
        created = await service.create_tender(session, actor, data, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _new_form(request, session, actor, form=form, error=err)
    return RedirectResponse(f"/workspace/tenders/{created.tender.id}?done=created", status_code=303)


async def _detail(request: Request, session: DB, actor: Actor, now: datetime, tender_id: str, *,
                  error: DomainError | None = None, form: dict[str, Any] | None = None) -> HTMLResponse:
    v = await service.get_tender(session, actor, tender_id)
    t = v.tender
    notices = await service.tender_notices(session, t.id, now=now)
    names = await project_service.org_names(session, [t.tenderer_org_id, t.agency_org_id])
    lr = rules.get_ruleset(t.ruleset_version).for_line(t.line)
    checks = await service.preflight(session, v, now=now) if service.manages(actor, t) else []
    return render(request, "tender/detail.html", {
        **_common(), "v": v, "tn": t, "lots": v.lots, "notices": notices, "names": names, "lr": lr,
        "stages": stages(t, now), "manages": service.manages(actor, t), "is_centre": actor.is_centre,
        "error": error, "form": form or {}, "flash": request.query_params.get("done", ""), "form_time": form_time,
        "now": now, "checks": checks,
    }, status_code=error.status if error else 200)


@router.get("/workspace/tenders/{tender_id}", response_class=HTMLResponse, response_model=None)
async def tender_page(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    return await _detail(request, session, actor, clock.now(), tender_id)


@router.post("/workspace/tenders/{tender_id}/publish", response_class=HTMLResponse, response_model=None)
async def publish(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        await service.publish_announcement(session, actor, tender_id, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _detail(request, session, actor, clock.now(), tender_id, error=err)
    return RedirectResponse(f"/workspace/tenders/{tender_id}?done=published", status_code=303)


@router.post("/workspace/tenders/{tender_id}/corrections", response_class=HTMLResponse, response_model=None)
async def correct(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    raw = await request.form()
    form = {k: str(raw.get(k, "")) for k in ("body", "changes_documents", "description", "doc_end",
                                              "question_deadline", "bid_deadline", "lot_number", "lot_ceiling",
                                              "lot_bond", "lot_budget")}
    try:
        try:
            lot_changes = None
            if form["lot_number"].strip() and any(form[k].strip() for k in ("lot_ceiling", "lot_bond", "lot_budget")):
                lot_changes = [LotChange(
                    number=int(form["lot_number"]) if form["lot_number"].isdigit() else 0,
                    **{k: money_or_none(form[f]) for k, f in (("ceiling_price", "lot_ceiling"),
                                                               ("bond_amount", "lot_bond"), ("budget", "lot_budget"))
                       if form[f].strip()},
                )]
            data = CorrectionIn(
                body=form["body"], changes_documents=bool(form["changes_documents"]),
                description=form["description"] if form["description"].strip() else None,
                doc_end=beijing(form["doc_end"], "doc_end"),
                question_deadline=beijing(form["question_deadline"], "question_deadline"),
                bid_deadline=beijing(form["bid_deadline"], "bid_deadline"), lots=lot_changes,
            )
        except ValidationError as exc:
            raise validation_error(exc) from None
        out = await service.publish_correction(session, actor, tender_id, data, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _detail(request, session, actor, clock.now(), tender_id, error=err, form=form)
    done = "moved" if out.deadline_moved else "corrected"
    return RedirectResponse(f"/workspace/tenders/{tender_id}?done={done}", status_code=303)


@router.post("/workspace/tenders/{tender_id}/cancel", response_class=HTMLResponse, response_model=None)
async def cancel(
    *, tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.is_authenticated:
        return _login(request)
    try:
        await service.cancel_tender(session, actor, tender_id, reason, now=clock.now())
    except DomainError as err:
        await session.rollback()
        return await _detail(request, session, actor, clock.now(), tender_id, error=err)
    return RedirectResponse(f"/workspace/tenders/{tender_id}?done=cancelled", status_code=303)
