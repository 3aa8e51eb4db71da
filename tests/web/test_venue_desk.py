"""Browser: the reception desk flow (scanner text → checked ID → admitted / refused at the evaluation room's door,
an invalid ID number refused as bad input) and the room calendar (per day and per room, printable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.idcard import make_id_number
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from ggzy.venue.seed import seed_rooms
from tests.conftest import START
from tests.factories import PASSWORD
from tests.tender.helpers import cast
from tests.venue.helpers import published, seat_committee, sessions_of, supervisor_of
from tests.web.conftest import ARTIFACTS, LiveServer, shot

pytestmark = pytest.mark.browser


@dataclass
class World:
    username: str
    tender_title: str
    day: str
    morning: datetime
    member_id: str
    member_name: str
    evaluation_label: str


def _seed(server: LiveServer, title: str, later_days: int) -> World:
    """The source centre's rooms and a tender (its own day, so the two tests' sessions never meet)."""

    async def go(db: AsyncSession) -> World:
        c = await cast(db, START)
        await seed_rooms(db, now=START)
        deadline = START + timedelta(days=21 + later_days, hours=1)
        tender = await published(db, c, START, title=title, bid_deadline=deadline.isoformat())
        committee = await seat_committee(db, tender, START)
        await supervisor_of(db, TradingLine.construction, START, "市住房和城乡建设局（测试）")
        s = await sessions_of(db, tender.id)
        expert = committee.experts[0]
        return World(c.centre_user.username, tender.title, s["opening"].starts_at.astimezone(SHANGHAI).date()
                     .isoformat(), s["opening"].starts_at - timedelta(minutes=30), expert.id_number, expert.name,
                     s["evaluation"].title)

    return server.run(go)


def _login(page: Page, server: LiveServer, path: str, username: str) -> None:
    page.goto(server.url + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + path)


def _choose_session(page: Page, title: str) -> None:
    value = page.get_by_test_id("v-session").locator("option", has_text=title).get_attribute("value")
    assert value
    page.get_by_test_id("v-session").select_option(value)


def test_reception_desk_admits_the_committee_and_refuses_the_rest(server: LiveServer, page: Page) -> None:
    w = _seed(server, "城东污水处理厂提标改造工程施工", 0)
    server.clock.set(w.morning)  # the morning of the opening and the evaluation
    _login(page, server, "/workspace/centre/venue/reception", w.username)

    # 1. A committee expert: the card reader's text is pasted and read; the number is checked on the server.
    page.get_by_test_id("scan-text").fill(f"姓名 {w.member_name}\n性别 男\n公民身份号码 {w.member_id}")
    page.get_by_test_id("scan-read").click()
    expect(page.get_by_test_id("scan-ok")).to_be_visible()
    expect(page.get_by_test_id("v-id")).to_have_value(w.member_id)
    expect(page.get_by_test_id("v-name")).to_have_value(w.member_name)
    _choose_session(page, w.evaluation_label)
    page.get_by_test_id("v-temp").fill("36.6")
    shot(page, "venue-1-reception-scan")
    page.get_by_test_id("v-submit").click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-admitted", "1")

    # 2. Someone else at the evaluation room's door: refused, with the reason, and logged.
    stranger = make_id_number("320102", date(1990, 5, 6), 88)
    page.get_by_test_id("v-name").fill("陌生人")
    page.get_by_test_id("v-id").fill(stranger)
    _choose_session(page, w.evaluation_label)
    page.get_by_test_id("v-temp").fill("36.4")
    page.get_by_test_id("v-submit").click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-admitted", "0")
    expect(page.get_by_test_id("verdict")).to_contain_text("评标委员会")

    # 3. A mistyped ID number is bad input: the form comes back with the named error, nothing is written.
    page.get_by_test_id("v-name").fill("王五")
    page.get_by_test_id("v-id").fill(stranger[:-1] + ("0" if stranger[-1] != "0" else "1"))
    page.get_by_test_id("v-temp").fill("36.5")
    page.get_by_test_id("v-submit").click()
    expect(page.get_by_test_id("error")).to_contain_text("校验位")
    expect(page.get_by_test_id("error")).to_have_attribute("data-code", "venue.id_number_invalid")
    expect(page.get_by_test_id("v-name")).to_have_value("王五")  # what was typed stays

    # 4. A fever at the door (≥ 37.3 °C).
    page.get_by_test_id("v-id").fill(stranger)
    page.get_by_test_id("v-temp").fill("37.6")
    page.get_by_test_id("v-submit").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("体温异常")
    expect(page.get_by_test_id("today-counts")).to_contain_text("准入 1")
    shot(page, "venue-2-reception-refused")

    # 5. The daily report.
    page.get_by_test_id("tab-visitors").click()
    expect(page.get_by_test_id("count-total")).to_have_text("3")
    expect(page.get_by_test_id("count-refused")).to_contain_text("2")
    expect(page.get_by_test_id("report-rows")).not_to_contain_text(stranger)  # masked on screen
    shot(page, "venue-3-visitor-report")


def test_room_calendar_per_day_and_per_room_and_printable(server: LiveServer, page: Page) -> None:
    w = _seed(server, "市民中心智慧化改造工程施工", 1)
    _login(page, server, "/workspace/centre/venue", w.username)
    page.get_by_test_id("tab-calendar").click()
    page.get_by_test_id("day-input").fill(w.day)
    page.get_by_test_id("day-input").press("Enter")
    expect(page.get_by_test_id("calendar-title")).to_contain_text(w.day)
    pb01 = page.locator('[data-testid=tl-row][data-room="PB-01"]')
    expect(pb01.get_by_test_id("tl-block").filter(has_text=w.tender_title)).to_have_count(1)
    kb01 = page.locator('[data-testid=tl-row][data-room="KB-01"]')
    expect(kb01.get_by_test_id("tl-block").filter(has_text=w.tender_title)).to_have_count(1)
    expect(page.locator("[data-testid=tl-row]")).to_have_count(27)  # 8 + 13 + 3 rooms and 3 remote seats
    shot(page, "venue-4-calendar-day")

    # Printable: the site chrome and the buttons disappear, the grid stays.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_test_id("print")).to_be_hidden()
    expect(pb01).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "venue-calendar.pdf"), landscape=True)
    page.emulate_media(media="screen")

    # One session's page, then the room's week.
    pb01.get_by_test_id("tl-block").filter(has_text=w.tender_title).click()
    expect(page.get_by_test_id("booking-room")).to_contain_text("PB-01")
    page.get_by_test_id("booking-room").get_by_role("link").click()
    expect(page.get_by_test_id("room-title")).to_contain_text("PB-01")
    expect(page.get_by_test_id("room-sessions")).to_contain_text(w.tender_title)
    shot(page, "venue-5-room-week")

    # The other venue pages render for staff (looked at as pictures).
    page.get_by_test_id("tab-rooms").click()
    expect(page.get_by_test_id("rooms")).to_contain_text("KB-08")
    expect(page.get_by_test_id("remote-seats")).to_contain_text("湖州市公共资源交易中心")
    shot(page, "venue-6-rooms")
    page.get_by_test_id("tab-duty").click()
    expect(page.get_by_test_id("on-duty-now")).to_contain_text("无人值班")
    shot(page, "venue-7-duty")
