"""Pages: bidder self-registration, the centre's verification queue, my account."""

from __future__ import annotations

import re

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role
from tests.factories import PASSWORD, create_party, login_cookie, query
from tests.party.helpers import registration

HTML = {"accept": "text/html"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


async def _org_status(db: AsyncSession, org_id: str) -> tuple[str, str]:
    [(status, reason)] = await query(db, select(Organisation.status, Organisation.reject_reason)
                                     .where(Organisation.id == org_id))
    return status, reason


async def test_register_page_says_free_art9_and_submission_is_pending(
    client: AsyncClient, db: AsyncSession
) -> None:
    """E-Bidding Measures Art.9: the form states registration is free; the result is pending verification."""
    page = await client.get("/register")
    assert page.status_code == 200
    assert "免费" in page.text and "第九条" in page.text
    en = await client.get("/register?lang=en")
    assert "free" in en.text.lower() and "Art.9" in en.text
    client.cookies.delete("lang")
    data = registration()
    r = await client.post("/register", data={**data, "password2": data["password"], "csrf_token": _csrf(page.text)})
    assert r.status_code == 201, r.text
    assert "等待交易中心审核" in r.text and 'data-status="pending"' in r.text
    rows = await query(db, select(Organisation.status).where(Organisation.credit_code == data["credit_code"]))
    assert [s for (s,) in rows] == ["pending"]


async def test_register_page_rerenders_errors_and_keeps_input(client: AsyncClient, db: AsyncSession) -> None:
    page = await client.get("/register")
    token = _csrf(page.text)
    data = registration()
    bad_code = data["credit_code"][:17] + ("0" if data["credit_code"][17] != "0" else "1")
    r = await client.post("/register", data={**data, "credit_code": bad_code, "password2": data["password"],
                                             "csrf_token": token})
    assert r.status_code == 422 and 'data-code="party.credit_code_invalid"' in r.text
    assert data["org_name"] in r.text and data["password"] not in r.text
    r = await client.post("/register", data={**data, "password2": "different-1", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="party.password_mismatch"' in r.text
    r = await client.post("/register", data={"org_name": "x", "password": "", "password2": "", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="request.invalid"' in r.text
    r = await client.post("/register", data={**data, "password2": data["password"], "csrf_token": "forged"})
    assert r.status_code == 403
    assert await query(db, select(Organisation.id)) == []


async def test_centre_verifies_and_rejects_from_the_queue(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    a, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending, name="甲公司")
    b, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending, name="乙公司")
    await create_party(db, OrgKind.bidder, now=clock.now(), name="丙公司")  # verified: not in the queue
    csrf = await login_cookie(client, staff)
    page = await client.get("/workspace/centre/orgs", headers=HTML)
    assert page.status_code == 200
    assert "甲公司" in page.text and "乙公司" in page.text and "丙公司" not in page.text
    r = await client.post(f"/workspace/centre/orgs/{a.id}/verify", data={"csrf_token": csrf})
    assert r.status_code == 303 and "done=verified" in r.headers["location"]
    assert (await _org_status(db, a.id))[0] == "verified"
    # Rejection without a reason re-renders the queue with the error and changes nothing.
    r = await client.post(f"/workspace/centre/orgs/{b.id}/reject", data={"csrf_token": csrf, "reason": " "})
    assert r.status_code == 422 and 'data-code="party.reject_reason_required"' in r.text
    assert (await _org_status(db, b.id))[0] == "pending"
    r = await client.post(f"/workspace/centre/orgs/{b.id}/reject", data={"csrf_token": csrf, "reason": "资质不符"})
    assert r.status_code == 303
    assert await _org_status(db, b.id) == ("rejected", "资质不符")
    # Without the CSRF token nothing happens.
    c, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending)
    r = await client.post(f"/workspace/centre/orgs/{c.id}/verify", data={})
    assert r.status_code == 403
    assert (await _org_status(db, c.id))[0] == "pending"
    listing = await client.get("/workspace/centre/orgs?status=all&kind=bidder&lang=en", headers=HTML)
    assert listing.status_code == 200 and "Rejected" in listing.text and "丙公司" in listing.text


async def test_centre_queue_refuses_others_and_sends_anonymous_to_login(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    r = await client.get("/workspace/centre/orgs", headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    target, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending)
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    csrf = await login_cookie(client, agent)
    r = await client.get("/workspace/centre/orgs", headers=HTML)
    assert r.status_code == 403 and "party.centre_staff_only" in r.text
    r = await client.post(f"/workspace/centre/orgs/{target.id}/verify", data={"csrf_token": csrf})
    assert r.status_code == 403
    assert (await _org_status(db, target.id))[0] == "pending"


async def test_account_page_shows_pending_status_and_changes_password(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending, name="丁公司")
    csrf = await login_cookie(client, user)
    page = await client.get("/workspace/account")
    assert "丁公司" in page.text and 'data-testid="pending-notice"' in page.text and user.username in page.text
    form = {"csrf_token": csrf, "current_password": PASSWORD, "new_password": "Changed2026pw"}
    r = await client.post("/workspace/account/password", data={**form, "new_password2": "Other2026pw"})
    assert r.status_code == 422 and 'data-code="party.password_mismatch"' in r.text
    r = await client.post("/workspace/account/password", data={**form, "current_password": "bad-one-1",
                                                              "new_password2": "Changed2026pw"})
    assert r.status_code == 422 and 'data-code="party.current_password_wrong"' in r.text
    r = await client.post("/workspace/account/password", data={**form, "new_password2": "Changed2026pw"})
    assert r.status_code == 200 and "密码已修改" in r.text
    # The current browser session survives the change.
    assert (await client.get("/api/auth/me")).status_code == 200
    r = await client.post("/api/auth/token", json={"username": user.username, "password": "Changed2026pw"})
    assert r.status_code == 200


async def test_account_page_requires_login(client: AsyncClient) -> None:
    r = await client.get("/workspace/account")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fworkspace%2Faccount"


async def test_admin_user_sees_the_queue(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, admin, _ = await create_party(db, OrgKind.centre, now=clock.now(), role=Role.centre_admin)
    await login_cookie(client, admin)
    r = await client.get("/workspace/centre/orgs?status=bogus&page=zz&kind=alien")
    assert r.status_code == 200


async def test_password_change_signs_out_other_browser_sessions(
    app: FastAPI, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    csrf = await login_cookie(client, user)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as other:
        await login_cookie(other, user)
        assert (await other.get("/api/auth/me")).status_code == 200
        r = await client.post("/workspace/account/password", data={
            "csrf_token": csrf, "current_password": PASSWORD, "new_password": "Changed2026pw",
            "new_password2": "Changed2026pw"})
        assert r.status_code == 200
        assert (await other.get("/api/auth/me")).status_code == 401
    assert (await client.get("/api/auth/me")).status_code == 200
