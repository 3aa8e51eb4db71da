"""OCDS releases of tenders that end without an award: 流标 with fewer than 3 bids (Bidding Regs Art.44), and a
tender terminated by its agency (终止公告) — valid against the schema, with nobody's bid ever published."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.tender.models import Tender, TenderStatus
from tests.bid.helpers import make_world
from tests.factories import bearer
from tests.ocds.helpers import assert_no_bids, packages, tags
from tests.opening.helpers import submit_all, sweep
from tests.supervision.builders import reload


async def test_fewer_than_three_bids_is_an_unsuccessful_tender_with_only_its_count_published_art44(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """Bidding Regs Art.44: 2 bids at the deadline → no opening, the 流标公告; the release makes the tender and its lot
    unsuccessful and publishes the count the notice states (2 bids) — never who bid or at what price, since nothing
    was opened. The correction moved the deadline (Bidding Regs Art.21) and the compiled tender says so."""
    w = await make_world(db, client, clock.now(), bidders=3)
    agency = await bearer(client, w.cast.agency_user)
    old = w.tender.bid_deadline
    assert old is not None
    clock.set(old - timedelta(days=10))  # a document change with 10 days left moves the deadline
    r = await client.post(f"/api/tenders/{w.tender.id}/corrections", headers=agency,
                          json={"body": "修改技术要求。", "changes_documents": True})
    assert r.status_code == 201 and r.json()["deadline_moved"] is True, r.text
    tender = await reload(db, Tender, w.tender.id)
    assert tender.bid_deadline is not None and tender.bid_deadline > old
    await submit_all(client, tmp_path, w, w.bidders[:2])
    clock.set(tender.bid_deadline)
    await sweep(app, clock)
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.failed

    package, record = await packages(client, w.tender.code)
    assert tags(package) == ["planning", "tender", "tenderAmendment", "tenderUpdate"]
    assert_no_bids({"releases": package["releases"][:3]}, [b.org.name for b in w.bidders], [])
    failed = package["releases"][-1]
    assert failed["tender"]["status"] == "unsuccessful"
    assert failed["bids"] == {"statistics": [{"id": "bids-1", "measure": "bids", "value": 2, "date": failed["date"],
                                              "relatedLot": "1"}]}
    assert "details" not in record["compiledRelease"]["bids"]
    assert "tenderers" not in record["compiledRelease"]["tender"]
    compiled = record["compiledRelease"]["tender"]
    assert compiled["status"] == "unsuccessful" and compiled["lots"][0]["status"] == "unsuccessful"
    first = package["releases"][1]["tender"]["tenderPeriod"]["endDate"]
    assert first < compiled["tenderPeriod"]["endDate"]  # the moved deadline, one offset so strings compare
    for name in (b.org.name for b in w.bidders):
        assert name not in str(package)


async def test_a_terminated_tender_is_a_tender_cancellation(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """终止公告: the tender and its lots cancelled, the notice attached as the cancellation's details."""
    w = await make_world(db, client, clock.now(), bidders=0)
    clock.advance(timedelta(days=2))
    r = await client.post(f"/api/tenders/{w.tender.id}/cancel", json={"reason": "项目资金未落实"},
                          headers=await bearer(client, w.cast.agency_user))
    assert r.status_code == 200, r.text
    package, record = await packages(client, w.tender.code)
    assert tags(package) == ["planning", "tender", "tenderCancellation"]
    compiled = record["compiledRelease"]["tender"]
    assert compiled["status"] == "cancelled" and compiled["lots"][0]["status"] == "cancelled"
    assert compiled["documents"][-1]["documentType"] == "cancellationDetails"
