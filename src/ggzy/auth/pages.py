"""Pages of the auth domain: the login form and logging out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from ggzy.auth import service
from ggzy.auth.deps import (
    SESSION_COOKIE,
    CurrentActor,
    pre_session_csrf,
    pre_session_csrf_ok,
    set_pre_session_csrf,
)
from ggzy.auth.errors import BadCredentials, CsrfFailed
from ggzy.auth.rules import safe_next
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep, SettingsDep, client_ip

router = APIRouter(include_in_schema=False)

MAX_USERNAME = 64
MAX_PASSWORD = 256


def _login_form(
    request: Request, *, secure: bool, next_url: str, username: str = "", error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    token = pre_session_csrf(request)
    context = {"next": next_url, "username": username, "error": error, "form_csrf": token}
    response = render(request, "auth/login.html", context, status_code=status_code)
    set_pre_session_csrf(response, token, secure=secure)
    return response


@router.get("/login")
async def login_page(request: Request, actor: CurrentActor, settings: SettingsDep, next: str = "") -> Response:
    """The login form (Chinese by default, ?lang=en for English); a logged-in visitor goes straight on."""
    target = safe_next(next)
    if actor.is_authenticated:
        return RedirectResponse(target, status_code=303)
    return _login_form(request, secure=settings.cookie_secure, next_url=target)


@router.post("/login")
async def login_submit(
    *,
    request: Request,
    session: DB,
    clock: ClockDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the password under the rate limit, start a cookie session and go to `next` (local paths only)."""
    target = safe_next(next)
    username = username.strip()
    if not pre_session_csrf_ok(request, csrf_token):
        return _login_form(request, secure=settings.cookie_secure, next_url=target, username=username[:MAX_USERNAME],
                           error=CsrfFailed(), status_code=403)
    now = clock.now()
    ip = client_ip(request)
    try:
        if not username or not password or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            raise BadCredentials()  # no such account can exist, so nothing to count against the limit
        user, org = await service.authenticate(session, settings, username=username, password=password, ip=ip,
                                               now=now)
    except DomainError as exc:
        return _login_form(request, secure=settings.cookie_secure, next_url=target, username=username[:MAX_USERNAME],
                           error=exc, status_code=exc.status)
    token, _ws = await service.start_web_session(
        session, settings, user, org, ip=ip, user_agent=request.headers.get("user-agent", ""), now=now,
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.session_hours * 3600, path="/", httponly=True, samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.post("/logout")
async def logout(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    """Revoke the browser session (the CSRF check runs in get_actor) and return to the portal."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and actor.is_authenticated:
        await service.end_web_session(session, actor, cookie, now=clock.now())
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
