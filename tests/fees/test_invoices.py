"""Invoices (收费凭证) as PDFs — number, payer, items, the total in figures and in capitals, issued / paid / void —
payments recorded by centre staff from the bank reference, and corrections as reversing entries (nothing deleted)."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.fees.models import Charge, Invoice, PayerRole, Payment
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from tests.fees.helpers import charges, err, sold_lot
from tests.supervision.builders import audit_tags, fetch

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(out.split())  # table cells wrap: compare without whitespace


async def test_invoice_pdf_payments_void_and_corrections(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    a, _lot = await sold_lot(app, db, client, clock, line=TradingLine.property)
    centre, buyer_h, seller_h = a.centre.h, a.bidders[0].h, a.seller.h
    by_role = {c.payer_role: c for c in await charges(db)}
    buyer, seller = by_role[PayerRole.buyer], by_role[PayerRole.seller]

    # Issuing: centre staff only, one payer / kind / line, each charge once.
    err(await client.post("/api/fees/invoices", json={"charge_ids": [buyer.id]}, headers=buyer_h), 403,
        "fees.forbidden")
    err(await client.post("/api/fees/invoices", json={"charge_ids": []}, headers=centre), 422, "request.invalid")
    err(await client.post("/api/fees/invoices", json={"charge_ids": ["nope"]}, headers=centre), 404,
        "fees.charge_not_found")
    err(await client.post("/api/fees/invoices", json={"charge_ids": [buyer.id, seller.id]}, headers=centre), 409,
        "fees.not_invoiceable")
    r = await client.post("/api/fees/invoices", json={"charge_ids": [buyer.id, buyer.id]}, headers=centre)
    assert r.status_code == 201, r.text
    inv = r.json()
    assert re.fullmatch(r"SF\d{6}-00001", inv["no"]) and inv["total"] == "5000.00" and inv["status"] == "issued"
    assert inv["payer_name"] == a.bidders[0].org.name
    err(await client.post("/api/fees/invoices", json={"charge_ids": [buyer.id]}, headers=centre), 409,
        "fees.not_invoiceable")
    url = f"/api/fees/invoices/{inv['id']}"

    # The PDF, for the payer: number, payer, item with its bands, the total in figures and in capitals, the state.
    r = await client.get(f"{url}/pdf", headers=buyer_h)
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["x-content-sha256"] == inv["pdf_sha256"]
    issued_pdf = tmp_path / "issued.pdf"
    issued_pdf.write_bytes(r.content)
    text = pdf_text(issued_pdf)
    for needle in ("公共资源交易服务收费凭证", inv["no"], a.bidders[0].org.name, "交易服务费", "国有产权",
                   "成交价1,000,000.00元", "0–100万元部分0.5%", "5,000.00", "伍仟元整", "已开具，待收款",
                   "市公共资源交易中心"):
        assert needle in text, needle
    assert (await client.get(f"{url}/pdf", headers=seller_h)).status_code == 404

    # Payments: bad input is a clear 4xx and records nothing.
    pay = f"{url}/payments"
    for body, status, code in (
        ({"amount": "5000.01", "bank_reference": "BK001", "paid_on": "2026-03-02"}, 422, "fees.overpaid"),
        ({"amount": "0", "bank_reference": "BK001", "paid_on": "2026-03-02"}, 422, "fees.bad_amount"),
        ({"amount": "12.345", "bank_reference": "BK001", "paid_on": "2026-03-02"}, 422, "fees.bad_amount"),
        ({"amount": 100.0, "bank_reference": "BK001", "paid_on": "2026-03-02"}, 422, "request.invalid"),
        ({"amount": "100", "bank_reference": "BK 001!", "paid_on": "2026-03-02"}, 422, "fees.bad_reference"),
        ({"amount": "100", "bank_reference": "BK001", "paid_on": "2099-01-01"}, 422, "fees.bad_paid_on"),
        ({"amount": "100", "bank_reference": "BK001", "paid_on": "02/03/2026"}, 422, "fees.bad_paid_on"),
    ):
        err(await client.post(pay, json=body, headers=centre), status, code)
    err(await client.post(pay, json={"amount": "100", "bank_reference": "BK001", "paid_on": "2026-03-02"},
                          headers=buyer_h), 403, "fees.forbidden")
    assert await fetch(db, select(Payment)) == []
    r = await client.post(pay, json={"amount": "2,000.00", "bank_reference": "BK001", "paid_on": "2026-03-02"},
                          headers=centre)
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    err(await client.post(pay, json={"amount": "100", "bank_reference": "BK001", "paid_on": "2026-03-02"},
                          headers=centre), 409, "fees.duplicate_reference")
    assert (await client.get(url, headers=centre)).json()["status"] == "issued"
    r = await client.post(pay, json={"amount": "3000", "bank_reference": "BK002", "paid_on": "2026-03-03"},
                          headers=centre)
    assert r.status_code == 201, r.text
    second = r.json()["id"]
    detail = (await client.get(url, headers=buyer_h)).json()
    assert (detail["status"], detail["received"], detail["outstanding"]) == ("paid", "5000.00", "0.00")
    err(await client.post(pay, json={"amount": "1", "bank_reference": "BK003", "paid_on": "2026-03-03"},
                          headers=centre), 409, "fees.invoice_closed")
    paid_pdf = tmp_path / "paid.pdf"
    r = await client.get(f"{url}/pdf", headers=centre)
    paid_pdf.write_bytes(r.content)
    assert r.headers["x-content-sha256"] == detail["pdf_sha256"] != inv["pdf_sha256"]
    text = pdf_text(paid_pdf)
    assert "已收款" in text and "BK001" in text and "BK002" in text and "2,000.00" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(paid_pdf),  # noqa: ASYNC221
                    str(ARTIFACTS / "fees-invoice")], check=True)
    assert (ARTIFACTS / "fees-invoice.png").stat().st_size > 10_000

    # A paid invoice cannot be voided, nor its charge reversed; payments are reversed, never deleted.
    err(await client.post(f"{url}/void", json={"reason": "开错"}, headers=centre), 409, "fees.invoice_closed")
    err(await client.post(f"/api/fees/charges/{buyer.id}/reverse", json={"reason": "减免"}, headers=centre), 409,
        "fees.already_invoiced")
    err(await client.post(f"/api/fees/payments/{second}/reverse", json={"reason": " "}, headers=centre), 422,
        "fees.reason_required")
    r = await client.post(f"/api/fees/payments/{second}/reverse", json={"reason": "银行退票"}, headers=centre)
    assert r.status_code == 201 and r.json()["amount"] == "-3000.00", r.text
    err(await client.post(f"/api/fees/payments/{second}/reverse", json={"reason": "再冲"}, headers=centre), 409,
        "fees.already_reversed")
    err(await client.post(f"/api/fees/payments/{r.json()['id']}/reverse", json={"reason": "x"}, headers=centre), 422,
        "fees.reversal_of_reversal")
    assert (await client.get(url, headers=centre)).json()["status"] == "issued"
    err(await client.post(f"{url}/void", json={"reason": "开错"}, headers=centre), 409, "fees.invoice_closed")
    assert (await client.post(f"/api/fees/payments/{first}/reverse", json={"reason": "误登记"},
                              headers=centre)).status_code == 201
    r = await client.post(f"{url}/void", json={"reason": "缴费单位名称有误"}, headers=centre)
    assert r.status_code == 200 and r.json()["status"] == "void", r.text
    void_pdf = tmp_path / "void.pdf"
    void_pdf.write_bytes((await client.get(f"{url}/pdf", headers=centre)).content)
    assert "作废" in pdf_text(void_pdf) and "缴费单位名称有误" in pdf_text(void_pdf)
    assert len(await fetch(db, select(Payment))) == 4  # two payments, two reversals

    # The charge is open again: reversed with the corrected amount booked in its place, then invoiced anew.
    err(await client.post(f"/api/fees/charges/{buyer.id}/reverse", json={"reason": "x", "corrected": "-1"},
                          headers=centre), 422, "fees.bad_amount")
    r = await client.post(f"/api/fees/charges/{buyer.id}/reverse",
                          json={"reason": "按减免政策更正", "corrected": "4500"}, headers=centre)
    assert r.status_code == 201, r.text
    rev, fix = r.json()
    assert (rev["amount"], rev["reverses_id"], fix["amount"], fix["reverses_id"]) == ("-5000.00", buyer.id, "4500.00",
                                                                                      None)
    err(await client.post(f"/api/fees/charges/{buyer.id}/reverse", json={"reason": "again"}, headers=centre), 409,
        "fees.already_reversed")
    err(await client.post("/api/fees/invoices", json={"charge_ids": [rev["id"]]}, headers=centre), 409,
        "fees.not_invoiceable")
    r = await client.post("/api/fees/invoices", json={"charge_ids": [fix["id"]]}, headers=centre)
    assert r.status_code == 201 and r.json()["total"] == "4500.00" and r.json()["no"].endswith("-00002"), r.text
    assert len(await fetch(db, select(Charge))) == 4  # nothing deleted: original, reversal, correction, seller's
    tags = await audit_tags(db)
    for tag in ("fee:charged", "fee:reversed", "fee:invoice_issued", "fee:payment_recorded", "fee:payment_reversed",
                "fee:invoice_voided"):
        assert tag in tags, tag
    assert (await client.get("/api/audit/verify", headers=centre)).json()["ok"] is True

    # The PDF is rebuilt from the database and must match what was recorded.
    async with app.state.sessionmaker() as s:
        row = await s.get(Invoice, inv["id"])
        assert row is not None
        row.payer_name = "篡改后的名称"
        await s.commit()
    err(await client.get(f"{url}/pdf", headers=centre), 409, "fees.invoice_mismatch")
    assert Decimal(fix["amount"]) == Decimal("4500")
