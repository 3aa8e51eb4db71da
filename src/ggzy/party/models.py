"""Organisations and their users."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy.kit.db import Base, IdMixin, JSONType


class OrgKind(StrEnum):
    centre = "centre"  # 交易中心
    tenderer = "tenderer"  # 招标人 / 采购人 / 出让人
    agency = "agency"  # 招标代理机构
    bidder = "bidder"  # 投标人 / 供应商 / 竞买人
    supervisor = "supervisor"  # 行政监督部门
    expert = "expert"  # 专家库 (experts are users of the pool organisation)


class OrgStatus(StrEnum):
    pending = "pending"  # self-registered bidder awaiting centre verification
    verified = "verified"
    rejected = "rejected"
    disabled = "disabled"


class Role(StrEnum):
    centre_admin = "centre_admin"
    centre_staff = "centre_staff"
    tenderer = "tenderer"
    agency = "agency"
    bidder = "bidder"
    supervisor = "supervisor"
    expert = "expert"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.centre_admin: ("中心管理员", "Centre administrator"),
    Role.centre_staff: ("交易中心工作人员", "Centre staff"),
    Role.tenderer: ("招标人/采购人", "Tenderer"),
    Role.agency: ("代理机构", "Agency"),
    Role.bidder: ("投标人/供应商", "Bidder"),
    Role.supervisor: ("行政监督部门", "Supervisor"),
    Role.expert: ("评标专家", "Expert"),
}

ORG_KIND_ROLES: dict[OrgKind, frozenset[Role]] = {
    OrgKind.centre: frozenset({Role.centre_admin, Role.centre_staff}),
    OrgKind.tenderer: frozenset({Role.tenderer}),
    OrgKind.agency: frozenset({Role.agency}),
    OrgKind.bidder: frozenset({Role.bidder}),
    OrgKind.supervisor: frozenset({Role.supervisor}),
    OrgKind.expert: frozenset({Role.expert}),
}


class Organisation(IdMixin, Base):
    __tablename__ = "organisations"

    kind: Mapped[OrgKind] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    """统一社会信用代码 (18 characters, GB 32100 check digit)."""
    region: Mapped[str] = mapped_column(String(64), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OrgStatus] = mapped_column(String(16), default=OrgStatus.verified)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(32), default="")
    """For supervisors: 财政局 / 住建局 / 交通运输局 / 水利局 / 国资委 / 自然资源局."""
    supervised_lines: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """For supervisors: trading lines (project.models.TradingLine values) this department watches."""
    created_at: Mapped[datetime]

    users: Mapped[list[User]] = relationship(back_populates="organisation", lazy="raise")


class User(IdMixin, Base):
    __tablename__ = "users"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(16), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="raise")
