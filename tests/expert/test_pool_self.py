"""The expert's own record (我的信息): phone, declarations (回避, Evaluation Rules Art.12; GP Regs Art.9) and
unavailability periods — only their own, every change audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind, User
from tests.expert.pool_helpers import csv_bytes, phone, row, uscc
from tests.factories import bearer, create_party, query

ME = "/api/expert/me"


async def _experts(db: AsyncSession, client: AsyncClient, clock: FrozenClock, n: int = 2) -> list[dict[str, str]]:
    """Import n experts through the API and log each in with the initial password it was given."""
    _, staff_user, _ = await create_party(db, OrgKind.centre, now=clock.now())
    staff = await bearer(client, staff_user)
    r = await client.post("/api/expert-pool/imports", headers=staff,
                          files={"file": ("x.csv", csv_bytes([row(i) for i in range(1, n + 1)]), "text/csv")})
    assert r.status_code == 200, r.text
    out = []
    for login in r.json()["logins"]:
        t = await client.post("/api/auth/token", json={"username": login["username"],
                                                       "password": login["initial_password"]})
        assert t.status_code == 200, t.text
        out.append({"Authorization": f"Bearer {t.json()['access_token']}"})
    return out


async def _tags(db: AsyncSession) -> list[str]:
    rows = await query(db, select(AuditEvent.tag).where(AuditEvent.tag.like("expert:%")).order_by(AuditEvent.seq))
    return [r[0] for r in rows]


async def test_an_expert_sees_only_their_own_record(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    one, two = await _experts(db, client, clock)
    r1, r2 = (await client.get(ME, headers=one)).json(), (await client.get(ME, headers=two)).json()
    assert (r1["name"], r2["name"]) == ("专家1", "专家2")
    assert r1["specialties"] == ["A08", "A0801"] and r1["username"] == phone(1)
    # Another role has no record here, and the staff API is closed to experts.
    _, bidder, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    r = await client.get(ME, headers=await bearer(client, bidder))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "expert.experts_only")
    r = await client.get(f"/api/expert-pool/experts/{r2['id']}", headers=one)
    assert r.status_code == 403
    assert (await client.get(ME)).status_code == 401


async def test_expert_updates_phone(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    (one,) = await _experts(db, client, clock, 1)
    r = await client.patch(ME, json={"phone": "+86 138-0000-1111"}, headers=one)
    assert (r.status_code, r.json()["phone"]) == (200, "13800001111")
    users = await query(db, select(User.phone, User.username).where(User.phone == "13800001111"))
    assert [tuple(u) for u in users] == [("13800001111", phone(1))]  # the login name stays
    r = await client.patch(ME, json={"phone": "12345"}, headers=one)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "expert.phone_invalid")
    r = await client.patch(ME, json={"name": "改名"}, headers=one)  # nothing else is the expert's to change
    assert r.status_code == 422
    assert (await client.get(ME, headers=one)).json()["name"] == "专家1"
    assert (await _tags(db))[-1] == "expert:phone_changed"


async def test_declarations_are_added_and_withdrawn_by_their_expert_only(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    one, two = await _experts(db, client, clock)
    body = {"kind": "interest", "org_name": "某某工程咨询有限公司", "org_credit_code": uscc(77).lower(),
            "detail": "持有该公司5%股份"}
    r = await client.post(f"{ME}/declarations", json=body, headers=one)
    assert r.status_code == 201, r.text
    dec = r.json()
    assert (dec["kind"], dec["org_credit_code"], dec["withdrawn_at"]) == ("interest", uscc(77), None)

    for bad, code in [({**body, "org_credit_code": "123"}, "expert.credit_code_invalid"),
                      ({**body, "kind": "friend"}, "request.invalid"),
                      ({**body, "org_name": ""}, "request.invalid")]:
        r = await client.post(f"{ME}/declarations", json=bad, headers=one)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code)

    r = await client.post(f"{ME}/declarations/{dec['id']}/withdraw", headers=two)  # not theirs: looks absent
    assert (r.status_code, r.json()["error"]["code"]) == (404, "expert.declaration_not_found")
    clock.advance(hours=1)
    r = await client.post(f"{ME}/declarations/{dec['id']}/withdraw", headers=one)
    assert r.status_code == 200 and r.json()["withdrawn_at"] is not None
    r = await client.post(f"{ME}/declarations/{dec['id']}/withdraw", headers=one)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "expert.declaration_withdrawn")
    decs = (await client.get(ME, headers=one)).json()["declarations"]
    assert len(decs) == 2 and sum(d["withdrawn_at"] is None for d in decs) == 1  # kept on record, withdrawn
    assert (await _tags(db))[-2:] == ["expert:declaration_added", "expert:declaration_withdrawn"]


def _at(days: float, hour: int = 0) -> str:
    """A Beijing time `days` after the tests' start day (Monday 2 March 2026) at `hour`."""
    base = datetime(2026, 3, 2, hour, tzinfo=SHANGHAI)
    return (base + timedelta(days=days)).isoformat()


async def test_unavailability_periods_not_in_the_past(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    (one,) = await _experts(db, client, clock, 1)
    url = f"{ME}/unavailability"
    r = await client.post(url, json={"start": _at(3), "end": _at(6), "reason": "出差"}, headers=one)
    assert r.status_code == 201, r.text
    future = r.json()
    r = await client.post(url, json={"start": _at(0), "end": _at(1), "reason": "今天起"}, headers=one)
    assert r.status_code == 201, r.text  # a period may start today, from 00:00 (the clock says 09:00)
    today = r.json()

    bad: list[tuple[dict[str, Any], str]] = [
        ({"start": _at(-1), "end": _at(2)}, "expert.unavailability_past"),
        ({"start": _at(5), "end": _at(4)}, "expert.unavailability_invalid"),
        ({"start": _at(5), "end": _at(400)}, "expert.unavailability_invalid"),
        ({"start": "2026-03-10T00:00:00", "end": _at(9)}, "request.invalid"),  # naive time
    ]
    for payload, code in bad:
        r = await client.post(url, json=payload, headers=one)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), r.text

    r = await client.delete(f"{url}/{today['id']}", headers=one)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "expert.unavailability_started")
    r = await client.delete(f"{url}/{future['id']}", headers=one)
    assert r.status_code == 204
    r = await client.delete(f"{url}/{future['id']}", headers=one)
    assert r.status_code == 404
    left = (await client.get(ME, headers=one)).json()["unavailability"]
    assert [u["reason"] for u in left] == ["今天起"]
    assert (await _tags(db))[-3:] == ["expert:unavailability_added", "expert:unavailability_added",
                                      "expert:unavailability_removed"]


async def test_an_expert_never_sees_the_rest_of_the_pool(db: AsyncSession, client: AsyncClient,
                                                          clock: FrozenClock) -> None:
    """All experts are users of one pool organisation, but names stay hidden from everyone but centre staff
    (Evaluation Rules Art.8): the organisation view lists only the caller."""
    one, _two = await _experts(db, client, clock)
    me = (await client.get(ME, headers=one)).json()
    org_id = (await query(db, select(User.organisation_id).where(User.username == me["username"])))[0][0]
    r = await client.get(f"/api/orgs/{org_id}", headers=one)
    assert r.status_code == 200, r.text
    assert [u["username"] for u in r.json()["users"]] == [me["username"]]
    _, staff_user, _ = await create_party(db, OrgKind.centre, now=clock.now())
    r = await client.get(f"/api/orgs/{org_id}", headers=await bearer(client, staff_user))
    assert len(r.json()["users"]) == 2
