"""Builders for evaluation-room tests: a tender opened through the real hall (tests/opening/helpers: real sealed
bids, decrypted, the record published), then a decided committee draw with accepted members inserted as rows
(the draw service is tested in tests/expert), and the logins that act in the room."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.expert.models import CommitteeMember, DrawStatus, Expert, ExpertDraw, MemberKind, MemberStatus
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.factories import _HASH, bearer, create_org, create_party
from tests.opening.helpers import Hall, decrypt, entries_of, later, open_hall, opening_of, sweep
from tests.supervision.builders import reload

_n = itertools.count(1)
EXPERT_NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周强"]


@dataclass
class Room:
    """An opened tender with its committee seated (no evaluation session yet)."""

    hall: Hall
    draw_id: str
    members: list[str]
    """CommitteeMember ids in seat order."""
    users: list[User]
    headers: list[dict[str, str]]
    """Bearer headers of each member, in seat order."""
    names: list[str]
    supervisor: Organisation
    supervisor_headers: dict[str, str]
    outsider_headers: dict[str, str]
    """An expert of the pool who is not on this committee."""
    other_supervisor_headers: dict[str, str]
    """The supervisor of another line (procurement): not this tender's regulator."""
    entries: dict[str, str] = field(default_factory=dict)
    """bidder org id → opening entry id."""

    @property
    def tender_id(self) -> str:
        return self.hall.w.tender.id

    @property
    def url(self) -> str:
        return f"/api/tenders/{self.tender_id}/evaluation"

    @property
    def centre(self) -> dict[str, str]:
        return self.hall.centre

    def bidder_headers(self, i: int) -> dict[str, str]:
        return self.hall.w.bidders[i].headers

    def entry_of(self, i: int) -> str:
        return self.entries[self.hall.w.bidders[i].org.id]


async def opened(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path, *,
                 bidders: int = 4, decrypting: int | None = None, **over: Any) -> Hall:
    """A tender through the whole opening hall: every bidder signs in, `decrypting` of them decrypt (all by
    default; the rest are deemed revoked when the window ends), 唱标 closes and everyone confirms the record."""
    h = await open_hall(app, client, db, clock, tmp, bidders=bidders, **over)
    w = h.w
    for b in w.bidders:
        r = await client.post(f"{h.url}/sign-in", headers=b.headers)
        assert r.status_code == 201, r.text
    r = await client.post(f"{h.url}/publish-bidders", headers=h.host)
    assert r.status_code == 200, r.text
    n = bidders if decrypting is None else decrypting
    for b in w.bidders[:n]:
        r = await decrypt(client, h, b)
        assert r.status_code == 200, r.text
    if n < bidders:
        later(clock, w.tender.decryption_window_minutes)
        await sweep(app, clock)
    r = await client.post(f"{h.url}/close-announcing", headers=h.host)
    assert r.status_code == 200, r.text
    for b in w.bidders:
        r = await client.post(f"{h.url}/confirm", headers=b.headers)
        assert r.status_code == 200, r.text
    tender = await reload(db, Tender, w.tender.id)
    assert tender.status == TenderStatus.opened, tender.status
    later(clock, 60)
    return h


def id_number() -> str:
    """18 characters shaped like a 居民身份证号码 and unique per call (the room never validates it)."""
    return f"33010619{next(_n) % 100:02d}0101{next(_n):04d}"[:17] + "X"


async def seat_committee(db: AsyncSession, client: AsyncClient, h: Hall, clock: FrozenClock, *, size: int = 5,
                         accepted: int | None = None, reps: int = 0) -> Room:
    """A decided draw of `size` seats (all accepted unless `accepted` says how many), as rows: pool experts, the
    last `reps` of them the tenderer's representatives (users of the tenderer, Evaluation Rules Art.9)."""
    now = clock.now()
    tender = h.w.tender
    pool = await create_org(db, OrgKind.expert, now=now, name="评标专家库")
    seed = secrets.token_bytes(32)
    request = {"size": size, "tenderer_reps": reps, "specialties": [{"code": "A08", "count": size - reps}],
               "regions": [],
               "evaluation_at": now.isoformat(), "evaluation_hours": 4, "venue": "room", "room": "第3评标室",
               "reserve_per_specialty": 2, "answer_minutes": 30}
    draw = ExpertDraw(tender_id=tender.id, requested_by=h.w.cast.agency_user.id, request=request,
                      request_sha256=hashlib.sha256(repr(request).encode()).hexdigest(), status=DrawStatus.decided,
                      seed_commitment=hashlib.sha256(seed).hexdigest(), seed=seed.hex(), revealed_at=now,
                      requested_at=now - timedelta(hours=1), decided_at=now)
    db.add(draw)
    await db.flush()
    users: list[User] = []
    members: list[str] = []
    names: list[str] = []
    ok = size if accepted is None else accepted
    for i in range(size):
        name = EXPERT_NAMES[i % len(EXPERT_NAMES)]
        rep = i >= size - reps
        org_id = h.w.cast.tenderer_org.id if rep else pool.id
        user = User(organisation_id=org_id, username=f"expert{next(_n)}", display_name=name,
                    password_hash=_HASH, role=Role.tenderer if rep else Role.expert, created_at=now)
        db.add(user)
        await db.flush()
        expert_id = None
        if not rep:
            expert = Expert(user_id=user.id, name=name, id_number=id_number(), phone=f"1380000{next(_n):04d}",
                            employer="某设计研究院", title="高级工程师", senior_title=True, years_in_field=12,
                            years_as_of=date(2026, 1, 1), region="330100", created_at=now, updated_at=now)
            db.add(expert)
            await db.flush()
            expert_id = expert.id
        member = CommitteeMember(draw_id=draw.id, tender_id=tender.id,
                                 kind=MemberKind.tenderer_rep if rep else MemberKind.pool, expert_id=expert_id,
                                 user_id=user.id, specialty_code="" if rep else "A0801", round=1, position=i + 1,
                                 status=MemberStatus.accepted if i < ok else MemberStatus.notified,
                                 notified_at=now, answered_at=now if i < ok else None)
        db.add(member)
        await db.flush()
        users.append(user)
        members.append(member.id)
        names.append(name)
    outsider = User(organisation_id=pool.id, username=f"expert{next(_n)}", display_name="局外专家",
                    password_hash=_HASH, role=Role.expert, created_at=now)
    db.add(outsider)
    await db.commit()
    sup, sup_user, _ = await create_party(db, OrgKind.supervisor, now=now, department="住建局",
                                          supervised_lines=[TradingLine.construction.value])
    _, other_user, _ = await create_party(db, OrgKind.supervisor, now=now, department="财政局",
                                              supervised_lines=[TradingLine.procurement.value])
    headers = [await bearer(client, u) for u in users]
    room = Room(h, draw.id, members, users, headers, names, sup, await bearer(client, sup_user),
                await bearer(client, outsider), await bearer(client, other_user))
    opening = await opening_of(db, tender.id)
    assert opening is not None
    room.entries = {e.bidder_org_id: e.id for e in await entries_of(db, opening.id)}
    return room


async def build_room(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path, *,
                     bidders: int = 4, decrypting: int | None = None, size: int = 5, reps: int = 0,
                     **over: Any) -> Room:
    h = await opened(app, client, db, clock, tmp, bidders=bidders, decrypting=decrypting, **over)
    return await seat_committee(db, client, h, clock, size=size, reps=reps)


# ---------------------------------------------------------------- walking the room through the API


async def start(client: AsyncClient, room: Room) -> dict[str, Any]:
    r = await client.post(room.url, headers=room.centre)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def elect(client: AsyncClient, room: Room, chair: int = 0) -> None:
    """Every member votes for seat `chair`; the majority elects it at the third vote."""
    for i, hd in enumerate(room.headers):
        r = await client.post(f"{room.url}/chair-votes", json={"member_id": room.members[chair]}, headers=hd)
        if i < len(room.headers) // 2 + 1:
            assert r.status_code == 201, r.text
        else:
            assert r.status_code == 409, r.text  # the chair is elected: voting is over


async def view(client: AsyncClient, room: Room, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get(room.url, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def reviewable(v: dict[str, Any]) -> list[str]:
    """Entry ids the members vote on (no automatic reason)."""
    return [e["id"] for lot in v["lots"] for e in lot["entries"] if not e["auto_reasons"]]


async def review_all(client: AsyncClient, room: Room, *, fail: dict[str, int] | None = None) -> None:
    """Every member judges every bid: pass, except that `fail[entry_id]` members (the first ones) fail it."""
    v = await view(client, room, room.headers[0])
    fail = fail or {}
    for entry_id in reviewable(v):
        for i, hd in enumerate(room.headers):
            failing = i < fail.get(entry_id, 0)
            body = {"passed": not failing, "reason": "资质证书过期，不满足招标文件第3.2条" if failing else ""}
            r = await client.put(f"{room.url}/entries/{entry_id}/opinion", json=body, headers=hd)
            assert r.status_code == 200, r.text


async def close_review(client: AsyncClient, room: Room, chair: int = 0) -> dict[str, Any]:
    r = await client.post(f"{room.url}/close-review", headers=room.headers[chair])
    assert r.status_code == 200, r.text
    return dict(r.json())


async def put_scores(client: AsyncClient, room: Room, member: int, cells: dict[tuple[str, str], str]) -> Any:
    body = {"scores": [{"entry_id": e, "criterion_id": c, "score": s} for (e, c), s in cells.items()]}
    return await client.put(f"{room.url}/scores", json=body, headers=room.headers[member])

