"""The village-aid ledger (对口帮扶): the village the centre supports, its registered poor households
(建档立卡贫困户) with their members and status history, aid projects with the money each partner unit put
in, and staff visits (入村走访) with the problems found and solved.

Rules: ../shared/DOMAIN.md "Targeted poverty alleviation ledger (对口帮扶)"; docs/aid.md.
Personal data (names and ID numbers of household members) is for centre staff only; the progress page and
the PDF sheet show aggregates. A household's status history is append-only: a change is a new dated row and
the current status is the latest one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class HouseholdStatus(StrEnum):
    registered = "registered"
    """建档立卡 (still poor): the first status of every household; also where one that fell back returns (返贫)."""
    to_lift = "to_lift"
    """计划当年脱贫: named in this year's plan to be lifted out."""
    lifted = "lifted"
    """已脱贫: lifted out of poverty (after the county's acceptance check)."""


class ProjectCategory(StrEnum):
    road = "road"  # 道路 (通村/通组公路, 产业路)
    water = "water"  # 水利 (水渠, 人饮工程)
    lighting = "lighting"  # 路灯
    clinic = "clinic"  # 村卫生室
    industry = "industry"  # 产业 (油茶, 养殖…)
    housing = "housing"  # 危房改造
    education = "education"  # 教育
    other = "other"  # 其他 (文化活动室…)


class AidVillage(IdMixin, Base):
    """The village profile (村情): the whole village's households and people as surveyed."""

    __tablename__ = "aid_villages"
    __table_args__ = (UniqueConstraint("county", "township", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    """村名, e.g. 白岩村."""
    township: Mapped[str] = mapped_column(String(64))
    """乡镇."""
    county: Mapped[str] = mapped_column(String(64))
    """县（区）."""
    region_code: Mapped[str] = mapped_column(String(12), default="")
    """行政区划代码 of the village (12 digits) or of its county (6 digits); optional."""
    households: Mapped[int] = mapped_column(Integer)
    """户数 of the whole village (not only the registered poor)."""
    population: Mapped[int] = mapped_column(Integer)
    """人口 of the whole village."""
    paired_since: Mapped[date]
    """结对帮扶 start: the day the centre began supporting this village."""
    first_secretary: Mapped[str] = mapped_column(String(64), default="")
    """驻村第一书记 sent by the centre (a public post, not household data)."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AidHousehold(IdMixin, Base):
    """A registered poor household (建档立卡贫困户). Its head's name is personal data (staff only)."""

    __tablename__ = "aid_households"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    village_id: Mapped[str] = mapped_column(ForeignKey("aid_villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    """户编号 as in the national registration system, unique within the village."""
    group_name: Mapped[str] = mapped_column(String(32), default="")
    """村民小组 (e.g. 上寨组)."""
    registered_on: Mapped[date]
    """建档立卡 date: the household counts from this day (the first status row carries the same date)."""
    reason: Mapped[str] = mapped_column(String(200), default="")
    """致贫原因 (因病, 因学, 缺技术…)."""
    created_at: Mapped[datetime]


class AidMember(IdMixin, Base):
    """A member of a registered household: personal data, visible to centre staff only."""

    __tablename__ = "aid_members"
    __table_args__ = (UniqueConstraint("village_id", "id_number"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("aid_households.id"), index=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("aid_villages.id"))
    """Repeated from the household so one person cannot be registered twice in the village."""
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18))
    """居民身份证号码, validated (region, birth date, check character) by kit.idcard."""
    relation: Mapped[str] = mapped_column(String(16))
    """与户主关系: 户主, 配偶, 子女, 父母, 孙子女, 兄弟姐妹, 其他."""
    created_at: Mapped[datetime]


class AidStatusChange(IdMixin, Base):
    """One dated status of a household. Rows are only ever added: the latest (effective_on, seq) is current."""

    __tablename__ = "aid_status_changes"
    __table_args__ = (UniqueConstraint("household_id", "seq"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("aid_households.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    """1, 2, 3… per household: orders changes made on the same day."""
    status: Mapped[HouseholdStatus] = mapped_column(String(16))
    effective_on: Mapped[date]
    """The day the status took effect (e.g. the acceptance date of 脱贫验收), never before the previous one."""
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class AidPartner(IdMixin, Base):
    """A partner unit (帮扶单位) that invests in the village's projects: the centre itself, bureaus, firms."""

    __tablename__ = "aid_partners"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="government")
    """government (机关事业单位), enterprise (企业), other (社会组织…)."""
    created_at: Mapped[datetime]


class AidProject(IdMixin, Base):
    """An aid project (帮扶项目) in the village."""

    __tablename__ = "aid_projects"

    village_id: Mapped[str] = mapped_column(ForeignKey("aid_villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[ProjectCategory] = mapped_column(String(16))
    started_on: Mapped[date]
    completed_on: Mapped[date | None]
    """Blank while the project is under way."""
    beneficiary_households: Mapped[int] = mapped_column(Integer, default=0)
    """受益户数 (households of the whole village that benefit)."""
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class AidInvestment(IdMixin, Base):
    """Money one partner unit put into one project on one day (a project may get several tranches)."""

    __tablename__ = "aid_investments"
    __table_args__ = (Index("ix_aid_investments_project_partner", "project_id", "partner_id"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("aid_projects.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("aid_partners.id"), index=True)
    amount: Mapped[Decimal]
    """Yuan, > 0, to the fen."""
    invested_on: Mapped[date]
    """到位日期: the year of this date is the year the money counts in."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class AidVisit(IdMixin, Base):
    """A staff visit to the village (入村走访)."""

    __tablename__ = "aid_visits"

    village_id: Mapped[str] = mapped_column(ForeignKey("aid_villages.id"), index=True)
    visited_on: Mapped[date]
    staff: Mapped[str] = mapped_column(String(200))
    """Who went (names of the centre's staff, as written)."""
    households_visited: Mapped[int] = mapped_column(Integer)
    """走访户数 (any household of the village, not only registered ones)."""
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class AidProblem(IdMixin, Base):
    """A problem found on a visit; solved once `solved_on` is set (once only)."""

    __tablename__ = "aid_problems"

    visit_id: Mapped[str] = mapped_column(ForeignKey("aid_visits.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    solved_on: Mapped[date | None]
    solution: Mapped[str] = mapped_column(Text, default="")
    solved_at: Mapped[datetime | None]
    """When the solution was recorded (UTC), as opposed to the day it was solved."""
