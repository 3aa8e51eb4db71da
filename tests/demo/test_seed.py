"""Demo data: complete, valid, idempotent, and usable for logging in."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.demo.seed import DEMO_PASSWORD, database_is_empty, seed_demo
from ggzy.demo.uscc import is_valid_uscc, make_uscc
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, OrgStatus, User
from ggzy.party.rules import DEPARTMENT_LINES, is_valid_credit_code
from ggzy.project.models import Notice, Project, ProjectStatus


def test_uscc_check_digits_match_a_published_code_gb32100() -> None:
    assert is_valid_uscc("91110000802100433B")  # a real, published code
    assert not is_valid_uscc("91110000802100433C")
    code = make_uscc("9", "1", "530900", "70000101")
    assert is_valid_uscc(code) and is_valid_credit_code(code)


async def _count(db: AsyncSession, model: type) -> int:
    return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def test_seed_creates_every_party_with_valid_credit_codes(db: AsyncSession, clock: FrozenClock) -> None:
    assert await database_is_empty(db)
    result = await seed_demo(db, now=clock.now())
    assert result.created
    orgs = (await db.execute(select(Organisation))).scalars().all()
    kinds = [o.kind for o in orgs]
    assert kinds.count(OrgKind.centre) == 1 and kinds.count(OrgKind.agency) == 2
    assert kinds.count(OrgKind.tenderer) == 3 and kinds.count(OrgKind.bidder) == 12
    assert all(o.status == OrgStatus.verified for o in orgs)
    for org in orgs:
        assert org.credit_code and is_valid_credit_code(org.credit_code) and is_valid_uscc(org.credit_code)
    supervisors = {o.department: tuple(o.supervised_lines) for o in orgs if o.kind == OrgKind.supervisor}
    assert supervisors == dict(DEPARTMENT_LINES)
    assert {"admin", "staff1", "agency1", "agency2", "bidder1", "bidder12", "sup_finance", "expert1"} <= {
        lg.username for lg in result.logins}
    projects = (await db.execute(select(Project))).scalars().all()
    assert len(projects) == 2 and all(p.status == ProjectStatus.admitted for p in projects)
    assert await _count(db, Notice) >= 2
    assert (await verify_chain(db)).ok


async def test_seed_twice_changes_nothing(db: AsyncSession, clock: FrozenClock) -> None:
    await seed_demo(db, now=clock.now())
    counts = [await _count(db, m) for m in (Organisation, User, Project, Notice, AuditEvent)]
    again = await seed_demo(db, now=clock.advance(days=1))
    assert not again.created
    assert [await _count(db, m) for m in (Organisation, User, Project, Notice, AuditEvent)] == counts
    assert not await database_is_empty(db)


async def test_demo_logins_work_with_the_documented_password(client: AsyncClient, db: AsyncSession,
                                                             clock: FrozenClock) -> None:
    await seed_demo(db, now=clock.now(), with_projects=False)
    for username in ("admin", "agency1", "bidder3", "sup_housing"):
        r = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 200, (username, r.text)
