"""Builders for venue tests: rooms through the room service, tenders published through the tender service (so the
venue's publish hook books their sessions), committees and duty shifts as rows."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.expert.models import CommitteeMember, DrawStatus, Expert, ExpertDraw, MemberKind, MemberStatus
from ggzy.kit.idcard import make_id_number
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project import service as project_service
from ggzy.project.models import Priority, TradingLine
from ggzy.tender import service as tender_service
from ggzy.tender.models import Tender
from ggzy.tender.schemas import TenderCreate
from ggzy.venue import service as venue_service
from ggzy.venue.models import Booking, BookingPurpose, Room, RoomKind
from ggzy.venue.schemas import RoomIn
from tests.factories import create_party
from tests.tender.helpers import Cast, admitted_project, cast, tender_payload

_n = itertools.count(1)
NAMES = ["陈建国", "刘志强", "杨秀英", "黄伟", "周敏", "吴磊", "徐静", "孙涛", "马丽", "朱海峰", "胡晓燕"]
DAY = timedelta(days=1)


@dataclass
class Venue:
    cast: Cast
    rooms: dict[str, Room]
    """code → room."""

    @property
    def staff(self) -> Actor:
        return self.cast.centre


async def add_rooms(db: AsyncSession, staff: Actor, now: datetime, specs: list[tuple[str, RoomKind, int]],
                    **extra: Any) -> dict[str, Room]:
    out: dict[str, Room] = {}
    for code, kind, capacity in specs:
        equipment = ["video", "recording", "terminals"] if kind == RoomKind.evaluation else ["video"]
        data = RoomIn(code=code, name=f"{code} 室", kind=kind, capacity=capacity, equipment=equipment,
                      centre="邻市公共资源交易中心" if kind == RoomKind.remote else "", rank=int(code[-2:]), **extra)
        out[code] = await venue_service.add_room(db, staff, data, now=now)
    return out


SMALL = [("KB-01", RoomKind.opening, 20), ("PB-01", RoomKind.evaluation, 9), ("PB-02", RoomKind.evaluation, 9),
         ("DY-01", RoomKind.qa, 40), ("YC-01", RoomKind.remote, 9)]


async def make_venue(db: AsyncSession, now: datetime, specs: list[tuple[str, RoomKind, int]] | None = None) -> Venue:
    c = await cast(db, now)
    return Venue(c, await add_rooms(db, c.centre, now, SMALL if specs is None else specs))


async def published(db: AsyncSession, c: Cast, now: datetime, *, priority: Priority | None = None,
                    line: TradingLine = TradingLine.construction, **over: Any) -> Tender:
    """A tender created and published through the tender service on a fresh admitted project."""
    project = await admitted_project(db, c, now, line)
    if priority is not None:
        await project_service.set_priority(db, c.centre, project.id, priority, "疫情防控物资", now=now)
    payload = tender_payload(project, now, **over)
    view = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
    view = await tender_service.publish_announcement(db, c.agency, view.tender.id, now=now)
    return view.tender


async def sessions_of(db: AsyncSession, tender_id: str) -> dict[str, Booking]:
    """purpose → the tender's latest booking (fresh rows; the read transaction is ended)."""
    rows = (await db.execute(select(Booking).where(Booking.tender_id == tender_id)
                             .order_by(Booking.created_at, Booking.id)
                             .execution_options(populate_existing=True))).scalars().all()
    await db.commit()
    return {str(b.purpose): b for b in rows if b.purpose != BookingPurpose.other}


async def fresh(db: AsyncSession, model: Any, row_id: str) -> Any:
    row = await db.get(model, row_id, populate_existing=True)
    await db.commit()
    return row


# ---------------------------------------------------------------- the committee of a tender


@dataclass
class Committee:
    experts: list[Expert]
    id_numbers: list[str]
    rep: User | None
    rep_org: Organisation | None


async def seat_committee(db: AsyncSession, tender: Tender, now: datetime, *, size: int = 5,
                         declined: int = 1) -> Committee:
    """An accepted committee of `size` pool experts for the tender (plus `declined` who said no), as rows."""
    agency = await db.get(User, tender.created_by)
    assert agency is not None
    draw = ExpertDraw(tender_id=tender.id, requested_by=agency.id, request={}, request_sha256="0" * 64,
                      status=DrawStatus.decided, seed_commitment="0" * 64, seed=secrets.token_hex(32),
                      requested_at=now)
    db.add(draw)
    await db.flush()
    experts: list[Expert] = []
    numbers: list[str] = []
    for i in range(size + declined):
        n = next(_n)
        number = make_id_number("330106", date(1970 + n % 20, 1 + n % 12, 1 + n % 27), n % 1000)
        e = Expert(name=NAMES[n % len(NAMES)], id_number=number, phone=f"138{n:08d}", employer="某设计院",
                   title="高级工程师", senior_title=True, years_in_field=15, years_as_of=now.date(), region="330100",
                   created_at=now, updated_at=now)
        db.add(e)
        await db.flush()
        status = MemberStatus.accepted if i < size else MemberStatus.declined
        db.add(CommitteeMember(draw_id=draw.id, tender_id=tender.id, kind=MemberKind.pool, expert_id=e.id,
                               position=i + 1, status=status))
        experts.append(e)
        numbers.append(number)
    await db.commit()
    return Committee(experts, numbers, None, None)


async def supervisor_of(db: AsyncSession, line: TradingLine, now: datetime, name: str) -> Organisation:
    org, _, _ = await create_party(db, OrgKind.supervisor, now=now, name=name, department="住建局",
                                   supervised_lines=[line.value])
    return org
