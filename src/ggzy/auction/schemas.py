"""Pydantic in/out models of the auction API. Amounts travel as strings (or integers) of yuan and are parsed by
auction.rules.parse_amount, so an over-precise or non-numeric amount is a coded 422, never a float."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from ggzy.auction.models import AuctionMode
from ggzy.auction.rules import DEFAULT_COUNTDOWN_SECONDS

AmountIn = str | int


class DocumentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(default="", max_length=500)


class LotCreate(BaseModel):
    project_id: str
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    mode: AuctionMode = AuctionMode.listing
    start_price: AmountIn
    increment: AmountIn
    deposit: AmountIn
    listing_days: int = Field(default=10, ge=0, le=3660)
    first_listing: bool = True
    countdown_seconds: int = DEFAULT_COUNTDOWN_SECONDS
    listing_start: AwareDatetime
    reserve_officer_id: str
    """The designated person (a user of the centre or of the seller) who alone may enter the reserve."""


class ApproveIn(BaseModel):
    bank_reference: str = Field(default="", max_length=64)


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class BidIn(BaseModel):
    amount: AmountIn


class ReserveIn(BaseModel):
    amount: AmountIn
    witness_username: str = Field(default="", max_length=64)
    witness_password: str = Field(default="", max_length=200)
