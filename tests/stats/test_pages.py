"""The public statistics page and the centre's dashboard over a tender played through the platform to its award
notice (issue 7 part 4): the figures come from the real rows, each chart has its table and CSV."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.award.models import Award
from ggzy.kit.clock import FrozenClock
from ggzy.tender.models import Lot
from tests.award.test_contract import awarded


async def test_statistics_of_an_awarded_tender_public_page_csv_and_centre_dashboard(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock, tmp_path: Path) -> None:
    e, award_id = await awarded(app, client, db, clock, tmp_path)
    bidders = len(e.room.hall.w.bidders)
    award = (await db.execute(select(Award).where(Award.id == award_id))).scalar_one()
    budget = (await db.execute(select(Lot.budget).where(Lot.tender_id == e.tender_id))).scalar_one()
    await db.commit()  # end the read: SQLite's BEGIN IMMEDIATE would hold the write lock
    savings = ((budget - award.price) * 100 / budget).quantize(Decimal("0.01"))

    page = await client.get("/statistics?year=2026")
    assert page.status_code == 200
    for key in ("tenders", "value", "bidders", "savings", "failure", "award_days", "premium"):
        assert f'data-testid="chart-{key}"' in page.text and f'data-chart="{key}"' in page.text
    csv = (await client.get("/statistics/bidders.csv?year=2026")).content.decode("utf-8-sig").splitlines()
    assert csv[1].split(",")[:3] == ["工程建设", f"{Decimal(bidders):.1f}", "1"]
    csv = (await client.get("/statistics/savings.csv?year=2026")).content.decode("utf-8-sig").splitlines()
    assert csv[1].split(",") == ["工程建设", f"{savings}", f"{budget:.2f}", f"{award.price:.2f}"]
    svg = await client.get("/statistics/tenders.svg?year=2026")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert (await client.get("/statistics?year=1999")).status_code == 422
    assert (await client.get("/statistics/nothing.csv")).status_code == 404
    # Nothing about an earlier year leaks into this one.
    empty = (await client.get("/statistics/savings.csv?year=2025")).content.decode("utf-8-sig").splitlines()
    assert len(empty) == 1

    r = await client.get("/workspace/statistics?year=2026", headers=e.centre)
    assert r.status_code == 200 and 'data-testid="queues"' in r.text
    assert (await client.get("/workspace/statistics", headers=e.agency)).status_code == 403
