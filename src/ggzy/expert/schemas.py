"""Pydantic bodies of the expert API (pool and draw)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ggzy.expert.models import DeclarationKind, ExpertStatus

# ---------------------------------------------------------------- the draw (专家抽取)


class SpecialtyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][0-9A-Z]{0,15}$")
    """评标专业 code; experts holding it or a code below it match."""
    count: int = Field(ge=1, le=99)


class DrawRequestIn(BaseModel):
    """A committee request. Composition rules (odd, ≥ 5, ≥ 2/3 pool experts, ≥ 7 for large procurement) are
    checked by the service so each refusal names its article."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(ge=1, le=99)
    tenderer_reps: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(default_factory=list,
                                                                                     max_length=33)
    """User ids of the tenderer's organisation appointed as representatives (招标人 / 采购人代表)."""
    specialties: list[SpecialtyIn] = Field(min_length=1, max_length=20)
    regions: list[Annotated[str, Field(max_length=12)]] = Field(default_factory=list, max_length=50)
    """6-digit 行政区划代码; empty = any region."""
    evaluation_at: AwareDatetime
    evaluation_hours: int = Field(default=4, ge=1, le=72)
    venue: Literal["room", "remote"]
    room: str = Field(default="", max_length=100)
    reserve_per_specialty: int = Field(default=2, ge=0, le=10)
    answer_minutes: int = Field(default=30, ge=5, le=1440)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


# ---------------------------------------------------------------- the pool (评标专家库)
# Inputs take the shape only; the checks that name a rule (ID check digit, mobile number, credit code, specialty
# code, dates not in the future) are expert.pool_rules', shared with the import so both refuse alike.


class EmploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_name: str = Field(min_length=1, max_length=200)
    org_credit_code: str = Field(default="", max_length=40)
    start: date
    end: date | None = None
    """None: still employed there."""


class PenaltyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decided_on: date
    until: date | None = None
    """None: permanent (取消资格)."""
    authority: str = Field(default="", max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class ExpertUpdateIn(BaseModel):
    """Staff's full edit of an expert: every field, the specialties, the employment history and the penalties."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=40)
    employer: str = Field(min_length=1, max_length=200)
    employer_credit_code: str = Field(default="", max_length=40)
    title: str = Field(min_length=1, max_length=64)
    senior_title: bool
    years_in_field: int = Field(ge=0, le=100)
    region: str = Field(max_length=12)
    specialties: list[Annotated[str, Field(max_length=20)]] = Field(min_length=1, max_length=50)
    employments: list[EmploymentIn] = Field(default_factory=list, max_length=100)
    penalties: list[PenaltyIn] = Field(default_factory=list, max_length=100)
    note: str = Field(default="", max_length=2000)


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ExpertStatus
    reason: str = Field(min_length=1, max_length=2000)


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=40)


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeclarationKind
    org_name: str = Field(min_length=1, max_length=200)
    org_credit_code: str = Field(default="", max_length=40)
    detail: str = Field(default="", max_length=2000)


class UnavailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(default="", max_length=200)


class EmploymentOut(BaseModel):
    id: str
    org_name: str
    org_credit_code: str
    start: date
    end: date | None


class PenaltyOut(BaseModel):
    id: str
    decided_on: date
    until: date | None
    authority: str
    reason: str


class DeclarationOut(BaseModel):
    id: str
    kind: DeclarationKind
    org_name: str
    org_credit_code: str
    detail: str
    declared_at: datetime
    withdrawn_at: datetime | None


class UnavailabilityOut(BaseModel):
    id: str
    start: datetime
    end: datetime
    reason: str


class ExpertSummaryOut(BaseModel):
    id: str
    name: str
    id_number: str
    phone: str
    employer: str
    title: str
    senior_title: bool
    years_in_field: int
    region: str
    status: ExpertStatus
    specialties: list[str]


class ExpertPageOut(BaseModel):
    items: list[ExpertSummaryOut]
    total: int
    page: int
    page_size: int


class ExpertOut(ExpertSummaryOut):
    """Everything on record about one expert: staff, or the expert themself."""

    username: str
    employer_credit_code: str
    years_as_of: date
    note: str
    status_reason: str
    status_changed_at: datetime | None
    employments: list[EmploymentOut]
    penalties: list[PenaltyOut]
    declarations: list[DeclarationOut]
    unavailability: list[UnavailabilityOut]
    created_at: datetime
    updated_at: datetime


class ImportLoginOut(BaseModel):
    """A login the import made. The initial password is in this response only (and the SMS to the expert)."""

    row: int
    expert_id: str
    name: str
    username: str
    initial_password: str


class ImportOutcomeOut(BaseModel):
    row: int
    expert_id: str
    outcome: Literal["created", "updated", "unchanged"]


class ImportResultOut(BaseModel):
    import_id: str
    file_sha256: str
    kind: Literal["csv", "xlsx"]
    rows: int
    created: int
    updated: int
    unchanged: int
    logins: list[ImportLoginOut]
    outcomes: list[ImportOutcomeOut]
