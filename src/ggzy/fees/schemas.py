"""Pydantic shapes of the fees API. Money is a decimal string (floats refused by the service); times aware UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ggzy.fees.models import ChargeKind, InvoiceStatus, PayerRole


class DocumentPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictStr = Field(max_length=32)
    """Yuan per downloading organisation, e.g. "300.00"; "0" = free."""


class DocumentPriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tender_id: str
    amount: Decimal
    schedule_version: str
    set_at: datetime
    charged_at: datetime | None


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)
    corrected: StrictStr | None = Field(default=None, max_length=32)
    """Charges only: the corrected amount to book in place of the reversed one."""


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    charge_ids: list[Annotated[StrictStr, Field(max_length=32)]] = Field(min_length=1, max_length=200)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictStr = Field(max_length=32)
    bank_reference: StrictStr = Field(max_length=64)
    paid_on: StrictStr = Field(max_length=10)
    """The bank's value date, YYYY-MM-DD."""


class ChargeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: ChargeKind
    line: str
    source_type: str
    source_id: str
    project_id: str
    tender_id: str | None
    auction_lot_id: str | None
    title: str
    payer_org_id: str
    payer_role: PayerRole
    base_amount: Decimal | None
    amount: Decimal
    schedule_version: str
    basis: dict[str, Any]
    description: str
    reverses_id: str | None
    reason: str
    booked_at: datetime


class ChargeViewOut(ChargeOut):
    payer: str
    invoice_id: str | None
    invoice_no: str | None
    reversed_by: str | None
    open: bool


class InvoiceItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    charge_id: str
    position: int
    description: str
    amount: Decimal


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    invoice_id: str
    amount: Decimal
    bank_reference: str
    paid_on: date
    reverses_id: str | None
    reason: str
    booked_at: datetime


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    no: str
    payer_org_id: str
    payer_name: str
    kind: ChargeKind
    line: str
    total: Decimal
    status: InvoiceStatus
    issued_at: datetime
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str
    pdf_sha256: str


class InvoiceDetailOut(InvoiceOut):
    items: list[InvoiceItemOut]
    payments: list[PaymentOut]
    received: Decimal
    outstanding: Decimal


class AssessedOut(BaseModel):
    contracts: int
    auctions: int
    evaluations: int
    documents: int
    total: int
