"""Rooms of the venue (开标室、评标室、监督室、专家抽取室、答疑室) and the shared directory of remote seats.

Centre staff keep them; bookings (bookings.py), the reception desk (visitors.py) and the duty roster (duty.py)
build on the helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.kit.db import commit
from ggzy.venue import rules
from ggzy.venue.errors import CentreOnly, RoomCodeTaken, RoomInvalid, RoomNotFound
from ggzy.venue.models import Room, RoomKind
from ggzy.venue.schemas import RoomIn, RoomPatch

VENUE = system_actor("venue")
"""The platform booking sessions from a tender's timetable and purging visitor data (`system:venue`)."""

KIND_LABELS: dict[str, tuple[str, str]] = {
    RoomKind.opening: ("开标室", "Opening room"),
    RoomKind.evaluation: ("评标室", "Evaluation room"),
    RoomKind.supervision: ("监督室", "Supervision room"),
    RoomKind.expert_draw: ("专家抽取室", "Expert-draw room"),
    RoomKind.qa: ("答疑室", "Q&A room"),
    RoomKind.remote: ("远程异地评标席位", "Remote evaluation seat"),
}


def require_centre(actor: Actor) -> None:
    if not actor.is_centre:
        raise CentreOnly()


S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def locked(session: AsyncSession, stmt: S) -> S:
    """Row locks on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock."""
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def room_snapshot(room: Room) -> dict[str, Any]:
    return {"code": room.code, "name": room.name, "kind": room.kind, "capacity": room.capacity,
            "equipment": list(room.equipment), "location": room.location, "centre": room.centre,
            "region": room.region, "rank": room.rank, "active": room.active}


def spec(room: Room) -> rules.RoomSpec:
    return rules.RoomSpec(room.id, str(room.kind), room.capacity, frozenset(room.equipment), room.rank, room.code)


def check_equipment(keys: Iterable[str]) -> list[str]:
    keys = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    unknown = [k for k in keys if k not in rules.EQUIPMENT]
    if unknown:
        raise RoomInvalid("venue.equipment_unknown", f"未知的设备：{'、'.join(unknown)}",
                          f"Unknown equipment: {', '.join(unknown)}", detail={"unknown": unknown,
                                                                              "known": sorted(rules.EQUIPMENT)})
    return keys


def _check_room(data: RoomIn) -> None:
    if not data.code.replace("-", "").isalnum() or not data.code.isascii():
        raise RoomInvalid("venue.room_code_invalid", "场地编号只能由字母、数字和连字符组成",
                          "A room code is letters, digits and hyphens", detail={"field": "code"})
    if data.kind == RoomKind.remote and not data.centre.strip():
        raise RoomInvalid("venue.remote_needs_centre", "远程异地评标席位须填写所在交易中心",
                          "A remote seat needs the name of the centre it belongs to", detail={"field": "centre"})
    if data.kind != RoomKind.remote and data.centre.strip():
        raise RoomInvalid("venue.local_room_centre",
                          "本中心场地不填写其他交易中心；其他中心的席位请选择“远程异地评标席位”",
                          "The centre's own rooms have no other centre; choose kind `remote` for another centre's seat",
                          detail={"field": "centre"})


async def list_rooms(session: AsyncSession, actor: Actor, *, kinds: Sequence[RoomKind] | None = None,
                     include_inactive: bool = True) -> list[Room]:
    require_centre(actor)
    stmt = select(Room).order_by(Room.kind, Room.rank, Room.code)
    if kinds:
        stmt = stmt.where(Room.kind.in_([str(k) for k in kinds]))
    if not include_inactive:
        stmt = stmt.where(Room.active.is_(True))
    order = list(RoomKind)  # opening rooms first, as the centre lists them, remote seats last
    return sorted((await session.execute(stmt)).scalars().all(),
                  key=lambda r: (order.index(RoomKind(r.kind)), r.rank, r.code))


async def get_room(session: AsyncSession, actor: Actor, room_id: str) -> Room:
    require_centre(actor)
    room = await session.get(Room, room_id)
    if room is None:
        raise RoomNotFound()
    return room


async def _code_taken(session: AsyncSession, code: str) -> bool:
    return (await session.execute(select(Room.id).where(Room.code == code))).first() is not None


async def add_room(session: AsyncSession, actor: Actor, data: RoomIn, *, now: datetime,
                   commit_after: bool = True) -> Room:
    """A room of the centre, or a remote seat of another centre (kind `remote`)."""
    require_centre(actor)
    return await create_room(session, actor, data, now=now, commit_after=commit_after)


async def create_room(session: AsyncSession, actor: Actor, data: RoomIn, *, now: datetime,
                      commit_after: bool = True) -> Room:
    """add_room without the staff check: the seed and `ggzy venue seed-rooms` act as the platform."""
    _check_room(data)
    code = data.code.strip().upper()
    if await _code_taken(session, code):
        raise RoomCodeTaken(detail={"code": code})
    room = Room(code=code, name=data.name.strip(), kind=data.kind, capacity=data.capacity,
                equipment=check_equipment(data.equipment), location=data.location.strip(),
                centre=data.centre.strip(), region=data.region.strip(), rank=data.rank, active=data.active,
                note=data.note.strip(), created_at=now, updated_at=now)
    session.add(room)
    await session.flush()
    await record(session, "venue:room_added", actor, subject_type="venue_room", subject_id=room.id,
                 after=room_snapshot(room), now=now)
    if commit_after:
        await commit(session)
    return room


async def update_room(session: AsyncSession, actor: Actor, room_id: str, data: RoomPatch, *, now: datetime) -> Room:
    """Change a room's details; taking it out of use keeps the sessions already booked in it."""
    require_centre(actor)
    room = (await session.execute(locked(session, select(Room).where(Room.id == room_id)))).scalars().first()
    if room is None:
        raise RoomNotFound()
    before = room_snapshot(room)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "equipment" in changes:
        changes["equipment"] = check_equipment(changes["equipment"])
    for key, value in changes.items():
        setattr(room, key, value.strip() if isinstance(value, str) else value)
    room.updated_at = now
    await record(session, "venue:room_updated", actor, subject_type="venue_room", subject_id=room.id,
                 before=before, after=room_snapshot(room), now=now)
    await commit(session)
    return room


async def rooms_by_id(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, Room]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = (await session.execute(select(Room).where(Room.id.in_(wanted)))).scalars().all()
    return {r.id: r for r in rows}
