"""Pydantic shapes of the supervision API (suspension of trading). Times are returned as aware UTC."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggzy.supervision.models import SuspensionScope, SuspensionStatus


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
