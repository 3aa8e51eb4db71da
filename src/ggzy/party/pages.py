"""Pages of the party domain: bidder self-registration, the centre's verification queue, my account."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import SESSION_COOKIE, CurrentActor, pre_session_csrf, pre_session_csrf_ok, set_pre_session_csrf
from ggzy.auth.errors import CsrfFailed
from ggzy.auth.service import token_hash
from ggzy.kit.errors import DomainError, Invalid, Unauthenticated
from ggzy.kit.i18n import t
from ggzy.kit.templating import login_redirect as _to_login
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.party import service
from ggzy.party.errors import CentreStaffOnly
from ggzy.party.models import ROLE_LABELS, OrgKind, OrgStatus, Role
from ggzy.party.rules import DEPARTMENT_LABELS
from ggzy.party.schemas import BidderRegistration, RegistrationResubmit

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20

KIND_LABELS: dict[str, tuple[str, str]] = {
    OrgKind.centre: ("交易中心", "Trading centre"),
    OrgKind.tenderer: ("招标人/采购人", "Tenderer"),
    OrgKind.agency: ("代理机构", "Agency"),
    OrgKind.bidder: ("投标人/供应商", "Bidder"),
    OrgKind.supervisor: ("行政监督部门", "Supervisor"),
    OrgKind.expert: ("专家库", "Expert pool"),
}
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    OrgStatus.pending: ("待审核", "Pending verification", "orange"),
    OrgStatus.verified: ("已审核", "Verified", "green"),
    OrgStatus.rejected: ("未通过", "Rejected", "red"),
    OrgStatus.disabled: ("已停用", "Disabled", "gray"),
}
REGISTRATION_FIELDS: dict[str, tuple[str, str]] = {
    "org_name": ("单位名称", "Company name"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "region": ("所在地区", "Region"),
    "address": ("单位地址", "Address"),
    "contact_name": ("联系人", "Contact person"),
    "contact_phone": ("联系电话", "Contact phone"),
    "username": ("登录用户名", "Username"),
    "display_name": ("经办人姓名", "Your name"),
    "password": ("登录密码", "Password"),
    "email": ("电子邮箱", "E-mail"),
}
RESUBMIT_FIELDS: dict[str, tuple[str, str]] = {
    k: REGISTRATION_FIELDS[k] for k in ("org_name", "credit_code", "region", "address", "contact_name", "contact_phone")
}
LABELS: dict[str, Any] = {
    "kinds": KIND_LABELS, "statuses": STATUS_LABELS, "roles": ROLE_LABELS, "departments": DEPARTMENT_LABELS,
}

def _form_values(form: Any, names: list[str]) -> dict[str, str]:
    """The string fields of a posted form (anything else, such as a file, counts as missing)."""
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            values[name] = value
    return values


# --- bidder self-registration -------------------------------------------------------------------------


def _register_form(
    request: Request, *, secure: bool, values: dict[str, str] | None = None, error: DomainError | None = None,
    bad_fields: list[str] | None = None, status_code: int = 200,
) -> Response:
    token = pre_session_csrf(request)
    values = {k: v for k, v in (values or {}).items() if k != "password"}
    response = render(request, "party/register.html", {
        "values": values, "error": error, "bad_fields": bad_fields or [], "fields": REGISTRATION_FIELDS,
        "form_csrf": token,
    }, status_code=status_code)
    set_pre_session_csrf(response, token, secure=secure)
    return response


@router.get("/register")
async def register_page(request: Request, actor: CurrentActor, settings: SettingsDep) -> Response:
    """The bidder registration form; registration is free (E-Bidding Measures Art.9)."""
    return _register_form(request, secure=settings.cookie_secure)


@router.post("/register")
async def register_submit(request: Request, session: DB, clock: ClockDep, settings: SettingsDep) -> Response:
    """Create a pending bidder company and its first user, then show that it awaits verification."""
    form = await request.form()
    values = _form_values(form, list(REGISTRATION_FIELDS))
    secure = settings.cookie_secure
    csrf = form.get("csrf_token")
    if not pre_session_csrf_ok(request, csrf if isinstance(csrf, str) else ""):
        return _register_form(request, secure=secure, values=values, error=CsrfFailed(), status_code=403)
    if values.get("password", "") != (form.get("password2") or ""):
        mismatch = Invalid("party.password_mismatch", "两次输入的密码不一致", "The two passwords differ")
        return _register_form(request, secure=secure, values=values, error=mismatch, bad_fields=["password"],
                              status_code=422)
    try:
        data = BidderRegistration.model_validate(values)
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        return _register_form(request, secure=secure, values=values, error=Invalid("request.invalid",
                              "请检查标出的字段", "Please check the fields marked"), bad_fields=bad, status_code=422)
    applicant = Actor(user_id=None, org_id=None, role=None, ip=request.client.host if request.client else "")
    try:
        org, user = await service.register_bidder(session, applicant, data, now=clock.now())
    except DomainError as exc:
        field = {"party.credit_code_invalid": "credit_code", "party.credit_code_taken": "credit_code",
                 "party.username_taken": "username", "party.password_weak": "password"}.get(exc.code)
        return _register_form(request, secure=secure, values=values, error=exc, bad_fields=[field] if field else [],
                              status_code=exc.status)
    return render(request, "party/registered.html", {"org": org, "user": user, **LABELS}, status_code=201)


# --- the centre's verification queue -------------------------------------------------------------------


def _parse_enum(enum: Any, value: str | None) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


async def _queue(
    request: Request, session: AsyncSession, actor: Actor, *, message: str = "", error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    q = request.query_params
    kind = _parse_enum(OrgKind, q.get("kind"))
    status_param = q.get("status", "pending")
    status = _parse_enum(OrgStatus, status_param)
    try:
        page = max(1, min(int(q.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    items, total = await service.list_orgs(session, actor, kind=kind, status=status, page=page, page_size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    base = {"kind": kind.value if kind else "", "status": status.value if status else "all"}
    page_links = [(n, "?" + urlencode({**base, "page": n})) for n in range(1, pages + 1)]
    return render(request, "party/centre_orgs.html", {
        "items": items, "total": total, "page": page, "pages": pages, "page_links": page_links,
        "kind": base["kind"], "status": base["status"], "message": message, "error": error,
        "return_to": request.url.path + (f"?{request.url.query}" if request.url.query else ""), **LABELS,
    }, status_code=status_code)


@router.get("/workspace/centre/orgs")
async def centre_orgs(request: Request, actor: CurrentActor, session: DB) -> Response:
    """Centre staff: pending bidder registrations first; list any kind and status."""
    if not actor.is_authenticated:
        return _to_login(request)
    if not actor.is_centre:
        raise CentreStaffOnly()
    done = request.query_params.get("done", "")
    message = {"verified": ("已通过审核", "Verified"), "rejected": ("已退回申请", "Registration rejected")}.get(done)
    return await _queue(request, session, actor, message=t(*message) if message else "")


def _back(request: Request, form: Any, done: str) -> Response:
    target = form.get("return_to")
    target = target if isinstance(target, str) and target.startswith("/workspace/centre/orgs") else (
        "/workspace/centre/orgs")
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}done={done}", status_code=303)


@router.post("/workspace/centre/orgs/{org_id}/verify")
async def centre_verify(org_id: str, request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _to_login(request)
    form = await request.form()
    note = form.get("note")
    try:
        await service.verify_organisation(session, actor, org_id, note=note if isinstance(note, str) else "",
                                          now=clock.now())
    except DomainError as exc:
        if not actor.is_centre:
            raise
        return await _queue(request, session, actor, error=exc, status_code=exc.status)
    return _back(request, form, "verified")


@router.post("/workspace/centre/orgs/{org_id}/reject")
async def centre_reject(org_id: str, request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _to_login(request)
    form = await request.form()
    reason = form.get("reason")
    try:
        await service.reject_organisation(session, actor, org_id, reason=reason if isinstance(reason, str) else "",
                                          now=clock.now())
    except DomainError as exc:
        if not actor.is_centre:
            raise
        return await _queue(request, session, actor, error=exc, status_code=exc.status)
    return _back(request, form, "rejected")


# --- my account ----------------------------------------------------------------------------------------


async def _account(
    request: Request, session: AsyncSession, actor: Actor, *, message: str = "", error: DomainError | None = None,
    status_code: int = 200, resubmit_values: dict[str, str] | None = None, bad_fields: list[str] | None = None,
) -> Response:
    if actor.org_id is None:
        raise Unauthenticated()
    org, users = await service.get_org_with_users(session, actor, actor.org_id)
    can_resubmit = actor.role == Role.bidder and org.status == OrgStatus.rejected
    values = resubmit_values if resubmit_values is not None else {
        name: str(getattr(org, "name" if name == "org_name" else name) or "") for name in RESUBMIT_FIELDS
    }
    return render(request, "party/account.html", {
        "org": org, "users": users, "message": message, "error": error, "can_resubmit": can_resubmit,
        "resubmit_fields": RESUBMIT_FIELDS, "values": values, "bad_fields": bad_fields or [], **LABELS,
    }, status_code=status_code)


@router.get("/workspace/account")
async def account(request: Request, actor: CurrentActor, session: DB) -> Response:
    """My organisation, its verification status, its users, and the password form."""
    if not actor.is_authenticated:
        return _to_login(request)
    done = request.query_params.get("done") == "resubmitted"
    message = t("已重新提交注册信息，请等待交易中心审核", "Resubmitted; awaiting verification by the centre")
    return await _account(request, session, actor, message=message if done else "")


@router.post("/workspace/account/registration")
async def account_resubmit(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    """A rejected bidder corrects its company's details and applies again (free, E-Bidding Measures Art.9)."""
    if not actor.is_authenticated:
        return _to_login(request)
    form = await request.form()
    values = _form_values(form, list(RESUBMIT_FIELDS))
    try:
        data = RegistrationResubmit.model_validate(values)
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        return await _account(request, session, actor, error=Invalid("request.invalid", "请检查标出的字段",
                              "Please check the fields marked"), resubmit_values=values, bad_fields=bad,
                              status_code=422)
    try:
        await service.resubmit_registration(session, actor, data, now=clock.now())
    except DomainError as exc:
        await session.rollback()
        field = {"party.credit_code_invalid": "credit_code", "party.credit_code_taken": "credit_code"}.get(exc.code)
        return await _account(request, session, actor, error=exc, resubmit_values=values,
                              bad_fields=[field] if field else [], status_code=exc.status)
    return RedirectResponse("/workspace/account?done=resubmitted", status_code=303)


@router.post("/workspace/account/password")
async def account_password(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return _to_login(request)
    form = await request.form()
    current, new, again = (form.get(k) for k in ("current_password", "new_password", "new_password2"))
    if not all(isinstance(v, str) for v in (current, new, again)) or new != again:
        mismatch = Invalid("party.password_mismatch", "两次输入的新密码不一致", "The two new passwords differ")
        return await _account(request, session, actor, error=mismatch, status_code=422)
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        await service.change_password(
            session, actor, current_password=str(current), new_password=str(new),
            keep_session_hash=token_hash(cookie) if cookie else None, now=clock.now(),
        )
    except DomainError as exc:
        return await _account(request, session, actor, error=exc, status_code=exc.status)
    return await _account(request, session, actor, message=t("密码已修改", "Password changed"))
