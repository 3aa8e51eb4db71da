"""Password login (argon2), rate limit, bearer tokens, cookie sessions with CSRF, the login page."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.models import LoginAttempt, WebSession
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind, OrgStatus, User
from tests.factories import PASSWORD, bearer, create_party, login_cookie, query


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "form has no csrf_token"
    return found[1]


async def _token(client: AsyncClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    r = await client.post("/api/auth/token", json={"username": username, "password": password})
    return r.status_code, r.json()


async def test_password_stored_as_argon2_hash_not_plaintext(db: AsyncSession, clock: FrozenClock) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    [(stored,)] = await query(db, select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_login_ok_and_wrong_password_is_401_bad_credentials(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    status, body = await _token(client, user.username, PASSWORD)
    assert status == 200 and str(body["access_token"]).startswith("ggzy_")
    status, body = await _token(client, user.username, "wrong-password-1")
    assert status == 401
    assert body["error"]["code"] == "auth.bad_credentials"  # type: ignore[index]
    # An unknown user gets exactly the same answer: no username probing.
    status, body = await _token(client, "nobody-here", "wrong-password-1")
    assert status == 401 and body["error"]["code"] == "auth.bad_credentials"  # type: ignore[index]


async def test_rate_limit_after_max_failures_then_allowed_after_window(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    for _ in range(settings.login_max_failures):
        status, _body = await _token(client, user.username, "wrong-password-1")
        assert status == 401
    # Even the right password is refused while the limit holds.
    status, body = await _token(client, user.username, PASSWORD)
    assert status == 429
    assert body["error"]["code"] == "auth.rate_limited"  # type: ignore[index]
    clock.advance(minutes=settings.login_window_minutes - 1)
    status, _body = await _token(client, user.username, PASSWORD)
    assert status == 429
    clock.advance(minutes=2)
    status, _body = await _token(client, user.username, PASSWORD)
    assert status == 200


async def test_failed_attempts_persist(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    for _ in range(2):
        await _token(client, user.username, "wrong-password-1")
    rows = await query(db, select(LoginAttempt.success, LoginAttempt.ip).where(LoginAttempt.username == user.username))
    assert [tuple(r) for r in rows] == [(False, "203.0.113.7")] * 2


async def test_bearer_token_works_bad_or_expired_token_401(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    headers = await bearer(client, user)
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 200 and r.json()["username"] == user.username
    r = await client.get("/api/auth/me", headers={"Authorization": "Bearer ggzy_not-a-real-token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "auth.bad_token"
    r = await client.get("/api/auth/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "auth.required"
    clock.advance(days=settings.api_token_days, seconds=1)
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "auth.bad_token"


async def test_login_page_sets_secure_session_cookie_and_redirects_to_local_next(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    page = await client.get("/login?next=/workspace/account")
    assert page.status_code == 200 and 'name="password"' in page.text
    r = await client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "next": "/workspace/account", "csrf_token": _csrf(page.text)})
    assert r.status_code == 303
    assert r.headers["location"] == "/workspace/account"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("ggzy_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # settings.cookie_secure is False in tests
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["user_id"] == user.id


async def test_login_cookie_is_secure_when_configured(
    app: FastAPI, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    settings.cookie_secure = True
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://testserver") as client:
        page = await client.get("/login")
        assert all("Secure" in c for c in page.headers.get_list("set-cookie"))
        r = await client.post("/login", data={"username": user.username, "password": PASSWORD,
                                               "csrf_token": _csrf(page.text)})
        assert r.status_code == 303
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("ggzy_session="))
        assert "Secure" in cookie


async def test_login_page_refuses_open_redirect(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    page = await client.get("/login")
    r = await client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "next": "//evil.example/phish", "csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/workspace"


async def test_login_page_wrong_password_rerenders_with_401_message(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    page = await client.get("/login")
    r = await client.post("/login", data={"username": user.username, "password": "nope-nope-1",
                                           "csrf_token": _csrf(page.text)})
    assert r.status_code == 401
    assert 'data-code="auth.bad_credentials"' in r.text and "用户名或密码错误" in r.text
    assert "ggzy_session=" not in r.headers.get("set-cookie", "")
    # English on request.
    page = await client.get("/login?lang=en")
    assert "Log in" in page.text and "Username" in page.text
    r = await client.post("/login", data={"username": user.username, "password": "nope-nope-1",
                                           "csrf_token": _csrf(page.text)})
    assert r.status_code == 401 and "Wrong username or password" in r.text


async def test_login_page_rate_limited_429(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    token = _csrf((await client.get("/login")).text)
    for _ in range(settings.login_max_failures):
        r = await client.post("/login", data={"username": user.username, "password": "x", "csrf_token": token})
        assert r.status_code == 401
    r = await client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and 'data-code="auth.rate_limited"' in r.text


async def test_login_form_without_pre_session_token_is_refused(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """A cross-site page cannot log a victim into the attacker's account (login CSRF)."""
    _, user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    r = await client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and 'data-code="auth.csrf_failed"' in r.text
    assert "ggzy_session=" not in r.headers.get("set-cookie", "")


async def test_cookie_session_post_needs_csrf(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    csrf = await login_cookie(client, user)
    body = {"current_password": PASSWORD, "new_password": "NewPassw0rd2026"}
    r = await client.post("/api/me/password", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "auth.csrf_failed"
    r = await client.post("/api/me/password", json=body, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = await client.post("/api/me/password", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204


async def test_logout_needs_csrf_and_revokes_the_session(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    csrf = await login_cookie(client, user)
    cookie = client.cookies.get("ggzy_session")
    assert cookie
    r = await client.post("/logout", data={})
    assert r.status_code == 403
    r = await client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/"
    [(revoked,)] = await query(db, select(func.count()).select_from(WebSession).where(WebSession.revoked.is_(True)))
    assert revoked == 1
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("ggzy_session", cookie)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_session_expires_after_configured_hours(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    await login_cookie(client, user)
    assert (await client.get("/api/auth/me")).status_code == 200
    clock.advance(timedelta(hours=settings.session_hours, seconds=1))
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_disabled_organisation_cannot_log_in(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.disabled)
    status, body = await _token(client, user.username, PASSWORD)
    assert status == 403 and body["error"]["code"] == "auth.account_inactive"  # type: ignore[index]


async def test_login_page_redirects_a_logged_in_visitor(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    await login_cookie(client, user)
    r = await client.get("/login?next=/workspace/account")
    assert r.status_code == 303 and r.headers["location"] == "/workspace/account"


async def test_garbage_to_login_endpoints_is_4xx(client: AsyncClient) -> None:
    r = await client.post("/api/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "request.malformed_json"
    r = await client.post("/api/auth/token", json={"username": 5, "password": ["x"]})
    assert r.status_code == 422
    r = await client.post("/api/auth/token", json={"username": "u" * 500, "password": "p"})
    assert r.status_code == 422
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    r = await client.post("/login", content=b"\xff\xfe garbage", headers=form_type)
    assert 400 <= r.status_code < 500
    page = await client.get("/login")
    r = await client.post("/login", data={"username": "u" * 5000, "password": "p" * 5000,
                                           "csrf_token": _csrf(page.text)})
    assert r.status_code == 401
