"""The centre administrator creates organisations and users, and disables accounts; users change passwords."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, Role, User
from tests.factories import PASSWORD, bearer, create_party, query
from tests.party.helpers import credit_code


async def _admin_headers(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> dict[str, str]:
    _, admin, _ = await create_party(db, OrgKind.centre, now=clock.now(), role=Role.centre_admin)
    return await bearer(client, admin)


async def test_admin_creates_supervisor_with_lines_of_its_department(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    headers = await _admin_headers(client, db, clock)
    expected = {"财政局": ["procurement"], "住建局": ["construction"], "交通运输局": ["construction"],
                "水利局": ["construction"], "国资委": ["property"], "自然资源局": ["land"]}
    for dept, lines in expected.items():
        r = await client.post("/api/orgs", json={"kind": "supervisor", "name": f"市{dept}", "department": dept},
                              headers=headers)
        assert r.status_code == 201, r.text
        assert r.json()["supervised_lines"] == lines and r.json()["status"] == "verified"
    r = await client.post("/api/orgs", json={"kind": "supervisor", "name": "市教育局", "department": "教育局"},
                          headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.department_invalid"
    r = await client.post("/api/orgs", json={"kind": "agency", "name": "某代理", "department": "财政局"},
                          headers=headers)
    assert r.status_code == 422
    # Lines come from the department; a caller cannot widen them.
    r = await client.post("/api/orgs", json={"kind": "supervisor", "name": "市财政局2", "department": "财政局",
                                             "supervised_lines": ["land"]}, headers=headers)
    assert r.status_code == 422


async def test_admin_creates_users_whose_role_fits_the_kind_and_they_can_log_in(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    headers = await _admin_headers(client, db, clock)
    agency = (await client.post("/api/orgs", json={"kind": "agency", "name": "某招标代理有限公司",
                                                   "credit_code": credit_code()}, headers=headers)).json()
    r = await client.post(f"/api/orgs/{agency['id']}/users", headers=headers,
                          json={"username": "agent.li", "display_name": "李四", "password": "Agency2026pw"})
    assert r.status_code == 201 and r.json()["role"] == "agency"
    r = await client.post(f"/api/orgs/{agency['id']}/users", headers=headers,
                          json={"username": "agent.wang", "display_name": "王五", "password": "Agency2026pw",
                                "role": "centre_admin"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.role_not_allowed"
    r = await client.post(f"/api/orgs/{agency['id']}/users", headers=headers,
                          json={"username": "agent.li", "display_name": "李四", "password": "Agency2026pw"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.username_taken"
    r = await client.post(f"/api/orgs/{agency['id']}/users", headers=headers,
                          json={"username": "agent.zhao", "display_name": "赵六", "password": "weak"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.password_weak"
    r = await client.post("/api/auth/token", json={"username": "agent.li", "password": "Agency2026pw"})
    assert r.status_code == 200
    me = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})).json()
    assert me["org_id"] == agency["id"] and me["org_status"] == "verified"
    [(n,)] = await query(db, select(func.count()).select_from(User).where(User.organisation_id == agency["id"]))
    assert n == 1
    # Expert users belong to the expert pool organisation.
    pool = (await client.post("/api/orgs", json={"kind": "expert", "name": "综合评标专家库"}, headers=headers)).json()
    r = await client.post(f"/api/orgs/{pool['id']}/users", headers=headers,
                          json={"username": "expert.chen", "display_name": "陈专家", "password": "Expert2026pw"})
    assert r.status_code == 201 and r.json()["role"] == "expert"
    tags = await query(db, select(AuditEvent.tag).where(AuditEvent.tag.in_(["organisation:created", "user:created"])))
    assert sorted(t for (t,) in tags) == ["organisation:created"] * 2 + ["user:created"] * 2


async def test_duplicate_credit_code_on_create_is_409(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    headers = await _admin_headers(client, db, clock)
    code = credit_code()
    assert (await client.post("/api/orgs", json={"kind": "tenderer", "name": "某局", "credit_code": code},
                              headers=headers)).status_code == 201
    r = await client.post("/api/orgs", json={"kind": "tenderer", "name": "某局2", "credit_code": code},
                          headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.credit_code_taken"
    [(n,)] = await query(db, select(func.count()).select_from(Organisation).where(Organisation.name == "某局2"))
    assert n == 0


async def test_disable_user_revokes_tokens_and_blocks_login(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, admin, _ = await create_party(db, OrgKind.centre, now=clock.now(), role=Role.centre_admin)
    headers = await bearer(client, admin)
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    agent_headers = await bearer(client, agent)
    r = await client.post(f"/api/users/{agent.id}/disable", headers=headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await client.get("/api/auth/me", headers=agent_headers)).status_code == 401
    r = await client.post("/api/auth/token", json={"username": agent.username, "password": PASSWORD})
    assert r.status_code == 403 and r.json()["error"]["code"] == "auth.account_inactive"
    r = await client.post(f"/api/users/{admin.id}/disable", headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.cannot_disable_self"
    assert (await client.post("/api/users/nope/disable", headers=headers)).status_code == 404
    assert (await client.post(f"/api/users/{admin.id}/disable", headers=agent_headers)).status_code == 401


async def test_change_password_checks_current_and_policy(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    headers = await bearer(client, user)
    r = await client.post("/api/me/password", headers=headers,
                          json={"current_password": "wrong-one-1", "new_password": "Another2026pw"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.current_password_wrong"
    r = await client.post("/api/me/password", headers=headers,
                          json={"current_password": PASSWORD, "new_password": "short1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.password_weak"
    r = await client.post("/api/me/password", headers=headers,
                          json={"current_password": PASSWORD, "new_password": PASSWORD})
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.password_unchanged"
    [(before,)] = await query(db, select(User.password_hash).where(User.id == user.id))
    r = await client.post("/api/me/password", headers=headers,
                          json={"current_password": PASSWORD, "new_password": "Another2026pw"})
    assert r.status_code == 204
    [(after,)] = await query(db, select(User.password_hash).where(User.id == user.id))
    assert after != before and after.startswith("$argon2id$")
    assert (await client.post("/api/auth/token", json={"username": user.username, "password": PASSWORD})
            ).status_code == 401
    assert (await client.post("/api/auth/token", json={"username": user.username, "password": "Another2026pw"})
            ).status_code == 200
    assert (await client.post("/api/me/password", json={"current_password": "a", "new_password": "b"})
            ).status_code == 401
