"""The fee pages with a browser session: centre staff issue an invoice from the desk, record a payment (a refused
one re-renders with its message and status), are refused a reversal of an invoiced charge; a payer's write is
refused; a tender's manager sets the document fee on its page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.service import actor_for
from ggzy.fees.models import PayerRole
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from ggzy.tender.models import TenderStatus
from tests.auction.helpers import Who
from tests.fees.helpers import charges, sold_lot
from tests.tender.qa_helpers import Party, make_world, page_client

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def party(w: Who) -> Party:
    return Party(w.org, w.user, actor_for(w.user, w.org, "203.0.113.9"))


def code_of(html: str) -> str:
    found = re.search(r'data-testid="desk-error" data-code="([^"]+)"', html)
    return found.group(1) if found else ""


async def test_desk_invoice_and_payment_forms(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Any
) -> None:
    a, _lot = await sold_lot(app, db, client, clock, line=TradingLine.property)
    fee = next(c for c in await charges(db) if c.payer_role == PayerRole.buyer)
    async with page_client(app, db, settings, party(a.bidders[0]), clock.now()) as (c, csrf):
        r = await c.post("/workspace/fees/invoices", data={"csrf_token": csrf, "charge_id": fee.id})
        assert r.status_code == 403 and code_of(r.text) == "fees.forbidden"
    async with page_client(app, db, settings, party(a.centre), clock.now()) as (c, csrf):
        r = await c.post("/workspace/fees/invoices", data={"csrf_token": csrf, "charge_id": fee.id})
        assert r.status_code == 303, r.text
        invoice_url = r.headers["location"].split("?")[0]
        page = await c.get(r.headers["location"])
        assert page.status_code == 200 and 'data-testid="flash"' in page.text and "伍仟元整" in page.text
        r = await c.post(f"{invoice_url}/payments", data={"csrf_token": csrf, "amount": "五千",
                                                          "bank_reference": "BK-9", "paid_on": "2026-03-02"})
        assert r.status_code == 422 and code_of(r.text) == "fees.bad_amount" and 'value="BK-9"' in r.text
        r = await c.post(f"{invoice_url}/payments", data={"csrf_token": csrf, "amount": "5000.00",
                                                          "bank_reference": "BK-9", "paid_on": "2026-03-02"})
        assert r.status_code == 303, r.text
        page = await c.get(invoice_url)
        assert 'data-status="paid"' in page.text and "BK-9" in page.text
        r = await c.post(f"/workspace/fees/charges/{fee.id}/reverse", data={"csrf_token": csrf, "reason": "减免"})
        assert r.status_code == 409 and code_of(r.text) == "fees.already_invoiced"
        desk = await c.get("/workspace/fees")
        month = fee.booked_at.astimezone(SHANGHAI).strftime("%Y-%m")
        statement = await c.get(f"/workspace/fees/statement?month={month}")
        ARTIFACTS.mkdir(exist_ok=True)
        for name, html in (("desk", desk.text), ("invoice", page.text), ("statement", statement.text)):
            (ARTIFACTS / f"fees-{name}.html").write_text(html, encoding="utf-8")
        assert statement.text.count('data-testid="total-row"') == 1 and "10,000.00" in statement.text


async def test_document_fee_page_for_the_tender_manager(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Any
) -> None:
    """Cost only (Bidding Regs Art.16; MOF 87 Art.24): above the ceiling is refused with its article."""
    w = await make_world(db, client, now=clock.now(), bidders=1, status=TenderStatus.draft)
    url = f"/workspace/tenders/{w.tender.id}/document-fee"
    async with page_client(app, db, settings, w.agency, clock.now()) as (c, csrf):
        page = await c.get(url)
        assert page.status_code == 200 and 'data-testid="price-form"' in page.text and "未设置" in page.text
        r = await c.post(url, data={"csrf_token": csrf, "amount": "5000"})
        assert r.status_code == 422 and code_of(r.text) == "fees.document_price_too_high" and "第十六条" in r.text
        r = await c.post(url, data={"csrf_token": csrf, "amount": "300"})
        assert r.status_code == 303
        page = await c.get(r.headers["location"])
        assert "<b>300.00</b>" in page.text and 'data-testid="flash"' in page.text
    async with page_client(app, db, settings, w.bidders[0], clock.now()) as (c, csrf):
        assert (await c.get(url)).status_code == 404  # a draft tender exists only for its managers and the centre
    async with page_client(app, db, settings, w.tenderer, clock.now()) as (c, csrf):
        r = await c.post(url, data={"csrf_token": csrf, "amount": "200"})
        assert r.status_code == 303  # the tenderer manages its own tender too
    async with page_client(app, db, settings, w.centre, clock.now()) as (c, csrf):
        r = await c.post(url, data={"csrf_token": csrf, "amount": "100"})
        assert r.status_code == 403 and code_of(r.text) == "fees.not_manager"
