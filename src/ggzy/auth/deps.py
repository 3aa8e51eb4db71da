"""Who is calling: a bearer token (API) or a session cookie (pages, with CSRF on unsafe methods)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from ggzy.auth.actor import ANONYMOUS, Actor
from ggzy.auth.errors import CsrfFailed
from ggzy.auth.service import actor_for, resolve_api_token, resolve_web_session
from ggzy.kit.errors import Forbidden, Unauthenticated
from ggzy.kit.web import DB, ClockDep, client_ip
from ggzy.party.models import Role

SESSION_COOKIE = "ggzy_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRE_SESSION_COOKIE = "ggzy_pre"
"""CSRF token for forms posted before there is a session (login, registration): double-submit cookie."""


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else ""
    return bool(sent) and hmac.compare_digest(sent, expected)


async def get_actor(request: Request, session: DB, clock: ClockDep) -> Actor:
    """Resolve the caller; anonymous is allowed here, endpoints that need a login use RequireUser."""
    ip = client_ip(request)
    now = clock.now()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = await resolve_api_token(session, auth[7:].strip(), now)
        if found is None:
            raise Unauthenticated("auth.bad_token", "访问令牌无效或已过期", "The access token is invalid or expired")
        actor = actor_for(found[0], found[1], ip)
        request.state.actor = actor
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        resolved = await resolve_web_session(session, cookie, now)
        if resolved is not None:
            user, org, ws = resolved
            request.state.csrf_token = ws.csrf_token
            if request.method not in SAFE_METHODS and not await _csrf_ok(request, ws.csrf_token):
                raise CsrfFailed()
            actor = actor_for(user, org, ip)
            request.state.actor = actor
            return actor
    anon = Actor(user_id=None, org_id=None, role=None, ip=ip)
    request.state.actor = anon
    return anon


async def require_user(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if not actor.is_authenticated:
        raise Unauthenticated()
    return actor


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: the caller must hold one of `roles`."""

    async def _dep(actor: Annotated[Actor, Depends(require_user)]) -> Actor:
        if actor.role not in roles:
            raise Forbidden()
        return actor

    return _dep


async def require_verified(actor: Annotated[Actor, Depends(require_user)]) -> Actor:
    """The caller's organisation must be verified by the centre (party.not_verified otherwise)."""
    from ggzy.party.rules import ensure_verified

    ensure_verified(actor)
    return actor


def pre_session_csrf(request: Request) -> str:
    """The anonymous form token: reuse the visitor's cookie value or mint one (set it with set_pre_session_csrf)."""
    existing = request.cookies.get(PRE_SESSION_COOKIE, "")
    return existing if 20 <= len(existing) <= 100 else secrets.token_urlsafe(32)


def set_pre_session_csrf(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(PRE_SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def pre_session_csrf_ok(request: Request, sent: str) -> bool:
    """Double-submit check: the form field must equal the cookie (a cross-site page can read neither)."""
    expected = request.cookies.get(PRE_SESSION_COOKIE, "")
    return bool(expected) and bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


CurrentActor = Annotated[Actor, Depends(get_actor)]
RequireUser = Annotated[Actor, Depends(require_user)]
RequireVerified = Annotated[Actor, Depends(require_verified)]
CentreStaff = Annotated[Actor, Depends(require_roles(Role.centre_staff, Role.centre_admin))]
CentreAdmin = Annotated[Actor, Depends(require_roles(Role.centre_admin))]

__all__ = [
    "ANONYMOUS", "CentreAdmin", "CentreStaff", "CurrentActor", "RequireUser", "RequireVerified", "require_roles",
]
