"""The rooms of the source centre (DOMAIN.md "The venue"): 8 opening rooms, 13 evaluation rooms, the supervision,
expert-draw and Q&A rooms, and a few remote seats of neighbouring centres for 远程异地评标.

Idempotent: only codes not yet present are added (each through the room service, so each is audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.venue.models import Room, RoomKind
from ggzy.venue.schemas import RoomIn
from ggzy.venue.service import VENUE, create_room

EVALUATION_KIT: Final = ["video", "recording", "terminals", "signal_shield", "lockers"]


def source_rooms() -> list[RoomIn]:
    rooms = [RoomIn(code=f"KB-{i:02d}", name=f"第{i}开标室", kind=RoomKind.opening, capacity=30 if i <= 2 else 20,
                    equipment=["video", "recording", "screen"], location=f"交易大楼二楼 20{i}", rank=i)
             for i in range(1, 9)]
    rooms += [RoomIn(code=f"PB-{i:02d}", name=f"第{i}评标室", kind=RoomKind.evaluation,
                     capacity=15 if i <= 3 else (11 if i <= 9 else 9),
                     equipment=EVALUATION_KIT + (["screen"] if i <= 3 else []), location=f"交易大楼四楼 4{i:02d}",
                     rank=i) for i in range(1, 14)]
    rooms += [
        RoomIn(code="JD-01", name="监督室", kind=RoomKind.supervision, capacity=10, equipment=["video", "screen"],
               location="交易大楼四楼 420"),
        RoomIn(code="CQ-01", name="专家抽取室", kind=RoomKind.expert_draw, capacity=6,
               equipment=["video", "recording"], location="交易大楼四楼 421"),
        RoomIn(code="DY-01", name="答疑室", kind=RoomKind.qa, capacity=40, equipment=["video", "screen", "recording"],
               location="交易大楼二楼 210"),
    ]
    rooms += [RoomIn(code=f"YC-{code}", name=f"远程评标室{n}", kind=RoomKind.remote, capacity=9,
                     equipment=["video", "recording", "remote_link"], centre=centre, region=region, rank=n)
              for n, (code, centre, region) in enumerate([("HZ-01", "湖州市公共资源交易中心", "湖州市"),
                                                           ("JX-01", "嘉兴市公共资源交易中心", "嘉兴市"),
                                                           ("SX-01", "绍兴市公共资源交易中心", "绍兴市")], start=1)]
    return rooms


async def seed_rooms(session: AsyncSession, *, now: datetime, actor: Actor = VENUE) -> bool:
    """Add the source centre's rooms that are missing; True when any was added. Commits."""
    have = set((await session.execute(select(Room.code))).scalars().all())
    added = False
    for data in source_rooms():
        if data.code not in have:
            await create_room(session, actor, data, now=now, commit_after=False)
            added = True
    await commit(session)
    return added
