"""Charges are booked by rule from real events, exactly once: expert fees when the evaluation report is final,
the transaction service fee when the contract is recorded or the auction lot is sold, the document fee per
downloader when bidding closes — never before the bid deadline (E-Bidding Measures Art.21). Re-running the
assessment (or the hooks) books nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.award.models import Contract
from ggzy.chronograph import runner
from ggzy.evaluation.models import Evaluation
from ggzy.expert.models import CommitteeMember, MemberKind, MemberStatus
from ggzy.fees import service
from ggzy.fees.models import ChargeKind, DocumentPrice, PayerRole
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.award.test_contract import awarded, contract
from tests.factories import query
from tests.fees.helpers import charges, err, sold_lot
from tests.publicity.builders import bj
from tests.supervision.builders import audit_tags, fetch, reload
from tests.tender.qa_helpers import download, make_world, upload


async def _audit_count(db: AsyncSession) -> int:
    return int((await query(db, select(func.count()).select_from(AuditEvent)))[0][0])


async def test_expert_fees_at_the_final_report_and_the_service_fee_at_the_contract_exactly_once(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e, award_id = await awarded(app, client, db, clock, tmp_path)
    (ev,) = await fetch(db, select(Evaluation).where(Evaluation.tender_id == e.tender_id))
    pool = await fetch(db, select(CommitteeMember).where(
        CommitteeMember.draw_id == ev.draw_id, CommitteeMember.status == MemberStatus.accepted,
        CommitteeMember.kind == MemberKind.pool))
    experts = await charges(db, kind=ChargeKind.expert)
    # One per pool expert of the session (the builder's committee sits for minutes: half a day, 400.00 each),
    # paid by the tenderer; the expert appears by seat number, never by name (Evaluation Rules Art.8).
    assert len(experts) == len(pool) >= 5
    assert {(c.amount, c.payer_org_id, c.payer_role, c.source_id) for c in experts} == {
        (Decimal("400.00"), e.w.cast.tenderer_org.id, PayerRole.tenderer, ev.id)}
    assert sorted(c.basis["seat"] for c in experts) == list(range(1, len(pool) + 1))
    assert all("评标专家" in c.description and "半天×1" in c.description for c in experts)
    assert await charges(db, kind=ChargeKind.service) == []

    clock.set(bj(2026, 4, 10, 10, 0))
    await e.relogin(client)
    r = await client.post(f"/api/awards/{award_id}/contract", **contract("950,000.00", "2026-04-09"),
                          headers=e.tenderer)
    assert r.status_code == 201, r.text
    (fee,) = await charges(db, kind=ChargeKind.service)
    # 95万 of construction: 950,000 × 0.10% = 950.00, paid by the winner (中标人).
    assert (fee.amount, fee.base_amount, fee.payer_org_id, fee.payer_role, fee.source_type) == (
        Decimal("950.00"), Decimal("950000.00"), e.candidates[0].bidder_org_id, PayerRole.winner, "contract")
    assert fee.schedule_version == "2024.1" and fee.basis["applied"] == "bands"
    assert "合同金额 950,000.00 元" in fee.description
    assert (await audit_tags(db, fee.id)) == ["fee:charged"]

    # Re-running changes nothing: the assessment pass twice, and the hooks themselves.
    ledger, events = len(await charges(db)), await _audit_count(db)
    for _ in range(2):
        r = await client.post("/api/fees/assess", headers=e.centre)
        assert r.status_code == 200 and r.json()["total"] == 0, r.text
    async with app.state.sessionmaker() as s:
        (c,) = (await s.execute(select(Contract))).scalars().all()
        ev_row = await s.get(Evaluation, ev.id)
        assert ev_row is not None
        assert await service.on_contract_recorded(s, c, clock.now()) == []
        assert await service.on_evaluation_closed(s, ev_row, clock.now()) == []
        await s.rollback()
    assert (len(await charges(db)), await _audit_count(db)) == (ledger, events)

    # Each payer sees its own charges only; a losing bidder sees none.
    mine = (await client.get("/api/fees/charges", headers=e.cand_headers(1))).json()
    assert [c["id"] for c in mine] == [fee.id]
    theirs = (await client.get("/api/fees/charges", headers=e.tenderer)).json()
    assert {c["kind"] for c in theirs} == {"expert"} and len(theirs) == len(pool)
    assert (await client.get("/api/fees/charges", headers=e.loser)).json() == []
    assert (await client.get("/api/fees/charges", headers=e.agency)).json() == []


async def test_assessment_books_what_events_before_fees_lack_then_nothing(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """A sold lot whose charge is missing (sold before fees existed): the pass books it once."""
    a, lot = await sold_lot(app, db, client, clock, line=TradingLine.property)
    booked = await charges(db)
    # 100万 of property rights: 1,000,000 × 0.50% = 5,000.00 — the buyer and the seller each (产权交易 both sides).
    assert {(c.payer_role, c.payer_org_id, c.amount) for c in booked} == {
        (PayerRole.buyer, a.bidders[0].org.id, Decimal("5000.00")),
        (PayerRole.seller, a.seller.org.id, Decimal("5000.00"))}
    # Simulate the event predating fees: remove the rows behind the service's back (only a test may do this).
    async with app.state.sessionmaker() as s:
        from ggzy.fees.models import Charge

        for c in (await s.execute(select(Charge))).scalars().all():
            await s.delete(c)
        await s.commit()
    err(await client.post("/api/fees/assess", headers=a.bidders[0].h), 403, "fees.forbidden")
    r = await client.post("/api/fees/assess", headers=a.centre.h)
    assert r.status_code == 200 and r.json() == {"contracts": 0, "auctions": 2, "evaluations": 0, "documents": 0,
                                                  "total": 2}, r.text
    r = await client.post("/api/fees/assess", headers=a.centre.h)
    assert r.json()["total"] == 0
    assert len(await charges(db)) == 2 and lot.final_price == Decimal("1000000.00")


async def test_land_sale_charges_the_buyer_the_minimum(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """100万 of land: 1,000,000 × 0.10% = 1,000 → the land line's minimum of 2,000.00, the buyer (竞得人) only."""
    a, lot = await sold_lot(app, db, client, clock, line=TradingLine.land)
    (c,) = await charges(db)
    assert (c.payer_role, c.payer_org_id, c.amount, c.basis["applied"], c.auction_lot_id) == (
        PayerRole.buyer, a.bidders[0].org.id, Decimal("2000.00"), "minimum", lot.id)
    assert c.booked_at == clock.now() and "成交价 1,000,000.00 元，按最低收费" in c.description


async def test_document_fee_per_downloader_at_the_bid_deadline_never_before_e_bidding_measures_art21(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    w = await make_world(db, client, now=clock.now(), bidders=3, status=TenderStatus.draft)
    url = f"/api/tenders/{w.tender.id}/document-fee"
    err(await client.put(url, json={"amount": "300"}, headers=w.bidders[0].headers), 403, "fees.not_manager")
    err(await client.put(url, json={"amount": "2000.01"}, headers=w.agency.headers), 422,
        "fees.document_price_too_high")
    err(await client.put(url, json={"amount": "三百"}, headers=w.agency.headers), 422, "fees.bad_amount")
    err(await client.put(url, json={"amount": 300.0}, headers=w.agency.headers), 422, "request.invalid")
    r = await client.put(url, json={"amount": "300.00"}, headers=w.agency.headers)
    assert r.status_code == 200 and r.json()["amount"] == "300.00", r.text
    # Publish (rows, as the documents tests do) with the documents on offer from now: the price is locked.
    tender = await reload(db, Tender, w.tender.id)
    tender.status, tender.published_at, tender.next_check_at = TenderStatus.published, clock.now(), tender.bid_deadline
    await db.commit()
    err(await client.put(url, json={"amount": "200"}, headers=w.agency.headers), 409, "fees.document_price_locked")
    assert (await client.get(url)).json()["amount"] == "300.00"  # public with the announcement
    r = await upload(client, w, b"%PDF-1.7 tender documents")
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    for b in (w.bidders[0], w.bidders[1], w.bidders[0]):  # bidder 0 twice: charged once
        assert (await download(client, w, b, doc_id)).status_code == 200
    # Before the deadline nobody — centre staff included — learns who downloaded from the fee ledger.
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline - timedelta(seconds=1))
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert await charges(db) == []
    assert (await client.post("/api/fees/assess", headers=w.centre.headers)).json()["total"] == 0
    assert (await client.get("/api/fees/charges", headers=w.centre.headers)).json() == []
    # Bidding closes: each downloading organisation owes 300.00 once.
    clock.set(w.tender.bid_deadline)
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert (await reload(db, Tender, w.tender.id)).status != TenderStatus.published
    booked = await charges(db)
    assert sorted((c.payer_org_id, c.amount, c.payer_role) for c in booked) == sorted(
        (b.org.id, Decimal("300.00"), PayerRole.downloader) for b in w.bidders[:2])
    (price,) = await fetch(db, select(DocumentPrice))
    assert price.charged_at == clock.now()
    assert (await client.post("/api/fees/assess", headers=w.centre.headers)).json()["total"] == 0
    assert len(await charges(db)) == 2


async def test_a_committee_that_rejects_every_bid_is_still_paid_evaluation_rules_art27(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """The session ends with every bid rejected (Evaluation Rules Art.27), not with a report: the experts sat all the
    same. Five hours inside one working day: a full day, 700.00 each."""
    from ggzy.kit.timefmt import local
    from tests.evaluation.builders import build_room, close_review, elect, review_all, start, view

    room = await build_room(app, client, db, clock, tmp_path, decrypting=3)
    await start(client, room)
    await elect(client, room, chair=2)
    await review_all(client, room, fail={room.entry_of(1): 3})
    await close_review(client, room, chair=2)
    (ev,) = await fetch(db, select(Evaluation).where(Evaluation.tender_id == room.tender_id))
    opened = local(ev.opened_at)
    assert opened is not None and 8 <= opened.hour <= 14, opened  # the arithmetic below needs a daytime session
    clock.set(ev.opened_at + timedelta(hours=5))
    lot_id = (await view(client, room, room.headers[2]))["lots"][0]["lot_id"]
    assert await charges(db) == []
    r = await client.post(f"{room.url}/lots/{lot_id}/reject-all", json={"reason": "有效投标不足3家"},
                          headers=room.headers[2])
    assert r.status_code == 200 and r.json()["status"] == "rejected_all", r.text
    booked = await charges(db, kind=ChargeKind.expert)
    assert booked and {(c.amount, c.source_id, c.payer_role) for c in booked} == {
        (Decimal("700.00"), ev.id, PayerRole.tenderer)}
    assert all("全天×1" in c.description for c in booked)


async def test_a_tender_cancelled_before_the_deadline_charges_no_document_fee_bidding_regs_art31(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """终止招标: the document fees are returned (Bidding Regs Art.31), so none is ever charged."""
    w = await make_world(db, client, now=clock.now(), bidders=2, status=TenderStatus.draft)
    r = await client.put(f"/api/tenders/{w.tender.id}/document-fee", json={"amount": "500"}, headers=w.agency.headers)
    assert r.status_code == 200, r.text
    tender = await reload(db, Tender, w.tender.id)
    tender.status, tender.published_at, tender.next_check_at = TenderStatus.published, clock.now(), tender.bid_deadline
    await db.commit()
    doc_id = (await upload(client, w, b"%PDF-1.7 tender documents")).json()["id"]
    assert (await download(client, w, w.bidders[0], doc_id)).status_code == 200
    r = await client.post(f"/api/tenders/{w.tender.id}/cancel", json={"reason": "项目取消"}, headers=w.agency.headers)
    assert r.status_code == 200, r.text
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline + timedelta(days=1))
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert (await client.post("/api/fees/assess", headers=w.centre.headers)).json()["total"] == 0
    assert await charges(db) == []
