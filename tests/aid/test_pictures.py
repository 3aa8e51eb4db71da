"""The progress page, its charts and the PDF sheet as pictures (Playwright + Debian's chromium; pdftoppm).

PNG files land in test-artifacts/aid/ (git-ignored) for a person to look at; the assertions check what a
picture can be checked for automatically: size, that it is not blank, that each series' colour is drawn.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid.demo import seed_aid
from ggzy.demo.seed import SeedResult
from ggzy.party.models import OrgKind, Role
from tests.conftest import START
from tests.factories import PASSWORD, create_org, create_user
from tests.web.conftest import ARTIFACTS, LiveServer, no_horizontal_overflow

pytestmark = pytest.mark.browser
OUT = ARTIFACTS / "aid"


def _colours(path: Path) -> set[tuple[int, int, int]]:
    with Image.open(path) as im:
        found = im.convert("RGB").getcolors(maxcolors=1 << 20) or []
    return {(int(c[0]), int(c[1]), int(c[2])) for _, c in found if isinstance(c, tuple)}


def _has(colours: set[tuple[int, int, int]], hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return any(abs(c[0] - r) + abs(c[1] - g) + abs(c[2] - b) < 12 for c in colours)


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> dict[str, str]:
    """The demo village on the live server; its staff and a supervisor log in with the factories' password."""

    async def _seed(db: AsyncSession) -> dict[str, str]:
        centre = await create_org(db, OrgKind.centre, now=START, name="云州市公共资源交易中心")
        staff = await create_user(db, centre, now=START, role=Role.centre_staff, username="aidstaff")
        sup_org = await create_org(db, OrgKind.supervisor, now=START, name="云州市财政局",
                                   supervised_lines=["procurement"])
        sup = await create_user(db, sup_org, now=START, username="aidsup")
        await seed_aid(db, SeedResult(created=False, logins=[], orgs={"centre": centre}, users={"staff1": staff}),
                       now=START)
        from sqlalchemy import select

        from ggzy.aid.models import AidVillage

        vid = (await db.execute(select(AidVillage.id))).scalar_one()
        return {"village": vid, "staff": staff.username, "sup": sup.username}

    return live_server.run(_seed)


def _login(page: Page, server: LiveServer, username: str, target: str) -> None:
    page.goto(server.url + target)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(target.split("?", maxsplit=1)[0])))


def test_charts_and_sheet_as_pictures(server: LiveServer, page: Page, demo: dict[str, str]) -> None:
    """Each chart screenshotted on its own and the page as a whole; the PDF rendered by pdftoppm."""
    OUT.mkdir(parents=True, exist_ok=True)
    _login(page, server, demo["staff"], f"/aid/villages/{demo['village']}")
    expect(page.get_by_test_id("village-name")).to_contain_text("白岩村")
    page.screenshot(path=str(OUT / "progress-page.png"), full_page=True)
    expected = {"households": ["#8c9bab", "#1e7d3c"], "category": ["#b3191f"], "partner": ["#1a4f8b"],
                "year": ["#b3191f"], "visits": ["#1a4f8b", "#d98a00", "#1e7d3c"]}
    for key, colours in expected.items():
        path = OUT / f"chart-{key}.png"
        page.locator(f'svg[data-chart="{key}"]').screenshot(path=str(path))
        with Image.open(path) as im:
            assert im.width > 500 and im.height > 150, (key, im.size)
        found = _colours(path)
        assert len(found) > 20, key  # anti-aliased text and bars, not a blank box
        for colour in colours:
            assert _has(found, colour), (key, colour)
    for tab in ("projects", "visits", "households"):
        page.get_by_test_id(f"tab-{tab}").click()
        page.screenshot(path=str(OUT / f"page-{tab}.png"), full_page=tab != "visits")
    page.locator('[data-testid="household-row"] a').first.click()
    expect(page.get_by_test_id("history")).to_be_visible()
    page.screenshot(path=str(OUT / "page-household.png"), full_page=True)
    # The SVG file on its own (what the download link gives) renders the same way.
    page.goto(f"{server.url}/aid/villages/{demo['village']}/charts/category.svg?as_of=2020-12-31")
    page.locator("svg").screenshot(path=str(OUT / "category-file-2020.png"))

    sheet = page.request.get(f"{server.url}/aid/villages/{demo['village']}/sheet.pdf")
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    pdf = OUT / "sheet.pdf"
    pdf.write_bytes(sheet.body())
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils not installed")
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(OUT / "sheet")], check=True)
    pages = sorted(OUT.glob("sheet-*.png"))
    assert len(pages) == 1, pages
    assert len(_colours(pages[0])) > 20


def test_progress_page_in_the_browser(server: LiveServer, page: Page, phone: Page, demo: dict[str, str]) -> None:
    """Staff move the as-of date, download a CSV and switch to English; a supervisor sees no household list;
    on a phone the page does not scroll sideways."""
    url = f"/aid/villages/{demo['village']}"
    _login(page, server, demo["staff"], url)
    expect(page.get_by_test_id("kpi-registered")).to_have_text("38")
    page.fill("#as-of", "2018-06-30")
    page.get_by_test_id("as-of-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"as_of=2018-06-30"))
    expect(page.get_by_test_id("kpi-lifted")).to_have_text("9")
    expect(page.get_by_test_id("table-households").locator("tbody tr")).to_have_count(3)
    with page.expect_download() as info:
        page.get_by_test_id("csv-partner").click()
    csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "帮扶单位,金额（元）,占比" and "云州市公共资源交易中心" in csv_text
    page.get_by_test_id("tab-households").click()
    expect(page.get_by_test_id("household-row")).to_have_count(38)
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", name=re.compile("Registered poor households"))).to_be_visible()
    page.goto(server.url + url + "?lang=zh")

    _login(phone, server, demo["sup"], url)
    expect(phone.get_by_test_id("chart-visits")).to_be_visible()
    expect(phone.get_by_test_id("tab-households")).to_have_count(0)
    sw, iw = no_horizontal_overflow(phone)
    assert sw <= iw, (sw, iw)
    phone.screenshot(path=str(OUT / "progress-phone.png"), full_page=True)
