"""The issue's end-to-end journey through the real pages: an agency logs in, creates a tender on an admitted
project, publishes the announcement, and the public sees it on the portal home and its notice page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.party.models import OrgKind
from ggzy.project.models import ProjectStatus, TradingLine
from tests.conftest import START
from tests.factories import PASSWORD, create_org, create_user
from tests.portal.builders import make_project
from tests.web.conftest import PHONE, LiveServer, no_horizontal_overflow, shot

pytestmark = pytest.mark.browser

TITLE = "城北体育中心综合改造工程施工"


def test_agency_publishes_an_announcement_and_the_public_sees_it(
    server: LiveServer, page: Page, phone: Page
) -> None:
    async def _seed(db: AsyncSession) -> tuple[str, str]:
        tenderer = await create_org(db, OrgKind.tenderer, now=START, name="市体育局")
        agency = await create_org(db, OrgKind.agency, now=START, name="正衡招标代理有限公司")
        user = await create_user(db, agency, now=START)
        project = await make_project(db, tenderer=tenderer, applicant=user, agency=agency, now=START,
                                     line=TradingLine.construction, status=ProjectStatus.admitted,
                                     name="城北体育中心综合改造工程", region="北城区")
        return user.username, project.id

    username, project_id = server.run(_seed)
    page.on("dialog", lambda dialog: dialog.accept())  # a "publish now?" confirm, if the page asks

    # 1. Log in as the agency (the workspace sends an anonymous visitor to the login page).
    page.goto(server.url + "/workspace")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + "/workspace")
    shot(page, "e2e-1-workspace")

    # 2. Create the tender on the admitted project (times are Beijing time; 2 March 2026 is "now").
    page.get_by_test_id("new-tender").click()
    expect(page).to_have_url(re.compile(r"/workspace/tenders/new"))
    page.get_by_test_id("project-select").select_option(project_id)
    page.fill("#title", TITLE)
    page.fill("#doc_start", "2026-03-02T10:00")
    page.fill("#doc_end", "2026-03-09T17:00")
    page.fill("#question_deadline", "2026-03-16T17:00")
    page.fill("#bid_deadline", "2026-03-30T09:30")
    lot = page.get_by_test_id("lot-row").first
    lot.locator("input[name=lot_name]").fill("施工总承包")
    lot.locator("input[name=lot_budget]").fill("5000000")
    lot.locator("input[name=lot_ceiling]").fill("4800000")
    lot.locator("input[name=lot_bond]").fill("80000")
    page.fill("#qualification", "具备建筑工程施工总承包二级及以上资质。")
    shot(page, "e2e-2-new-tender")
    page.get_by_test_id("save-tender").click()
    expect(page).to_have_url(re.compile(r"/workspace/tenders/[0-9a-z]+\?done=created$"))
    tender_id = re.search(r"/workspace/tenders/([0-9a-z]+)\?", page.url).group(1)  # type: ignore[union-attr]

    # 3. Publish the announcement from the tender's page.
    page.get_by_test_id("publish").click()
    expect(page).to_have_url(re.compile(r"\?done=published$"))
    shot(page, "e2e-3-published")

    # 4. The public (a fresh browser without a session) finds it on the portal home and opens it.
    anon = page.context.browser.new_context(viewport={"width": 1366, "height": 768})  # type: ignore[union-attr]
    public = anon.new_page()
    try:
        public.goto(server.url + "/")
        latest = public.get_by_test_id("latest-notices")
        expect(latest).to_contain_text(TITLE)
        public.get_by_role("link", name=re.compile(TITLE)).first.click()
        expect(public).to_have_url(re.compile(r"/notices/[0-9a-z]+$"))
        expect(public.get_by_test_id("notice-title")).to_contain_text(TITLE)
        expect(public.get_by_test_id("notice-published")).to_contain_text("2026-03-02 09:00")
        expect(public.get_by_test_id("timetable")).to_contain_text("2026-03-30 09:30")
        expect(public.get_by_test_id("lots")).to_contain_text("80,000.00")
        expect(public.get_by_test_id("documents-link")).to_have_attribute(
            "href", f"/workspace/tenders/{tender_id}/documents"
        )
        notice_url = public.url
        shot(public, "e2e-4-public-notice")
    finally:
        anon.close()

    # 5. The same notice and the agency's workspace read well on a phone.
    phone.goto(notice_url)
    expect(phone.get_by_test_id("notice-title")).to_contain_text(TITLE)
    sw, iw = no_horizontal_overflow(phone)
    assert iw == PHONE["width"] and sw <= iw
    page.set_viewport_size(PHONE)
    for path in ("/workspace", f"/workspace/tenders/{tender_id}"):
        page.goto(server.url + path)
        sw, iw = no_horizontal_overflow(page)
        assert sw <= iw, f"{path}: {sw}px on a {iw}px phone"
    page.goto(server.url + "/workspace")
    expect(page.get_by_test_id("card-tenders")).to_contain_text(TITLE)
    expect(page.get_by_test_id("card-tenders")).to_contain_text("文件获取期")
    shot(page, "e2e-5-phone-workspace")
