"""The centre's venue (场地): rooms and their bookings, visitors at the door (疫情防控), the duty roster (值班).

Rules: ../shared/DOMAIN.md "The venue" and "Emergency operation". Docs: docs/venue.md.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType

# ---------------------------------------------------------------- rooms and bookings


class RoomKind(StrEnum):
    opening = "opening"  # 开标室 (the source centre has 8)
    evaluation = "evaluation"  # 评标室 (13): closed and monitored; only the committee and supervisor enter
    supervision = "supervision"  # 监督室
    expert_draw = "expert_draw"  # 专家抽取室
    qa = "qa"  # 答疑室
    remote = "remote"  # 远程异地评标席位: a room of another centre, from the shared directory of remote seats


class Room(IdMixin, Base):
    """A room of the centre, or (kind `remote`) a seat in another centre's room for remote evaluation."""

    __tablename__ = "venue_rooms"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    """Door sign, e.g. KB-01 (开标室一), PB-13, YC-HZ-01."""
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[RoomKind] = mapped_column(String(16), index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    """Seats: a session needing more is never put here."""
    equipment: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """What the room has, as short keys (rules.EQUIPMENT): video monitoring, recording, screen, terminals…"""
    location: Mapped[str] = mapped_column(String(100), default="")
    centre: Mapped[str] = mapped_column(String(100), default="")
    """Empty for the centre's own rooms; the host centre's name for a remote seat."""
    region: Mapped[str] = mapped_column(String(64), default="")
    """Where a remote seat's centre is (e.g. 湖州市)."""
    rank: Mapped[int] = mapped_column(Integer, default=0)
    """Order of preference when several rooms are free (lower first)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    """An inactive room (under repair) takes no new bookings; its existing ones stay."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BookingPurpose(StrEnum):
    opening = "opening"  # 开标 at the bid deadline
    evaluation = "evaluation"  # 评标 after the opening
    other = "other"  # booked by hand: 答疑会, 专家抽取, a supervision meeting…


class BookingStatus(StrEnum):
    booked = "booked"  # holds a room
    clash = "clash"  # no room could be found: shown to staff with the alternatives
    cancelled = "cancelled"


class Booking(IdMixin, Base):
    """A session in a room. Automatic bookings follow their tender's timetable; the rest are booked by hand."""

    __tablename__ = "venue_bookings"

    purpose: Mapped[BookingPurpose] = mapped_column(String(16))
    kind: Mapped[RoomKind] = mapped_column(String(16))
    """The kind of room the session needs (`remote` for 远程异地评标)."""
    title: Mapped[str] = mapped_column(String(300))
    tender_id: Mapped[str | None] = mapped_column(ForeignKey("tenders.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    room_id: Mapped[str | None] = mapped_column(ForeignKey("venue_rooms.id"), index=True)
    """None while in clash or once cancelled before it was ever placed."""
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    equipment: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Equipment the session needs; only rooms having all of it qualify."""
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    """The project is prioritised (Project.priority: 城市运行、疫情防控、重大民生、企业急需): first choice of rooms."""
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    """Booked from the tender's timetable; moves when the timetable moves."""
    status: Mapped[BookingStatus] = mapped_column(String(16), index=True)
    clash_reason: Mapped[str] = mapped_column(String(32), default="")
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """On a clash: [{room_id, code, name, starts_at, ends_at}] that were free when it was computed."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(48))
    """A user id, or `system:venue` for automatic bookings."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")


# ---------------------------------------------------------------- visitors at the door


class HealthCode(StrEnum):
    green = "green"  # 绿码
    yellow = "yellow"  # 黄码
    red = "red"  # 红码


class Refusal(StrEnum):
    fever = "fever"  # temperature at or above the threshold (default 37.3 °C)
    health_code = "health_code"  # a yellow or red health code
    no_mask = "no_mask"
    not_admitted_to_room = "not_admitted_to_room"  # evaluation rooms: only the committee and the supervisor


class Visitor(IdMixin, Base):
    """One on-site visitor registered at reception. Personal data is blanked at `next_check_at` (retention)."""

    __tablename__ = "venue_visitors"

    day: Mapped[date] = mapped_column(Date, index=True)
    """Beijing date of the visit (the daily report's key)."""
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8), default="typed")
    """`typed` or `scanner` (read from a card reader's or OCR text output)."""
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18))
    """居民身份证号码, check digit, region and birth date validated (kit.idcard)."""
    organisation: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(200), default="")
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("venue_bookings.id"), index=True)
    """The session attended, if any."""
    temperature_tenths: Mapped[int | None] = mapped_column(Integer)
    """Body temperature in tenths of a degree Celsius (365 = 36.5 °C): exact, no float."""
    mask: Mapped[bool] = mapped_column(Boolean, default=True)
    health_code: Mapped[str] = mapped_column(String(8), default="")
    """HealthCode value, or empty when the centre does not ask for one."""
    admitted: Mapped[bool] = mapped_column(Boolean)
    refusal: Mapped[str] = mapped_column(String(24), default="")
    """Refusal value when refused; the reason is kept after the purge (counts stay in the report)."""
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the retention ends and the chronograph blanks the personal data; None once purged."""
    purged_at: Mapped[datetime | None]


# ---------------------------------------------------------------- the duty roster (值班)


class DutyRole(StrEnum):
    leader = "leader"  # 领导带班: the leader on duty
    officer = "officer"  # 值班员


class DutyShift(IdMixin, Base):
    """One person on duty for an interval. The roster is 24 hours with a leader on duty every day."""

    __tablename__ = "venue_duty_shifts"

    role: Mapped[DutyRole] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    """The person's name as printed on the roster."""
    phone: Mapped[str] = mapped_column(String(32), default="")
    """Duty phone; alerts go here by SMS."""
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    handover_note: Mapped[str] = mapped_column(Text, default="")
    """交接班记录 written for the next shift."""
    handed_over_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class DutyAlert(IdMixin, Base):
    """An alert of the platform (a failed opening, a suspension, a complaint) sent to whoever is on duty."""

    __tablename__ = "venue_duty_alerts"

    kind: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """[{shift_id, user_id, name, role, phone}] on duty at `at`."""
    unstaffed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Nobody was on the roster: the alert went to the centre's inbox instead."""
    tender_id: Mapped[str | None] = mapped_column(String(32), index=True)
    project_id: Mapped[str | None] = mapped_column(String(32), index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
