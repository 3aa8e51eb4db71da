"""Use cases of fees (收费): the only writer of charges, invoices and payments.

Charges are booked by rule from real events, in the event's own transaction:
- the transaction service fee (交易服务费) when a contract is recorded (award.service.record_contract) or an
  auction lot is sold (auction.result.finish), on the contract amount / the final price, by the line's table;
- the expert fee (专家评审费) per pool expert when an evaluation session ends with a final report
  (evaluation.report.finalize) or with every bid rejected (evaluation.review.reject_lot);
- the document fee (招标文件工本费) per downloading organisation when bidding closes (tender hook on_bid_closed):
  not earlier, because before the bid deadline nobody may learn who downloaded (E-Bidding Measures Art.21);
  a tender cancelled before then charges nobody (the fees are returned, Bidding Regs Art.31).
Every charge has a unique `entry_key`, so booking is idempotent: `assess_pending` (centre staff) books whatever
an event lacks — events from before fees existed — and running it again books nothing.

Nothing is deleted or changed: a correction is a reversing entry (and, if asked, a corrected charge) booked now;
a payment recorded in error is reversed the same way. Centre staff see and do everything; a payer sees its own
charges and invoices; nobody else sees any.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import jsonable, record
from ggzy.auth.actor import Actor, system_actor
from ggzy.fees import rules
from ggzy.fees.errors import (
    AlreadyInvoiced,
    AlreadyReversed,
    BadInput,
    ChargeNotFound,
    DocumentPriceLocked,
    DocumentPriceTooHigh,
    DuplicateReference,
    InvoiceClosed,
    InvoiceMismatch,
    InvoiceNotFound,
    NotAllowed,
    NotInvoiceable,
    NotManager,
    Overpaid,
    PaymentNotFound,
)
from ggzy.fees.invoice import (
    InvoiceData,
    InvoiceLine,
    PaymentLine,
    StatementData,
    StatementRow,
    StatementTotal,
    render_invoice,
)
from ggzy.fees.models import (
    Charge,
    ChargeKind,
    DocumentPrice,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    PayerRole,
    Payment,
)
from ggzy.kit.db import commit
from ggzy.kit.errors import Unauthenticated
from ggzy.kit.money import fmt
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import Organisation, OrgKind
from ggzy.project.models import LINE_LABELS, TradingLine
from ggzy.supervision.deadlines import lock_for_update

if TYPE_CHECKING:  # the event domains import fees late (inside their functions); fees reads their models
    from ggzy.auction.models import AuctionLot
    from ggzy.award.models import Contract
    from ggzy.evaluation.models import Evaluation
    from ggzy.tender.models import Tender

FEES = system_actor("fees")
MAX_AMOUNT = Decimal("1e13")
ZERO = Decimal("0.00")
MAX_ITEMS = 200
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,63}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
KIND_ORDER = list(ChargeKind)
LINE_ORDER = list(TradingLine)


def line_zh(line: str) -> str:
    try:
        return LINE_LABELS[TradingLine(line)][0]
    except ValueError:
        return line


def kind_zh(kind: str) -> str:
    return rules.KIND_LABELS[ChargeKind(kind)][0]


# ---------------------------------------------------------------- parsing


def parse_money(raw: object, *, field: str, allow_zero: bool = False) -> Decimal:
    """Yuan as a string (commas allowed) or Decimal: positive (or zero), two decimals at most; floats refused."""
    bad = BadInput("fees.bad_amount", "金额应为正数（元，最多两位小数）",
                   "The amount must be a positive number of yuan (two decimals at most)", detail={"field": field})
    if isinstance(raw, float | bool) or raw is None:
        raise bad
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise bad from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value >= MAX_AMOUNT \
            or value != value.quantize(Decimal("0.01")):
        raise bad
    return value.copy_abs().quantize(Decimal("0.01")) if value == 0 else value.quantize(Decimal("0.01"))


def parse_month(raw: str) -> tuple[str, datetime, datetime]:
    """"YYYY-MM" → the month's start and end as UTC instants of Beijing midnight."""
    found = MONTH.match((raw or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2200:
        raise BadInput("fees.bad_month", "月份格式应为 YYYY-MM", "The month must be YYYY-MM", detail={"field": "month"})
    year, month = int(found.group(1)), int(found.group(2))
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=SHANGHAI)
    end = datetime.combine(date(year + month // 12, month % 12 + 1, 1), time(0), tzinfo=SHANGHAI)
    return f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC)


def _reason(raw: str | None) -> str:
    text = (raw or "").strip()[:2000]
    if not text:
        raise BadInput("fees.reason_required", "请填写原因", "Give the reason", detail={"field": "reason"})
    return text


def _centre(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not actor.is_centre or actor.user_id is None:
        raise NotAllowed()


def _reader(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated()


def _mine(actor: Actor, stmt: Select[Any], column: Any) -> Select[Any]:
    """Access in the query: centre staff see everything, a payer only rows it pays."""
    if actor.is_centre:
        return stmt
    return stmt.where(column == (actor.org_id or "-"))


# ---------------------------------------------------------------- booking charges


async def _existing(session: AsyncSession, key: str) -> Charge | None:
    return (await session.execute(select(Charge).where(Charge.entry_key == key))).scalars().first()


async def _book(session: AsyncSession, actor: Actor, *, now: datetime, **fields: Any) -> Charge | None:
    """Book one charge unless its entry_key exists (idempotent); audited in the same transaction."""
    if await _existing(session, fields["entry_key"]) is not None:
        return None
    charge = Charge(booked_at=now, booked_by=actor.user_id or "", **fields)
    session.add(charge)
    await session.flush()
    await record(session, "fee:charged" if charge.reverses_id is None else "fee:reversed", actor,
                 subject_type="fee_charge", subject_id=charge.id, project_id=charge.project_id, now=now,
                 after=jsonable({"entry_key": charge.entry_key, "kind": charge.kind, "line": charge.line,
                                 "payer_org_id": charge.payer_org_id, "payer_role": charge.payer_role,
                                 "amount": charge.amount, "base_amount": charge.base_amount,
                                 "schedule_version": charge.schedule_version, "tender_id": charge.tender_id,
                                 "source": f"{charge.source_type}:{charge.source_id}",
                                 "reverses_id": charge.reverses_id, "reason": charge.reason or None}))
    return charge


def _payer(role: PayerRole, **who: str | None) -> str | None:
    return who.get(role.value)


async def _service_charges(session: AsyncSession, actor: Actor, *, now: datetime, amount: Decimal, line: str,
                           event_at: datetime, source_type: str, source_id: str, project_id: str,
                           tender_id: str | None, auction_lot_id: str | None, title: str, what: str,
                           **who: str | None) -> list[Charge]:
    schedule = rules.schedule_on(rules.beijing_day(event_at))
    table = schedule.table(line)
    fee = rules.service_fee(amount, table)
    out: list[Charge] = []
    for role in table.payers:
        payer = _payer(role, **who)
        if payer is None:
            continue
        applied = {"minimum": "，按最低收费", "cap": "，按封顶收费"}.get(fee.applied, "")
        charge = await _book(
            session, actor, now=now, entry_key=f"service:{source_type}:{source_id}:{role.value}",
            kind=ChargeKind.service, line=line, source_type=source_type, source_id=source_id, project_id=project_id,
            tender_id=tender_id, auction_lot_id=auction_lot_id, title=title[:300], payer_org_id=payer,
            payer_role=role, base_amount=amount, amount=fee.fee, schedule_version=schedule.version,
            basis=fee.basis(table),
            description=f"交易服务费（{line_zh(line)}，{what} {fmt(amount)} 元{applied}）"[:300])
        if charge is not None:
            out.append(charge)
    return out


async def on_contract_recorded(session: AsyncSession, contract: Contract, now: datetime, *,
                               actor: Actor = FEES) -> list[Charge]:
    """交易服务费 on the recorded contract's amount (award.service.record_contract, same transaction)."""
    from ggzy.award.models import Award
    from ggzy.tender.models import Lot, Tender

    award = await session.get(Award, contract.award_id)
    tender = await session.get(Tender, contract.tender_id)
    lot = await session.get(Lot, contract.lot_id)
    assert award is not None and tender is not None
    title = f"{tender.title}（{tender.code}）" + (f" 标段{lot.number}" if lot is not None else "")
    return await _service_charges(
        session, actor, now=now, amount=contract.amount, line=str(tender.line), event_at=contract.recorded_at,
        source_type="contract", source_id=contract.id, project_id=tender.project_id, tender_id=tender.id,
        auction_lot_id=None, title=title, what="合同金额", winner=award.bidder_org_id,
        tenderer=tender.tenderer_org_id)


async def on_auction_sold(session: AsyncSession, lot: AuctionLot, now: datetime, *,
                          actor: Actor = FEES) -> list[Charge]:
    """交易服务费 on a sold lot's final price (auction.result.finish, same transaction): buyer, and seller where the
    line's table says so."""
    from ggzy.auction.models import AuctionBidder, AuctionStatus

    if lot.status != AuctionStatus.sold or lot.final_price is None or lot.winner_id is None:
        return []
    winner = await session.get(AuctionBidder, lot.winner_id)
    assert winner is not None
    return await _service_charges(
        session, actor, now=now, amount=lot.final_price, line=str(lot.line), event_at=lot.result_at or now,
        source_type="auction_lot", source_id=lot.id, project_id=lot.project_id, tender_id=None,
        auction_lot_id=lot.id, title=f"{lot.title}（{lot.code}）", what="成交价", buyer=winner.org_id,
        seller=lot.seller_org_id)


def _session_end(ev: Evaluation) -> datetime | None:
    """When the committee's work ended: the chair submitted the report, or the last lot was rejected."""
    from ggzy.evaluation.models import EvaluationStatus

    if ev.status == EvaluationStatus.reported:
        return ev.submitted_at or ev.reported_at
    if ev.status == EvaluationStatus.rejected_all:
        stamps = [datetime.fromisoformat(r["at"]) for r in ev.rejected_lots or [] if r.get("at")]
        return max(stamps) if stamps else None
    return None


async def on_evaluation_closed(session: AsyncSession, ev: Evaluation, now: datetime, *,
                               actor: Actor = FEES) -> list[Charge]:
    """专家评审费 per pool expert of the session (tenderer representatives are the tenderer's own staff and are not
    paid), by the session's days (evaluation.report.finalize / evaluation.review.reject_lot, same transaction)."""
    from ggzy.expert.models import CommitteeMember, MemberKind, MemberStatus
    from ggzy.tender.models import Tender

    end = _session_end(ev)
    if end is None:
        return []
    tender = await session.get(Tender, ev.tender_id)
    assert tender is not None
    members = (await session.execute(
        select(CommitteeMember).where(CommitteeMember.draw_id == ev.draw_id,
                                      CommitteeMember.status == MemberStatus.accepted,
                                      CommitteeMember.kind == MemberKind.pool)
        .order_by(CommitteeMember.round, CommitteeMember.position, CommitteeMember.id))).scalars().all()
    schedule = rules.schedule_on(rules.beijing_day(end))
    fee = rules.expert_fee(ev.opened_at, end, schedule)
    payer = _payer(schedule.expert_payer, tenderer=tender.tenderer_org_id)
    assert payer is not None
    out: list[Charge] = []
    for n, member in enumerate(members, 1):
        # The expert appears by seat number only: names stay secret until the result (Evaluation Rules Art.8).
        charge = await _book(
            session, actor, now=now, entry_key=f"expert:{ev.id}:{member.id}", kind=ChargeKind.expert,
            line=str(tender.line), source_type="evaluation", source_id=ev.id, project_id=tender.project_id,
            tender_id=tender.id, auction_lot_id=None, title=f"{tender.title}（{tender.code}）"[:300],
            payer_org_id=payer, payer_role=schedule.expert_payer, base_amount=None, amount=fee.fee,
            schedule_version=schedule.version,
            basis={**fee.basis(), "member_id": member.id, "seat": n, "round": ev.round,
                   "half_day": str(schedule.expert_half_day), "full_day": str(schedule.expert_full_day)},
            description=f"专家评审费（{tender.code} 第{ev.round}次评标，评标专家{n}，{fee.text()}）"[:300])
        if charge is not None:
            out.append(charge)
    return out


async def on_bid_closed(session: AsyncSession, tender: Tender, now: datetime, *, actor: Actor = FEES) -> list[Charge]:
    """招标文件工本费 per downloading organisation, at the bid deadline (E-Bidding Measures Art.21: not before)."""
    from ggzy.tender.models import DocumentDownload

    price = (await session.execute(lock_for_update(session, select(DocumentPrice).where(
        DocumentPrice.tender_id == tender.id)))).scalars().first()
    if price is None or price.charged_at is not None:
        return []
    price.charged_at = now
    if price.amount <= 0:
        return []
    orgs = (await session.execute(select(DocumentDownload.org_id).where(DocumentDownload.tender_id == tender.id)
                                  .group_by(DocumentDownload.org_id).order_by(func.min(DocumentDownload.at))))
    out: list[Charge] = []
    for org_id in orgs.scalars().all():
        charge = await _book(
            session, actor, now=now, entry_key=f"document:{tender.id}:{org_id}", kind=ChargeKind.document,
            line=str(tender.line), source_type="tender", source_id=tender.id, project_id=tender.project_id,
            tender_id=tender.id, auction_lot_id=None, title=f"{tender.title}（{tender.code}）"[:300],
            payer_org_id=org_id, payer_role=PayerRole.downloader, base_amount=None, amount=price.amount,
            schedule_version=price.schedule_version, basis={"per_downloader": str(price.amount)},
            description=f"招标文件工本费（{tender.code}）"[:300])
        if charge is not None:
            out.append(charge)
    return out


@dataclass
class Assessed:
    contracts: int = 0
    auctions: int = 0
    evaluations: int = 0
    documents: int = 0

    @property
    def total(self) -> int:
        return self.contracts + self.auctions + self.evaluations + self.documents


async def assess_pending(session: AsyncSession, actor: Actor, *, now: datetime) -> Assessed:
    """Book every charge an event still lacks (events from before fees existed; a hook that did not run).
    Idempotent: a second run books nothing."""
    from ggzy.auction.models import AuctionLot, AuctionStatus
    from ggzy.award.models import Contract
    from ggzy.evaluation.models import Evaluation, EvaluationStatus
    from ggzy.tender.models import Tender, TenderStatus

    _centre(actor)
    out = Assessed()
    charged = select(Charge.source_id).where(Charge.reverses_id.is_(None))
    for contract in (await session.execute(select(Contract).where(Contract.id.not_in(charged))
                                           .order_by(Contract.recorded_at))).scalars().all():
        out.contracts += len(await on_contract_recorded(session, contract, now, actor=actor))
    for lot in (await session.execute(select(AuctionLot).where(AuctionLot.status == AuctionStatus.sold,
                                                               AuctionLot.id.not_in(charged))
                                      .order_by(AuctionLot.result_at))).scalars().all():
        out.auctions += len(await on_auction_sold(session, lot, now, actor=actor))
    closed = (EvaluationStatus.reported, EvaluationStatus.rejected_all)
    for ev in (await session.execute(select(Evaluation).where(Evaluation.status.in_(closed),
                                                              Evaluation.id.not_in(charged))
                                     .order_by(Evaluation.opened_at))).scalars().all():
        out.evaluations += len(await on_evaluation_closed(session, ev, now, actor=actor))
    waiting = (select(Tender).join(DocumentPrice, DocumentPrice.tender_id == Tender.id)
               .where(DocumentPrice.charged_at.is_(None),
                      Tender.status.not_in((TenderStatus.draft, TenderStatus.published, TenderStatus.cancelled))))
    for tender in (await session.execute(waiting)).scalars().all():
        out.documents += len(await on_bid_closed(session, tender, now, actor=actor))
    if out.total:
        await record(session, "fee:assessed", actor, subject_type="fees", subject_id="ledger", now=now,
                     after={"contracts": out.contracts, "auctions": out.auctions, "evaluations": out.evaluations,
                            "documents": out.documents})
    await commit(session)
    return out


# ---------------------------------------------------------------- the document fee a tender sets


async def document_price(session: AsyncSession, actor: Actor, tender_id: str) -> DocumentPrice | None:
    """The price is part of the tender's announcement: whoever may see the tender may see it."""
    from ggzy.tender import documents as tender_docs

    await tender_docs.visible_tender(session, actor, tender_id)
    return (await session.execute(select(DocumentPrice).where(DocumentPrice.tender_id == tender_id))).scalars().first()


async def set_document_price(session: AsyncSession, actor: Actor, tender_id: str, *, amount: object,
                             now: datetime) -> DocumentPrice:
    """The tender's manager sets the document fee while the tender is a draft or before the documents go on offer;
    at most the schedule's ceiling (cost only: Bidding Regs Art.16; MOF 87 Art.24)."""
    from ggzy.publicity.rules import manages
    from ggzy.tender import documents as tender_docs
    from ggzy.tender.models import TenderStatus

    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if not manages(actor, tender) or actor.user_id is None:
        raise NotManager()
    value = parse_money(amount, field="amount", allow_zero=True)
    schedule = rules.schedule_on(rules.beijing_day(now))
    if rules.document_price_problem(value, schedule) == "above_max":
        raise DocumentPriceTooHigh(detail={"max": str(schedule.document_fee_max)})
    open_for_change = tender.status == TenderStatus.draft or (
        tender.status == TenderStatus.published and tender.doc_start is not None and now < tender.doc_start)
    if not open_for_change:
        raise DocumentPriceLocked(detail={"doc_start": tender.doc_start.isoformat() if tender.doc_start else None})
    row = (await session.execute(lock_for_update(session, select(DocumentPrice).where(
        DocumentPrice.tender_id == tender_id)))).scalars().first()
    before = {"amount": row.amount} if row is not None else None
    if row is None:
        row = DocumentPrice(tender_id=tender_id, amount=value, schedule_version=schedule.version,
                            set_by=actor.user_id, set_at=now)
        session.add(row)
    else:
        row.amount, row.schedule_version, row.set_by, row.set_at = value, schedule.version, actor.user_id, now
    await session.flush()
    await record(session, "fee:document_price_set", actor, subject_type="tender", subject_id=tender_id,
                 project_id=tender.project_id, before=jsonable(before) if before else None, now=now,
                 after=jsonable({"amount": value, "schedule_version": schedule.version, "tender_id": tender_id,
                                 "law": "Bidding Regs Art.16; MOF 87 Art.24"}))
    await commit(session)
    return row


# ---------------------------------------------------------------- reading charges


@dataclass
class ChargeView:
    charge: Charge
    payer: str
    invoice: Invoice | None
    """The live (not void) invoice carrying it."""
    reversed_by: Charge | None

    @property
    def open(self) -> bool:
        """May go on an invoice: a positive charge, not reversed, not on a live invoice."""
        c = self.charge
        return c.reverses_id is None and self.reversed_by is None and self.invoice is None and c.amount > 0


async def _org_names(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = (await session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))).all()
    return {r[0]: r[1] for r in rows}


async def _live_invoices(session: AsyncSession, charge_ids: list[str]) -> dict[str, Invoice]:
    if not charge_ids:
        return {}
    rows = (await session.execute(select(InvoiceItem.charge_id, Invoice)
                                  .join(Invoice, Invoice.id == InvoiceItem.invoice_id)
                                  .where(InvoiceItem.charge_id.in_(charge_ids), Invoice.status != InvoiceStatus.void))
            ).all()
    return {r[0]: r[1] for r in rows}


async def _views(session: AsyncSession, charges: list[Charge]) -> list[ChargeView]:
    ids = [c.id for c in charges]
    reversals = {c.reverses_id: c for c in (await session.execute(select(Charge).where(
        Charge.reverses_id.in_(ids)))).scalars().all()} if ids else {}
    invoices = await _live_invoices(session, ids)
    names = await _org_names(session, (c.payer_org_id for c in charges))
    return [ChargeView(c, names.get(c.payer_org_id, ""), invoices.get(c.id), reversals.get(c.id)) for c in charges]


async def list_charges(session: AsyncSession, actor: Actor, *, month: str | None = None, kind: str | None = None,
                       open_only: bool = False, limit: int = 500) -> list[ChargeView]:
    """Centre staff: every charge; anyone else: the charges its organisation pays."""
    _reader(actor)
    stmt = _mine(actor, select(Charge), Charge.payer_org_id)
    if month:
        _, start, end = parse_month(month)
        stmt = stmt.where(Charge.booked_at >= start, Charge.booked_at < end)
    if kind:
        try:
            stmt = stmt.where(Charge.kind == ChargeKind(kind))
        except ValueError:
            raise BadInput("fees.bad_kind", "收费项目有误", "Unknown kind of fee", detail={"field": "kind"}) from None
    rows = (await session.execute(stmt.order_by(Charge.booked_at.desc(), Charge.id).limit(limit))).scalars().all()
    views = await _views(session, list(rows))
    return [v for v in views if v.open] if open_only else views


async def get_charge(session: AsyncSession, actor: Actor, charge_id: str) -> ChargeView:
    _reader(actor)
    found = (await session.execute(_mine(actor, select(Charge).where(Charge.id == charge_id),
                                         Charge.payer_org_id))).scalars().first()
    if found is None:
        raise ChargeNotFound()
    return (await _views(session, [found]))[0]


# ---------------------------------------------------------------- corrections


async def reverse_charge(session: AsyncSession, actor: Actor, charge_id: str, *, reason: str,
                         corrected: object = None, now: datetime) -> list[Charge]:
    """冲销: a reversing entry for the whole charge, and optionally the corrected charge, both booked now. A charge on
    a live invoice is reversed only after the invoice is voided."""
    _centre(actor)
    text = _reason(reason)
    value = None if corrected in (None, "") else parse_money(corrected, field="corrected")
    charge = (await session.execute(lock_for_update(session, select(Charge).where(Charge.id == charge_id))))\
        .scalars().first()
    if charge is None:
        raise ChargeNotFound()
    if charge.reverses_id is not None:
        raise BadInput("fees.reversal_of_reversal", "冲销记录不能再冲销", "A reversal cannot be reversed",
                       detail={"charge_id": charge_id})
    if await _existing(session, f"reverse:{charge.id}") is not None:
        raise AlreadyReversed()
    live = await _live_invoices(session, [charge.id])
    if live:
        raise AlreadyInvoiced(detail={"invoice_no": live[charge.id].no})
    same = {k: getattr(charge, k) for k in ("kind", "line", "source_type", "source_id", "project_id", "tender_id",
                                            "auction_lot_id", "title", "payer_org_id", "payer_role", "base_amount",
                                            "schedule_version")}
    out: list[Charge] = []
    rev = await _book(session, actor, now=now, entry_key=f"reverse:{charge.id}", amount=-charge.amount,
                      basis={"reverses": charge.id}, description=f"冲销：{charge.description}"[:300],
                      reverses_id=charge.id, reason=text, **same)
    assert rev is not None
    out.append(rev)
    if value is not None:
        fix = await _book(session, actor, now=now, entry_key=f"fix:{charge.id}", amount=value,
                          basis={**charge.basis, "corrects": charge.id, "was": str(charge.amount)},
                          description=f"{charge.description}（更正）"[:300], reason=text, **same)
        assert fix is not None
        out.append(fix)
    await commit(session)
    return out


# ---------------------------------------------------------------- invoices


async def _centre_name(session: AsyncSession) -> str:
    found = (await session.execute(select(Organisation.name).where(Organisation.kind == OrgKind.centre)
                                   .order_by(Organisation.created_at).limit(1))).scalars().first()
    return found or "公共资源交易中心"


async def _payments(session: AsyncSession, invoice_id: str) -> list[Payment]:
    return list((await session.execute(select(Payment).where(Payment.invoice_id == invoice_id)
                                       .order_by(Payment.booked_at, Payment.id))).scalars().all())


async def _items(session: AsyncSession, invoice_id: str) -> list[InvoiceItem]:
    return list((await session.execute(select(InvoiceItem).where(InvoiceItem.invoice_id == invoice_id)
                                       .order_by(InvoiceItem.position))).scalars().all())


def basis_text(charge: Charge) -> str:
    b = charge.basis or {}
    if charge.kind == ChargeKind.service and b.get("bands"):
        parts = "；".join(rules.band_text(rules.BandPart(
            Decimal(x["lower"]), None if x["upper"] is None else Decimal(x["upper"]), Decimal(x["base"]),
            Decimal(x["rate"]), Decimal(x["fee"]))) for x in b["bands"])
        tail = {"minimum": f"，不足最低收费按 {fmt(Decimal(b['minimum']))} 元",
                "cap": f"，超过封顶按 {fmt(Decimal(b['cap']))} 元"}.get(b.get("applied", ""), "")
        return f"差额定率累进：{parts}{tail}（收费标准 {charge.schedule_version}）"
    if charge.kind == ChargeKind.expert and b.get("days"):
        days = "；".join(f"{d['day']} {d['hours']}小时 {'全天' if d['unit'] == 'full' else '半天'}" for d in b["days"])
        return f"{days}（半天 {b.get('half_day')} 元，全天 {b.get('full_day')} 元）"
    if charge.kind == ChargeKind.document:
        return f"每家 {b.get('per_downloader', charge.amount)} 元"
    return charge.reason or ""


async def _invoice_data(session: AsyncSession, inv: Invoice) -> InvoiceData:
    items = await _items(session, inv.id)
    charges = {c.id: c for c in (await session.execute(select(Charge).where(
        Charge.id.in_([i.charge_id for i in items])))).scalars().all()}
    pays = await _payments(session, inv.id)
    return InvoiceData(
        no=inv.no, centre=await _centre_name(session), payer=inv.payer_name, payer_credit_code=inv.payer_credit_code,
        kind=kind_zh(inv.kind), line=line_zh(inv.line),
        items=tuple(InvoiceLine(i.description, basis_text(charges[i.charge_id]), i.amount) for i in items),
        total=inv.total, issued_at=inv.issued_at, status=str(inv.status), paid_at=inv.paid_at,
        payments=tuple(PaymentLine(p.bank_reference + ("（冲销）" if p.reverses_id else ""), p.paid_on, p.amount)
                       for p in pays),
        voided_at=inv.voided_at, void_reason=inv.void_reason)


async def _stamp(session: AsyncSession, inv: Invoice) -> bytes:
    await session.flush()
    pdf = render_invoice(await _invoice_data(session, inv))
    inv.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    return pdf


async def _next_no(session: AsyncSession, now: datetime) -> str:
    prefix = f"SF{now.astimezone(SHANGHAI):%Y%m}-"
    count = (await session.execute(select(func.count(Invoice.id)).where(Invoice.no.like(f"{prefix}%")))).scalar_one()
    return f"{prefix}{int(count) + 1:05d}"


async def issue_invoice(session: AsyncSession, actor: Actor, charge_ids: list[str], *, now: datetime) -> Invoice:
    """开具收费凭证 for open charges of one payer, one kind of fee and one trading line."""
    _centre(actor)
    ids = list(dict.fromkeys(charge_ids))
    if not ids or len(ids) > MAX_ITEMS:
        raise BadInput("fees.bad_items", f"请选择 1 至 {MAX_ITEMS} 项收费", f"Choose 1 to {MAX_ITEMS} charges",
                       detail={"field": "charge_ids"})
    charges = list((await session.execute(lock_for_update(session, select(Charge).where(Charge.id.in_(ids))
                                                          .order_by(Charge.booked_at, Charge.id)))).scalars().all())
    if len(charges) != len(ids):
        raise ChargeNotFound(detail={"missing": sorted(set(ids) - {c.id for c in charges})})
    views = await _views(session, charges)
    closed = [v.charge.id for v in views if not v.open]
    if closed or len({(c.payer_org_id, c.kind, c.line) for c in charges}) != 1:
        raise NotInvoiceable(detail={"not_open": closed})
    payer = await session.get(Organisation, charges[0].payer_org_id)
    assert payer is not None and actor.user_id is not None
    total = sum((c.amount for c in charges), Decimal(0))
    inv = Invoice(no=await _next_no(session, now), payer_org_id=payer.id, payer_name=payer.name,
                  payer_credit_code=payer.credit_code or "", kind=charges[0].kind, line=charges[0].line, total=total,
                  status=InvoiceStatus.issued, issued_at=now, issued_by=actor.user_id)
    session.add(inv)
    await session.flush()
    for n, c in enumerate(charges, 1):
        session.add(InvoiceItem(invoice_id=inv.id, charge_id=c.id, position=n, description=c.description,
                                amount=c.amount))
    await _stamp(session, inv)
    await record(session, "fee:invoice_issued", actor, subject_type="fee_invoice", subject_id=inv.id,
                 project_id=charges[0].project_id, now=now,
                 after=jsonable({"no": inv.no, "payer_org_id": inv.payer_org_id, "kind": inv.kind, "line": inv.line,
                                 "total": total, "charges": [c.id for c in charges], "pdf_sha256": inv.pdf_sha256}))
    await commit(session)
    return inv


async def _locked_invoice(session: AsyncSession, invoice_id: str) -> Invoice:
    inv = (await session.execute(lock_for_update(session, select(Invoice).where(Invoice.id == invoice_id)
                                                 .execution_options(populate_existing=True)))).scalars().first()
    if inv is None:
        raise InvoiceNotFound()
    found: Invoice = inv
    return found


async def _paid_sum(session: AsyncSession, invoice_id: str) -> Decimal:
    return sum((p.amount for p in await _payments(session, invoice_id)), Decimal(0))


async def void_invoice(session: AsyncSession, actor: Actor, invoice_id: str, *, reason: str,
                       now: datetime) -> Invoice:
    """作废 an unpaid invoice (payments recorded against it must be reversed first); its charges become open."""
    _centre(actor)
    text = _reason(reason)
    inv = await _locked_invoice(session, invoice_id)
    if inv.status != InvoiceStatus.issued or await _paid_sum(session, inv.id) != 0:
        raise InvoiceClosed(detail={"status": str(inv.status)})
    inv.status, inv.voided_at, inv.void_reason = InvoiceStatus.void, now, text
    await _stamp(session, inv)
    await record(session, "fee:invoice_voided", actor, subject_type="fee_invoice", subject_id=inv.id, now=now,
                 before={"status": "issued"}, after={"status": "void", "reason": text, "pdf_sha256": inv.pdf_sha256})
    await commit(session)
    return inv


def parse_paid_on(raw: object, now: datetime) -> date:
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        raise BadInput("fees.bad_paid_on", "到账日期格式应为 YYYY-MM-DD", "The value date must be YYYY-MM-DD",
                       detail={"field": "paid_on"}) from None
    if day > rules.beijing_day(now) or day.year < 2000:
        raise BadInput("fees.bad_paid_on", "到账日期不能晚于今天", "The value date cannot be in the future",
                       detail={"field": "paid_on"})
    return day


def clean_reference(raw: object) -> str:
    ref = str(raw or "").strip()
    if not REFERENCE.match(ref):
        raise BadInput("fees.bad_reference", "银行流水号应为1至64位字母、数字或 - _ / .",
                       "The bank reference is 1 to 64 letters, digits or - _ / .", detail={"field": "bank_reference"})
    return ref


async def record_payment(session: AsyncSession, actor: Actor, invoice_id: str, *, amount: object,
                         bank_reference: object, paid_on: object, now: datetime) -> Payment:
    """收款登记 from the bank's transaction reference; the invoice is paid once payments cover its total."""
    _centre(actor)
    value = parse_money(amount, field="amount")
    ref = clean_reference(bank_reference)
    day = parse_paid_on(paid_on, now)
    inv = await _locked_invoice(session, invoice_id)
    if inv.status != InvoiceStatus.issued:
        raise InvoiceClosed(detail={"status": str(inv.status)})
    paid = await _paid_sum(session, inv.id)
    if value > inv.total - paid:
        raise Overpaid(detail={"outstanding": str(inv.total - paid)})
    key = f"bank:{ref}"
    if (await session.execute(select(Payment.id).where(Payment.entry_key == key))).first() is not None:
        raise DuplicateReference(detail={"bank_reference": ref})
    assert actor.user_id is not None
    pay = Payment(entry_key=key, invoice_id=inv.id, payer_org_id=inv.payer_org_id, kind=inv.kind, line=inv.line,
                  amount=value, bank_reference=ref, paid_on=day, booked_at=now, booked_by=actor.user_id)
    session.add(pay)
    if paid + value == inv.total:
        inv.status, inv.paid_at = InvoiceStatus.paid, now
    await _stamp(session, inv)
    await session.flush()
    await record(session, "fee:payment_recorded", actor, subject_type="fee_invoice", subject_id=inv.id, now=now,
                 after=jsonable({"payment_id": pay.id, "no": inv.no, "amount": value, "bank_reference": ref,
                                 "paid_on": day.isoformat(), "status": inv.status, "pdf_sha256": inv.pdf_sha256}))
    await commit(session)
    return pay


async def reverse_payment(session: AsyncSession, actor: Actor, payment_id: str, *, reason: str,
                          now: datetime) -> Payment:
    """冲销 a payment recorded in error: a negative payment booked now; a paid invoice is open again."""
    _centre(actor)
    text = _reason(reason)
    pay = (await session.execute(select(Payment).where(Payment.id == payment_id))).scalars().first()
    if pay is None:
        raise PaymentNotFound()
    if pay.reverses_id is not None:
        raise BadInput("fees.reversal_of_reversal", "冲销记录不能再冲销", "A reversal cannot be reversed",
                       detail={"payment_id": payment_id})
    inv = await _locked_invoice(session, pay.invoice_id)
    key = f"reverse:{pay.id}"
    if (await session.execute(select(Payment.id).where(Payment.entry_key == key))).first() is not None:
        raise AlreadyReversed()
    assert actor.user_id is not None
    rev = Payment(entry_key=key, invoice_id=inv.id, payer_org_id=pay.payer_org_id, kind=pay.kind, line=pay.line,
                  amount=-pay.amount, bank_reference=pay.bank_reference, paid_on=pay.paid_on, reverses_id=pay.id,
                  reason=text, booked_at=now, booked_by=actor.user_id)
    session.add(rev)
    before = {"status": str(inv.status)}
    if inv.status == InvoiceStatus.paid:
        inv.status, inv.paid_at = InvoiceStatus.issued, None
    await _stamp(session, inv)
    await session.flush()
    await record(session, "fee:payment_reversed", actor, subject_type="fee_invoice", subject_id=inv.id, now=now,
                 before=before, after=jsonable({"payment_id": rev.id, "reverses_id": pay.id, "amount": rev.amount,
                                                "reason": text, "status": inv.status}))
    await commit(session)
    return rev


@dataclass
class InvoiceView:
    invoice: Invoice
    items: list[InvoiceItem]
    payments: list[Payment]

    @property
    def received(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal(0))

    @property
    def outstanding(self) -> Decimal:
        return Decimal(0) if self.invoice.status == InvoiceStatus.void else self.invoice.total - self.received


async def list_invoices(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[Invoice]:
    _reader(actor)
    stmt = _mine(actor, select(Invoice), Invoice.payer_org_id).order_by(Invoice.issued_at.desc(), Invoice.no.desc())
    return list((await session.execute(stmt.limit(limit))).scalars().all())


async def get_invoice(session: AsyncSession, actor: Actor, invoice_id: str) -> InvoiceView:
    """Centre staff and the payer; anyone else gets not-found (the invoice's existence is not revealed)."""
    _reader(actor)
    inv = (await session.execute(_mine(actor, select(Invoice).where(Invoice.id == invoice_id),
                                       Invoice.payer_org_id))).scalars().first()
    if inv is None:
        raise InvoiceNotFound()
    return InvoiceView(inv, await _items(session, inv.id), await _payments(session, inv.id))


async def invoice_pdf(session: AsyncSession, actor: Actor, invoice_id: str) -> tuple[bytes, str]:
    """The voucher rebuilt from the database; refused unless byte-identical to what was recorded."""
    view = await get_invoice(session, actor, invoice_id)
    pdf = render_invoice(await _invoice_data(session, view.invoice))
    sha = hashlib.sha256(pdf).hexdigest()
    if sha != view.invoice.pdf_sha256:
        raise InvoiceMismatch(detail={"expected": view.invoice.pdf_sha256})
    return pdf, sha


# ---------------------------------------------------------------- the monthly statement (财务科)


async def monthly_statement(session: AsyncSession, actor: Actor, month: str, *, now: datetime) -> StatementData:
    """Every charge and payment booked in the Beijing month, with totals by kind and line (centre staff only)."""
    _centre(actor)
    label, start, end = parse_month(month)
    charges = list((await session.execute(select(Charge).where(Charge.booked_at >= start, Charge.booked_at < end)
                                          .order_by(Charge.booked_at, Charge.id))).scalars().all())
    payments = list((await session.execute(select(Payment).where(Payment.booked_at >= start, Payment.booked_at < end)
                                           .order_by(Payment.booked_at, Payment.id))).scalars().all())
    invoices = {i.id: i.no for i in (await session.execute(select(Invoice).where(
        Invoice.id.in_({p.invoice_id for p in payments})))).scalars().all()} if payments else {}
    names = await _org_names(session, [*(c.payer_org_id for c in charges), *(p.payer_org_id for p in payments)])
    rows: list[tuple[datetime, str, StatementRow]] = []
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for c in charges:
        sums[(str(c.kind), str(c.line))][0] += c.amount
        rows.append((c.booked_at, c.id, StatementRow(
            c.booked_at, "收费冲销" if c.reverses_id else "收费", kind_zh(c.kind), line_zh(c.line),
            f"{c.description} · {c.title}"[:400], names.get(c.payer_org_id, ""), c.amount,
            "charge_reversal" if c.reverses_id else "charge", str(c.kind), str(c.line), c.id)))
    for p in payments:
        sums[(str(p.kind), str(p.line))][1] += p.amount
        rows.append((p.booked_at, p.id, StatementRow(
            p.booked_at, "收款冲销" if p.reverses_id else "收款", kind_zh(p.kind), line_zh(p.line),
            f"收费凭证 {invoices.get(p.invoice_id, '')} · 银行流水 {p.bank_reference} · 到账 {p.paid_on.isoformat()}",
            names.get(p.payer_org_id, ""), p.amount, "payment_reversal" if p.reverses_id else "payment",
            str(p.kind), str(p.line), p.id)))
    rows.sort(key=lambda r: (r[0], r[1]))
    keys = sorted(sums, key=lambda k: (KIND_ORDER.index(ChargeKind(k[0])),
                                       LINE_ORDER.index(TradingLine(k[1])) if k[1] in set(LINE_ORDER) else 99))
    totals = tuple(StatementTotal(kind_zh(k[0]), line_zh(k[1]), sums[k][0], sums[k][1], k[0], k[1]) for k in keys)
    return StatementData(
        centre=await _centre_name(session), month=label, rows=tuple(r[2] for r in rows), totals=totals,
        charged=sum((t.charged for t in totals), ZERO), received=sum((t.received for t in totals), ZERO),
        made_at=now)


def _csv_text(value: str) -> str:
    """Spreadsheet formula injection: a text cell starting with = + - @ is prefixed with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def statement_csv(data: StatementData) -> bytes:
    """UTF-8 with a BOM (spreadsheet programs read the Chinese headers); the totals follow the entries."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["记账时间（北京时间）", "类别", "收费项目", "交易类型", "摘要", "缴费单位", "金额（元）"])
    for r in data.rows:
        w.writerow([r.booked_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), r.entry, r.kind, r.line,
                    _csv_text(r.ref), _csv_text(r.payer), f"{r.amount:.2f}"])
    w.writerow([])
    w.writerow(["合计", "收费项目", "交易类型", "", "", "应收（元）", "实收（元）"])
    for t in data.totals:
        w.writerow(["", t.kind, t.line, "", "", f"{t.charged:.2f}", f"{t.received:.2f}"])
    w.writerow(["总计", "", "", "", "", f"{data.charged:.2f}", f"{data.received:.2f}"])
    return ("\ufeff" + out.getvalue()).encode()
