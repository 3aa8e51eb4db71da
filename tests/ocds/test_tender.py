"""OCDS 1.1 publication of tenders, validated by the standard's schema at every step: a construction tender from its
planning to its contract, with a correction (更正公告), the bids only with the published opening record (E-Bidding
Measures Art.21/32), the award and the contract; a procurement tender with two lots, one of which fails."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.award.models import Award, Contract
from ggzy.evaluation.models import Candidate
from ggzy.kit.clock import FrozenClock
from ggzy.opening.models import OpeningEntry
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.award.test_contract import awarded, contract
from tests.bid.helpers import make_world
from tests.factories import bearer
from tests.ocds.helpers import assert_no_bids, packages, roles, tags
from tests.opening.helpers import Hall, decrypt, submit_all, sweep
from tests.publicity.builders import bj, evaluated
from tests.supervision.builders import fetch, reload

ODD_PRICES = ["948000.5", "961234.56", "939999.99"]
"""Three of the four opening-sheet prices (tests/opening/helpers.sheet_for) that no other amount equals."""


async def test_bids_and_tenderers_appear_only_with_the_published_opening_record_e_bidding_measures_art21(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """E-Bidding Measures Art.21: before the opening nobody learns who bid or at what price — not from the releases
    while bids come in, nor while the hall signs in, decrypts and reads out; Art.32: the published opening record
    brings bids.statistics and bids.details with every tenderer and value. A correction is a tenderAmendment, and
    each release keeps what was public at its date."""
    w = await make_world(db, client, clock.now(), bidders=4)
    code, names = w.tender.code, [b.org.name for b in w.bidders]
    agency = await bearer(client, w.cast.agency_user)
    clock.advance(timedelta(days=1))
    r = await client.post(f"/api/tenders/{w.tender.id}/corrections", headers=agency, json={
        "body": "补充项目概况，调整最高投标限价。", "description": "新建教学楼一栋（含地下室）",
        "lots": [{"number": 1, "ceiling_price": "990000.00"}]})
    assert r.status_code == 201, r.text
    package, record = await packages(client, code)
    assert tags(package) == ["planning", "tender", "tenderAmendment"]
    planning, tender, amendment = package["releases"]
    assert planning["planning"]["budget"]["amount"] == {"amount": 1000000, "currency": "CNY"}
    assert tender["tender"]["description"] == "新建教学楼一栋"  # as announced, not as corrected
    assert tender["tender"]["lots"][0]["description"].startswith("最高投标限价 980,000.00 元")
    assert roles(tender) == {w.cast.tenderer_org.name: ["buyer"], w.cast.agency_org.name: ["procuringEntity"]}
    (change,) = amendment["tender"]["amendments"]
    assert change["amendsReleaseID"] == tender["id"] and change["releaseID"] == amendment["id"]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["description"] == "新建教学楼一栋（含地下室）"
    assert compiled["tender"]["lots"][0]["description"].startswith("最高投标限价 990,000.00 元")
    assert [d["documentType"] for d in compiled["tender"]["documents"]] == ["tenderNotice", "tenderNotice"]
    end = datetime.fromisoformat(compiled["tender"]["tenderPeriod"]["endDate"])
    assert end == w.tender.bid_deadline and end.utcoffset() == timedelta(hours=8)
    assert_no_bids(package, names, ODD_PRICES)

    # Bids come in: still nothing.
    headers = await submit_all(client, tmp_path, w, w.bidders)
    assert_no_bids((await packages(client, code))[0], names, ODD_PRICES)
    # The deadline passes, the hall signs in, the list is published, everyone decrypts, prices are read out:
    # the releases wait for the record.
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)
    await sweep(app, clock)
    h = Hall(w, agency, await bearer(client, w.cast.centre_user), headers)
    assert_no_bids((await packages(client, code))[0], names, ODD_PRICES)
    for b in w.bidders:
        assert (await client.post(f"{h.url}/sign-in", headers=b.headers)).status_code == 201
    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    for b in w.bidders:
        assert (await decrypt(client, h, b)).status_code == 200
    assert (await client.post(f"{h.url}/close-announcing", headers=h.host)).status_code == 200
    assert_no_bids((await packages(client, code))[0], names, ODD_PRICES)
    for b in w.bidders:
        assert (await client.post(f"{h.url}/confirm", headers=b.headers)).status_code == 200
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.opened

    # The record is published: the bids with their tenderers and values.
    package, record = await packages(client, code)
    assert tags(package) == ["planning", "tender", "tenderAmendment", "tenderUpdate"]
    opening = package["releases"][-1]
    entries = await fetch(db, select(OpeningEntry))
    details = {d["id"]: d for d in opening["bids"]["details"]}
    assert set(details) == {e.id for e in entries}
    for e in entries:
        d = details[e.id]
        assert e.price is not None and Decimal(str(d["value"]["amount"])) == e.price
        assert d["value"]["currency"] == "CNY" and d["status"] == "pending" and d["relatedLots"] == ["1"]
    assert {d["tenderers"][0]["name"] for d in details.values()} == set(names)
    assert {s["id"]: s["value"] for s in opening["bids"]["statistics"]} == {"bids-1": 4, "bidders": 4}
    assert opening["tender"]["numberOfTenderers"] == 4
    assert roles(opening) == {name: ["tenderer"] for name in names}
    assert len(record["compiledRelease"]["bids"]["details"]) == 4


async def test_construction_tender_to_its_contract_validates_with_award_supplier_and_contract(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """The whole construction journey: the candidate publicity, the award (中标结果) to the rank-1 candidate with its
    bid as relatedBid, the contract (Evaluation Rules Art.49) — every release and the compiled record valid."""
    e, award_id = await awarded(app, client, db, clock, tmp_path)
    code = e.w.tender.code
    package, record = await packages(client, code)
    assert tags(package) == ["planning", "tender", "tenderUpdate", "tenderUpdate", "award"]
    clock.set(bj(2026, 4, 10, 10, 0))
    await e.relogin(client)
    r = await client.post(f"/api/awards/{award_id}/contract", **contract("950000.00", "2026-04-09"),
                          headers=e.tenderer)
    assert r.status_code == 201, r.text
    package, record = await packages(client, code)
    assert tags(package) == ["planning", "tender", "tenderUpdate", "tenderUpdate", "award", "contract"]
    (award,) = await fetch(db, select(Award))
    (winner,) = await fetch(db, select(Candidate).where(Candidate.id == award.candidate_id))
    (signed,) = await fetch(db, select(Contract))
    publicity = package["releases"][3]
    assert publicity["tender"]["documents"][0]["documentType"] == "evaluationReports"

    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["ocid"] == record["ocid"] == f"ocds-ggzy01-{code}"
    (a,) = compiled["awards"]
    assert a["id"] == award.id and a["status"] == "active" and a["relatedLots"] == ["1"]
    assert Decimal(str(a["value"]["amount"])) == award.price and a["relatedBid"] == winner.entry_id
    winner_name = next(b.org.name for b in e.w.bidders if b.org.id == award.bidder_org_id)
    assert [s["name"] for s in a["suppliers"]] == [winner_name]
    (c,) = compiled["contracts"]
    assert c == {"id": signed.id, "awardID": award.id, "title": c["title"], "status": "active",
                 "value": {"amount": 950000, "currency": "CNY"}, "dateSigned": "2026-04-09T00:00:00+08:00"}
    assert compiled["tender"]["status"] == "complete" and compiled["tender"]["lots"][0]["status"] == "complete"
    assert roles(compiled)[winner_name] == ["tenderer", "supplier"]
    bid_status = {d["id"]: d["status"] for d in compiled["bids"]["details"]}
    assert bid_status[winner.entry_id] == "valid" and len(bid_status) == 4
    # The documents of every release survive the merge: announcement, opening record, publicity, result notice.
    kinds = [d.get("documentType") for d in compiled["tender"]["documents"]]
    assert kinds == ["tenderNotice", "bidders", "evaluationReports"]
    assert a["documents"][0]["documentType"] == "awardNotice"


async def test_procurement_tender_with_two_lots_one_failed_at_the_opening_mof87_art41(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """MOF 87 Art.41: a lot with fewer than 3 bids fails at the deadline (its lot unsuccessful, its count published,
    nobody named) while the other lot is evaluated and awarded; the result notice (MOF 87 Art.69) is the award and
    the contract notice (GP Regs Art.50) is the contract's document; the tender completes."""
    lots = [{"name": "教学设备", "budget": "1000000.00", "ceiling_price": "980000.00", "bond_amount": "20000.00"},
            {"name": "办公家具", "budget": "300000.00", "ceiling_price": None, "bond_amount": "6000.00"}]
    e = await evaluated(app, client, db, clock, tmp_path, line=TradingLine.procurement, lots=lots)
    code = e.w.tender.code
    package, record = await packages(client, code)
    failed = next(r for r in package["releases"] if r["id"].startswith("tender_failed-"))
    assert failed["tender"]["status"] == "active"  # the other lot goes on
    assert [(lot["id"], lot["status"]) for lot in failed["tender"]["lots"]] == [("2", "unsuccessful")]
    assert failed["bids"] == {"statistics": [{"id": "bids-2", "measure": "bids", "value": 0,
                                              "date": failed["date"], "relatedLot": "2"}]}
    assert record["compiledRelease"]["tender"]["mainProcurementCategory"] == "goods"
    assert record["compiledRelease"]["tender"]["awardCriteria"] == "priceOnly"  # 最低评标价法

    clock.set(bj(2026, 3, 30, 10, 0))
    await e.relogin(client)
    r = await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.agency)
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    award_id = r.json()["id"]
    # Confirmed by the purchaser but not yet announced: no award release yet.
    assert "award" not in tags((await packages(client, code))[0])
    r = await client.post(f"/api/awards/{award_id}/publish-result", headers=e.agency)
    assert r.status_code == 200, r.text
    clock.set(bj(2026, 4, 2, 10, 0))
    await e.relogin(client)
    r = await client.post(f"/api/awards/{award_id}/contract", **contract("948000.50", "2026-04-01"),
                          headers=e.tenderer)
    assert r.status_code == 201, r.text
    package, record = await packages(client, code)
    assert tags(package)[-2:] == ["award", "contract"]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["status"] == "complete"
    assert {lot["id"]: lot["status"] for lot in compiled["tender"]["lots"]} == {"1": "complete", "2": "unsuccessful"}
    assert {lot["id"]: lot["value"]["amount"] for lot in compiled["tender"]["lots"]} == {"1": 1000000, "2": 300000}
    assert compiled["tender"]["value"] == {"amount": 1300000, "currency": "CNY"}
    (c,) = compiled["contracts"]
    assert c["value"] == {"amount": 948000.5, "currency": "CNY"}
    assert c["documents"][0]["documentType"] == "contractNotice"
    stats = {s["id"]: s["value"] for s in compiled["bids"]["statistics"]}
    assert stats == {"bids-1": 4, "bids-2": 0, "bidders": 4}
    assert all(d["relatedLots"] == ["1"] for d in compiled["bids"]["details"])
