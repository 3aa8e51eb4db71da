"""The aid ledger's JSON API: who may call what, and a clear 4xx with a stable code for every bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import make_id_number
from ggzy.party.models import OrgKind, Role
from tests.factories import bearer, create_party

VILLAGE = {"name": "接口村", "township": "石桥镇", "county": "山阳县", "households": 40, "population": 150,
           "paired_since": "2016-03-01"}


async def _headers(client: AsyncClient, db: AsyncSession, clock: FrozenClock, kind: OrgKind,
                   role: Role | None = None, **kw: Any) -> dict[str, str]:
    _, user, _ = await create_party(db, kind, now=clock.now(), role=role, **kw)
    return await bearer(client, user)


@pytest.fixture
async def hdr(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> dict[str, dict[str, str]]:
    return {
        "staff": await _headers(client, db, clock, OrgKind.centre, Role.centre_staff),
        "sup": await _headers(client, db, clock, OrgKind.supervisor, supervised_lines=["construction"]),
        "bidder": await _headers(client, db, clock, OrgKind.bidder),
    }


def _code(r: Any) -> str:
    return str(r.json()["error"]["code"])


async def test_a_ledger_through_the_api(client: AsyncClient, hdr: dict[str, dict[str, str]]) -> None:
    staff, sup = hdr["staff"], hdr["sup"]
    r = await client.post("/api/aid/villages", json=VILLAGE, headers=staff)
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    head = make_id_number("530921", date(1970, 1, 1), 11)
    r = await client.post(f"/api/aid/villages/{vid}/households", headers=staff, json={
        "code": "BY-001", "registered_on": "2016-03-15", "members": [
            {"name": "杨国强", "id_number": head.lower() if head.endswith("X") else head, "relation": "head"}]})
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    r = await client.post(f"/api/aid/households/{hid}/status", headers=staff,
                          json={"status": "lifted", "effective_on": "2018-11-20", "note": "验收通过"})
    assert r.status_code == 201 and r.json()["seq"] == 2
    partner = (await client.post("/api/aid/partners", json={"name": "交易中心"}, headers=staff)).json()["id"]
    r = await client.post(f"/api/aid/villages/{vid}/projects", headers=staff,
                          json={"name": "公路", "category": "road", "started_on": "2016-05-10"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = await client.post(f"/api/aid/projects/{pid}/investments", headers=staff,
                          json={"partner_id": partner, "amount": "1234567.89", "invested_on": "2016-06-01"})
    assert r.status_code == 201 and r.json()["amount"] == "1234567.89"
    r = await client.post(f"/api/aid/villages/{vid}/visits", headers=staff, json={
        "visited_on": "2016-07-01", "staff": "李晓燕", "households_visited": 12, "problems": ["水管漏水"]})
    assert r.status_code == 201, r.text
    problem = r.json()["problems"][0]["id"]
    r = await client.post(f"/api/aid/problems/{problem}/solve", headers=staff,
                          json={"solved_on": "2016-07-11", "solution": "已更换"})
    assert r.status_code == 200 and r.json()["solved_on"] == "2016-07-11"

    r = await client.get(f"/api/aid/villages/{vid}/progress?as_of=2018-12-31", headers=sup)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["households"] == {"registered": 1, "members": 1, "not_lifted": 0, "to_lift": 0, "lifted": 1,
                                  "members_lifted": 1, "poor": 0, "lifted_share": "100.0"}
    assert body["money"]["total"] == "1234567.89"
    assert body["money"]["by_partner"] == [{"key": partner, "name": "交易中心", "amount": "1234567.89",
                                            "share": "100.0"}]
    assert body["visits"]["problems_solved"] == 1 and body["visits"]["average_days_to_solve"] == "10.0"
    assert "杨国强" not in r.text and head not in r.text  # aggregates only
    projects = (await client.get(f"/api/aid/villages/{vid}/projects", headers=sup)).json()
    assert projects[0]["by_partner"] == [{"partner": "交易中心", "amount": "1234567.89"}]
    assert (await client.get(f"/api/aid/villages/{vid}/households", headers=sup)).status_code == 403
    r = await client.get(f"/api/aid/households/{hid}", headers=staff)
    assert r.json()["members"][0]["name"] == "杨国强" and [h["status"] for h in r.json()["history"]] == [
        "registered", "lifted"]


async def test_callers_without_a_right_get_401_or_403(client: AsyncClient, hdr: dict[str, dict[str, str]]) -> None:
    r = await client.get("/api/aid/villages")
    assert r.status_code == 401 and _code(r) == "auth.required"
    r = await client.post("/api/aid/villages", json={"nonsense": True})
    assert r.status_code == 401  # the login is asked for before the body is judged
    r = await client.get("/api/aid/villages", headers=hdr["bidder"])
    assert r.status_code == 403 and _code(r) == "aid.forbidden"
    r = await client.post("/api/aid/villages", json=VILLAGE, headers=hdr["sup"])
    assert r.status_code == 403 and _code(r) == "aid.staff_only"
    assert (await client.get("/api/aid/villages", headers=hdr["sup"])).status_code == 200


async def test_bad_input_everywhere_is_a_clear_4xx(client: AsyncClient, hdr: dict[str, dict[str, str]]) -> None:
    staff = hdr["staff"]
    vid = (await client.post("/api/aid/villages", json=VILLAGE, headers=staff)).json()["id"]
    partner = (await client.post("/api/aid/partners", json={"name": "住建局"}, headers=staff)).json()["id"]
    pid = (await client.post(f"/api/aid/villages/{vid}/projects", headers=staff,
                             json={"name": "渠", "category": "water", "started_on": "2017-01-01"})).json()["id"]
    good_money = {"partner_id": partner, "amount": "100.00", "invested_on": "2017-02-01"}
    good_member = {"name": "甲", "id_number": make_id_number("530921", date(1980, 2, 2), 21),
                   "relation": "head"}
    cases: list[tuple[str, str, Any, int, str]] = [
        ("post", "/api/aid/villages", {**VILLAGE, "households": 0}, 422, "request.invalid"),
        ("post", "/api/aid/villages", {**VILLAGE, "paired_since": "2016-02-30"}, 422, "request.invalid"),
        ("post", "/api/aid/villages", {**VILLAGE, "paired_since": "2026-03-03"}, 422, "aid.date_in_future"),
        ("post", "/api/aid/villages", {**VILLAGE, "population": 39}, 422, "aid.population_below_households"),
        ("post", "/api/aid/villages", {**VILLAGE, "extra": 1}, 422, "request.invalid"),
        ("post", "/api/aid/villages", {**VILLAGE, "region_code": "12345"}, 422, "request.invalid"),
        ("post", "/api/aid/villages", VILLAGE, 409, "aid.village_exists"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "amount": "12.345"}, 422, "request.invalid"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "amount": "-5"}, 422, "request.invalid"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "amount": "0"}, 422, "request.invalid"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "amount": "1e20"}, 422, "request.invalid"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "amount": "abc"}, 422, "request.invalid"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "partner_id": "x" * 32}, 404,
         "aid.partner_not_found"),
        ("post", f"/api/aid/projects/{pid}/investments", {**good_money, "invested_on": "2015-12-31"}, 422,
         "aid.before_pairing"),
        ("post", "/api/aid/projects/nope/investments", good_money, 404, "aid.project_not_found"),
        ("post", f"/api/aid/projects/{pid}/complete", {"completed_on": "2016-12-31"}, 422,
         "aid.completed_before_start"),
        ("post", f"/api/aid/villages/{vid}/projects",
         {"name": "x", "category": "spaceport", "started_on": "2017-01-01"}, 422, "request.invalid"),
        ("post", f"/api/aid/villages/{vid}/projects", {"name": "x", "category": "road", "started_on": "2017-01-01",
                                                       "beneficiary_households": 41}, 422,
         "aid.beneficiaries_exceed_households"),
        ("post", f"/api/aid/villages/{vid}/households", {"code": "1", "registered_on": "2016-03-15",
                                                         "members": []}, 422, "request.invalid"),
        ("post", f"/api/aid/villages/{vid}/households", {"code": "has space", "registered_on": "2016-03-15",
                                                         "members": [good_member]}, 422, "request.invalid"),
        ("post", f"/api/aid/villages/{vid}/households", {"code": "1", "registered_on": "2016-03-15", "members": [
            {**good_member, "id_number": good_member["id_number"][:17] + "Y"}]}, 422, "aid.id_number_invalid"),
        ("post", f"/api/aid/villages/{vid}/households", {"code": "1", "registered_on": "2016-03-15", "members": [
            {**good_member, "relation": "cousin"}]}, 422, "request.invalid"),
        ("post", f"/api/aid/villages/{vid}/visits", {"visited_on": "2017-01-01", "staff": "", "households_visited": 1},
         422, "request.invalid"),
        ("post", f"/api/aid/villages/{vid}/visits", {"visited_on": "2017-01-01", "staff": "甲",
                                                     "households_visited": -1}, 422, "request.invalid"),
        ("post", "/api/aid/problems/nope/solve", {"solved_on": "2017-01-01", "solution": "x"}, 404,
         "aid.problem_not_found"),
        ("post", "/api/aid/households/nope/status", {"status": "lifted", "effective_on": "2017-01-01"}, 404,
         "aid.household_not_found"),
        ("get", "/api/aid/villages/nope", None, 404, "aid.village_not_found"),
        ("get", f"/api/aid/villages/{vid}/progress?as_of=2030-01-01", None, 422, "aid.as_of_invalid"),
        ("get", f"/api/aid/villages/{vid}/progress?as_of=soon", None, 422, "aid.as_of_invalid"),
        ("post", "/api/aid/partners", {"name": "住建局"}, 409, "aid.partner_exists"),
        ("post", "/api/aid/partners", {"name": "x", "kind": "alien"}, 422, "request.invalid"),
    ]
    for method, url, body, status, code in cases:
        r = await (client.get(url, headers=staff) if method == "get" else client.post(url, json=body, headers=staff))
        assert (r.status_code, _code(r)) == (status, code), (url, body, r.text)
        assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
    r = await client.post("/api/aid/partners", content=b"{not json",
                          headers={**staff, "content-type": "application/json"})
    assert r.status_code == 400 and _code(r) == "request.malformed_json"
    money = (await client.get(f"/api/aid/villages/{vid}/progress", headers=staff)).json()["money"]
    assert money["total"] == "0.00"  # nothing of the refused money was written
