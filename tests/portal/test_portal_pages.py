"""The public portal: home, notices list (search, filters, paging, htmx partial) and one notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project.models import NoticeKind, TradingLine
from ggzy.tender.models import TenderStatus
from tests.factories import create_party
from tests.portal.builders import make_notice, make_project, make_tender

HTML = {"accept": "text/html"}


@pytest.fixture
async def world(db: AsyncSession, clock: FrozenClock) -> dict[str, object]:
    """Two open tenders (construction, procurement), one closed, one land notice without a tender."""
    now = clock.now()
    ten_org, _, _ = await create_party(db, OrgKind.tenderer, now=now, name="市第一中学")
    ag_org, ag_user, _ = await create_party(db, OrgKind.agency, now=now, name="华信招标代理有限公司")
    p1 = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now,
                            name="城东污水处理厂改造工程", region="东城区")
    t1 = await make_tender(db, p1, creator=ag_user, now=now)
    n1 = await make_notice(db, p1, by=ag_user, now=now, tender=t1, title="城东污水处理厂改造工程招标公告",
                           body="一、项目概况\n二、<script>alert(1)</script>资格要求")
    p2 = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now,
                            line=TradingLine.procurement, name="教学设备采购", region="西城区")
    t2 = await make_tender(db, p2, creator=ag_user, now=now)
    n2 = await make_notice(db, p2, by=ag_user, now=now - timedelta(minutes=1), tender=t2,
                           title="市第一中学教学设备采购公告")
    p3 = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now,
                            name="旧桥加固工程", region="东城区")
    t3 = await make_tender(db, p3, creator=ag_user, now=now - timedelta(days=40),
                           bid_deadline=now - timedelta(days=5), status=TenderStatus.bid_closed)
    n3 = await make_notice(db, p3, by=ag_user, now=now, tender=t3, title="旧桥加固工程招标公告",
                           published_at=now - timedelta(days=40))
    p4 = await make_project(db, tenderer=ten_org, applicant=ag_user, now=now, line=TradingLine.land,
                            name="XG2026-07号地块", region="高新区")
    n4 = await make_notice(db, p4, by=ag_user, now=now, title="XG2026-07号地块国有建设用地使用权挂牌出让公告",
                           published_at=now - timedelta(days=2))
    # Scheduled for later: must not show until its time comes.
    n5 = await make_notice(db, p1, by=ag_user, now=now, tender=t1, title="尚未发布的更正公告",
                           kind=NoticeKind.correction, published_at=now + timedelta(days=1))
    return {"n1": n1, "n2": n2, "n3": n3, "n4": n4, "n5": n5, "t1": t1}


async def test_home_lists_lines_counts_and_latest(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/", headers=HTML)
    assert r.status_code == 200
    html = r.text
    for zh in ("工程建设", "政府采购", "国有产权", "国有土地"):
        assert zh in html
    assert 'data-testid="count-construction">1<' in html  # the closed tender is not open
    assert 'data-testid="count-procurement">1<' in html
    assert 'data-testid="count-land">0<' in html
    assert "城东污水处理厂改造工程招标公告" in html
    assert "XG2026-07号地块" in html
    assert "尚未发布的更正公告" not in html
    assert 'action="/notices"' in html


async def test_home_in_english(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/?lang=en", headers=HTML)
    assert r.status_code == 200
    assert "Latest announcements" in r.text
    assert "State land-use rights" in r.text
    assert '<html lang="en">' in r.text
    assert r.cookies.get("lang") == "en"


async def test_notices_filter_by_line_region_kind_status(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/notices", headers=HTML)
    assert 'data-testid="result-total">4<' in r.text
    r = await client.get("/notices?line=procurement", headers=HTML)
    assert "教学设备采购公告" in r.text and "城东污水处理厂" not in r.text
    r = await client.get("/notices?region=东城区", headers=HTML)
    assert 'data-testid="result-total">2<' in r.text
    r = await client.get("/notices?status=open", headers=HTML)
    assert 'data-testid="result-total">2<' in r.text and "旧桥加固工程" not in r.text
    r = await client.get("/notices?status=closed", headers=HTML)
    assert 'data-testid="result-total">1<' in r.text and "旧桥加固工程" in r.text
    r = await client.get("/notices?kind=correction", headers=HTML)
    assert 'data-testid="no-results"' in r.text


async def test_notices_keyword_and_dates(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/notices", params={"q": "污水"}, headers=HTML)
    assert 'data-testid="result-total">1<' in r.text
    # A search term with LIKE wildcards matches literally, not everything.
    r = await client.get("/notices", params={"q": "%"}, headers=HTML)
    assert 'data-testid="result-total">0<' in r.text
    # Dates are Beijing calendar days: today (2 March) holds the two fresh notices.
    r = await client.get("/notices", params={"date_from": "2026-03-02", "date_to": "2026-03-02"}, headers=HTML)
    assert 'data-testid="result-total">2<' in r.text
    r = await client.get("/notices", params={"date_to": "2026-02-28"}, headers=HTML)
    assert 'data-testid="result-total">2<' in r.text  # the land notice (28 Feb) and the old bridge one


async def test_bad_filter_values_are_ignored_not_500(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get(
        "/notices",
        params={"line": "moon", "kind": "x", "status": "??", "date_from": "2026-13-45", "page": "abc",
                "q": "x" * 5000},
        headers=HTML,
    )
    assert r.status_code == 200
    r = await client.get("/notices", params={"page": "999"}, headers=HTML)
    assert r.status_code == 200 and 'data-testid="result-total">4<' in r.text


async def test_paging(client: AsyncClient, db: AsyncSession, clock: FrozenClock, world: dict[str, object]) -> None:
    now = clock.now()
    ten_org, ten_user, _ = await create_party(db, OrgKind.tenderer, now=now)
    project = await make_project(db, tenderer=ten_org, applicant=ten_user, now=now, line=TradingLine.property)
    for i in range(20):
        await make_notice(db, project, by=ten_user, now=now, title=f"产权转让公告{i:02d}",
                          published_at=now - timedelta(hours=i + 1))
    r = await client.get("/notices?line=property", headers=HTML)
    assert 'data-testid="result-total">20<' in r.text
    assert r.text.count('data-testid="notice-row"') == 15
    assert "page=2" in r.text and "1 / 2" in r.text
    r = await client.get("/notices?line=property&page=2", headers=HTML)
    assert r.text.count('data-testid="notice-row"') == 5
    assert "产权转让公告19" in r.text and "产权转让公告00" not in r.text


async def test_htmx_request_gets_only_the_results(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/notices?line=construction", headers={**HTML, "HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section class="panel" id="notice-results"')
    assert "<html" not in r.text
    assert r.headers["vary"] == "HX-Request"
    # A history restore after a swap needs the whole page back.
    r = await client.get("/notices", headers={**HTML, "HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in r.text


async def test_notice_page_shows_timetable_lots_and_escaped_body(
    client: AsyncClient, world: dict[str, object]
) -> None:
    n1 = world["n1"]
    t1 = world["t1"]
    r = await client.get(f"/notices/{n1.id}", headers=HTML)  # type: ignore[attr-defined]
    assert r.status_code == 200
    html = r.text
    assert "城东污水处理厂改造工程招标公告" in html and "东城区" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "2026-03-02 09:00" in html  # published time in Beijing time
    assert "2026-03-23 09:00" in html  # bid deadline (21 days later) from the tender
    assert "980,000.00" in html and "20,000.00" in html
    assert f"/workspace/tenders/{t1.id}/documents" in html  # type: ignore[attr-defined]


async def test_notice_page_prefers_announced_data(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, world: dict[str, object]
) -> None:
    now = clock.now()
    ten_org, ten_user, _ = await create_party(db, OrgKind.tenderer, now=now)
    project = await make_project(db, tenderer=ten_org, applicant=ten_user, now=now)
    notice = await make_notice(
        db, project, by=ten_user, now=now, title="数据公告",
        data={"timetable": {"bid_deadline": "2026-04-01T02:30:00+00:00"},
              "lots": [{"number": 2, "name": "二标段", "budget": "500000", "bond_amount": "10000.00"}]},
    )
    r = await client.get(f"/notices/{notice.id}", headers=HTML)
    assert "2026-04-01 10:30" in r.text and "二标段" in r.text and "500,000.00" in r.text
    assert "/workspace/tenders/" not in r.text  # no tender, no documents link


async def test_unknown_or_future_notice_is_404(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/notices/doesnotexist", headers=HTML)
    assert r.status_code == 404 and "找不到该公告" in r.text
    r = await client.get(f"/notices/{world['n5'].id}", headers=HTML)  # type: ignore[attr-defined]
    assert r.status_code == 404


async def test_language_link_keeps_the_page_and_its_filters(client: AsyncClient, world: dict[str, object]) -> None:
    r = await client.get("/notices?line=land&q=%E5%9C%B0%E5%9D%97&lang=zh", headers=HTML)
    assert 'href="/notices?line=land&amp;q=%E5%9C%B0%E5%9D%97&amp;lang=en"' in r.text
    r = await client.get("/?lang=en", headers=HTML)
    assert 'href="/?lang=zh"' in r.text
