"""Pydantic in/out of the tender API.

Datetimes must be timezone-aware ISO 8601 (e.g. `2026-03-10T09:00:00+08:00`); a naive datetime is
refused with 422 (`timezone_aware`) rather than guessed. Money is Decimal, sent and returned as strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ggzy.evaluation.methods.plan import EvaluationPlanIn
from ggzy.project.models import TradingLine
from ggzy.tender.models import EvaluationMethod, TenderStatus

Amount = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
"""Yuan; the rules (check_lot) say which amounts must be positive, with the article."""
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LotName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
When = Annotated[AwareDatetime, Field(description="timezone-aware ISO 8601, e.g. 2026-03-10T09:00:00+08:00")]


class LotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LotName
    budget: Amount
    """Construction: estimated contract price (估算价); procurement: budget (预算金额)."""
    ceiling_price: Amount | None = None
    """最高投标限价 (optional)."""
    bond_amount: Amount = Decimal("0")
    """投标保证金: at most 2% of the budget (Bidding Regs Art.26; GP Regs Art.33)."""


class Custodian(BaseModel):
    """A rescue-share holder (补救方案): an organisation with a registered key set."""

    model_config = ConfigDict(extra="forbid")

    org_id: str = Field(min_length=1, max_length=32)
    label: str = Field(default="", max_length=64)
    """Shown on the opening page: 交易中心 / 监督部门 / 代理机构 …"""


class CoefficientRange(BaseModel):
    """下浮系数: drawn on the server at the opening from min..max in steps (construction tenders)."""

    model_config = ConfigDict(extra="forbid")

    min: Annotated[Decimal, Field(gt=0, le=1, max_digits=6, decimal_places=4)]
    max: Annotated[Decimal, Field(gt=0, le=1, max_digits=6, decimal_places=4)]
    step: Annotated[Decimal, Field(gt=0, max_digits=6, decimal_places=4)] = Decimal("0.005")


class TenderCreate(BaseModel):
    """A draft tender on an admitted construction or procurement project."""

    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(min_length=1, max_length=32)
    title: Title | None = None
    """Defaults to the project's name."""
    evaluation_method: EvaluationMethod
    has_rescue_plan: bool = False
    description: str = Field(default="", max_length=20000)
    qualification: str = Field(default="", max_length=5000)
    doc_start: When
    doc_end: When
    question_deadline: When
    bid_deadline: When
    """Also the opening time."""
    decryption_window_minutes: int = Field(default=30, ge=5, le=240)
    max_bid_mib: int = Field(default=200, ge=1, le=2048)
    """The largest sealed bid accepted, in MiB (refused with 413 above it)."""
    rescue_threshold: int = Field(default=3, ge=2, le=9)
    rescue_custodians: list[Custodian] = Field(default_factory=list, max_length=9)
    coefficient_range: CoefficientRange | None = None
    evaluation_plan: EvaluationPlanIn | None = None
    """评标办法细则: category, criteria with maxima, base-price rule; left out, the method's preset
    (evaluation.methods.plan, checked against the method and the line, e.g. MOF 87 Art.55)."""
    lots: list[LotIn] = Field(min_length=1, max_length=50)


class TenderUpdate(BaseModel):
    """Changes to a draft; omitted fields stay, `lots` (when given) replaces every lot."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    evaluation_method: EvaluationMethod | None = None
    has_rescue_plan: bool | None = None
    description: str | None = Field(default=None, max_length=20000)
    qualification: str | None = Field(default=None, max_length=5000)
    doc_start: When | None = None
    doc_end: When | None = None
    question_deadline: When | None = None
    bid_deadline: When | None = None
    decryption_window_minutes: int | None = Field(default=None, ge=5, le=240)
    max_bid_mib: int | None = Field(default=None, ge=1, le=2048)
    rescue_threshold: int | None = Field(default=None, ge=2, le=9)
    rescue_custodians: list[Custodian] | None = Field(default=None, max_length=9)
    coefficient_range: CoefficientRange | None = None
    evaluation_plan: EvaluationPlanIn | None = None
    """Replaces the plan; sent as null, the method's preset. Left out while the method changes: a preset plan
    follows the new method, a custom plan is re-checked against it."""
    lots: list[LotIn] | None = Field(default=None, min_length=1, max_length=50)


class LotChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=50)
    name: LotName | None = None
    budget: Amount | None = None
    ceiling_price: Amount | None = None
    bond_amount: Amount | None = None


class CorrectionIn(BaseModel):
    """更正公告. A change to the documents less than 15 days before the deadline moves the deadline to
    now + 15 days (Bidding Regs Art.21; MOF 87 Art.27); an explicit new deadline earlier than that is refused.
    Changing a lot's amounts counts as changing the documents."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=10000)
    """What is corrected and why, printed in the notice."""
    changes_documents: bool = False
    description: str | None = Field(default=None, max_length=20000)
    doc_end: When | None = None
    question_deadline: When | None = None
    bid_deadline: When | None = None
    lots: list[LotChange] | None = Field(default=None, max_length=50)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class LotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: int
    name: str
    budget: Decimal
    ceiling_price: Decimal | None
    bond_amount: Decimal


class Message(BaseModel):
    code: str
    zh: str
    en: str


class TenderOut(BaseModel):
    id: str
    code: str
    project_id: str
    title: str
    line: TradingLine
    status: TenderStatus
    ruleset_version: str
    agency_org_id: str | None
    tenderer_org_id: str
    evaluation_method: EvaluationMethod
    has_rescue_plan: bool
    description: str
    qualification: str
    doc_start: datetime | None
    doc_end: datetime | None
    question_deadline: datetime | None
    bid_deadline: datetime | None
    deadline_provisional: bool
    """The working-day count ran beyond any published holiday schedule: staff must confirm the dates."""
    decryption_window_minutes: int
    max_bid_bytes: int
    rescue_threshold: int
    rescue_custodians: list[Custodian]
    coefficient_range: CoefficientRange | None
    evaluation_plan: dict[str, Any] | None = None
    """The stored plan (evaluation.methods.plan.plan_to_json; Decimals as strings); None on tenders made before
    plans were stored (the method's preset applies)."""
    published_at: datetime | None
    lots: list[LotOut]
    warnings: list[Message] = []
    notice_id: str | None = None
    """The notice this call published (announcement or correction)."""
    deadline_moved: bool = False
    """A correction moved the bid deadline (Bidding Regs Art.21; MOF 87 Art.27)."""
