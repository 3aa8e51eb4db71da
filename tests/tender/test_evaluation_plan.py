"""The evaluation plan (评标办法细则) on tender creation: checked against the method and the line (MOF 87 Art.55),
stored as JSON with Decimal strings, audited, published in the announcement; through the API and the form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.config import Settings
from ggzy.evaluation.methods.plan import check_plan, plan_from_json
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, TradingLine
from ggzy.tender.models import Tender
from tests.factories import bearer
from tests.tender.helpers import admitted_project, cast, tender_payload
from tests.tender.page_helpers import browser_login, csrf, local_input


def _rows(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"name": n, "kind": k, "max": m} for n, k, m in rows]


async def _setup(client: AsyncClient, db: AsyncSession, clock: FrozenClock, line: TradingLine):  # type: ignore[no-untyped-def]
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), line)
    return c, project, await bearer(client, c.agency_user)


async def _count(db: AsyncSession, column: Any, *where: Any) -> int:
    return int((await db.execute(select(func.count(column)).where(*where))).scalar_one())


async def test_goods_price_weight_20_refused_422_nothing_created_mof87_art55(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    plan = {"category": "goods", "criteria": _rows(("价格", "price", "20"), ("技术", "technical", "60"),
                                                   ("商务", "commercial", "20"))}
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), evaluation_plan=plan), headers=h)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "tender.price_weight_too_low"
    v = err["detail"]["violations"][0]
    assert v["article_en"] == "MOF 87 Art.55" and v["article_zh"] == "财政部87号令第五十五条"
    assert "30%" in err["message"] and v["field"] == "evaluation_plan.criteria"
    assert await _count(db, Tender.id) == 0
    assert await _count(db, AuditEvent.seq, AuditEvent.tag == "tender:created") == 0
    await db.commit()  # end the read transaction (releases SQLite's lock)
    # The same plan is lawful for services (≥ 10%, MOF 87 Art.55).
    plan["category"] = "services"
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), evaluation_plan=plan), headers=h)
    assert r.status_code == 201, r.text
    stored = r.json()["evaluation_plan"]
    assert stored["category"] == "services" and stored["preset"] is False
    assert [(c["id"], c["kind"], c["max"]) for c in stored["criteria"]] == [
        ("price", "price", "20.00"), ("technical", "technical", "60.00"), ("commercial", "commercial", "20.00")]


async def test_plan_violations_are_listed_with_the_other_rules(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    plan = {"criteria": _rows(("价格", "price", "20"), ("技术", "technical", "60"))}
    lots = [{"name": "货物", "budget": "100000.00", "bond_amount": "5000.00"}]  # bond above 2% as well
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now(), evaluation_plan=plan, lots=lots),
                          headers=h)
    assert r.status_code == 422
    codes = [v["code"] for v in r.json()["error"]["detail"]["violations"]]
    assert codes == ["tender.plan_total_not_100", "tender.price_weight_too_low", "tender.bond_too_high"]
    assert await _count(db, Tender.id) == 0


async def test_no_plan_stores_the_methods_preset_and_audits_it(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.construction)
    r = await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)
    assert r.status_code == 201, r.text
    t = r.json()
    stored = t["evaluation_plan"]
    assert stored["method"] == "comprehensive_assessment" and stored["preset"] is True
    assert stored["base_price"] == {"drop_extremes_above": 5, "deduction_above": "2.00", "deduction_below": "1.00"}
    row = await db.get(Tender, t["id"])
    assert row is not None and plan_from_json(row) == check_plan(None, "comprehensive_assessment", "construction")
    after = (await db.execute(select(AuditEvent.after).where(AuditEvent.tag == "tender:created"))).scalar_one()
    assert after["evaluation_plan"]["criteria"][0]["max"] == "60.00"


async def test_a_preset_follows_the_method_a_custom_plan_is_rechecked(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.construction)
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now()), headers=h)).json()["id"]
    r = await client.patch(f"/api/tenders/{tid}", json={"evaluation_method": "lowest_evaluated_price"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["evaluation_plan"]["criteria"] == [] and r.json()["evaluation_plan"]["preset"] is True
    custom = {"criteria": _rows(("报价", "price", "70"), ("技术", "technical", "30")),
              "base_price": {"drop_extremes_above": 7, "deduction_above": "1.5", "deduction_below": "0.5"}}
    r = await client.patch(f"/api/tenders/{tid}", json={"evaluation_method": "comprehensive_assessment",
                                                        "evaluation_plan": custom}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["evaluation_plan"]["base_price"]["deduction_above"] == "1.50"
    await db.commit()
    # Switching to the price-only variant keeps the custom plan, which has a technical criterion: refused.
    r = await client.patch(f"/api/tenders/{tid}", json={"evaluation_method": "base_price_deviation"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "tender.plan_price_only"
    await db.commit()
    row = await db.get(Tender, tid)
    assert row is not None
    await db.refresh(row)
    assert row.evaluation_method == "comprehensive_assessment" and row.evaluation_plan is not None
    assert row.evaluation_plan["criteria"][0]["max"] == "70.00"  # nothing half-written
    await db.commit()
    # A plan sent as null goes back to the preset.
    r = await client.patch(f"/api/tenders/{tid}", json={"evaluation_plan": None}, headers=h)
    assert r.status_code == 200 and r.json()["evaluation_plan"]["preset"] is True
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == tid))).scalars().all()
    assert tags.count("tender:updated") == 3


async def test_the_announcement_publishes_the_plan(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.procurement)
    plan = {"category": "goods", "criteria": _rows(("价格", "price", "40"), ("技术", "technical", "60"))}
    tid = (await client.post("/api/tenders", json=tender_payload(project, clock.now(), evaluation_plan=plan),
                             headers=h)).json()["id"]
    r = await client.post(f"/api/tenders/{tid}/publish", headers=h)
    assert r.status_code == 200, r.text
    notice = (await db.execute(select(Notice).where(Notice.tender_id == tid))).scalars().one()
    assert "评分因素：价格 40.00分、技术 60.00分" in notice.body
    assert notice.data["evaluation_plan"]["criteria"][0]["max"] == "40.00"


async def test_base_price_rule_is_announced_for_construction(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    _c, project, h = await _setup(client, db, clock, TradingLine.construction)
    body = tender_payload(project, clock.now(), evaluation_method="base_price_deviation",
                          coefficient_range={"min": "0.0025", "max": "0.0150", "step": "0.0025"})
    tid = (await client.post("/api/tenders", json=body, headers=h)).json()["id"]
    assert (await client.post(f"/api/tenders/{tid}/publish", headers=h)).status_code == 200
    notice = (await db.execute(select(Notice).where(Notice.tender_id == tid))).scalars().one()
    assert "投标报价 100.00分" in notice.body and "多于5家时去掉一个最高、一个最低报价" in notice.body
    assert "每高于基准价1%扣2.00分" in notice.body


# ---------------------------------------------------------------- the form


def _form(token: str, project_id: str, now, **over: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    start = now + timedelta(hours=2)
    data: dict[str, object] = {
        "csrf_token": token, "project_id": project_id, "title": "", "evaluation_method": "comprehensive_scoring",
        "has_rescue_plan": "", "description": "", "qualification": "",
        "doc_start": local_input(start), "doc_end": local_input(start + timedelta(days=9)),
        "question_deadline": local_input(start + timedelta(days=12)),
        "bid_deadline": local_input(start + timedelta(days=22)),
        "lot_name": ["货物"], "lot_budget": ["100000"], "lot_ceiling": ["100000"], "lot_bond": ["2000"],
    }
    data.update(over)
    return data


async def test_form_plan_editor_refuses_a_low_goods_price_weight_mof87_art55(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), TradingLine.procurement)
    pid = project.id
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())
    page = await client.get(f"/workspace/tenders/new?project_id={pid}")
    assert page.status_code == 200
    assert 'data-testid="plan-editor"' in page.text and 'id="plan-presets"' in page.text
    assert "财政部87号令第五十五条" in page.text and '"deduction_above": "2.00"' in page.text
    en = await client.get(f"/workspace/tenders/new?project_id={pid}&lang=en")
    assert "Evaluation plan" in en.text and "MOF 87 Art.55" in en.text
    await client.get("/workspace/tenders/new?lang=zh")  # the choice sticks (cookie): back to Chinese
    token = await csrf(client, "/workspace/tenders/new")
    custom = {"plan_custom": "1", "plan_category": "goods", "crit_name": ["价格", "技术", "商务"],
              "crit_kind": ["price", "technical", "commercial"], "crit_max": ["20", "60", "20"]}
    r = await client.post("/workspace/tenders/new", data=_form(token, pid, clock.now(), **custom))
    assert r.status_code == 422 and 'data-code="tender.price_weight_too_low"' in r.text
    assert "财政部87号令第五十五条" in r.text and 'value="60"' in r.text  # the rows come back as typed
    assert await _count(db, Tender.id) == 0
    await db.commit()
    custom["plan_category"] = "services"
    r = await client.post("/workspace/tenders/new", data=_form(token, pid, clock.now(), **custom))
    assert r.status_code == 303, r.text
    tid = r.headers["location"].split("/")[3].split("?")[0]
    row = await db.get(Tender, tid)
    assert row is not None and row.evaluation_plan is not None
    assert row.evaluation_plan["category"] == "services" and row.evaluation_plan["criteria"][0]["max"] == "20.00"


async def test_form_preset_and_base_price_fields(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now(), TradingLine.construction)
    pid = project.id
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())
    token = await csrf(client, "/workspace/tenders/new")
    lots = {"lot_name": ["施工"], "lot_budget": ["1000000"], "lot_ceiling": ["980000"], "lot_bond": ["20000"]}
    # Not customised: the rows typed are ignored, the method's preset is stored; the coefficient range is kept.
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, clock.now(), evaluation_method="comprehensive_assessment", crit_name=["x"], crit_kind=["price"],
        crit_max=["1"], coef_min="0.0025", coef_max="0.0150", coef_step="0.0025", **lots))
    assert r.status_code == 303, r.text
    tid = r.headers["location"].split("/")[3].split("?")[0]
    row = await db.get(Tender, tid)
    assert row is not None and row.evaluation_plan is not None and row.evaluation_plan["preset"] is True
    assert row.coefficient_range == {"min": "0.0025", "max": "0.0150", "step": "0.0025"}
    await db.commit()
    # Customised base-price rule.
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, clock.now(), evaluation_method="base_price_deviation", plan_custom="1", crit_name=["投标报价"],
        crit_kind=["price"], crit_max=["100"], bp_drop="6", bp_above="3", bp_below="1.5", **lots))
    assert r.status_code == 303, r.text
    tid = r.headers["location"].split("/")[3].split("?")[0]
    row = await db.get(Tender, tid)
    assert row is not None and row.evaluation_plan is not None
    assert row.evaluation_plan["base_price"] == {"drop_extremes_above": 6, "deduction_above": "3.00",
                                                 "deduction_below": "1.50"}
    await db.commit()
    # A malformed maximum comes back as a form error, not a 500.
    r = await client.post("/workspace/tenders/new", data=_form(
        token, pid, clock.now(), evaluation_method="base_price_deviation", plan_custom="1", crit_name=["投标报价"],
        crit_kind=["price"], crit_max=["一百"], **lots))
    assert r.status_code == 422 and 'data-code="request.invalid"' in r.text


async def test_a_coefficient_range_typed_as_a_multiplier_is_warned(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """下浮系数 is a fraction (0.01 = 1% down): 0.95-0.98 reads as a multiplier and would lower the base by 95%."""
    _c, project, h = await _setup(client, db, clock, TradingLine.construction)
    body = tender_payload(project, clock.now(), coefficient_range={"min": "0.95", "max": "0.98", "step": "0.005"})
    r = await client.post("/api/tenders", json=body, headers=h)
    assert r.status_code == 201 and [w["code"] for w in r.json()["warnings"]] == ["tender.coefficient_large"]
    body["coefficient_range"] = {"min": "0.0025", "max": "0.0150", "step": "0.0025"}
    r = await client.post("/api/tenders", json=body, headers=h)
    assert r.status_code == 201 and r.json()["warnings"] == []
