"""The aid pages over HTTP: the progress page with its charts, tables, CSV and SVG files and the one-page PDF
(aggregates only), the staff's forms with their 4xx re-renders, and who may see what."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid.models import AidHousehold, AidInvestment, AidMember
from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import make_id_number
from ggzy.party.models import OrgKind, Role
from tests.aid.helpers import Example, build_example
from tests.factories import create_party, login_cookie, query

SVG = "{http://www.w3.org/2000/svg}"
AS_OF = "?as_of=2020-06-30"


class Browser:
    """An httpx client logged in through the /login form, with the page's CSRF token."""

    def __init__(self, client: AsyncClient, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.client.get(url, headers={"accept": "text/html"}, **kw)

    async def post(self, url: str, data: dict[str, str]) -> Any:
        return await self.client.post(url, data={**data, "csrf_token": self.csrf}, headers={"accept": "text/html"})


@pytest.fixture
async def world(app: Any, db: AsyncSession, clock: FrozenClock) -> AsyncIterator[tuple[dict[str, Browser], Example]]:
    now = clock.now()
    users = {
        "staff": await create_party(db, OrgKind.centre, now=now, role=Role.centre_staff),
        "sup": await create_party(db, OrgKind.supervisor, now=now, supervised_lines=["construction"]),
        "bidder": await create_party(db, OrgKind.bidder, now=now),
    }
    ex = await build_example(db, users["staff"][2], clock)
    clients: dict[str, Browser] = {}
    opened: list[AsyncClient] = []
    for key, (_, user, _) in users.items():
        c = AsyncClient(transport=ASGITransport(app=app, client=("203.0.113.9", 40001)), base_url="http://testserver")
        opened.append(c)
        clients[key] = Browser(c, await login_cookie(c, user))
    yield clients, ex
    for c in opened:
        await c.aclose()


async def test_progress_page_shows_figures_charts_tables_and_downloads(
        world: tuple[dict[str, Browser], Example]) -> None:
    b, ex = world
    r = await b["sup"].get(f"/aid/villages/{ex.village_id}{AS_OF}")
    assert r.status_code == 200, r.text
    html = r.text
    for testid, value in (("kpi-registered", "4"), ("kpi-lifted", "2"), ("kpi-poor", "2"), ("kpi-money", "183.33"),
                          ("kpi-projects", "3"), ("kpi-visits", "4")):
        assert re.search(rf'data-testid="{testid}">{re.escape(value)}<', html), testid
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    for key in ("households", "category", "partner", "year", "visits"):
        assert f'data-testid="table-{key}"' in html and f"/charts/{key}.csv?as_of=2020-06-30" in html
    assert "1,200,000.00" in html and "65.5%" in html and "1,833,333.33" in html
    assert 'data-testid="tab-households"' not in html  # supervisors do not see the household list
    assert "成员" not in html  # no member name anywhere on the page


async def test_csv_and_svg_files_carry_the_same_figures(world: tuple[dict[str, Browser], Example]) -> None:
    b, ex = world
    base = f"/aid/villages/{ex.village_id}/charts"
    r = await b["sup"].get(f"{base}/category.csv{AS_OF}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode()) and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [["类别", "金额（元）", "占比"], ["道路", "1200000.00", "65.5"], ["产业", "433333.33", "23.6"],
                    ["水利", "200000.00", "10.9"], ["合计", "1833333.33", "100.0"]]
    households = (await b["sup"].get(f"{base}/households.csv{AS_OF}")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(households)))
    assert rows[1:] == [["2016", "3", "3", "0", "0", "0", "3"], ["2017", "4", "1", "1", "0", "1", "3"],
                        ["2018", "4", "0", "2", "0", "3", "1"], ["2019", "4", "0", "0", "1", "2", "2"],
                        ["2020", "4", "0", "0", "0", "2", "2"]]
    rows = list(csv.reader(io.StringIO((await b["sup"].get(f"{base}/visits.csv?as_of=2017-03-31")).content
                                       .decode("utf-8-sig"))))
    assert rows[1:] == [["2016Q1", "0", "0", "0", "0", "0"], ["2016Q2", "2", "35", "2", "1", "1"],
                        ["2016Q3", "0", "0", "0", "1", "0"], ["2016Q4", "1", "25", "1", "0", "1"],
                        ["2017Q1", "1", "10", "1", "1", "1"], ["合计", "4", "70", "4", "3", "1"]]
    r = await b["sup"].get(f"{base}/partner.svg{AS_OF}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.text)
    bars = [el for el in root.iter(f"{SVG}rect") if el.find(f"{SVG}title") is not None]
    titles = [el.find(f"{SVG}title").text for el in bars]  # type: ignore[union-attr]
    assert titles == ["住建局: 100.00 万元", "交易中心: 48.33 万元", "建工集团: 35.00 万元"]
    widths = [float(el.get("width", "0")) for el in bars]
    assert widths[0] > widths[1] > widths[2] > 0
    assert abs(widths[1] / widths[0] - 48.33 / 100) < 0.01  # bar lengths are proportional to the money
    root = ET.fromstring((await b["sup"].get(f"{base}/households.svg{AS_OF}")).text)
    heights = {el.find(f"{SVG}title").text: float(el.get("height", "0"))  # type: ignore[union-attr]
               for el in root.iter(f"{SVG}rect") if el.find(f"{SVG}title") is not None}
    assert heights["2018 已脱贫: 3"] == pytest.approx(heights["2018 建档立卡户（累计）: 4"] * 3 / 4)
    for bad in ("nope.svg", "category.png", "category"):
        r = await b["sup"].get(f"{base}/{bad}")
        assert (r.status_code == 404 and 'data-code="aid.chart_not_found"' not in r.text) or r.status_code == 404


def _pdf_pages_and_text(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils not installed")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


async def test_pdf_sheet_is_one_page_of_aggregates(world: tuple[dict[str, Browser], Example], db: AsyncSession,
                                                    tmp_path: Path) -> None:
    b, ex = world
    r = await b["sup"].get(f"/aid/villages/{ex.village_id}/sheet.pdf{AS_OF}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    pages, text = _pdf_pages_and_text(r.content, tmp_path)
    assert pages == 1
    flat = re.sub(r"\s+", "", text)
    for needle in ("试验村对口帮扶工作进展表", "统计截至2020-06-30", "1,833,333.33",
                   "壹佰捌拾叁万叁仟叁佰叁拾叁元叁角叁分", "住建局", "65.5%", "50.0%"):
        assert needle in flat, needle
    names = [n for (n,) in await query(db, select(AidMember.name))]
    numbers = [n for (n,) in await query(db, select(AidMember.id_number))]
    assert not any(n in flat for n in names + numbers)


async def test_pdf_stays_one_page_with_many_partners_and_years(world: tuple[dict[str, Browser], Example],
                                                               tmp_path: Path) -> None:
    """Twelve partner units and money in every year since 2016: folded and shrunk, still one page."""
    b, ex = world
    staff = b["staff"]
    pid = ex.projects["I"]
    for i in range(12):
        r = await staff.post(f"/aid/villages/{ex.village_id}/partners", {"name": f"帮扶单位{i:02d}"})
        assert r.status_code == 303
    partners = (await staff.client.get("/api/aid/partners")).json()
    for i, partner in enumerate(p for p in partners if p["name"].startswith("帮扶单位")):
        r = await staff.post(f"/aid/villages/{ex.village_id}/projects/{pid}/investments", {
            "partner_id": partner["id"], "amount": f"{1000 + i}.00", "invested_on": f"{2016 + i % 10}-06-01"})
        assert r.status_code == 303, r.text
    for year in range(2021, 2026):
        for q in (2, 8, 11):
            r = await staff.post(f"/aid/villages/{ex.village_id}/visits", {
                "visited_on": f"{year}-{q:02d}-15", "staff": "甲", "households_visited": "3", "problems": "甲\n乙"})
            assert r.status_code == 303
    r = await b["sup"].get(f"/aid/villages/{ex.village_id}/sheet.pdf")
    pages, text = _pdf_pages_and_text(r.content, tmp_path)
    assert pages == 1 and "其他10家" in re.sub(r"\s+", "", text)  # 15 partners: the 5 largest and the rest


async def test_staff_forms_save_and_redirect(world: tuple[dict[str, Browser], Example], db: AsyncSession) -> None:
    b, ex = world
    staff = b["staff"]
    vid = ex.village_id
    head = make_id_number("530921", date(1975, 3, 3), 901)
    child = make_id_number("530921", date(2005, 9, 9), 902)
    r = await staff.post(f"/aid/villages/{vid}/households", {
        "code": "E-1", "group_name": "新村组", "registered_on": "2019-05-01", "reason": "因学",
        "members": f"王五|{head}|户主\n王小五｜{child.lower()}｜子女\n"})
    assert r.status_code == 303, r.text
    hid = r.headers["location"].split("/")[-1].split("?")[0]
    page = await staff.get(r.headers["location"])
    assert page.status_code == 200 and "王小五" in page.text and head in page.text
    r = await staff.post(f"/aid/households/{hid}/status", {"status": "to_lift", "effective_on": "2020-03-01"})
    assert r.status_code == 303
    page = await staff.get(f"/aid/villages/{vid}/households?status=to_lift")
    assert "E-1" in page.text and ">B<" in page.text and ">A<" not in page.text
    r = await staff.post(f"/aid/villages/{vid}/projects/{ex.projects['R']}/investments", {
        "partner_id": ex.partners["P1"], "amount": "1,200,000.50", "invested_on": "2020-01-02"})
    assert r.status_code == 303
    amounts = [a for (a,) in await query(db, select(AidInvestment.amount).where(
        AidInvestment.invested_on == date(2020, 1, 2)))]
    assert [str(a) for a in amounts] == ["1200000.50"]
    r = await staff.post(f"/aid/villages/{vid}/projects/{ex.projects['R']}/complete", {"completed_on": "2016-12-20"})
    assert r.status_code == 303
    r = await staff.post(f"/aid/villages/{vid}/problems/{ex.problems['p3']}/solve",
                         {"solved_on": "2016-12-01", "solution": "已修复"})
    assert r.status_code == 303
    page = await b["sup"].get(f"/aid/villages/{vid}/visits")
    assert "已修复" in page.text and 'class="tag red"' not in page.text  # no open problem left
    r = await staff.post(f"/aid/villages/{vid}/profile", {
        "name": "试验村", "township": "石桥镇", "county": "山阳县", "households": "31", "population": "80",
        "paired_since": "2016-03-01"})
    assert r.status_code == 303


REFUSED: list[tuple[str, dict[str, str], int, str, str]] = [
    ("/aid/villages/{vid}/visits", {"visited_on": "2020-01-01", "staff": "甲", "households_visited": "999"}, 422,
     "aid.visited_exceeds_households", "走访户数不能超过全村总户数"),
    ("/aid/villages/{vid}/visits", {"visited_on": "2020-13-01", "staff": "", "households_visited": "x"}, 422,
     "aid.invalid", "走访日期应为日期"),
    ("/aid/villages/{vid}/households", {"code": "Z", "registered_on": "2019-01-01",
                                       "members": "张三|530921198002300011|户主"}, 422,
     "aid.id_number_invalid", "身份证号码无效（张三）"),
    ("/aid/villages/{vid}/households", {"code": "Z", "registered_on": "2019-01-01", "members": "张三\n李四|1|表亲"},
     422, "aid.invalid", "家庭成员第 2 行"),
    ("/aid/villages/{vid}/projects/{R}/investments", {"partner_id": "{P1}", "amount": "12.345",
                                                      "invested_on": "2020-01-01"}, 422, "aid.invalid",
     "最多两位小数"),
    ("/aid/villages/{vid}/projects", {"name": "路", "category": "road", "started_on": "2020-02-02",
                                      "completed_on": "2020-01-01"}, 422, "aid.completed_before_start", "完工日期"),
    ("/aid/villages/{vid}/partners", {"name": "交易中心"}, 409, "aid.partner_exists", "已有同名帮扶单位"),
    ("/aid/households/{A}/status", {"status": "registered", "effective_on": "2017-01-01"}, 409, "aid.status_backdated",
     "状态历史只能追加"),
    ("/aid/villages/{vid}/problems/{p1}/solve", {"solved_on": "2020-01-01", "solution": "x"}, 409,
     "aid.problem_already_solved", "已登记为解决"),
    ("/aid/villages/{vid}/profile", {"name": "试验村", "township": "石桥镇", "county": "山阳县", "households": "3",
                                     "population": "80", "paired_since": "2016-03-01"}, 409,
     "aid.profile_below_records", "总户数不能少于"),
]
"""(url, form, status, error code, words the page must show): each refused, nothing written, the form refilled."""


async def test_refused_forms_come_back_with_the_message_and_the_typed_values(
        world: tuple[dict[str, Browser], Example]) -> None:
    b, ex = world
    ids = {"vid": ex.village_id, "R": ex.projects["R"], "P1": ex.partners["P1"], "A": ex.households["A"],
           "p1": ex.problems["p1"]}
    for url, data, status, code, shown in REFUSED:
        r = await b["staff"].post(url.format(**ids), {k: v.format(**ids) for k, v in data.items()})
        assert r.status_code == status, (url, r.text)
        assert f'data-code="{code}"' in r.text and shown in r.text, url
        for value in data.values():
            if value and len(value) < 30 and "\n" not in value and value not in ("road", "registered") \
                    and "solve" not in url:
                assert f'value="{value.format(**ids)}"' in r.text or f">{value}<" in r.text, (url, value)
    money = await b["staff"].client.get(f"/api/aid/villages/{ex.village_id}/progress")
    assert money.json()["money"]["total"] == "1833333.33"  # nothing of the refused money was written


async def test_who_sees_which_page(world: tuple[dict[str, Browser], Example], client: AsyncClient) -> None:
    b, ex = world
    vid = ex.village_id
    r = await client.get("/aid", headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert (await b["bidder"].get("/aid")).status_code == 403
    assert (await b["bidder"].get(f"/aid/villages/{vid}/sheet.pdf")).status_code == 403
    r = await b["sup"].get(f"/aid/households/{ex.households['A']}")
    assert r.status_code == 403 and "aid.staff_only" in r.text
    assert (await b["sup"].get(f"/aid/villages/{vid}/households")).status_code == 403
    r = await b["sup"].post(f"/aid/villages/{vid}/visits", {"visited_on": "2020-01-01", "staff": "甲",
                                                            "households_visited": "1"})
    assert r.status_code == 403 and "aid.staff_only" in r.text
    r = await b["sup"].get("/aid")
    assert r.status_code == 200 and "试验村" in r.text and 'data-testid="village-form"' not in r.text
    assert 'data-testid="nav-aid"' in r.text
    assert 'data-testid="nav-aid"' not in (await b["bidder"].get("/workspace")).text
    r = await b["staff"].get(f"/aid/villages/{vid}?as_of=2099-01-01")
    assert r.status_code == 422 and "aid.as_of_invalid" in r.text
    assert (await b["staff"].get("/aid/villages/nope")).status_code == 404
    r = await b["staff"].get(f"/aid/villages/{vid}/households")
    assert r.status_code == 200 and len(re.findall(r'data-testid="household-row"', r.text)) == 4


async def test_english_switch(world: tuple[dict[str, Browser], Example]) -> None:
    b, ex = world
    r = await b["sup"].get(f"/aid/villages/{ex.village_id}{AS_OF}&lang=en")
    assert "Households lifted vs registered" in r.text and "Money by partner unit" in r.text
    r = await b["sup"].get(f"/aid/villages/{ex.village_id}/charts/category.csv?lang=en&as_of=2020-06-30")
    assert r.content.decode("utf-8-sig").splitlines()[:2] == ["Category,Amount (yuan),Share", "Roads,1200000.00,65.5"]


async def test_household_ids_are_unique_per_village_not_globally(world: tuple[dict[str, Browser], Example],
                                                                  db: AsyncSession) -> None:
    """The same household number may exist in two villages (numbers are per village)."""
    b, _ = world
    r = await b["staff"].post("/aid/villages", {"name": "第二村", "township": "石桥镇", "county": "山阳县",
                                                "households": "10", "population": "30", "paired_since": "2020-01-01"})
    assert r.status_code == 303
    vid = r.headers["location"].split("/")[-1].split("?")[0]
    head = make_id_number("530921", date(1966, 6, 6), 903)
    r = await b["staff"].post(f"/aid/villages/{vid}/households", {
        "code": "A", "registered_on": "2020-02-01", "members": f"赵六|{head}|户主"})
    assert r.status_code == 303
    assert len(await query(db, select(AidHousehold.id).where(AidHousehold.code == "A"))) == 2
    r = await b["sup"].get(f"/aid/villages/{vid}?as_of=2019-12-31")  # before the pairing: nothing to draw yet
    assert r.status_code == 200 and r.text.count("暂无数据") >= 5
    r = await b["sup"].get(f"/aid/villages/{vid}/charts/category.csv?as_of=2019-12-31")
    assert r.content.decode("utf-8-sig").splitlines() == ["类别,金额（元）,占比", "合计,0.00,"]
