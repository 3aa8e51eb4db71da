"""Builders for draw tests: a tender past its bid deadline with bidders known to the platform, and pool experts
inserted as rows (the pool's own import service is tested in its own files)."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.service import actor_for
from ggzy.bid.models import Bid, BidStatus, KeySet
from ggzy.expert import draw_rules as rules
from ggzy.expert import draw_service as service
from ggzy.expert.models import (
    CommitteeMember,
    Expert,
    ExpertDeclaration,
    ExpertEmployment,
    ExpertPenalty,
    ExpertSpecialty,
    ExpertStatus,
    ExpertUnavailability,
    MemberStatus,
)
from ggzy.expert.schemas import DrawRequestIn
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project.models import TradingLine
from ggzy.tender import service as tender_service
from ggzy.tender.models import Lot, Tender, TenderStatus
from ggzy.tender.schemas import TenderCreate
from tests.factories import create_org, create_party, create_user, query
from tests.tender.helpers import Cast, admitted_project, cast, tender_payload

_n = itertools.count(1)


def code18(prefix: str = "91") -> str:
    """An 18-character credit-code-shaped string, unique per call (matching only compares them)."""
    return f"{prefix}{next(_n):016d}"


@dataclass
class DrawWorld:
    cast: Cast
    tender: Tender
    lots: list[Lot]
    bidders: list[Organisation]
    supervisor: Organisation
    pool_org: Organisation
    """The expert pool organisation (kind expert) every expert login belongs to."""
    tender_id: str = ""
    """Plain copies of ids: a test's rollback expires the ORM rows above."""
    experts: list[Expert] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    """expert id → login."""
    actors: dict[str, Actor] = field(default_factory=dict)
    """expert id → the Actor a service call from that expert receives (built while the rows are fresh)."""

    @property
    def agency(self) -> Actor:
        return self.cast.agency

    @property
    def centre(self) -> Actor:
        return self.cast.centre


async def draw_world(db: AsyncSession, now: datetime, *, line: TradingLine = TradingLine.construction,
                     budgets: tuple[str, ...] = ("1000000.00",), bidders: int = 3,
                     status: TenderStatus = TenderStatus.opened) -> DrawWorld:
    """A tender whose bidding has closed (`status`), with `bidders` active bids (rows: ciphertext is not what is
    tested here), a supervising department of its line and an expert pool organisation."""
    c = await cast(db, now)
    await db.execute(update(Organisation).where(Organisation.id == c.agency_org.id).values(
        name="华信招标代理有限公司", credit_code=code18()))
    await db.execute(update(Organisation).where(Organisation.id == c.tenderer_org.id).values(
        name="市第一中学", credit_code=code18("12")))
    await db.commit()
    project = await admitted_project(db, c, now, line)
    lots = [{"name": f"标段{i + 1}", "budget": b, "bond_amount": str((Decimal(b) * Decimal("0.01")).quantize(
        Decimal("0.01")))} for i, b in enumerate(budgets)]
    payload = tender_payload(project, now, lots=lots)
    view = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
    view = await tender_service.publish_announcement(db, c.agency, view.tender.id, now=now)
    sup = await create_org(db, OrgKind.supervisor, now=now, name=f"市住房和城乡建设局{next(_n)}",
                           credit_code=code18("11"), supervised_lines=[line.value])
    orgs: list[Organisation] = []
    for i in range(bidders):
        org, user, _ = await create_party(db, OrgKind.bidder, now=now, name=f"投标人{next(_n)}建设有限公司",
                                          credit_code=code18())
        ks = KeySet(org_id=org.id, suite="x25519-aes256gcm", enc_public="-", enc_key_id=secrets.token_hex(16),
                    sign_public="-", sign_key_id=secrets.token_hex(16), created_by=user.id, created_at=now)
        db.add(ks)
        await db.flush()
        db.add(Bid(tender_id=view.tender.id, lot_id=view.lots[0].id, bidder_org_id=org.id, submitted_by=user.id,
                   status=BidStatus.active, suite=ks.suite, key_set_id=ks.id, sha256=secrets.token_hex(32), size=1,
                   header="{}", idempotency_key=f"k{i}", received_at=now, receipt="{}"))
        orgs.append(org)
    await db.execute(update(Tender).where(Tender.id == view.tender.id).values(status=status))
    await db.commit()
    await db.refresh(view.tender)
    pool = await create_org(db, OrgKind.expert, now=now, name="市综合评标专家库")
    return DrawWorld(c, view.tender, view.lots, orgs, sup, pool, tender_id=view.tender.id)


async def add_expert(db: AsyncSession, w: DrawWorld, now: datetime, *, codes: tuple[str, ...] = ("A0801",),
                     region: str = "330106", senior: bool = True, years: int = 10,
                     status: ExpertStatus = ExpertStatus.active, employer: str | None = None,
                     employer_code: str = "", login: bool = True, commit: bool = True) -> Expert:
    n = next(_n)
    user = await create_user(db, w.pool_org, now=now) if login else None
    e = Expert(user_id=user.id if user else None, name=f"专家{n}", id_number=f"{n:018d}", phone=f"139{n:08d}",
               employer=employer or f"第{n}设计研究院", employer_credit_code=employer_code, title="高级工程师",
               senior_title=senior, years_in_field=years, years_as_of=date(2025, 1, 1), region=region,
               status=status, created_at=now, updated_at=now)
    db.add(e)
    await db.flush()
    for code in codes:
        db.add(ExpertSpecialty(expert_id=e.id, code=code))
    if commit:
        await db.commit()
    w.experts.append(e)
    e_id = e.id
    if user is not None:
        w.users[e_id] = user
        w.actors[e_id] = actor_for(user, w.pool_org, "198.51.100.9")
    return e


async def add_pool(db: AsyncSession, w: DrawWorld, now: datetime, n: int, **kw: Any) -> list[Expert]:
    out = [await add_expert(db, w, now, commit=False, **kw) for _ in range(n)]
    await db.commit()
    return out


async def employ(db: AsyncSession, e: Expert, org: Organisation, *, start: date, end: date | None,
                 by_name_only: bool = False) -> None:
    db.add(ExpertEmployment(expert_id=e.id, org_name=org.name, org_credit_code="" if by_name_only else
                            (org.credit_code or ""), start=start, end=end))
    await db.commit()


async def declare(db: AsyncSession, e: Expert, org: Organisation, kind: str, now: datetime) -> None:
    db.add(ExpertDeclaration(expert_id=e.id, kind=kind, org_name=org.name, org_credit_code=org.credit_code or "",
                             detail="配偶任其法定代表人", declared_at=now))
    await db.commit()


async def penalise(db: AsyncSession, e: Expert) -> None:
    db.add(ExpertPenalty(expert_id=e.id, decided_on=date(2019, 5, 1), until=date(2020, 5, 1), reason="评标打分畸高"))
    await db.commit()


async def away(db: AsyncSession, e: Expert, start: datetime, end: datetime) -> None:
    db.add(ExpertUnavailability(expert_id=e.id, start=start, end=end, reason="出差"))
    await db.commit()


def request_body(now: datetime, *, size: int = 5, specialties: list[tuple[str, int]] | None = None,
                 **over: Any) -> DrawRequestIn:
    specs = specialties or [("A0801", size - len(over.get("tenderer_reps", [])))]
    body: dict[str, Any] = {
        "size": size, "specialties": [{"code": c, "count": k} for c, k in specs],
        "evaluation_at": (now + timedelta(days=2)).astimezone(UTC).isoformat(), "evaluation_hours": 4,
        "venue": "room", "room": "第3评标室", "reserve_per_specialty": 2, "answer_minutes": 30,
    }
    body.update(over)
    return DrawRequestIn.model_validate(body)


def candidate(i: int, **over: Any) -> rules.Candidate:
    """A pure-rules candidate: eligible unless told otherwise."""
    base: dict[str, Any] = {
        "id": f"e{i:05d}", "status": "active", "senior_title": True, "years_in_field": 10,
        "years_as_of": date(2025, 1, 1), "region": "330106", "specialties": ("A0801",),
        "employer": rules.OrgRef(f"第{i}设计院", ""),
    }
    base.update(over)
    return rules.Candidate(**base)


async def seats(db: Any, draw_id: str) -> list[Any]:
    return list(await query(db, select(CommitteeMember.id, CommitteeMember.expert_id, CommitteeMember.status)
                            .where(CommitteeMember.draw_id == draw_id).order_by(CommitteeMember.position)))


async def accept_all(db: Any, w: DrawWorld, draw_id: str, clock: FrozenClock) -> None:
    for s in await seats(db, draw_id):
        if s.status == MemberStatus.notified:
            await service.accept(db, w.actors[s.expert_id], draw_id, s.id, now=clock.now())
