"""Pydantic shapes of the publicity API (candidate publicity, objections). Times are returned as aware UTC."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ggzy.publicity.models import ObjectionStatus, PublicityKind, PublicityStatus, Remedy
from ggzy.publicity.rules import MAX_TEXT, MAX_WINDOW_DAYS


class PublishIn(BaseModel):
    """Publish the 中标候选人公示; the window defaults to the line's minimum (3 days, Bidding Regs Art.54)."""

    model_config = ConfigDict(extra="forbid")

    window_days: int | None = Field(default=None, ge=0, le=10 * MAX_WINDOW_DAYS)
    """Calendar days; fewer than 3 or more than 30 is refused with publicity.bad_window."""


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=MAX_TEXT)
    """The matters objected to and the reasons (in writing, Bidding Regs Art.54)."""
    lot_id: str | None = Field(default=None, max_length=32)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(max_length=MAX_TEXT)
    upheld: bool
    remedy: Remedy | None = None
    """Required when upheld: none, reevaluate or next_candidate."""
    candidate_id: str | None = Field(default=None, max_length=32)
    """The candidate found not to qualify (remedy next_candidate)."""


class PublicityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    round: int
    kind: PublicityKind
    status: PublicityStatus
    report_at: datetime
    publish_due: datetime | None
    published_at: datetime | None
    window_days: int | None
    notice_ends_at: datetime | None
    ends_at: datetime | None
    """Objections are accepted while published_at ≤ now < ends_at."""
    deadline_provisional: bool
    notice_id: str | None


class ObjectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    lot_id: str | None
    bidder_org_id: str
    body: str
    filed_at: datetime
    answer_due: datetime
    status: ObjectionStatus
    answer: str
    remedy: Remedy | None
    excluded_candidate_id: str | None
    answered_at: datetime | None
    answered_late: bool
