"""Pydantic input and output of the party domain.

No input here carries a datetime; outputs give aware UTC datetimes (pages show Beijing time).
Inputs forbid unknown fields, so a typo or a stray payment field is a 422 rather than silently dropped.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ggzy.party.models import OrgKind, OrgStatus, Role

Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.@-]{3,64}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
OrgName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{0,32}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128, pattern=r"^$|^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, Field(min_length=1, max_length=256)]
"""Length and letter/digit policy are checked by party.rules so the error names the policy."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BidderRegistration(_In):
    """A company signs itself up as a bidder; free of charge (E-Bidding Measures Art.9)."""

    org_name: OrgName
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    """统一社会信用代码; spaces and lower case are tolerated, the check digit is verified."""
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    contact_name: Name
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,32}$")]
    username: Username
    display_name: Name
    password: Password
    email: Email = ""


class RegistrationResubmit(_In):
    """A rejected bidder corrects its company's details and applies again; still free (E-Bidding Measures Art.9).

    The login account is kept as it is: only the organisation's details are corrected.
    """

    org_name: OrgName
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    contact_name: Name
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,32}$")]


class OrgCreate(_In):
    """The centre administrator creates an organisation (centre, tenderer, agency, supervisor, expert pool…)."""

    kind: OrgKind
    name: OrgName
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    """Optional for organisations the centre creates (a government department may not have one handy)."""
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    contact_phone: Phone = ""
    department: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""
    """Supervisors only: 财政局 / 住建局 / 交通运输局 / 水利局 / 国资委 / 自然资源局; the lines follow from it."""


class UserCreate(_In):
    """The centre administrator adds a user (centre staff, agency staff, an expert…) to an organisation."""

    username: Username
    display_name: Name
    password: Password
    role: Role | None = None
    """Defaults to the organisation kind's ordinary role; must belong to that kind."""
    phone: Phone = ""
    email: Email = ""


class RejectIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
    """Shown to the applicant; required (an empty reason is refused with party.reject_reason_required)."""


class VerifyIn(_In):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    """Internal remark kept in the audit trail."""


class PasswordChange(_In):
    current_password: Password
    new_password: Password


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: OrgKind
    name: str
    credit_code: str | None
    region: str
    address: str
    contact_name: str
    contact_phone: str
    status: OrgStatus
    reject_reason: str
    verified_at: datetime | None
    department: str
    supervised_lines: list[str]
    created_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organisation_id: str
    username: str
    display_name: str
    role: Role
    phone: str
    email: str
    is_active: bool
    created_at: datetime


class OrgDetailOut(OrgOut):
    users: list[UserOut]


class OrgPage(BaseModel):
    items: list[OrgOut]
    total: int
    page: int
    page_size: int


class RegistrationOut(BaseModel):
    organisation: OrgOut
    user: UserOut
    registration_fee: Decimal = Decimal("0.00")
    """Always zero: a platform may not charge bidders for registering (E-Bidding Measures Art.9)."""
    message: str = "注册成功，请等待交易中心审核"
    message_en: str = "Registered; awaiting verification by the centre"


class ResubmissionOut(BaseModel):
    organisation: OrgOut
    registration_fee: Decimal = Decimal("0.00")
    """Always zero: applying again is as free as registering (E-Bidding Measures Art.9)."""
    message: str = "已重新提交，请等待交易中心审核"
    message_en: str = "Resubmitted; awaiting verification by the centre"
