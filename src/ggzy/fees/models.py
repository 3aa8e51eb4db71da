"""Fees the centre charges (收费): document fees, transaction service fees, expert fees; invoices and payments.

Rules: ../shared/DOMAIN.md "Bid bonds and fees"; the amounts come from the centre's fee schedule (fees.rules). Fees
are separate money from bid bonds (ggzy.bond). The ledger is append-only in spirit: a charge or a payment is never
deleted or changed; a correction is a reversing entry (negative amount, `reverses_id`) booked when it is made, so
a month's statement, once printed, never changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType


class ChargeKind(StrEnum):
    document = "document"  # 招标文件工本费: per downloader of a tender that sets one
    service = "service"  # 交易服务费: on the contract amount / the auction's final price, by the fee table
    expert = "expert"  # 专家评审费: per expert per evaluation session, by duration


class PayerRole(StrEnum):
    winner = "winner"  # 中标人 / 成交供应商
    tenderer = "tenderer"  # 招标人 / 采购人
    buyer = "buyer"  # 竞得人 / 受让方 (auctions)
    seller = "seller"  # 出让人 / 转让方 (auctions)
    downloader = "downloader"  # a party that obtained the tender documents


class DocumentPrice(IdMixin, Base):
    """招标文件工本费 a tender's manager (agency or tenderer) sets: charged to every downloader at the bid deadline.

    A fees row, not a tender column: the fee is the centre's bookkeeping, the tender rules do not depend on it."""

    __tablename__ = "fee_document_prices"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), unique=True)
    amount: Mapped[Decimal]
    """Yuan per downloading organisation; 0 = free (no charge)."""
    schedule_version: Mapped[str] = mapped_column(String(16))
    """The fee schedule whose ceiling the amount was checked against."""
    set_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]
    charged_at: Mapped[datetime | None]
    """When the downloaders were charged (bid deadline); the price cannot change afterwards."""


class Charge(IdMixin, Base):
    """One ledger line: a fee owed by one payer, or the reversal of one (negative amount)."""

    __tablename__ = "fee_charges"

    entry_key: Mapped[str] = mapped_column(String(120), unique=True)
    """What the entry is for, unique: "service:contract:<id>:winner", "expert:<evaluation>:<member>",
    "document:<tender>:<org>", "reverse:<charge>", "fix:<charge>". Creating a charge twice is impossible."""
    kind: Mapped[ChargeKind] = mapped_column(String(16), index=True)
    line: Mapped[str] = mapped_column(String(16), index=True)
    """project.models.TradingLine."""
    source_type: Mapped[str] = mapped_column(String(16))
    """contract | auction_lot | evaluation | tender (the event the charge comes from)."""
    source_id: Mapped[str] = mapped_column(String(32), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    tender_id: Mapped[str | None] = mapped_column(ForeignKey("tenders.id"), index=True)
    auction_lot_id: Mapped[str | None] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    """The tender's or lot's title and code, copied for the statement."""
    payer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    payer_role: Mapped[PayerRole] = mapped_column(String(16))
    base_amount: Mapped[Decimal | None]
    """What the fee is computed on: the contract amount, the final price (None for expert and document fees)."""
    amount: Mapped[Decimal]
    """Yuan, rounded half-up to the fen; negative for a reversal."""
    schedule_version: Mapped[str] = mapped_column(String(16))
    basis: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """How the amount was computed (bands, days, unit price), Decimals as strings: printed on the invoice."""
    description: Mapped[str] = mapped_column(String(300))
    """Chinese item text for the invoice, e.g. 交易服务费（工程建设，合同金额 950,000.00 元）."""
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("fee_charges.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why a reversal or a corrected charge was booked."""
    booked_at: Mapped[datetime] = mapped_column(index=True)
    booked_by: Mapped[str] = mapped_column(String(32), default="")
    """The user who booked it; empty when the platform charged by rule."""


class InvoiceStatus(StrEnum):
    issued = "issued"  # 已开具，待收款
    paid = "paid"  # 已收款 (payments cover the total)
    void = "void"  # 已作废 (its charges may be invoiced again)


class Invoice(IdMixin, Base):
    """收费凭证: one payer, one kind of fee, one trading line; the PDF is rebuilt from the row and its items."""

    __tablename__ = "fee_invoices"

    no: Mapped[str] = mapped_column(String(32), unique=True)
    """SF<yyyymm>-<5 digits>, numbered per month of issue (Beijing time)."""
    payer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_credit_code: Mapped[str] = mapped_column(String(18), default="")
    kind: Mapped[ChargeKind] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(16))
    total: Mapped[Decimal]
    status: Mapped[InvoiceStatus] = mapped_column(String(16), default=InvoiceStatus.issued, index=True)
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    """SHA-256 of the PDF in its current state (issued / paid / void); a re-render must match it."""


class InvoiceItem(IdMixin, Base):
    """A charge on an invoice, as printed (the invoice keeps its items even when voided)."""

    __tablename__ = "fee_invoice_items"

    invoice_id: Mapped[str] = mapped_column(ForeignKey("fee_invoices.id"), index=True)
    charge_id: Mapped[str] = mapped_column(ForeignKey("fee_charges.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal]


class Payment(IdMixin, Base):
    """Money received against an invoice, recorded by centre staff from the bank's reference; or its reversal."""

    __tablename__ = "fee_payments"

    entry_key: Mapped[str] = mapped_column(String(120), unique=True)
    """"bank:<reference>" (one bank transaction is recorded once) or "reverse:<payment>"."""
    invoice_id: Mapped[str] = mapped_column(ForeignKey("fee_invoices.id"), index=True)
    payer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[ChargeKind] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]
    """Yuan; negative for a reversal."""
    bank_reference: Mapped[str] = mapped_column(String(64))
    paid_on: Mapped[date]
    """The bank's value date."""
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("fee_payments.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    booked_at: Mapped[datetime] = mapped_column(index=True)
    booked_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
