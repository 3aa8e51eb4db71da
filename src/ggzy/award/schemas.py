"""Pydantic shapes of the award API (定标, 中标通知书, 合同). Money is a decimal string; times are aware UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ggzy.award.models import AwardStatus, ExclusionKind


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: str = Field(max_length=32)
    reason: str = Field(default="", max_length=4000)
    """Required to pass over a better-ranked candidate (it gave up, Bidding Regs Art.55; or, where the choice is
    free, why not rank 1)."""


class AwardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    lot_id: str
    candidate_id: str
    bidder_org_id: str
    rank: int
    price: Decimal
    status: AwardStatus
    reason: str
    confirmed_at: datetime
    publish_due: datetime | None
    notified_at: datetime | None
    letter_no: str
    letter_pdf_sha256: str | None
    result_notice_id: str | None
    contract_due: datetime | None
    remind_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    award_id: str
    tender_id: str
    lot_id: str
    amount: Decimal
    signed_on: date
    sha256: str
    filename: str
    content_type: str
    size: int
    late: bool
    """Recorded after the 30 days (Evaluation Rules Art.49)."""
    notice_id: str | None
    recorded_at: datetime


class ExclusionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    candidate_id: str
    kind: ExclusionKind
    reason: str
    source: str
    at: datetime
