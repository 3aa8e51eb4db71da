"""The expert pool's JSON API for centre staff: import, search, edit, suspend / retire — and nobody else.

Experts' personal data is for centre staff only; the committee rules it feeds are in DOMAIN.md "Expert
committee" (Evaluation Rules Art.11/12).
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from tests.expert.pool_helpers import counts, csv_bytes, id_number, phone, row, uscc, xlsx_bytes
from tests.factories import bearer, create_party, query

POOL = "/api/expert-pool"


async def _headers(db: AsyncSession, client: AsyncClient, clock: FrozenClock, kind: OrgKind) -> dict[str, str]:
    _, user, _ = await create_party(db, kind, now=clock.now())
    return await bearer(client, user)


def _upload(content: bytes, name: str = "experts.csv") -> dict[str, Any]:
    return {"file": (name, content, "application/octet-stream")}


async def _imported(client: AsyncClient, staff: dict[str, str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    r = await client.post(f"{POOL}/imports", files=_upload(csv_bytes(rows)), headers=staff)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_import_through_the_api_reports_counts_and_logins_once(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    body = await _imported(client, staff, [row(1), row(2)])
    assert (body["created"], body["updated"], body["unchanged"], body["kind"]) == (2, 0, 0, "csv")
    assert [x["row"] for x in body["logins"]] == [2, 3]
    assert all(len(x["initial_password"]) == 16 for x in body["logins"])

    r = await client.post(f"{POOL}/imports", files=_upload(xlsx_bytes([row(1), row(2, 职称="研究员")]), "x.xlsx"),
                          headers=staff)
    assert r.status_code == 200, r.text
    assert (r.json()["updated"], r.json()["unchanged"], r.json()["logins"]) == (1, 1, [])
    # The new expert can log in with the password from the first result.
    login = body["logins"][0]
    r = await client.post("/api/auth/token", json={"username": login["username"],
                                                   "password": login["initial_password"]})
    assert r.status_code == 200, r.text


async def test_import_with_errors_is_a_422_listing_rows_and_writes_nothing(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    before = await counts(db)
    rows = [row(1), row(2, 手机="1380013800"), row(3, 地区="33010"), row(4, 身份证号="330102197513456789")]
    r = await client.post(f"{POOL}/imports", files=_upload(csv_bytes(rows)), headers=staff)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "expert.import_invalid"
    assert [(e["row"], e["field"], e["code"]) for e in err["detail"]["errors"]] == [
        (3, "phone", "expert.phone_invalid"),
        (4, "region", "expert.region_invalid"),
        (5, "id_number", "expert.id_number_invalid"),
    ]
    assert await counts(db) == before
    assert not await query(db, select(AuditEvent.seq).where(AuditEvent.tag == "expert:imported"))


async def test_import_refuses_a_missing_file_and_a_huge_one(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    r = await client.post(f"{POOL}/imports", headers=staff)
    assert r.status_code == 422 and r.json()["error"]["code"] == "request.invalid"
    monkeypatch.setattr("ggzy.expert.pool_endpoints.MAX_BYTES", 100)
    r = await client.post(f"{POOL}/imports", files=_upload(csv_bytes([row(1)])), headers=staff)
    assert r.status_code == 413 and r.json()["error"]["code"] == "expert.import_too_large"


@pytest.mark.parametrize("kind", [OrgKind.bidder, OrgKind.agency, OrgKind.tenderer, OrgKind.supervisor,
                                  OrgKind.expert])
async def test_other_roles_cannot_read_or_write_the_pool(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock, kind: OrgKind
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    body = await _imported(client, staff, [row(1)])
    eid = body["outcomes"][0]["expert_id"]
    other = await _headers(db, client, clock, kind)
    before = await counts(db)
    calls = [
        client.get(f"{POOL}/experts", headers=other),
        client.get(f"{POOL}/experts/{eid}", headers=other),
        client.put(f"{POOL}/experts/{eid}", json={}, headers=other),
        client.post(f"{POOL}/experts/{eid}/status", json={"status": "retired", "reason": "x"}, headers=other),
        client.post(f"{POOL}/imports", files=_upload(csv_bytes([row(2)])), headers=other),
    ]
    for call in calls:
        r = await call
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "expert.pool_staff_only"
        assert id_number(1) not in r.text and "专家1" not in r.text
    assert await counts(db) == before
    anonymous = await client.get(f"{POOL}/experts")
    assert anonymous.status_code == 401


async def test_search_by_name_specialty_region_status_and_pages(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    rows = [row(n, 专业="A0801" if n % 2 else "B02", 地区="330102" if n < 5 else "310101") for n in range(1, 8)]
    body = await _imported(client, staff, rows)
    ids = {o["row"] - 1: o["expert_id"] for o in body["outcomes"]}

    async def names(**params: Any) -> list[str]:
        r = await client.get(f"{POOL}/experts", params=params, headers=staff)
        assert r.status_code == 200, r.text
        return sorted(x["name"] for x in r.json()["items"])

    assert await names(specialty="A08") == ["专家1", "专家3", "专家5", "专家7"]  # a prefix finds codes below it
    assert await names(specialty="a0801", region="3301") == ["专家1", "专家3"]
    assert await names(q="专家6") == ["专家6"]
    assert await names(q=id_number(4)) == ["专家4"]
    assert await names(q=phone(2)) == ["专家2"]
    assert await names(q="%") == []  # LIKE wildcards are literal
    r = await client.post(f"{POOL}/experts/{ids[3]}/status", json={"status": "suspended", "reason": "接受调查"},
                          headers=staff)
    assert r.status_code == 200, r.text
    assert await names(status="suspended") == ["专家3"]
    r = await client.get(f"{POOL}/experts", params={"page_size": 3, "page": 3}, headers=staff)
    assert (r.json()["total"], len(r.json()["items"])) == (7, 1)
    r = await client.get(f"{POOL}/experts", params={"specialty": "A%"}, headers=staff)
    assert r.status_code == 422


def _edit_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "专家一", "id_number": id_number(1), "phone": phone(11), "employer": "浙江大学",
        "employer_credit_code": uscc(50), "title": "教授", "senior_title": True, "years_in_field": 20,
        "region": "330106", "specialties": ["C01", "c0102"],
        "employments": [{"org_name": "浙江大学", "org_credit_code": uscc(50), "start": "2010-09-01"}],
        "penalties": [{"decided_on": "2025-01-10", "until": "2026-01-09", "authority": "市财政局", "reason": "迟到"}],
        "note": "复核后修改",
    }
    body.update(over)
    return body


async def test_staff_edit_replaces_the_record_and_is_audited(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    body = await _imported(client, staff, [row(1), row(2)])
    eid = body["outcomes"][0]["expert_id"]

    r = await client.put(f"{POOL}/experts/{eid}", json=_edit_body(), headers=staff)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["name"], out["phone"], out["specialties"], out["region"]) == ("专家一", phone(11), ["C01", "C0102"],
                                                                             "330106")
    assert [j["org_name"] for j in out["employments"]] == ["浙江大学"]
    assert [p["authority"] for p in out["penalties"]] == ["市财政局"]
    assert len(out["declarations"]) == 1  # the expert's declarations are not the edit's to drop
    events = await query(db, select(AuditEvent.before, AuditEvent.after).where(AuditEvent.tag == "expert:updated"))
    assert len(events) == 1
    assert events[0].after["phone"] == "139****0011" and phone(11) not in str(events[0])
    assert id_number(1) not in str(events[0])  # ID numbers are masked in the permanent log

    bad = [
        (_edit_body(id_number=id_number(1)[:17] + "Y"), 422, "expert.id_number_invalid"),
        (_edit_body(phone="021-12345678"), 422, "expert.phone_invalid"),
        (_edit_body(specialties=["工程"]), 422, "expert.specialty_invalid"),
        (_edit_body(employer_credit_code="91330100MA00000150"), 422, "expert.credit_code_invalid"),
        (_edit_body(employments=[{"org_name": "x", "start": "2099-01-01"}]), 422, "expert.date_in_future"),
        (_edit_body(years_in_field=60), 422, "expert.years_invalid"),
        (_edit_body(id_number=id_number(2)), 409, "expert.id_number_taken"),
        (_edit_body(unknown="x"), 422, "request.invalid"),
    ]
    for payload, status, code in bad:
        r = await client.put(f"{POOL}/experts/{eid}", json=payload, headers=staff)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    r = await client.put(f"{POOL}/experts/nope", json=_edit_body(), headers=staff)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "expert.not_found")
    r = await client.get(f"{POOL}/experts/{eid}", headers=staff)
    assert r.json()["name"] == "专家一"  # the refused edits changed nothing


async def test_suspend_retire_and_reinstate_with_reasons(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    staff = await _headers(db, client, clock, OrgKind.centre)
    body = await _imported(client, staff, [row(1)])
    eid, login = body["outcomes"][0]["expert_id"], body["logins"][0]
    token = await client.post("/api/auth/token", json={"username": login["username"],
                                                       "password": login["initial_password"]})
    expert = {"Authorization": f"Bearer {token.json()['access_token']}"}
    url = f"{POOL}/experts/{eid}/status"

    r = await client.post(url, json={"status": "suspended", "reason": "  "}, headers=staff)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "expert.status_reason_required")
    r = await client.post(url, json={"status": "suspended", "reason": "涉嫌违规，暂停待查"}, headers=staff)
    assert (r.status_code, r.json()["status"], r.json()["status_reason"]) == (200, "suspended", "涉嫌违规，暂停待查")
    assert (await client.get("/api/expert/me", headers=expert)).status_code == 200  # a suspended expert still logs in
    r = await client.post(url, json={"status": "retired", "reason": "本人申请出库"}, headers=staff)
    assert r.json()["status"] == "retired"
    assert (await client.get("/api/expert/me", headers=expert)).status_code == 401  # the login stopped at once
    r = await client.post(url, json={"status": "suspended", "reason": "x"}, headers=staff)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "expert.bad_status_transition")
    r = await client.post(url, json={"status": "active", "reason": "重新评审入库"}, headers=staff)
    assert r.json()["status"] == "active"
    token = await client.post("/api/auth/token", json={"username": login["username"],
                                                       "password": login["initial_password"]})
    assert token.status_code == 200
    tags = await query(db, select(AuditEvent.after).where(AuditEvent.tag == "expert:status_changed"))
    assert [t[0]["status"] for t in tags] == ["suspended", "retired", "active"]
