"""Centre staff verify or reject bidder registrations; access to organisations lives in the query."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import Actor
from ggzy.auth.service import actor_for
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification
from ggzy.party import service
from ggzy.party.errors import BadStatusTransition, NotVerified
from ggzy.party.models import Organisation, OrgKind, OrgStatus
from ggzy.party.rules import ensure_verified
from ggzy.party.schemas import BidderRegistration
from tests.factories import bearer, create_party, query
from tests.party.helpers import registration


async def _register(client: AsyncClient, **kw: Any) -> tuple[str, dict[str, str]]:
    data = registration(**kw)
    r = await client.post("/api/bidders/register", json=data)
    assert r.status_code == 201, r.text
    token = await client.post("/api/auth/token", json={"username": data["username"], "password": data["password"]})
    return r.json()["organisation"]["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_verification_makes_the_bidder_verified_and_notifies_it_art9(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.9: registration is free; only a verified company may trade."""
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    org_id, bidder_headers = await _register(client)
    clock.advance(hours=2)
    r = await client.post(f"/api/orgs/{org_id}/verify", headers=await bearer(client, staff))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "verified"
    assert r.json()["verified_at"].startswith("2026-03-02T03:00")
    assert (await client.get("/api/auth/me", headers=bidder_headers)).json()["org_status"] == "verified"
    notes = await query(db, select(Notification.kind).where(Notification.org_id == org_id))
    assert [k for (k,) in notes] == ["party.verified"]
    tags = await query(db, select(AuditEvent.tag, AuditEvent.actor_user_id).where(AuditEvent.subject_id == org_id))
    assert ("organisation:verified", staff.id) in [tuple(t) for t in tags]
    # Verifying twice is a state-machine conflict, not a silent success.
    r = await client.post(f"/api/orgs/{org_id}/verify", headers=await bearer(client, staff))
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.bad_status_transition"


async def test_actor_of_a_pending_bidder_fails_ensure_verified_until_verified(
    db: AsyncSession, clock: FrozenClock
) -> None:
    _, _, staff = await create_party(db, OrgKind.centre, now=clock.now())
    applicant = Actor(user_id=None, org_id=None, role=None, ip="192.0.2.1")
    org, user = await service.register_bidder(db, applicant, BidderRegistration(**registration()), now=clock.now())
    with pytest.raises(NotVerified):
        ensure_verified(actor_for(user, org))
    org = await service.verify_organisation(db, staff, org.id, now=clock.now())
    ensure_verified(actor_for(user, org))


async def test_rejection_needs_a_reason_and_notifies_the_applicant(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    org_id, bidder_headers = await _register(client)
    headers = await bearer(client, staff)
    r = await client.post(f"/api/orgs/{org_id}/reject", json={"reason": "   "}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.reject_reason_required"
    r = await client.post(f"/api/orgs/{org_id}/reject", json={}, headers=headers)
    assert r.status_code == 422
    assert (await client.get(f"/api/orgs/{org_id}", headers=headers)).json()["status"] == "pending"
    r = await client.post(f"/api/orgs/{org_id}/reject", json={"reason": "营业执照照片不清晰"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["reject_reason"] == "营业执照照片不清晰"
    notes = await query(db, select(Notification.kind, Notification.body_zh).where(Notification.org_id == org_id))
    assert [tuple(n) for n in notes] == [("party.rejected", "理由：营业执照照片不清晰")]
    # A rejected bidder still logs in to read why, and is still not verified.
    me = (await client.get("/api/auth/me", headers=bidder_headers)).json()
    assert me["org_status"] == "rejected"
    r = await client.post(f"/api/orgs/{org_id}/verify", headers=headers)
    assert r.status_code == 409


async def test_centre_only_endpoints_refuse_other_roles_403_and_anonymous_401(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    org_id, bidder_headers = await _register(client)
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    _, sup, _ = await create_party(db, OrgKind.supervisor, now=clock.now(), department="财政局",
                                   supervised_lines=["procurement"])
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    calls = [
        ("post", f"/api/orgs/{org_id}/verify", None),
        ("post", f"/api/orgs/{org_id}/reject", {"reason": "x"}),
        ("post", "/api/orgs", {"kind": "agency", "name": "某代理公司"}),
        ("post", f"/api/orgs/{org_id}/users", {"username": "abc", "display_name": "a", "password": "Abcdefgh12"}),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, json=body)
        assert r.status_code == 401, url
        for user in (agent, sup):
            r = await client.request(method, url, json=body, headers=await bearer(client, user))
            assert r.status_code == 403, (url, r.text)
        r = await client.request(method, url, json=body, headers=bidder_headers)
        assert r.status_code == 403
    # Centre staff (not admin) may verify but not create organisations or users.
    staff_headers = await bearer(client, staff)
    r = await client.post("/api/orgs", json={"kind": "agency", "name": "某代理公司"}, headers=staff_headers)
    assert r.status_code == 403
    assert (await client.get(f"/api/orgs/{org_id}", headers=bidder_headers)).json()["status"] == "pending"


async def test_centre_lists_and_filters_others_see_only_their_own(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    centre, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    agency, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    pending_ids = []
    for _ in range(3):
        clock.advance(minutes=1)
        pending_ids.append((await _register(client))[0])
    headers = await bearer(client, staff)
    r = await client.get("/api/orgs", params={"kind": "bidder", "status": "pending", "page_size": 2},
                         headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3 and [o["id"] for o in body["items"]] == pending_ids[:2]
    r = await client.get("/api/orgs", params={"kind": "bidder", "status": "pending", "page_size": 2, "page": 2},
                         headers=headers)
    assert [o["id"] for o in r.json()["items"]] == pending_ids[2:]
    assert (await client.get("/api/orgs", params={"status": "verified"}, headers=headers)).json()["total"] == 2
    assert (await client.get("/api/orgs", params={"status": "bogus"}, headers=headers)).status_code == 422
    assert (await client.get("/api/orgs", params={"page_size": 1000}, headers=headers)).status_code == 422

    agent_headers = await bearer(client, agent)
    r = await client.get("/api/orgs", params={"kind": "bidder"}, headers=agent_headers)
    assert r.json()["total"] == 0
    r = await client.get("/api/orgs", headers=agent_headers)
    assert [o["id"] for o in r.json()["items"]] == [agency.id]
    # Someone else's organisation looks like it does not exist.
    r = await client.get(f"/api/orgs/{pending_ids[0]}", headers=agent_headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "party.org_not_found"
    r = await client.get(f"/api/orgs/{centre.id}", headers=headers)
    assert r.status_code == 200 and [u["id"] for u in r.json()["users"]] == [staff.id]
    assert (await client.get("/api/orgs")).status_code == 401
    r = await client.post("/api/orgs/not-a-real-id/verify", headers=headers)
    assert r.status_code == 404


async def test_only_pending_org_status_changes_allowed(db: AsyncSession, clock: FrozenClock) -> None:
    org, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.verified)
    _, _, staff = await create_party(db, OrgKind.centre, now=clock.now())
    org_id = org.id
    with pytest.raises(BadStatusTransition):
        await service.reject_organisation(db, staff, org_id, reason="late", now=clock.now())
    await db.rollback()
    [(status,)] = await query(db, select(Organisation.status).where(Organisation.id == org_id))
    assert status == "verified"
