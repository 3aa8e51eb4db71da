"""JSON API of fees (收费): glue, one service call each. Centre staff see and do everything; a payer reads its own
charges and invoices; the tender's manager sets its document fee."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.fees import service
from ggzy.fees.invoice import StatementData, render_statement
from ggzy.fees.schemas import (
    AssessedOut,
    ChargeOut,
    ChargeViewOut,
    DocumentPriceIn,
    DocumentPriceOut,
    InvoiceDetailOut,
    InvoiceIn,
    InvoiceItemOut,
    InvoiceOut,
    PaymentIn,
    PaymentOut,
    ReverseIn,
    VoidIn,
)
from ggzy.kit.errors import NotFound
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api", tags=["fees"])


def charge_json(v: service.ChargeView) -> dict[str, Any]:
    base = ChargeOut.model_validate(v.charge).model_dump()
    return ChargeViewOut(**base, payer=v.payer, invoice_id=v.invoice.id if v.invoice else None,
                         invoice_no=v.invoice.no if v.invoice else None,
                         reversed_by=v.reversed_by.id if v.reversed_by else None, open=v.open).model_dump(mode="json")


def invoice_json(v: service.InvoiceView) -> dict[str, Any]:
    base = InvoiceOut.model_validate(v.invoice).model_dump()
    return InvoiceDetailOut(
        **base, items=[InvoiceItemOut.model_validate(x) for x in v.items],
        payments=[PaymentOut.model_validate(p) for p in v.payments],
        received=v.received, outstanding=v.outstanding).model_dump(mode="json")


def statement_json(data: StatementData) -> dict[str, Any]:
    return {
        "month": data.month, "charged": str(data.charged), "received": str(data.received),
        "totals": [{"kind": t.kind_code, "line": t.line_code, "charged": str(t.charged), "received": str(t.received)}
                   for t in data.totals],
        "rows": [{"id": r.id, "entry": r.code, "kind": r.kind_code, "line": r.line_code, "booked_at":
                  r.booked_at.isoformat(), "ref": r.ref, "payer": r.payer, "amount": str(r.amount)} for r in data.rows],
    }


def pdf_response(pdf: bytes, name: str, sha: str = "") -> Response:
    headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"}
    if sha:
        headers["X-Content-SHA256"] = sha
    return Response(pdf, media_type="application/pdf", headers=headers)


def csv_response(body: bytes, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- document fee


@router.get("/tenders/{tender_id}/document-fee", response_model=DocumentPriceOut)
async def get_document_fee(tender_id: str, session: DB, actor: CurrentActor) -> Any:
    """招标文件工本费 of a tender (part of its announcement); 404 fees.no_document_fee when none is set."""
    found = await service.document_price(session, actor, tender_id)
    if found is None:
        raise NotFound("fees.no_document_fee", "本项目未设置招标文件工本费", "The tender sets no document fee")
    return found


@router.put("/tenders/{tender_id}/document-fee", response_model=DocumentPriceOut)
async def put_document_fee(tender_id: str, body: DocumentPriceIn, session: DB, actor: RequireUser,
                           clock: ClockDep) -> Any:
    """Set by the tender's manager before the documents go on offer; cost only (Bidding Regs Art.16; MOF 87
    Art.24). Charged to every downloading organisation when bidding closes."""
    return await service.set_document_price(session, actor, tender_id, amount=body.amount, now=clock.now())


# ---------------------------------------------------------------- charges


@router.get("/fees/charges")
async def charges(session: DB, actor: RequireUser, month: str | None = Query(default=None, max_length=7),
                  kind: str | None = Query(default=None, max_length=16),
                  open_only: bool = False) -> list[dict[str, Any]]:
    """Centre staff: every charge; anyone else: the charges its organisation pays."""
    return [charge_json(v) for v in await service.list_charges(session, actor, month=month, kind=kind,
                                                               open_only=open_only)]


@router.get("/fees/charges/{charge_id}")
async def charge(charge_id: str, session: DB, actor: RequireUser) -> dict[str, Any]:
    return charge_json(await service.get_charge(session, actor, charge_id))


@router.post("/fees/charges/{charge_id}/reverse", status_code=201, response_model=list[ChargeOut])
async def reverse_charge(charge_id: str, body: ReverseIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """冲销 (and optionally the corrected charge): nothing is deleted."""
    return await service.reverse_charge(session, actor, charge_id, reason=body.reason, corrected=body.corrected,
                                        now=clock.now())


@router.post("/fees/assess", response_model=AssessedOut)
async def assess(session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """Book the charges events still lack (idempotent)."""
    out = await service.assess_pending(session, actor, now=clock.now())
    return AssessedOut(contracts=out.contracts, auctions=out.auctions, evaluations=out.evaluations,
                       documents=out.documents, total=out.total)


# ---------------------------------------------------------------- invoices and payments


@router.get("/fees/invoices", response_model=list[InvoiceOut])
async def invoices(session: DB, actor: RequireUser) -> Any:
    return await service.list_invoices(session, actor)


@router.post("/fees/invoices", status_code=201, response_model=InvoiceOut)
async def issue(body: InvoiceIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """开具收费凭证 for open charges of one payer, one kind and one line."""
    return await service.issue_invoice(session, actor, body.charge_ids, now=clock.now())


@router.get("/fees/invoices/{invoice_id}")
async def invoice(invoice_id: str, session: DB, actor: RequireUser) -> dict[str, Any]:
    return invoice_json(await service.get_invoice(session, actor, invoice_id))


@router.get("/fees/invoices/{invoice_id}/pdf")
async def invoice_pdf(invoice_id: str, session: DB, actor: RequireUser) -> Response:
    pdf, sha = await service.invoice_pdf(session, actor, invoice_id)
    return pdf_response(pdf, f"invoice-{invoice_id}.pdf", sha)


@router.post("/fees/invoices/{invoice_id}/void", response_model=InvoiceOut)
async def void(invoice_id: str, body: VoidIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    return await service.void_invoice(session, actor, invoice_id, reason=body.reason, now=clock.now())


@router.post("/fees/invoices/{invoice_id}/payments", status_code=201, response_model=PaymentOut)
async def pay(invoice_id: str, body: PaymentIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """收款登记 with the bank's transaction reference and value date."""
    return await service.record_payment(session, actor, invoice_id, amount=body.amount,
                                        bank_reference=body.bank_reference, paid_on=body.paid_on, now=clock.now())


@router.post("/fees/payments/{payment_id}/reverse", status_code=201, response_model=PaymentOut)
async def reverse_payment(payment_id: str, body: VoidIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    return await service.reverse_payment(session, actor, payment_id, reason=body.reason, now=clock.now())


# ---------------------------------------------------------------- the monthly statement


@router.get("/fees/statements/{month}")
async def statement(month: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Centre staff: every charge and payment booked in the Beijing month, totals by kind and line."""
    return statement_json(await service.monthly_statement(session, actor, month, now=clock.now()))


@router.get("/fees/statements/{month}/csv")
async def statement_csv(month: str, session: DB, actor: RequireUser, clock: ClockDep) -> Response:
    data = await service.monthly_statement(session, actor, month, now=clock.now())
    return csv_response(service.statement_csv(data), f"fees-{data.month}.csv")


@router.get("/fees/statements/{month}/pdf")
async def statement_pdf(month: str, session: DB, actor: RequireUser, clock: ClockDep) -> Response:
    data = await service.monthly_statement(session, actor, month, now=clock.now())
    return pdf_response(render_statement(data), f"fees-{data.month}.pdf")
