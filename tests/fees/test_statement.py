"""The monthly statement for the finance office (财务科): every charge and payment booked in the Beijing month, totals
by kind and line, as JSON, a page, a CSV and a PDF. Corrections are reversing entries booked in the month they are
made; the month a statement covers never changes afterwards."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.fees.models import PayerRole
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from tests.fees.helpers import charges, err, sold_lot
from tests.tender.qa_helpers import quick_bearer


def month_of(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


def next_month(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def totals(body: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(t["kind"], t["line"]): (t["charged"], t["received"]) for t in body["totals"]}


async def test_statement_totals_by_kind_and_line_with_beijing_month_boundaries_and_reversals(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    await sold_lot(app, db, client, clock, line=TradingLine.land)
    prop, _ = await sold_lot(app, db, client, clock, line=TradingLine.property)
    centre = prop.centre.h
    booked = {c.payer_role: c for c in await charges(db) if c.line == "land"}
    land_fee = booked[PayerRole.buyer]
    sales = {month_of(c.booked_at) for c in await charges(db)}
    # The sale months: land 2,000.00 (the minimum), property 5,000.00 from the buyer and from the seller.
    expected: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    for c in await charges(db):
        row = expected.setdefault(month_of(c.booked_at), {}).setdefault(("service", c.line), ("0", "0.00"))
        expected[month_of(c.booked_at)][("service", c.line)] = (str(Decimal(row[0]) + c.amount), "0.00")
    assert {k: v for m in expected.values() for k, v in m.items()} == {
        ("service", "land"): ("2000.00", "0.00"), ("service", "property"): ("10000.00", "0.00")}
    for month in sales:
        r = await client.get(f"/api/fees/statements/{month}", headers=centre)
        assert r.status_code == 200, r.text
        assert totals(r.json()) == expected[month]

    # The month after: paid at 23:30 on its last day (Beijing) — 15:30 UTC, still that month.
    m2 = next_month(max(sales))
    m3 = next_month(m2)
    y3, mo3 = (int(x) for x in m3.split("-"))
    last_evening = datetime(y3, mo3, 1, tzinfo=SHANGHAI) - timedelta(minutes=30)
    clock.set(last_evening)
    centre = await quick_bearer(db, prop.centre.user, clock.now())
    r = await client.post("/api/fees/invoices", json={"charge_ids": [land_fee.id]}, headers=centre)
    assert r.status_code == 201, r.text
    inv = r.json()
    r = await client.post(f"/api/fees/invoices/{inv['id']}/payments",
                          json={"amount": "2000", "bank_reference": "ICBC-20260501-0007",
                                "paid_on": last_evening.date().isoformat()}, headers=centre)
    assert r.status_code == 201, r.text
    payment = r.json()
    # Ten minutes past midnight on the 1st (Beijing) is still the previous day in UTC: it belongs to the new month.
    clock.set(datetime(y3, mo3, 1, 0, 10, tzinfo=SHANGHAI))
    assert clock.now().day != 1  # UTC
    for path, body in ((f"/api/fees/payments/{payment['id']}/reverse", {"reason": "银行退回"}),
                       (f"/api/fees/invoices/{inv['id']}/void", {"reason": "按减免更正"}),
                       (f"/api/fees/charges/{land_fee.id}/reverse", {"reason": "按减免更正", "corrected": "1800"})):
        r = await client.post(path, json=body, headers=centre)
        assert r.status_code in (200, 201), r.text

    s2 = (await client.get(f"/api/fees/statements/{m2}", headers=centre)).json()
    assert totals(s2) == {("service", "land"): ("0.00", "2000.00")} and (s2["charged"], s2["received"]) == (
        "0.00", "2000.00")
    assert [row["entry"] for row in s2["rows"]] == ["payment"]
    s3 = (await client.get(f"/api/fees/statements/{m3}", headers=centre)).json()
    # −2,000.00 reversed + 1,800.00 corrected = −200.00 charged; −2,000.00 received (the payment's reversal).
    assert totals(s3) == {("service", "land"): ("-200.00", "-2000.00")}
    assert sorted(row["entry"] for row in s3["rows"]) == ["charge", "charge_reversal", "payment_reversal"]
    # The sale months did not change.
    for month in sales:
        assert totals((await client.get(f"/api/fees/statements/{month}", headers=centre)).json()) == expected[month]

    # CSV: UTF-8 with a BOM, one line per entry, then the totals.
    r = await client.get(f"/api/fees/statements/{m3}/csv", headers=centre)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content[:3] == b"\xef\xbb\xbf"
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][0] == "记账时间（北京时间）" and len([x for x in lines[1:4] if x]) == 3
    assert all(x[0].startswith(m3) for x in lines[1:4])
    assert ["", "交易服务费", "国有土地", "", "", "-200.00", "-2000.00"] in lines
    assert lines[-1] == ["总计", "", "", "", "", "-200.00", "-2000.00"]

    # PDF for the finance office.
    r = await client.get(f"/api/fees/statements/{m2}/pdf", headers=centre)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    (tmp_path / "m2.pdf").write_bytes(r.content)
    text = "".join(subprocess.run(["pdftotext", "-raw", str(tmp_path / "m2.pdf"), "-"],  # noqa: ASYNC221
                                  capture_output=True, check=True, text=True).stdout.split())
    y2, mo2 = (int(x) for x in m2.split("-"))
    for needle in (f"{y2}年{mo2}月收费月报", "财务科", "交易服务费", "国有土地", "2,000.00", "贰仟元整",
                   "ICBC-20260501-0007", inv["no"]):
        assert needle in text, needle

    # The page for centre staff.
    page = await client.get(f"/workspace/fees/statement?month={m3}", headers={**centre, "accept": "text/html"})
    assert page.status_code == 200 and "收费月报" in page.text and "-200.00" in page.text
    assert page.text.count('data-testid="row"') == 3

    # Bad months are a clear 422.
    for bad in ("2026-13", "2026-1", "26-03", "abcd-ef", "1999-12"):
        err(await client.get(f"/api/fees/statements/{bad}", headers=centre), 422, "fees.bad_month")
    empty = (await client.get("/api/fees/statements/2031-01", headers=centre)).json()
    assert empty["rows"] == [] and empty["totals"] == [] and empty["charged"] == "0.00"
