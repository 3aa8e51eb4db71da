"""Tenders through the API: drafts, the announcement, corrections and the rules they must meet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.tender import rules
from ggzy.tender.models import Lot, Tender
from tests.factories import bearer, create_party
from tests.tender.helpers import admitted_project, cast, iso, tender_payload, timetable


async def _setup(client: AsyncClient, db: AsyncSession, clock: FrozenClock,
                 line: TradingLine = TradingLine.construction):  # type: ignore[no-untyped-def]
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), line)
    return c, project, await bearer(client, c.agency_user)


def _error(r) -> str:  # type: ignore[no-untyped-def]
    return str(r.json()["error"]["code"])


async def test_create_publish_and_read_publicly(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _c, project, h = await _setup(client, db, clock)
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "draft" and t["ruleset_version"] == rules.CURRENT_RULESET
    assert t["code"] == f"{project.code}-01" and t["lots"][0]["bond_amount"] == "20000.00"
    assert (await client.get(f"/api/tenders/{t['id']}")).status_code == 404  # drafts are not public
    r = await client.post(f"/api/tenders/{t['id']}/publish", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["notice_id"]
    pub = await client.get(f"/api/tenders/{t['id']}")
    assert pub.status_code == 200 and pub.json()["published_at"]
    notices = (await client.get("/api/notices?kind=tender_announcement")).json()
    assert notices["total"] == 1
    n = notices["items"][0]
    assert n["tender_id"] == t["id"] and n["data"]["lots"][0]["bond_amount"] == "20000.00"
    assert n["data"]["timetable"]["bid_deadline"] is not None and "招标公告" in n["title"]
    row = await db.get(Tender, t["id"])
    assert row is not None and row.next_check_at == row.bid_deadline
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == t["id"]).order_by(AuditEvent.seq)))
    assert tags.scalars().all() == ["tender:created", "tender:published"]
    await db.rollback()  # release SQLite's write lock before the next request
    r = await client.post(f"/api/tenders/{t['id']}/publish", headers=h)
    assert r.status_code == 409 and _error(r) == "tender.bad_transition"


async def test_publish_with_19_day_period_rejected_tendering_law_art24(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    body = tender_payload(project, clock.now(), **timetable(clock.now(), deadline_days=19.9))
    r = await client.post("/api/tenders", json=body, headers=h)
    assert r.status_code == 422 and _error(r) == "tender.deadline_too_soon"
    v = r.json()["error"]["detail"]["violations"][0]
    assert v["article_zh"] == "《招标投标法》第二十四条" and v["field"] == "bid_deadline"
    assert (await db.execute(select(func.count(Tender.id)))).scalar_one() == 0  # no partial record


async def test_publish_rechecks_the_timetable_at_the_server_time(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    clock.advance(hours=2)  # doc_start (now + 1h at creation) is now in the past
    r = await client.post(f"/api/tenders/{tid}/publish", headers=h)
    assert r.status_code == 422 and _error(r) == "tender.time_in_past"
    assert (await client.get(f"/api/tenders/{tid}", headers=h)).json()["status"] == "draft"
    assert (await db.execute(select(func.count(Notice.id)))).scalar_one() == 0


async def test_document_period_under_five_days_rejected_bidding_regs_art16(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), **timetable(clock.now(),
                                                                                                   doc_days=4.5)),
                          headers=h)
    assert r.status_code == 422 and _error(r) == "tender.doc_period_too_short"
    assert "第十六条" in r.json()["error"]["message"]


async def test_procurement_five_working_days_over_qingming_mof87_art16(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    start = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)  # Wednesday; Qingming Sat 4 – Mon 6 April
    plan = {"doc_start": iso(start), "doc_end": iso(datetime(2026, 4, 8, 17, 0, tzinfo=SHANGHAI)),
            "question_deadline": iso(start + timedelta(days=10)), "bid_deadline": iso(start + timedelta(days=22))}
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), **plan), headers=h)
    assert r.status_code == 422 and _error(r) == "tender.doc_period_too_short"
    assert r.json()["error"]["detail"]["violations"][0]["article_en"] == "MOF 87 Art.16"
    plan["doc_end"] = iso(datetime(2026, 4, 9, 9, 0, tzinfo=SHANGHAI))
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), **plan), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["deadline_provisional"] is False and r.json()["warnings"] == []


@pytest.mark.parametrize("line", [TradingLine.construction, TradingLine.procurement])
async def test_bond_above_two_percent_rejected_bidding_regs_art26_gp_regs_art33(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, line: TradingLine
) -> None:
    _c, project, h = await _setup(client, db, clock, line)
    lots = [{"name": "一标段", "budget": "1000000.00", "bond_amount": "20000.00"},
            {"name": "二标段", "budget": "500000.00", "bond_amount": "10000.01"}]
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), lots=lots), headers=h)
    assert r.status_code == 422 and _error(r) == "tender.bond_too_high"
    v = r.json()["error"]["detail"]["violations"]
    assert [x["field"] for x in v] == ["lots.2.bond_amount"]
    assert v[0]["article_en"] == ("Bidding Regs Art.26" if line == TradingLine.construction else "GP Regs Art.33")
    assert (await db.execute(select(func.count(Lot.id)))).scalar_one() == 0


async def test_date_in_the_past_and_naive_datetimes_get_422(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    r = await client.post("/api/tenders", json=tender_payload(
        project, clock.now(), **timetable(clock.now(), start_in=-timedelta(days=1))), headers=h)
    assert r.status_code == 422 and _error(r) == "tender.time_in_past"
    naive = tender_payload(project, clock.now(), doc_start="2026-03-03T09:00:00")
    r = await client.post("/api/tenders", json=naive, headers=h)
    assert r.status_code == 422 and _error(r) == "request.invalid"
    assert r.json()["error"]["detail"]["fields"][0]["type"] == "timezone_aware"
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), lots=[]), headers=h)
    assert r.status_code == 422
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), evaluation_method="lowest_price"),
                          headers=h)
    assert r.status_code == 422 and _error(r) == "tender.method_not_allowed"


async def test_unknown_tender_404_and_other_agencys_tender_refused(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    assert (await client.get("/api/tenders/nope", headers=h)).status_code == 404
    r = await client.post("/api/tenders/nope/publish", headers=h)
    assert r.status_code == 404 and _error(r) == "tender.not_found"
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    _, other_user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    ho = await bearer(client, other_user)
    assert (await client.get(f"/api/tenders/{tid}", headers=ho)).status_code == 404  # a draft is invisible
    assert (await client.post(f"/api/tenders/{tid}/publish", headers=ho)).status_code == 404
    assert (await client.patch(f"/api/tenders/{tid}", json={"title": "x"}, headers=ho)).status_code == 404
    await client.post(f"/api/tenders/{tid}/publish", headers=h)
    r = await client.post(f"/api/tenders/{tid}/corrections", json={"body": "改", "changes_documents": True}, headers=ho)
    assert r.status_code == 403 and _error(r) == "tender.not_manager"
    r = await client.post(f"/api/tenders/{tid}/cancel", json={"reason": "x"}, headers=ho)
    assert r.status_code == 403
    # Someone else's project cannot carry my tender either.
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=ho)
    assert r.status_code == 404


async def test_auction_lines_cannot_get_a_tender(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.land)
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(),
                                                              evaluation_method="lowest_price"), headers=h)
    assert r.status_code == 422 and _error(r) == "tender.line_not_tendered"


async def test_project_must_be_admitted(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), admit=False)
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now()),
                          headers=await bearer(client, c.agency_user))
    assert r.status_code == 409 and _error(r) == "tender.project_not_admitted"


async def test_update_draft_only(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    lots = [{"name": "甲", "budget": "100.00", "bond_amount": "2.00"}, {"name": "乙", "budget": "200.00"}]
    r = await client.patch(f"/api/tenders/{tid}", json={"title": "新标题", "lots": lots}, headers=h)
    assert r.status_code == 200 and r.json()["title"] == "新标题" and len(r.json()["lots"]) == 2
    r = await client.patch(f"/api/tenders/{tid}", json={"lots": [{"name": "甲", "budget": "100", "bond_amount": "3"}]},
                           headers=h)
    assert r.status_code == 422 and _error(r) == "tender.bond_too_high"
    await client.post(f"/api/tenders/{tid}/publish", headers=h)
    r = await client.patch(f"/api/tenders/{tid}", json={"title": "再改"}, headers=h)
    assert r.status_code == 409 and _error(r) == "tender.not_draft"


async def test_correction_within_15_days_moves_deadline_bidding_regs_art21_mof87_art27(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    published = (await client.post(f"/api/tenders/{tid}/publish", headers=h)).json()
    old_deadline = datetime.fromisoformat(published["bid_deadline"])
    clock.advance(days=10, seconds=30)  # 11 days (less 30 s) before the deadline
    # An explicit new deadline that is still too early is refused.
    too_early = iso(clock.now() + timedelta(days=14))
    r = await client.post(f"/api/tenders/{tid}/corrections",
                          json={"body": "修改技术参数", "changes_documents": True, "bid_deadline": too_early},
                          headers=h)
    assert r.status_code == 422 and _error(r) == "tender.correction_deadline_too_early"
    assert r.json()["error"]["detail"]["violations"][0]["article_zh"] == "《招标投标法实施条例》第二十一条"
    # Without a deadline, the platform moves it to now + 15 days.
    r = await client.post(f"/api/tenders/{tid}/corrections", json={"body": "修改技术参数", "changes_documents": True},
                          headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    new_deadline = datetime.fromisoformat(out["bid_deadline"])
    assert out["deadline_moved"] is True
    assert clock.now() + timedelta(days=15) <= new_deadline < clock.now() + timedelta(days=15, minutes=1)
    assert new_deadline > old_deadline
    notice = (await client.get(f"/api/notices/{out['notice_id']}")).json()
    assert notice["kind"] == NoticeKind.correction and "第二十一条" in notice["body"]
    assert notice["data"]["deadline_moved"] is True
    row = await db.get(Tender, tid)
    assert row is not None and row.next_check_at == new_deadline.astimezone(UTC)


async def test_correction_without_document_change_keeps_deadline(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    await client.post(f"/api/tenders/{tid}/publish", headers=h)
    clock.advance(days=12)
    r = await client.post(f"/api/tenders/{tid}/corrections",
                          json={"body": "更正联系电话", "description": "联系人：王工"}, headers=h)
    assert r.status_code == 201 and r.json()["deadline_moved"] is False
    # Changing a lot's amounts is a change to the documents: the deadline moves (MOF 87 Art.27).
    r = await client.post(f"/api/tenders/{tid}/corrections",
                          json={"body": "调整最高限价", "lots": [{"number": 1, "ceiling_price": "990000.00"}]},
                          headers=h)
    assert r.status_code == 201 and r.json()["deadline_moved"] is True
    assert r.json()["lots"][0]["ceiling_price"] == "990000.00"
    r = await client.post(f"/api/tenders/{tid}/corrections", json={"body": "无"}, headers=h)
    assert r.status_code == 422 and _error(r) == "tender.correction_empty"


async def test_ruleset_version_kept_when_current_ruleset_changes(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _c, project, h = await _setup(client, db, clock)
    old_tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    base = rules.RULESETS["2026.1"]
    stricter = rules.Ruleset(version="2099.1", lines={
        line: rules.LineRules(**{**lr.__dict__, "min_days_to_deadline": 30}) for line, lr in base.lines.items()
    })
    monkeypatch.setitem(rules.RULESETS, "2099.1", stricter)
    monkeypatch.setattr(rules, "CURRENT_RULESET", "2099.1")
    # A new tender with the same 21-day timetable falls under the new 30-day rule.
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)
    assert r.status_code == 422 and _error(r) == "tender.deadline_too_soon" and "30" in r.json()["error"]["message"]
    # The tender created earlier keeps 2026.1 and publishes under its 20-day rule.
    r = await client.post(f"/api/tenders/{old_tid}/publish", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["ruleset_version"] == "2026.1"


async def test_provisional_deadline_beyond_2026_does_not_crash(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    start = datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)  # five working days run into 2027
    plan = {"doc_start": iso(start), "doc_end": iso(start + timedelta(days=9)),
            "question_deadline": iso(start + timedelta(days=12)), "bid_deadline": iso(start + timedelta(days=25))}
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), **plan), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["deadline_provisional"] is True
    assert [w["code"] for w in r.json()["warnings"]] == ["tender.deadline_provisional"]
    # Once the centre enters 2027's schedule the date is no longer provisional.
    hc = await bearer(client, c.centre_user)
    r2 = await client.put("/api/workdays/2027", json={"days": [{"day": "2027-01-01", "is_workday": False,
                                                                "note": "元旦"}]}, headers=hc)
    assert r2.status_code == 200
    r3 = await client.patch(f"/api/tenders/{r.json()['id']}", json={"description": "复核"}, headers=h)
    assert r3.status_code == 200 and r3.json()["deadline_provisional"] is False


async def test_cancel_needs_reason_and_publishes_termination(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    await client.post(f"/api/tenders/{tid}/publish", headers=h)
    r = await client.post(f"/api/tenders/{tid}/cancel", json={"reason": " "}, headers=h)
    assert r.status_code == 422
    clock.advance(hours=1)
    r = await client.post(f"/api/tenders/{tid}/cancel", json={"reason": "项目资金未落实"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    kinds = [n["kind"] for n in (await client.get("/api/notices")).json()["items"]]
    assert kinds == ["termination", "tender_announcement"]
    assert (await db.get(Tender, tid)).next_check_at is None  # type: ignore[union-attr]


async def test_publish_refused_while_trading_is_suspended(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus

    c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    db.add(Suspension(scope=SuspensionScope.project, project_id=project.id, reason="疫情防控",
                      status=SuspensionStatus.active, requested_by=c.centre_user.id, requested_at=clock.now(),
                      started_at=clock.now()))
    await db.commit()
    r = await client.post(f"/api/tenders/{tid}/publish", headers=h)
    assert r.status_code == 409 and _error(r) == "supervision.suspended"
    assert (await client.get(f"/api/tenders/{tid}", headers=h)).json()["status"] == "draft"


WRITE_ENDPOINTS = [
    ("POST", "/api/projects"), ("POST", "/api/projects/{pid}/admit"), ("POST", "/api/projects/{pid}/return"),
    ("POST", "/api/projects/{pid}/resubmit"), ("POST", "/api/projects/{pid}/priority"), ("POST", "/api/tenders"),
    ("PATCH", "/api/tenders/{tid}"), ("POST", "/api/tenders/{tid}/publish"), ("POST", "/api/tenders/{tid}/corrections"),
    ("POST", "/api/tenders/{tid}/cancel"), ("PUT", "/api/workdays/2027"),
]
GARBAGE: list[object] = [b"{not json", [], "x", 42, None, {"lots": "many", "bid_deadline": "tomorrow"},
                         {"project_id": ["x"], "doc_start": 1e308, "reason": {"a": 1}, "priority": "urgent"}]


async def test_garbage_to_every_write_endpoint_gets_4xx_not_500(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c, project, h = await _setup(client, db, clock)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    hc = await bearer(client, c.centre_user)
    for method, template in WRITE_ENDPOINTS:
        url = template.format(pid=project.id, tid=tid)
        for body in GARBAGE:
            for headers in (h, hc):
                kw = {"content": body} if isinstance(body, bytes) else {"json": body}
                r = await client.request(method, url, headers={**headers, "content-type": "application/json"},
                                         **kw)  # type: ignore[arg-type]
                assert r.status_code < 500, (method, url, body, r.status_code, r.text)
                if not url.endswith(("/admit", "/publish")):  # these two take no body, so garbage is ignored
                    assert r.status_code >= 400 and r.json()["error"]["code"], (method, url, body, r.text)
