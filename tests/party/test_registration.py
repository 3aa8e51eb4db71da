"""Bidder self-registration: free (E-Bidding Measures Art.9), pending until the centre verifies it."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification, OutboxMessage
from ggzy.party.models import Organisation, OrgKind, Role, User
from tests.factories import bearer, create_party, query
from tests.party.helpers import credit_code, registration


async def _count(db: AsyncSession, model: type) -> int:
    [(n,)] = await query(db, select(func.count()).select_from(model))
    return int(n)


async def test_bidder_registration_is_free_and_pending_art9(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """E-Bidding Measures Art.9: no fee is charged or asked for; the company waits for verification."""
    centre, _, _ = await create_party(db, OrgKind.centre, now=clock.now())
    data = registration()
    r = await client.post("/api/bidders/register", json=data)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["registration_fee"] in ("0.00", "0", 0)
    assert body["organisation"]["status"] == "pending"
    assert body["organisation"]["kind"] == "bidder"
    assert body["user"]["role"] == "bidder"
    assert "password" not in r.text and "password_hash" not in r.text
    # No message to the applicant asks for money; the centre is told there is a registration to verify.
    org_id = body["organisation"]["id"]
    to_bidder = await query(db, select(OutboxMessage.subject, OutboxMessage.body)
                            .where(OutboxMessage.recipient_org_id == org_id))
    assert not any("费" in s + b or "pay" in (s + b).lower() for s, b in to_bidder)
    kinds = await query(db, select(Notification.kind).where(Notification.org_id == centre.id))
    assert [k for (k,) in kinds] == ["party.registration_pending"]
    # The input schema has no fee or payment field to fill in.
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["BidderRegistration"]
    assert not [f for f in schema["properties"] if "fee" in f or "pay" in f]
    # A stray payment field is refused rather than silently accepted.
    r = await client.post("/api/bidders/register", json=registration(payment_reference="WX123"))
    assert r.status_code == 422


async def test_pending_bidder_can_log_in_but_is_not_verified_art9(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    data = registration()
    r = await client.post("/api/bidders/register", json=data)
    assert r.status_code == 201
    r = await client.post("/api/auth/token", json={"username": data["username"], "password": data["password"]})
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = (await client.get("/api/auth/me", headers=headers)).json()
    assert me["org_status"] == "pending"
    own = await client.get("/api/orgs", headers=headers)
    assert own.status_code == 200 and [o["status"] for o in own.json()["items"]] == ["pending"]


async def test_registration_is_audited_with_the_applicant(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    r = await client.post("/api/bidders/register", json=registration())
    org_id = r.json()["organisation"]["id"]
    rows = await query(db, select(AuditEvent.tag, AuditEvent.ip, AuditEvent.actor_org_id, AuditEvent.after)
                       .where(AuditEvent.subject_id == org_id))
    assert len(rows) == 1
    tag, ip, actor_org, after = rows[0]
    assert (tag, ip, actor_org) == ("party:bidder_registered", "203.0.113.7", org_id)
    assert "password" not in str(after) and "argon2" not in str(after)


async def test_duplicate_credit_code_or_username_is_409_and_leaves_nothing(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    first = registration()
    assert (await client.post("/api/bidders/register", json=first)).status_code == 201
    orgs, users, audits = await _count(db, Organisation), await _count(db, User), await _count(db, AuditEvent)

    again = registration(credit_code=first["credit_code"].lower())
    r = await client.post("/api/bidders/register", json=again)
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.credit_code_taken"
    assert r.json()["error"]["message"] and r.json()["error"]["message_en"]

    r = await client.post("/api/bidders/register", json=registration(username=first["username"]))
    assert r.status_code == 409 and r.json()["error"]["code"] == "party.username_taken"

    assert (await _count(db, Organisation), await _count(db, User), await _count(db, AuditEvent)) == (
        orgs, users, audits)


async def test_bad_check_digit_and_weak_password_are_422(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    code = credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    r = await client.post("/api/bidders/register", json=registration(credit_code=wrong))
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.credit_code_invalid"
    r = await client.post("/api/bidders/register", json=registration(password="short1"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.password_weak"
    r = await client.post("/api/bidders/register", json=registration(password="onlyletterslong"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "party.password_weak"
    assert await _count(db, Organisation) == 0


async def test_logged_in_users_may_register_too_but_get_a_separate_company(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    r = await client.post("/api/bidders/register", json=registration(), headers=await bearer(client, agent))
    assert r.status_code == 201
    [(role,)] = await query(db, select(User.role).where(User.id == r.json()["user"]["id"]))
    assert role == Role.bidder
