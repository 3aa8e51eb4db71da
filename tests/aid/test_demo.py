"""The demo village seeded by ggzy.aid.demo (called from ggzy.demo.seed): realistic, consistent, idempotent."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import service
from ggzy.aid.demo import LIFT_YEARS, PROJECTS, seed_aid
from ggzy.aid.models import AidPartner, AidProject, AidVillage
from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.auth.actor import Actor
from ggzy.demo.seed import SeedResult
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind, Role
from tests.factories import create_org, create_user


async def _seeded(db: AsyncSession, clock: FrozenClock) -> SeedResult:
    """Just the part of the platform demo the aid seed needs: the centre and its staff member staff1."""
    org = await create_org(db, OrgKind.centre, now=clock.now())
    user = await create_user(db, org, now=clock.now(), role=Role.centre_staff, username="staff1")
    return SeedResult(created=False, logins=[], orgs={"centre": org}, users={"staff1": user})


async def test_demo_village_has_the_promised_shape_and_is_seeded_once(db: AsyncSession, clock: FrozenClock) -> None:
    seeded = await _seeded(db, clock)
    started = time.perf_counter()
    assert await seed_aid(db, seeded, now=clock.now())
    elapsed = time.perf_counter() - started
    assert elapsed < 20, elapsed  # one transaction; about a second on SQLite
    village = (await db.execute(select(AidVillage))).scalar_one()
    staff = Actor(user_id=seeded.users["staff1"].id, org_id=seeded.orgs["centre"].id, role=Role.centre_staff)
    p = await service.progress(db, staff, village.id, as_of=date(2020, 12, 31))
    assert (village.households, village.population) == (312, 1146)
    assert p.counts.households == len(LIFT_YEARS) == 38 and p.counts.lifted == 38 and p.counts.poor == 0
    assert 100 <= p.counts.members <= 200
    assert [(y.year, y.lifted_in_year) for y in p.years] == [(2016, 0), (2017, 9), (2018, 12), (2019, 11), (2020, 7)]
    assert [y.fell_back_in_year for y in p.years] == [0, 0, 0, 1, 0]
    assert p.projects == 10 and p.projects_completed == 10 and len(p.by_partner) == 4
    assert {t.key for t in p.by_category} == {"road", "water", "industry", "housing", "clinic", "lighting", "other"}
    expected = sum((Decimal(a) for spec in PROJECTS for _, a, _ in spec.money), Decimal("0.00"))
    assert p.total == expected
    assert all(q.visits >= 2 for q in p.quarters[1:])  # from 2016Q2, every quarter up to 2020 has visits
    now_p = await service.progress(db, staff, village.id, as_of=service.today_of(clock.now()))
    assert now_p.quarters[-1].label == "2026Q1" and now_p.problems.found > now_p.problems.solved > 0
    assert (await db.execute(select(func.count()).select_from(AidPartner))).scalar_one() == 4

    events = (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    assert not await seed_aid(db, seeded, now=clock.now())
    assert (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one() == events
    assert (await db.execute(select(func.count()).select_from(AidProject))).scalar_one() == 10
    assert (await verify_chain(db)).ok


async def test_demo_writes_nothing_dated_after_now(db: AsyncSession, clock: FrozenClock) -> None:
    """Seeded on 2018-06-30 (Beijing), the village has only what had happened by then."""
    from datetime import datetime

    from ggzy.kit.timefmt import SHANGHAI

    clock.set(datetime(2018, 6, 30, 12, 0, tzinfo=SHANGHAI))
    seeded = await _seeded(db, clock)
    assert await seed_aid(db, seeded, now=clock.now())
    village = (await db.execute(select(AidVillage))).scalar_one()
    staff = Actor(user_id=seeded.users["staff1"].id, org_id=seeded.orgs["centre"].id, role=Role.centre_staff)
    p = await service.progress(db, staff, village.id, as_of=date(2018, 6, 30))
    assert p.counts.lifted == 9 and p.counts.to_lift == 12 and p.quarters[-1].label == "2018Q2"
    assert p.projects == 8 and p.projects_completed == 3  # road, water channel, housing
