"""Fee pages: the fee desk (/workspace/fees: open charges to invoice, the ledger, invoices), a charge and its
correction, an invoice with its payments, the monthly statement for 财务科 (page, CSV, PDF), and the document fee
form of a tender's manager. Centre staff act; a payer reads its own charges and invoices.

Plain forms (post → redirect → get): a refused action re-renders the page with its message and status code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.fees import rules, service
from ggzy.fees.endpoints import csv_response, pdf_response
from ggzy.fees.invoice import STATUS_ZH, render_statement
from ggzy.fees.models import InvoiceStatus
from ggzy.kit.errors import DomainError
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.web import DB, ClockDep
from ggzy.project.models import LINE_LABELS
from ggzy.publicity.rules import manages
from ggzy.tender import documents as tender_docs

router = APIRouter(include_in_schema=False)
DESK = "/workspace/fees"

DONE: dict[str, tuple[str, str]] = {
    "invoiced": ("收费凭证已开具。", "The invoice is issued."),
    "paid": ("收款已登记。", "The payment is recorded."),
    "voided": ("收费凭证已作废，其收费可重新开票。", "The invoice is void; its charges may be invoiced again."),
    "reversed": ("已冲销。", "Reversed."),
    "assessed": ("已补记费用。", "Missing charges are booked."),
    "price": ("招标文件工本费已保存。", "The document fee is saved."),
}
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    InvoiceStatus.issued: ("待收款", "Awaiting payment", "orange"),
    InvoiceStatus.paid: ("已收款", "Paid", "green"),
    InvoiceStatus.void: ("已作废", "Void", "grey"),
}


def _common(now: datetime) -> dict[str, Any]:
    return {"kind_labels": rules.KIND_LABELS, "payer_labels": rules.PAYER_LABELS, "line_labels": LINE_LABELS,
            "status_labels": STATUS_LABELS, "done_labels": DONE, "this_month": rules.beijing_day(now).strftime("%Y-%m"),
            "today": rules.beijing_day(now).isoformat(), "now": now}


def _flash(request: Request) -> tuple[str, str] | None:
    return DONE.get(request.query_params.get("done", ""))


async def _desk(request: Request, session: AsyncSession, actor: Actor, *, now: datetime, month: str,
                error: DomainError | None = None) -> HTMLResponse:
    ledger = await service.list_charges(session, actor, month=month or None)
    groups: list[tuple[tuple[str, str, str], list[service.ChargeView]]] = []
    if actor.is_centre:
        pending = await service.list_charges(session, actor, open_only=True)
        pending.sort(key=lambda v: (v.payer, v.charge.payer_org_id, v.charge.kind, v.charge.line))
        groups = [(k, list(g)) for k, g in groupby(pending, key=lambda v: (
            v.charge.payer_org_id, str(v.charge.kind), str(v.charge.line)))]
    return render(request, "fees/desk.html", {
        **_common(now), "ledger": ledger, "groups": groups, "invoices": await service.list_invoices(session, actor),
        "month": month, "error": error, "done": _flash(request) if error is None else None,
    }, status_code=error.status if error else 200)


@router.get(DESK, response_class=HTMLResponse, response_model=None)
async def desk(request: Request, session: DB, actor: CurrentActor, clock: ClockDep, month: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    try:
        if month:
            month = service.parse_month(month)[0]
    except DomainError as err:
        return await _desk(request, session, actor, now=clock.now(), month="", error=err)
    return await _desk(request, session, actor, now=clock.now(), month=month)


async def _act(request: Request, session: AsyncSession, actor: Actor, *, action: Callable[[], Awaitable[Any]],
               back: Callable[[Any], str], again: Callable[[DomainError], Awaitable[Response]]) -> Response:
    """Run one write; redirect to `back(result)` or re-render with the error."""
    if not actor.is_authenticated:
        return login_redirect(request)
    try:
        result = await action()
    except DomainError as err:
        await session.rollback()
        return await again(err)
    return RedirectResponse(back(result), status_code=303)


@router.post(f"{DESK}/invoices", response_class=HTMLResponse, response_model=None)
async def issue(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    form = await request.form()
    ids = [str(x) for x in form.getlist("charge_id")][: service.MAX_ITEMS + 1]
    return await _act(request, session, actor,
                      action=lambda: service.issue_invoice(session, actor, ids, now=clock.now()),
                      back=lambda inv: f"{DESK}/invoices/{inv.id}?done=invoiced",
                      again=lambda err: _desk(request, session, actor, now=clock.now(), month="", error=err))


@router.post(f"{DESK}/assess", response_class=HTMLResponse, response_model=None)
async def assess(request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    return await _act(request, session, actor, action=lambda: service.assess_pending(session, actor, now=clock.now()),
                      back=lambda _r: f"{DESK}?done=assessed",
                      again=lambda err: _desk(request, session, actor, now=clock.now(), month="", error=err))


# ---------------------------------------------------------------- one charge


async def _charge(request: Request, session: AsyncSession, actor: Actor, charge_id: str, *, now: datetime,
                  error: DomainError | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    v = await service.get_charge(session, actor, charge_id)
    return render(request, "fees/charge.html", {
        **_common(now), "v": v, "c": v.charge, "error": error, "form": form or {},
        "basis": service.basis_text(v.charge), "done": _flash(request) if error is None else None,
    }, status_code=error.status if error else 200)


@router.get(DESK + "/charges/{charge_id}", response_class=HTMLResponse, response_model=None)
async def charge(charge_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _charge(request, session, actor, charge_id, now=clock.now())


@router.post(DESK + "/charges/{charge_id}/reverse", response_class=HTMLResponse, response_model=None)
async def reverse_charge(charge_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                         reason: Annotated[str, Form(max_length=2000)] = "",
                         corrected: Annotated[str, Form(max_length=32)] = "") -> Response:
    return await _act(
        request, session, actor,
        action=lambda: service.reverse_charge(session, actor, charge_id, reason=reason, corrected=corrected or None,
                                              now=clock.now()),
        back=lambda _r: f"{DESK}/charges/{charge_id}?done=reversed",
        again=lambda err: _charge(request, session, actor, charge_id, now=clock.now(), error=err,
                                  form={"reason": reason, "corrected": corrected}))


# ---------------------------------------------------------------- one invoice


async def _invoice(request: Request, session: AsyncSession, actor: Actor, invoice_id: str, *, now: datetime,
                   error: DomainError | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    v = await service.get_invoice(session, actor, invoice_id)
    return render(request, "fees/invoice.html", {
        **_common(now), "v": v, "inv": v.invoice, "error": error, "form": form or {}, "status_zh": STATUS_ZH,
        "done": _flash(request) if error is None else None,
    }, status_code=error.status if error else 200)


@router.get(DESK + "/invoices/{invoice_id}", response_class=HTMLResponse, response_model=None)
async def invoice(invoice_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _invoice(request, session, actor, invoice_id, now=clock.now())


@router.get(DESK + "/invoices/{invoice_id}/pdf", response_model=None)
async def invoice_pdf(invoice_id: str, request: Request, session: DB, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    pdf, sha = await service.invoice_pdf(session, actor, invoice_id)
    return pdf_response(pdf, f"invoice-{invoice_id}.pdf", sha)


@router.post(DESK + "/invoices/{invoice_id}/payments", response_class=HTMLResponse, response_model=None)
async def pay(invoice_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
              amount: Annotated[str, Form(max_length=32)] = "",
              bank_reference: Annotated[str, Form(max_length=64)] = "",
              paid_on: Annotated[str, Form(max_length=10)] = "") -> Response:
    return await _act(
        request, session, actor,
        action=lambda: service.record_payment(session, actor, invoice_id, amount=amount,
                                              bank_reference=bank_reference, paid_on=paid_on, now=clock.now()),
        back=lambda _r: f"{DESK}/invoices/{invoice_id}?done=paid",
        again=lambda err: _invoice(request, session, actor, invoice_id, now=clock.now(), error=err,
                                   form={"amount": amount, "bank_reference": bank_reference, "paid_on": paid_on}))


@router.post(DESK + "/invoices/{invoice_id}/void", response_class=HTMLResponse, response_model=None)
async def void(invoice_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
               reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    return await _act(
        request, session, actor,
        action=lambda: service.void_invoice(session, actor, invoice_id, reason=reason, now=clock.now()),
        back=lambda _r: f"{DESK}/invoices/{invoice_id}?done=voided",
        again=lambda err: _invoice(request, session, actor, invoice_id, now=clock.now(), error=err))


@router.post(DESK + "/payments/{payment_id}/reverse", response_class=HTMLResponse, response_model=None)
async def reverse_payment(payment_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                          reason: Annotated[str, Form(max_length=2000)] = "",
                          invoice_id: Annotated[str, Form(max_length=32)] = "") -> Response:
    return await _act(
        request, session, actor,
        action=lambda: service.reverse_payment(session, actor, payment_id, reason=reason, now=clock.now()),
        back=lambda rev: f"{DESK}/invoices/{rev.invoice_id}?done=reversed",
        again=lambda err: _invoice(request, session, actor, invoice_id, now=clock.now(), error=err))


# ---------------------------------------------------------------- the monthly statement


@router.get(DESK + "/statement", response_class=HTMLResponse, response_model=None)
async def statement(request: Request, session: DB, actor: CurrentActor, clock: ClockDep, month: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    now = clock.now()
    data = await service.monthly_statement(session, actor, month or rules.beijing_day(now).strftime("%Y-%m"), now=now)
    year, mon = (int(x) for x in data.month.split("-"))
    prev = f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"
    nxt = f"{year + (mon == 12):04d}-{mon % 12 + 1:02d}"
    return render(request, "fees/statement.html", {**_common(now), "s": data, "prev": prev, "next": nxt})


@router.get(DESK + "/statement.csv", response_model=None)
async def statement_csv(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                        month: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    data = await service.monthly_statement(session, actor, month, now=clock.now())
    return csv_response(service.statement_csv(data), f"fees-{data.month}.csv")


@router.get(DESK + "/statement.pdf", response_model=None)
async def statement_pdf(request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                        month: str = "") -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    data = await service.monthly_statement(session, actor, month, now=clock.now())
    return pdf_response(render_statement(data), f"fees-{data.month}.pdf")


# ---------------------------------------------------------------- the document fee of a tender


async def _price_page(request: Request, session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                      error: DomainError | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    price = await service.document_price(session, actor, tender_id)
    schedule = rules.schedule_on(rules.beijing_day(now))
    return render(request, "fees/document_fee.html", {
        **_common(now), "tn": tender, "price": price, "manages": manages(actor, tender), "error": error,
        "form": form or {}, "max": schedule.document_fee_max, "done": _flash(request) if error is None else None,
    }, status_code=error.status if error else 200)


@router.get("/workspace/tenders/{tender_id}/document-fee", response_class=HTMLResponse, response_model=None)
async def price_page(tender_id: str, request: Request, session: DB, actor: CurrentActor, clock: ClockDep) -> Response:
    if not actor.is_authenticated:
        return login_redirect(request)
    return await _price_page(request, session, actor, tender_id, now=clock.now())


@router.post("/workspace/tenders/{tender_id}/document-fee", response_class=HTMLResponse, response_model=None)
async def set_price(tender_id: str, *, request: Request, session: DB, actor: CurrentActor, clock: ClockDep,
                    amount: Annotated[str, Form(max_length=32)] = "") -> Response:
    return await _act(
        request, session, actor,
        action=lambda: service.set_document_price(session, actor, tender_id, amount=amount, now=clock.now()),
        back=lambda _r: f"/workspace/tenders/{tender_id}/document-fee?done=price",
        again=lambda err: _price_page(request, session, actor, tender_id, now=clock.now(), error=err,
                                      form={"amount": amount}))

