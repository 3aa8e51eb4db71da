"""The public portal in a real browser: languages, phone layout, filters (htmx and plain GET), login redirect."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import START
from tests.factories import PASSWORD, create_org, create_user
from tests.web.conftest import LAPTOP, PHONE, LiveServer, no_horizontal_overflow, shot
from tests.web.seed import Demo, seed_demo

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="package")
def demo(live_server: LiveServer) -> Demo:
    return live_server.run(lambda db: seed_demo(db, START))


def test_home_renders_in_chinese_and_switches_to_english(server: LiveServer, demo: Demo, page: Page) -> None:
    page.goto(server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("公共资源交易服务")
    for label in ("工程建设", "政府采购", "国有产权", "国有土地"):
        expect(page.locator(".tiles")).to_contain_text(label)
    expect(page.get_by_test_id("latest-notices")).to_contain_text("第一实验小学教学楼扩建工程施工招标公告")
    expect(page.get_by_test_id("count-construction")).not_to_have_text("0")
    shot(page, "portal-home-zh")
    # The README screenshot: refreshed on request only, so a test run leaves tracked files alone.
    readme_shot = DOCS / "portal.png"
    if os.environ.get("GGZY_UPDATE_SCREENSHOTS") or not readme_shot.exists():
        DOCS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1366, "height": 960})  # tall enough to show the latest announcements
        page.screenshot(path=str(readme_shot), full_page=False)
        page.set_viewport_size(LAPTOP)

    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Public resource trading services")
    expect(page.locator(".tiles")).to_contain_text("State land-use rights")
    assert page.url.startswith(server.url + "/?")  # still the home page
    shot(page, "portal-home-en")

    # The switch keeps the page and its filters, and the choice sticks (cookie).
    page.goto(server.url + "/notices?line=land")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("交易公告")
    assert "/notices?" in page.url and "line=land" in page.url
    expect(page.get_by_test_id("notice-results")).to_contain_text("JK2026-07号地块")


def test_phone_layout_has_no_horizontal_overflow(server: LiveServer, demo: Demo, phone: Page) -> None:
    for path, name in (
        ("/", "home"),
        ("/notices", "notices"),
        (f"/notices/{demo.notice_ids['school']}", "notice"),
        ("/login", "login"),
        ("/?lang=en", "home-en"),
    ):
        phone.goto(server.url + path)
        sw, iw = no_horizontal_overflow(phone)
        assert iw == PHONE["width"]
        assert sw <= iw, f"{path}: document is {sw}px wide on a {iw}px phone"
        if name in ("home", "notices"):
            shot(phone, f"phone-{name}")


def test_laptop_layout_fits(server: LiveServer, demo: Demo, page: Page) -> None:
    for path in ("/", "/notices", f"/notices/{demo.notice_ids['equipment']}"):
        page.goto(server.url + path)
        sw, iw = no_horizontal_overflow(page)
        assert iw == LAPTOP["width"] and sw <= iw, path
    shot(page, "laptop-notice")


def test_notice_filters_update_the_table_with_htmx(server: LiveServer, demo: Demo, page: Page) -> None:
    page.goto(server.url + "/notices")
    page.evaluate("window.__same_document = true")  # survives only if no full navigation happens
    results = page.get_by_test_id("notice-results")
    expect(results).to_contain_text("市人民医院医学影像设备采购项目")

    page.select_option("#f-line", "land")
    expect(results).to_contain_text("JK2026-07号地块")
    expect(results).not_to_contain_text("市人民医院医学影像设备采购项目")
    expect(page).to_have_url(re.compile(r"/notices\?.*line=land"))
    assert page.evaluate("window.__same_document") is True

    page.select_option("#f-line", "")
    page.fill("#f-q", "供水管网")
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("notice-row")).to_have_count(1)
    expect(results).to_contain_text("南湖片区老旧小区供水管网改造工程")
    page.select_option("#f-region", "西城区")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    assert page.evaluate("window.__same_document") is True
    shot(page, "notices-filtered")

    # Back restores the previous filter state from history.
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=%E4%BE%9B%E6%B0%B4"))

    # The language switch follows the URL htmx pushed, so the filters survive it.
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    expect(page.locator("#f-q")).to_have_value("供水管网")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("交易公告")

    page.get_by_test_id("notice-row").first.locator("a").click()
    expect(page.get_by_test_id("notice-title")).to_have_text(re.compile("供水管网改造工程"))
    expect(page.get_by_test_id("timetable")).to_contain_text("投标截止时间")
    docs_link = page.get_by_test_id("documents-link")
    expect(docs_link).to_have_attribute("href", re.compile(r"^/workspace/tenders/.+/documents$"))
    expect(page.get_by_test_id("notice-body")).to_contain_text("三、投标人资格要求")


def test_notice_filters_work_without_javascript(server: LiveServer, demo: Demo, browser: Browser) -> None:
    ctx = browser.new_context(viewport=LAPTOP, java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(server.url + "/notices")
        page.select_option("#f-line", "property")
        page.get_by_test_id("filter-submit").click()
        page.wait_for_url(re.compile(r"line=property"))
        rows = page.get_by_test_id("notice-row")
        expect(rows.first).to_be_visible()
        for text in rows.all_inner_texts():
            assert "国有产权" in text
        expect(page.get_by_test_id("notice-results")).to_contain_text("公务车辆")
    finally:
        ctx.close()


def test_anonymous_workspace_redirects_to_login_and_back(server: LiveServer, page: Page) -> None:
    async def _user(db):  # type: ignore[no-untyped-def]
        from ggzy.party.models import OrgKind

        org = await create_org(db, OrgKind.agency, now=START, name="远景招标代理有限公司")
        return await create_user(db, org, now=START)

    user = server.run(_user)
    page.goto(server.url + "/workspace")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)workspace$"))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + "/workspace")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(page.get_by_test_id("who")).to_contain_text("远景招标代理有限公司")
