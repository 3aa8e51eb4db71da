"""Browser: a construction tender whose report is final walks through the pages — the agency publishes the candidates
(Bidding Regs Art.54), a bidder objects inside the window, the agency answers, then (the window over) awards rank 1,
downloads the award notice and records the signed contract (Evaluation Rules Art.49)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD
from tests.publicity.builders import Evaluated, bj, evaluated
from tests.web.conftest import LAPTOP, LiveServer, shot

pytestmark = pytest.mark.browser


def _seed(server: LiveServer, tmp: Path) -> Evaluated:
    """The tender through bidding, the opening hall and the evaluation room, on the server's own loop."""

    async def go() -> Evaluated:
        transport = ASGITransport(app=server.app, client=("203.0.113.9", 40000))
        async with AsyncClient(transport=transport, base_url="http://testserver") as client, \
                server.app.state.sessionmaker() as db:
            return await evaluated(server.app, client, db, server.clock, tmp)

    return asyncio.run_coroutine_threadsafe(go(), server.loop).result(timeout=180)


def _as(browser: Browser, server: LiveServer, username: str, path: str) -> Page:
    """A fresh browser context logged in as `username`, on `path`."""
    ctx = browser.new_context(viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.goto(server.url + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + path)
    return page


def test_publish_object_answer_award_and_contract_through_the_pages(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    e = _seed(server, tmp_path)
    agency = e.w.cast.agency_user.username
    objector = next(b.user.username for b in e.w.bidders if b.org.id == e.loser_org_id)
    desk = f"/workspace/tenders/{e.tender_id}/publicity"

    # The agency publishes the candidates (3 days by default) from the tender's page.
    server.clock.set(bj(2026, 3, 24, 9, 0))
    page = _as(browser, server, agency, f"/workspace/tenders/{e.tender_id}")
    page.get_by_test_id("publicity-link").click()
    expect(page.get_by_test_id("publicity-status")).to_have_text("待公示")
    expect(page.get_by_test_id("window-days")).to_have_value("3")
    page.get_by_test_id("window-days").fill("2")  # under 3 days: the browser itself refuses (min="3")
    page.get_by_test_id("publish-submit").click()
    assert page.get_by_test_id("window-days").evaluate("el => el.validity.rangeUnderflow")
    page.get_by_test_id("window-days").fill("3")
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("flash")).to_be_visible()
    expect(page.get_by_test_id("publicity-status")).to_have_text("公示中")
    expect(page.get_by_test_id("ends-at")).to_have_text("2026-03-27 24:00")
    expect(page.get_by_test_id("candidate")).to_have_count(3)
    page.context.close()

    # A bidder objects inside the window.
    server.clock.set(bj(2026, 3, 25, 14, 0))
    bidder = _as(browser, server, objector, desk)
    bidder.get_by_test_id("objection-body").fill("第一中标候选人的项目负责人有在建工程，不满足招标文件要求")
    bidder.get_by_test_id("object-submit").click()
    expect(bidder.get_by_test_id("flash")).to_be_visible()
    expect(bidder.get_by_test_id("objection")).to_have_attribute("data-status", "open")
    shot(bidder, "publicity-desk-bidder")
    bidder.context.close()

    # The agency answers it (dismissed); the process resumes.
    page = _as(browser, server, agency, desk)
    page.get_by_test_id("answer-text").fill("经核查，该负责人的在建工程已于2025年竣工验收，异议不成立")
    page.get_by_test_id("answer-submit").click()
    expect(page.get_by_test_id("objection")).to_have_attribute("data-status", "dismissed")
    shot(page, "publicity-desk-agency")
    page.context.close()

    # The window is over: the agency awards rank 1 and the award notice is issued.
    server.clock.set(bj(2026, 3, 30, 10, 0))
    page = _as(browser, server, agency, f"/workspace/tenders/{e.tender_id}/award")
    expect(page.get_by_test_id("pick-1")).to_be_checked()
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("flash")).to_be_visible()
    expect(page.get_by_test_id("live-award")).to_have_attribute("data-status", "notified")
    expect(page.get_by_test_id("contract-due")).to_contain_text("2026-04-29 24:00")
    letter = page.get_by_test_id("letter-link").get_attribute("href")
    assert letter
    r = page.request.get(server.url + letter)
    assert r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body().startswith(b"%PDF")

    # The signed contract, uploaded from the page.
    pdf = tmp_path / "施工合同.pdf"
    pdf.write_bytes(b"%PDF-1.7\n% signed construction contract\n")
    page.get_by_test_id("contract-amount").fill("948000.50")
    page.get_by_test_id("contract-date").fill("2026-03-30")
    page.get_by_test_id("contract-file").set_input_files(str(pdf))
    page.get_by_test_id("contract-submit").click()
    expect(page.get_by_test_id("contract")).to_contain_text("948,000.50")
    expect(page.get_by_test_id("tender-status")).to_have_text("合同已备案")
    shot(page, "award-desk")
    page.context.close()
