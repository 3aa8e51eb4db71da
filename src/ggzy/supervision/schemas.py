"""Pydantic shapes of the supervision API (suspension of trading, complaints). Times are returned as aware UTC."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggzy.publicity.models import Remedy
from ggzy.supervision.models import ComplaintDecision, ComplaintStatus, SuspensionScope, SuspensionStatus


class SuspensionIn(BaseModel):
    """Request a suspension: `platform` takes effect at once; `project` waits for the line's supervisor."""

    model_config = ConfigDict(extra="forbid")

    scope: SuspensionScope
    project_id: str | None = Field(default=None, max_length=32)
    """Required for scope `project`, absent for `platform`."""
    reason: str = Field(min_length=2, max_length=2000)

    @model_validator(mode="after")
    def _scope_matches_project(self) -> SuspensionIn:
        if (self.scope == SuspensionScope.platform) != (self.project_id is None):
            raise ValueError("scope 'project' needs project_id; scope 'platform' takes none")
        return self


class DecisionIn(BaseModel):
    """A supervisor's approval or refusal, or the centre's resumption, with an optional note."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class SuspensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    scope: SuspensionScope
    project_id: str | None
    reason: str
    status: SuspensionStatus
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    decision_note: str
    started_at: datetime | None
    """When trading actually stopped (request time for platform, approval time for a project)."""
    ended_at: datetime | None
    ended_by: str | None


# ---------------------------------------------------------------- complaints (投诉)


class ComplaintIn(BaseModel):
    """The complaint about the answer to one's objection (the matters, the facts and the request, in writing)."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=4000)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suspend: bool = False
    """Order the project suspended while the complaint is handled (Bidding Regs Art.62)."""
    note: str = Field(default="", max_length=2000)


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=4000)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upheld: bool
    decision: str = Field(max_length=4000)
    """The written decision's reasoning (书面处理决定)."""
    remedy: Remedy | None = None
    """Required when upheld: none, reevaluate or next_candidate."""
    candidate_id: str | None = Field(default=None, max_length=32)


class ComplaintOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    project_id: str
    line: str
    objection_id: str
    complainant_org_id: str
    body: str
    filed_at: datetime
    status: ComplaintStatus
    accept_due: datetime
    accepted_at: datetime | None
    refused_at: datetime | None
    refusal_reason: str
    decide_due: datetime | None
    decided_at: datetime | None
    decision: ComplaintDecision | None
    decision_text: str
    remedy: str | None
    excluded_candidate_id: str | None
    notice_id: str | None
    suspension_id: str | None
    provisional: str
