"""A rejected bidder corrects its registration and applies again (API, service and the account page)."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, OrgStatus
from tests.factories import bearer, create_party, login_cookie, query
from tests.party.helpers import credit_code, registration

URL = "/api/me/registration/resubmit"


def _corrected(**overrides: Any) -> dict[str, Any]:
    data = {"org_name": "上海更正建设有限公司", "credit_code": credit_code(), "region": "上海市",
            "address": "黄浦区中山东一路 1 号", "contact_name": "李四", "contact_phone": "13900000000"}
    data.update(overrides)
    return data


async def _org(db: AsyncSession, org_id: str) -> dict[str, Any]:
    [row] = await query(db, select(Organisation.status, Organisation.reject_reason, Organisation.name,
                                   Organisation.credit_code, Organisation.contact_name)
                        .where(Organisation.id == org_id))
    return dict(row._mapping)


async def _rejected(db: AsyncSession, clock: FrozenClock, reason: str = "营业执照信息与信用代码不符") -> Any:
    return await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.rejected,
                              reject_reason=reason, credit_code=credit_code(), contact_phone="13800000001")


async def test_rejected_bidder_resubmits_corrected_details_free_e_bidding_measures_art9(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.9: applying again is free; the company is back in the centre's queue."""
    centre, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    data = registration()
    r = await client.post("/api/bidders/register", json=data)
    org_id = r.json()["organisation"]["id"]
    staff_h = await bearer(client, staff)
    r = await client.post(f"/api/orgs/{org_id}/reject", json={"reason": "单位名称与营业执照不一致"}, headers=staff_h)
    assert r.status_code == 200
    token = await client.post("/api/auth/token", json={"username": data["username"], "password": data["password"]})
    bidder_h = {"Authorization": f"Bearer {token.json()['access_token']}"}

    # A fee field is not part of the form: it is refused, never silently recorded.
    r = await client.post(URL, json={**_corrected(), "registration_fee": "100.00"}, headers=bidder_h)
    assert r.status_code == 422
    clock.advance(hours=1)
    fixed = _corrected(credit_code=data["credit_code"].lower())  # its own code again, typed in lower case
    r = await client.post(URL, json=fixed, headers=bidder_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["registration_fee"] == "0.00"
    assert body["organisation"]["status"] == "pending" and body["organisation"]["reject_reason"] == ""
    assert await _org(db, org_id) == {"status": "pending", "reject_reason": "", "name": "上海更正建设有限公司",
                                      "credit_code": data["credit_code"], "contact_name": "李四"}

    [(tag, actor_id, before, after)] = await query(db, select(
        AuditEvent.tag, AuditEvent.actor_user_id, AuditEvent.before, AuditEvent.after,
    ).where(AuditEvent.tag == "organisation:resubmitted"))
    me = (await client.get("/api/auth/me", headers=bidder_h)).json()
    assert tag == "organisation:resubmitted" and actor_id == me["user_id"] and me["org_status"] == "pending"
    assert before["status"] == "rejected" and before["reject_reason"] == "单位名称与营业执照不一致"
    assert after["status"] == "pending" and after["contact_name"] == "李四"
    notes = await query(db, select(Notification.kind, Notification.body_zh).where(Notification.org_id == centre.id))
    assert ("party.registration_resubmitted", "上次退回理由：单位名称与营业执照不一致") in [tuple(n) for n in notes]
    # The centre can now verify it as usual.
    r = await client.post(f"/api/orgs/{org_id}/verify", headers=staff_h)
    assert r.status_code == 200 and r.json()["status"] == "verified"


async def test_only_a_rejected_bidder_may_resubmit_its_own_registration(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    assert (await client.post(URL, json=_corrected())).status_code == 401
    mine, me, _ = await _rejected(db, clock)
    other, _, _ = await _rejected(db, clock)
    _, pending_user, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending)
    _, verified_user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())

    r = await client.post(URL, json=_corrected(), headers=await bearer(client, agent))
    assert r.status_code == 403 and r.json()["error"]["code"] == "party.bidder_only"
    for user in (pending_user, verified_user):
        r = await client.post(URL, json=_corrected(), headers=await bearer(client, user))
        assert r.status_code == 409 and r.json()["error"]["code"] == "party.registration_not_rejected"

    h = await bearer(client, me)
    # Another company's credit code, or a malformed one: refused, and nothing changes.
    r = await client.post(URL, json=_corrected(credit_code=other.credit_code), headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.credit_code_taken"
    r = await client.post(URL, json=_corrected(credit_code="91310000MA0000000X"), headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.credit_code_invalid"
    assert (await _org(db, mine.id))["status"] == "rejected"
    r = await client.post(URL, json=_corrected(), headers=h)
    assert r.status_code == 200 and r.json()["organisation"]["id"] == mine.id
    # Only the caller's own company moved; resubmitting again is a state conflict.
    assert (await _org(db, other.id))["status"] == "rejected"
    r = await client.post(URL, json=_corrected(), headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.registration_not_rejected"


async def test_account_page_shows_reason_and_resubmits_free_art9(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.9: the form says reapplying is free and asks for no payment."""
    org, user, _ = await _rejected(db, clock, reason="联系人电话无法接通")
    csrf = await login_cookie(client, user)
    page = await client.get("/workspace/account")
    assert 'data-testid="resubmit-form"' in page.text and "联系人电话无法接通" in page.text
    assert "免费" in page.text and "第九条" in page.text
    assert f'value="{org.credit_code}"' in page.text and 'value="13800000001"' in page.text  # prefilled

    form = {"csrf_token": csrf, **_corrected()}
    r = await client.post("/workspace/account/registration", data={**form, "credit_code": "not-a-code"})
    assert r.status_code == 422 and 'data-code="party.credit_code_invalid"' in r.text
    assert 'value="上海更正建设有限公司"' in r.text  # the typed values are kept
    r = await client.post("/workspace/account/registration", data={**form, "contact_phone": "x"})
    assert r.status_code == 422 and 'data-code="request.invalid"' in r.text and 'aria-invalid="true"' in r.text
    r = await client.post("/workspace/account/registration", data={k: v for k, v in form.items() if k != "csrf_token"})
    assert r.status_code == 403
    assert (await _org(db, org.id))["status"] == "rejected"

    r = await client.post("/workspace/account/registration", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/workspace/account?done=resubmitted"
    page = await client.get(r.headers["location"])
    assert "已重新提交" in page.text and 'data-testid="pending-notice"' in page.text
    assert 'data-testid="resubmit-form"' not in page.text
    assert (await _org(db, org.id))["name"] == "上海更正建设有限公司"


async def test_resubmit_form_is_only_for_rejected_bidders(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    for status in (OrgStatus.verified, OrgStatus.pending):
        _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=status)
        await login_cookie(client, user)
        page = await client.get("/workspace/account")
        assert page.status_code == 200 and 'data-testid="resubmit-form"' not in page.text
        client.cookies.clear()
    _, user, _ = await _rejected(db, clock, reason="资质证书过期")
    await login_cookie(client, user)
    page = await client.get("/workspace/account?lang=en")
    assert "Correct your registration and apply again" in page.text and "Art.9" in page.text
    assert re.search(r'data-testid="reject-reason">资质证书过期<', page.text)
