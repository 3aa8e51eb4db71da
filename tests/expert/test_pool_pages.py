"""Pages of the expert pool: staff list / import / edit / status, the expert's 我的信息, and who may see them."""

from __future__ import annotations

import re
from types import SimpleNamespace

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.expert.models import Expert, ExpertDeclaration, ExpertStatus, ExpertUnavailability
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from tests.expert.pool_helpers import counts, csv_bytes, id_number, phone, row, uscc, xlsx_bytes
from tests.factories import create_party, login_cookie, query

BASE = "/workspace/centre/experts"


async def _staff_login(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> str:
    _, user, _ = await create_party(db, OrgKind.centre, now=clock.now())
    return await login_cookie(client, user)


async def _import_page(client: AsyncClient, csrf: str, content: bytes, name: str = "experts.csv"):  # type: ignore[no-untyped-def]
    return await client.post(f"{BASE}/import", data={"csrf_token": csrf},
                             files={"file": (name, content, "application/octet-stream")})


async def test_staff_import_page_shows_counts_and_initial_passwords_once(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    csrf = await _staff_login(db, client, clock)
    home = await client.get("/workspace")
    assert 'data-testid="nav-expert-pool"' in home.text
    page = await client.get(f"{BASE}/import")
    assert page.status_code == 200 and "身份证号" in page.text and "工作经历" in page.text

    r = await _import_page(client, csrf, xlsx_bytes([row(1), row(2)]), "pool.xlsx")
    assert r.status_code == 200, r.text
    assert re.search(r'data-testid="created">2<', r.text)
    assert phone(1) in r.text and len(re.findall(r"<td><code>[A-Za-z0-9]{16}</code></td>", r.text)) == 2

    r = await _import_page(client, csrf, csv_bytes([row(1), row(2, 职称="研究员")]))
    assert re.search(r'data-testid="updated">1<', r.text) and re.search(r'data-testid="unchanged">1<', r.text)
    assert 'data-testid="import-logins"' not in r.text


async def test_staff_import_page_lists_each_bad_row_and_writes_nothing(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    csrf = await _staff_login(db, client, clock)
    before = await counts(db)
    r = await _import_page(client, csrf, csv_bytes([row(1), row(2, 手机="abc"), row(3, 专业="")]))
    assert r.status_code == 422
    assert 'data-code="expert.import_invalid"' in r.text
    cells = re.findall(r'data-row="(\d+)" data-field="(\w+)"', r.text)
    assert cells == [("3", "phone"), ("4", "specialties")]
    assert await counts(db) == before
    r = await client.post(f"{BASE}/import", data={"csrf_token": csrf})
    assert r.status_code == 422 and "请选择要导入的文件" in r.text
    r = await client.post(f"{BASE}/import", files={"file": ("a.csv", b"x", "text/csv")})  # no CSRF token
    assert r.status_code == 403


async def test_list_search_and_htmx_partial(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    csrf = await _staff_login(db, client, clock)
    await _import_page(client, csrf, csv_bytes([row(n, 专业="B02" if n == 3 else "A08") for n in range(1, 25)]))
    page = await client.get(BASE)
    assert page.status_code == 200
    assert re.search(r'data-testid="pool-total">24<', page.text)
    assert page.text.count('data-testid="expert-row"') == 20 and 'data-testid="next-page"' in page.text
    found = await client.get(BASE, params={"specialty": "b0"}, headers={"HX-Request": "true"})
    assert found.text.lstrip().startswith('<section class="panel" id="pool-results"')  # only the results
    assert found.text.count('data-testid="expert-row"') == 1 and "专家3" in found.text
    odd = await client.get(BASE, params={"specialty": "%", "region": "x", "status": "bogus", "page": "z"})
    assert odd.status_code == 200 and re.search(r'data-testid="pool-total">24<', odd.text)


async def test_edit_form_saves_marks_bad_fields_and_changes_status(
    db: AsyncSession, client: AsyncClient, clock: FrozenClock
) -> None:
    csrf = await _staff_login(db, client, clock)
    await _import_page(client, csrf, csv_bytes([row(1)]))
    eid = (await query(db, select(Expert.id)))[0][0]
    page = await client.get(f"{BASE}/{eid}")
    assert page.status_code == 200 and id_number(1) in page.text and "浙江建工集团|" in page.text

    form = {
        "csrf_token": csrf, "name": "专家壹", "id_number": id_number(1), "phone": phone(1), "employer": "新单位",
        "employer_credit_code": uscc(3), "title": "高级工程师", "senior_title": "是", "years_in_field": "16",
        "region": "330100", "specialties": "A08;A0802",
        "employments": f"新单位|{uscc(3)}|2024-01-01|\n旧单位||2010-01-01|2023-12-31",
        "penalties": "2025-06-01|2025-12-01|市住建局|迟到", "note": "",
    }
    r = await client.post(f"{BASE}/{eid}", data=form)
    assert r.status_code == 303 and r.headers["location"].endswith("done=saved")
    e = (await query(db, select(Expert.name, Expert.employer, Expert.years_in_field)))[0]
    assert tuple(e) == ("专家壹", "新单位", 16)

    r = await client.post(f"{BASE}/{eid}", data={**form, "phone": "110", "penalties": "2025-06-01|x||"})
    assert r.status_code == 422
    assert sorted(re.findall(r'data-testid="field-error" data-field="(\w+)"', r.text)) == ["penalties", "phone"]
    assert 'value="110"' in r.text  # what was typed is kept
    assert (await query(db, select(Expert.phone)))[0][0] == phone(1)

    r = await client.post(f"{BASE}/{eid}/status", data={"csrf_token": csrf, "status": "suspended", "reason": ""})
    assert r.status_code == 422 and 'data-code="expert.status_reason_required"' in r.text
    r = await client.post(f"{BASE}/{eid}/status", data={"csrf_token": csrf, "status": "suspended", "reason": "调查"})
    assert r.status_code == 303
    assert (await query(db, select(Expert.status)))[0][0] == ExpertStatus.suspended


async def test_other_roles_get_no_pool_pages(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    assert (await client.get(BASE)).status_code == 303  # anonymous: to the login page
    for kind in (OrgKind.bidder, OrgKind.agency):
        client.cookies.clear()
        _, user, _ = await create_party(db, kind, now=clock.now())
        csrf = await login_cookie(client, user)
        for url in (BASE, f"{BASE}/import", f"{BASE}/x"):
            r = await client.get(url, headers={"accept": "text/html"})
            assert r.status_code == 403, url
        r = await _import_page(client, csrf, csv_bytes([row(1)]))
        assert r.status_code == 403
        assert 'data-testid="nav-expert-pool"' not in (await client.get("/workspace")).text
        assert (await client.get("/expert/me")).status_code == 403


async def test_my_record_page_for_the_expert(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    csrf = await _staff_login(db, client, clock)
    r = await _import_page(client, csrf, csv_bytes([row(1, 申报="")]))
    password = re.findall(r"<td><code>([A-Za-z0-9]{16})</code></td>", r.text)[0]
    client.cookies.clear()
    csrf = await login_cookie(client, SimpleNamespace(username=phone(1)), password)  # type: ignore[arg-type]

    page = await client.get("/expert/me")
    assert page.status_code == 200 and 'data-testid="nav-expert-me"' in page.text
    assert "<code>A0801</code>" in page.text and id_number(1) not in page.text

    r = await client.post("/expert/me/phone", data={"csrf_token": csrf, "phone": "13700000000"})
    assert r.status_code == 303
    r = await client.post("/expert/me/declarations", data={"csrf_token": csrf, "kind": "relative",
                                                           "org_name": "某建设公司", "detail": "兄长任总经理"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=declared")
    r = await client.post("/expert/me/declarations", data={"csrf_token": csrf, "kind": "relative",
                                                           "org_name": "", "detail": ""})
    assert r.status_code == 422 and 'data-code="expert.value_required"' in r.text
    r = await client.post("/expert/me/unavailability", data={"csrf_token": csrf, "start": "2026-03-02",
                                                             "end": "2026-03-04", "reason": "休假"})
    assert r.status_code == 303
    r = await client.post("/expert/me/unavailability", data={"csrf_token": csrf, "start": "2026-03-01",
                                                             "end": "2026-03-04"})
    assert r.status_code == 422 and 'data-code="expert.unavailability_past"' in r.text
    r = await client.post("/expert/me/unavailability", data={"csrf_token": csrf, "start": "3/5", "end": "x"})
    assert r.status_code == 422 and 'data-code="expert.date_invalid"' in r.text

    page = await client.get("/expert/me?done=declared")
    assert "某建设公司" in page.text and "13700000000" in page.text
    decs = await query(db, select(ExpertDeclaration.id, ExpertDeclaration.org_name))
    r = await client.post(f"/expert/me/declarations/{decs[0].id}/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 303
    spans = await query(db, select(ExpertUnavailability.start, ExpertUnavailability.end))
    assert [(s.end - s.start).days for s in spans] == [3]  # both dates included
    assert (await client.get(BASE)).status_code == 403
