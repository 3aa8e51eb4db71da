"""Tender pages: the new-tender form with lots, rule violations shown with their article, publish, correct."""

from __future__ import annotations

import re
from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.tender.models import Lot, Tender
from tests.factories import create_party
from tests.factories import query as query_rows
from tests.tender.helpers import admitted_project, cast
from tests.tender.page_helpers import browser_login, csrf, local_input


def _form(token: str, project_id: str, now, **over: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    start = now + timedelta(hours=2)
    data: dict[str, object] = {
        "csrf_token": token, "project_id": project_id, "title": "", "evaluation_method": "lowest_evaluated_price",
        "has_rescue_plan": "", "description": "施工总承包", "qualification": "",
        "doc_start": local_input(start), "doc_end": local_input(start + timedelta(days=6)),
        "question_deadline": local_input(start + timedelta(days=12)),
        "bid_deadline": local_input(start + timedelta(days=22)),
        "lot_name": ["一标段", "二标段"], "lot_budget": ["1,000,000.00", "500000"], "lot_ceiling": ["", "480000"],
        "lot_bond": ["20000", "10001"],
    }
    data.update(over)
    return data


async def test_agency_creates_publishes_and_corrects_through_pages(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now())
    pid, pcode = project.id, project.code  # db.rollback() below expires loaded rows
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())
    page = await client.get(f"/workspace/tenders/new?project_id={pid}")
    assert page.status_code == 200 and 'data-testid="add-lot"' in page.text and pcode in page.text
    token = await csrf(client, "/workspace/tenders/new")

    # Lot 2's bond is above 2%: the form comes back with the rule and its article, nothing is saved.
    r = await client.post("/workspace/tenders/new", data=_form(token, pid, clock.now()))
    assert r.status_code == 422 and 'data-code="tender.bond_too_high"' in r.text
    assert "《招标投标法实施条例》第二十六条" in r.text and "二标段" in r.text
    assert (await db.execute(select(Tender.id))).first() is None
    await db.commit()  # end the read transaction (releases SQLite's lock; keeps loaded rows)

    r = await client.post("/workspace/tenders/new", data=_form(token, pid, clock.now(), lot_bond=["20000", ""]))
    assert r.status_code == 303, r.text
    tid = r.headers["location"].split("/")[3].split("?")[0]
    lots = (await db.execute(select(Lot).where(Lot.tender_id == tid).order_by(Lot.number))).scalars().all()
    assert [(lot.name, str(lot.budget), str(lot.bond_amount)) for lot in lots] == [
        ("一标段", "1000000.00", "20000.00"), ("二标段", "500000.00", "0.00")]
    await db.commit()  # end the read transaction (releases SQLite's lock; keeps loaded rows)

    detail = await client.get(f"/workspace/tenders/{tid}")
    assert 'data-testid="publish"' in detail.text and 'data-testid="timeline"' in detail.text
    assert 'data-testid="preflight-ok"' in detail.text
    clock.advance(hours=3)  # doc_start has passed: publishing is refused with the rule named
    stale = await client.get(f"/workspace/tenders/{tid}")
    assert 'data-testid="preflight"' in stale.text and 'data-code="tender.time_in_past"' in stale.text
    r = await client.post(f"/workspace/tenders/{tid}/publish", data={"csrf_token": token})
    assert r.status_code == 422 and 'data-code="tender.time_in_past"' in r.text
    clock.advance(hours=-3)
    r = await client.post(f"/workspace/tenders/{tid}/publish", data={"csrf_token": token})
    assert r.status_code == 303
    listing = await client.get("/workspace/tenders")
    assert 'data-testid="tender-card"' in listing.text and "发布公告" in listing.text

    clock.advance(days=10)  # 12 days and 2 hours before the deadline
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())  # sessions last 12 h
    token = await csrf(client, f"/workspace/tenders/{tid}")
    r = await client.post(f"/workspace/tenders/{tid}/corrections",
                          data={"csrf_token": token, "body": "修改工程量清单", "changes_documents": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=moved")
    moved = await client.get(r.headers["location"])
    assert "投标截止时间已顺延" in moved.text
    notice = (await db.execute(select(Notice).where(Notice.kind == NoticeKind.correction))).scalars().one()
    assert "第二十一条" in notice.body
    await db.commit()  # end the read transaction (releases SQLite's lock; keeps loaded rows)
    # An explicit deadline that is too early is refused with the article.
    r = await client.post(f"/workspace/tenders/{tid}/corrections", data={
        "csrf_token": token, "body": "再次修改", "changes_documents": "1",
        "bid_deadline": local_input(clock.now() + timedelta(days=3))})
    assert r.status_code == 422 and 'data-code="tender.correction_deadline_too_early"' in r.text
    en = await client.get(f"/workspace/tenders/{tid}?lang=en")
    assert "Publish a correction" in en.text and "Bidding Regs Art.21" in en.text


async def test_other_agency_cannot_see_a_draft_page_and_sees_no_buttons_on_a_published_one(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), TradingLine.procurement)
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())
    token = await csrf(client, "/workspace/tenders/new")
    r = await client.post("/workspace/tenders/new", data=_form(
        token, project.id, clock.now(), evaluation_method="comprehensive_scoring", lot_name=["货物"],
        lot_budget=["100000"], lot_ceiling=["100000"], lot_bond=["2000"],
        doc_end=local_input(clock.now() + timedelta(days=9))))
    assert r.status_code == 303, re.findall(r'data-code="[^"]+"', r.text)
    tid = r.headers["location"].split("/")[3].split("?")[0]
    other_org, other_user, _ = await create_party(db, OrgKind.agency, now=clock.now())
    client.cookies.clear()
    await browser_login(client, db, settings, other_user, other_org, now=clock.now())
    assert (await client.get(f"/workspace/tenders/{tid}")).status_code == 404
    token2 = await csrf(client, "/workspace/tenders")
    assert (await client.post(f"/workspace/tenders/{tid}/publish", data={"csrf_token": token2})).status_code == 404
    assert (await client.get("/workspace/tenders/new")).status_code == 200  # no project of theirs to choose


async def test_rescue_plan_custodians_chosen_on_the_form_publish_art31(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """E-Bidding Measures Art.31: the draft form names the custodians and k; publication splits the rescue key."""
    from ggzy.bid.models import RescueKey, RescueShare
    from tests.bid.helpers import custodian_party

    now = clock.now()
    c = await cast(db, now)
    project = await admitted_project(db, c, now)
    pid = project.id
    holders = [await custodian_party(db, k, now) for k in (OrgKind.centre, OrgKind.supervisor, OrgKind.centre)]
    keyless, _, _ = await create_party(db, OrgKind.supervisor, now=now, name="无密钥监督部门")
    ids, keyless_id = [h.org.id for h in holders], keyless.id
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=now)
    page = await client.get(f"/workspace/tenders/new?project_id={pid}")
    assert page.status_code == 200 and 'data-testid="rescue-custodians"' in page.text
    assert all(f'data-org="{i}"' in page.text for i in [*ids, keyless_id])
    assert 'data-testid="custodian-keys-missing"' in page.text and "交易中心" in page.text
    token = await csrf(client, "/workspace/tenders/new")
    labels = {f"label_{i}": f"保管{n}" for n, i in enumerate(ids, 1)}
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, now, lot_bond=["20000", ""], has_rescue_plan="1", rescue_threshold="3", custodian=ids,
        **labels))
    assert r.status_code == 303, r.text
    tid = r.headers["location"].split("/")[3].split("?")[0]
    (row,) = await query_rows(db, select(Tender.rescue_threshold, Tender.rescue_custodians).where(Tender.id == tid))
    assert row.rescue_threshold == 3
    assert row.rescue_custodians == [{"org_id": i, "label": f"保管{n}"} for n, i in enumerate(ids, 1)]
    await db.commit()
    r = await client.post(f"/workspace/tenders/{tid}/publish", data={"csrf_token": token})
    assert r.status_code == 303, r.text
    (rk,) = await query_rows(db, select(RescueKey.id, RescueKey.threshold, RescueKey.shares)
                             .where(RescueKey.tender_id == tid))
    assert (rk.threshold, rk.shares) == (3, 3)
    holders_db = await query_rows(db, select(RescueShare.custodian_org_id, RescueShare.custodian_label)
                                  .where(RescueShare.rescue_key_id == rk.id))
    assert {(h.custodian_org_id, h.custodian_label) for h in holders_db} == {
        (i, f"保管{n}") for n, i in enumerate(ids, 1)}


async def test_rescue_plan_without_enough_custodians_is_refused_on_the_form_art31(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """E-Bidding Measures Art.31: a rescue plan with fewer custodians than k comes back with the reason."""
    from tests.bid.helpers import custodian_party

    now = clock.now()
    c = await cast(db, now)
    project = await admitted_project(db, c, now)
    pid = project.id
    one = (await custodian_party(db, OrgKind.centre, now)).org.id
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=now)
    token = await csrf(client, "/workspace/tenders/new")
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, now, lot_bond=["20000", ""], has_rescue_plan="1", rescue_threshold="3", custodian=[one]))
    assert r.status_code == 422 and 'data-code="rescue.too_few_custodians"' in r.text
    assert "请至少选择 3 家密钥保管单位" in r.text
    assert re.search(rf'value="{one}"\s+style="width:auto"[^>]*checked', r.text)  # the choice survives
    assert not await query_rows(db, select(Tender.id))
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, now, lot_bond=["20000", ""], has_rescue_plan="1", rescue_threshold="x"))
    assert r.status_code == 422 and 'data-code="request.bad_threshold"' in r.text
    # Without the plan the custodians are not needed (and not stored).
    r = await client.post("/workspace/tenders/new", data=_form(token, pid, now, lot_bond=["20000", ""],
                                                               custodian=[one]))
    assert r.status_code == 303
    (row,) = await query_rows(db, select(Tender.rescue_custodians))
    assert row.rescue_custodians == []
