"""Pydantic shapes of the venue API (in and out). Times are timezone-aware ISO 8601 (a naive one is a 422)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ggzy.venue.models import BookingPurpose, DutyRole, HealthCode, RoomKind


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=100)
    kind: RoomKind
    capacity: int = Field(ge=1, le=1000)
    equipment: list[str] = Field(default_factory=list, max_length=20)
    location: str = Field(default="", max_length=100)
    centre: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=64)
    rank: int = Field(default=0, ge=0, le=10_000)
    active: bool = True
    note: str = Field(default="", max_length=2000)


class RoomPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    capacity: int | None = Field(default=None, ge=1, le=1000)
    equipment: list[str] | None = Field(default=None, max_length=20)
    location: str | None = Field(default=None, max_length=100)
    rank: int | None = Field(default=None, ge=0, le=10_000)
    active: bool | None = None
    note: str | None = Field(default=None, max_length=2000)


class RoomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    kind: RoomKind
    capacity: int
    equipment: list[str]
    location: str
    centre: str
    region: str
    rank: int
    active: bool
    note: str


class BookingIn(BaseModel):
    """A session booked by hand (答疑会, 专家抽取, a meeting…): a given room, or any free room of `kind`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    kind: RoomKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    seats: int = Field(default=1, ge=1, le=1000)
    equipment: list[str] = Field(default_factory=list, max_length=20)
    room_id: str | None = Field(default=None, max_length=32)
    tender_id: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=2000)


class PlaceIn(BaseModel):
    """Resolve a clash (or move a session): this room, at this start (default: the session's own start)."""

    model_config = ConfigDict(extra="forbid")

    room_id: str = Field(min_length=1, max_length=32)
    starts_at: AwareDatetime | None = None


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class RemoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remote: bool


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    purpose: BookingPurpose
    kind: RoomKind
    title: str
    tender_id: str | None
    project_id: str | None
    room_id: str | None
    starts_at: datetime
    ends_at: datetime
    seats: int
    equipment: list[str]
    priority: bool
    auto: bool
    status: str
    clash_reason: str
    alternatives: list[dict[str, Any]]
    note: str
    cancelled_at: datetime | None
    cancel_reason: str


class VisitorIn(BaseModel):
    """Typed in, or `scan_text` pasted from the card reader / OCR (then name and ID number may be left empty)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=64)
    id_number: str = Field(default="", max_length=40)
    scan_text: str = Field(default="", max_length=4000)
    organisation: str = Field(default="", max_length=200)
    purpose: str = Field(default="", max_length=200)
    booking_id: str | None = Field(default=None, max_length=32)
    temperature: Decimal
    """°C, e.g. 36.5."""
    mask: bool = True
    health_code: HealthCode | None = None


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


class VisitorOut(BaseModel):
    id: str
    day: date
    registered_at: datetime
    name: str
    id_number_masked: str
    organisation: str
    purpose: str
    booking_id: str | None
    temperature: str | None
    mask: bool
    health_code: str
    admitted: bool
    refusal: str
    refusal_zh: str
    refusal_en: str
    purged: bool


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: DutyRole
    user_id: str = Field(min_length=1, max_length=32)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    phone: str = Field(default="", max_length=32)
    """Duty phone; the user's own phone when empty."""


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=4000)


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: DutyRole
    user_id: str
    name: str
    phone: str
    starts_at: datetime
    ends_at: datetime
    handover_note: str
    handed_over_at: datetime | None


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    text: str
    at: datetime
    recipients: list[dict[str, Any]]
    unstaffed: bool
    tender_id: str | None
    project_id: str | None
    acknowledged_at: datetime | None
