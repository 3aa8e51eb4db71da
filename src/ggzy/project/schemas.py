"""Pydantic in/out of project entry and public notices. Money is Decimal (sent and returned as strings)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ggzy.project.models import NoticeKind, Priority, ProjectStatus, TradingLine

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
OrgId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class ProjectApply(BaseModel):
    """进场登记. An agency must name the tenderer (`tenderer_org_id`); a tenderer may name its agency."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    line: TradingLine
    region: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=5000)
    funding_source: str = Field(default="", max_length=200)
    state_funded: bool = False
    amount: Amount | None = None
    tenderer_org_id: OrgId | None = None
    agency_org_id: OrgId | None = None


class ProjectAmend(BaseModel):
    """Changes made to a returned application before submitting it again (omitted fields stay)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    region: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=5000)
    funding_source: str | None = Field(default=None, max_length=200)
    state_funded: bool | None = None
    amount: Amount | None = None


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)
    """Required: the applicant is told what to fix."""


class PriorityIn(BaseModel):
    """Set a priority (城市运行 / 疫情防控 / 重大民生 / 企业急需) with a reason, or null to clear it."""

    model_config = ConfigDict(extra="forbid")

    priority: Priority | None
    reason: str = Field(default="", max_length=2000)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    line: TradingLine
    region: str
    description: str
    funding_source: str
    state_funded: bool
    amount: Decimal | None
    tenderer_org_id: str
    agency_org_id: str | None
    priority: Priority | None
    priority_reason: str
    status: ProjectStatus
    return_reason: str
    submitted_at: datetime
    decided_at: datetime | None


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    tender_id: str | None
    kind: NoticeKind
    line: TradingLine
    region: str
    title: str
    body: str
    data: dict[str, Any]
    published_at: datetime


class NoticePageOut(BaseModel):
    items: list[NoticeOut]
    total: int
    page: int
    per_page: int
