"""Idempotent demo data: a city's trading centre, agencies, tenderers, bidders, supervisors, the expert pool
(demo/experts.py), one bidder company that registered itself and waits for verification, and (demo/projects.py)
projects, tenders, documents and a clarification made through the services, and (demo/land.py) the admitted land
project of the demo's auction, so every workspace has something to act on.

Every organisation has a valid 统一社会信用代码 (GB 32100 check digit and GB 11714 organisation-code
digit). All demo users share one documented password, DEMO_PASSWORD. Running the seed twice changes
nothing: organisations are found by credit code, users by username, projects by code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.auth.service import actor_for
from ggzy.demo.uscc import make_uscc
from ggzy.kit.db import commit
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role, User
from ggzy.storage.blobstore import BlobStore

DEMO_PASSWORD = "ggzy-demo-2026"
"""The password of every demo login (≥ 10 characters with letters and digits, as party rules require)."""

CITY = "云州市"
"""A fictional prefecture-level city, so demo data never names a real body."""
REGION_CODE = "530900"

SEED_ACTOR = system_actor("seed")


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class OrgSpec:
    key: str
    kind: OrgKind
    name: str
    registrar: str
    """First two characters of the credit code: 11 government body, 12 public institution, 91 enterprise."""
    serial: int
    users: tuple[UserSpec, ...]
    department: str = ""
    lines: tuple[str, ...] = ()
    region: str = CITY
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""


def _u(username: str, display: str, role: Role) -> UserSpec:
    return UserSpec(username, display, role)


BIDDER_NAMES = [
    "云州建工集团有限公司", "滇南路桥工程有限公司", "云州市政建设有限公司", "青山水利水电工程有限公司",
    "华岳建筑安装工程有限公司", "云州智联信息技术有限公司", "博远医疗器械有限公司", "明德教育装备有限公司",
    "安泰消防工程有限公司", "绿城园林绿化工程有限公司", "中瑞工程造价咨询有限公司", "恒信办公设备有限公司",
]

SUPERVISORS = [
    ("finance", "财政局", f"{CITY}财政局", ("procurement",)),
    ("housing", "住建局", f"{CITY}住房和城乡建设局", ("construction",)),
    ("transport", "交通运输局", f"{CITY}交通运输局", ("construction",)),
    ("water", "水利局", f"{CITY}水利局", ("construction",)),
    ("sasac", "国资委", f"{CITY}人民政府国有资产监督管理委员会", ("property",)),
    ("land", "自然资源局", f"{CITY}自然资源和规划局", ("land",)),
]


def org_specs() -> list[OrgSpec]:
    """Every demo organisation with its users, in a stable order (the serial feeds the credit code)."""
    specs = [
        OrgSpec("centre", OrgKind.centre, f"{CITY}公共资源交易中心", "12", 1, (
            _u("admin", "周建国（中心管理员）", Role.centre_admin),
            _u("staff1", "李晓燕（进场受理）", Role.centre_staff),
            _u("staff2", "王志强（开评标服务）", Role.centre_staff),
        ), address=f"{CITY}青山区政务服务中心 B 座 3-5 层", contact_name="李晓燕", contact_phone="0871-6500 1234"),
        OrgSpec("agency1", OrgKind.agency, "云州建信工程咨询有限公司", "91", 11,
                (_u("agency1", "陈立（项目经理）", Role.agency),), contact_name="陈立", contact_phone="13800001101"),
        OrgSpec("agency2", OrgKind.agency, "云州华采招标代理有限公司", "91", 12,
                (_u("agency2", "赵敏（采购代理）", Role.agency),), contact_name="赵敏", contact_phone="13800001102"),
        OrgSpec("tenderer1", OrgKind.tenderer, f"{CITY}住房和城乡建设局（建设单位）", "11", 21,
                (_u("tenderer1", "刘洋（基建科）", Role.tenderer),), contact_phone="0871-6500 2201"),
        OrgSpec("tenderer2", OrgKind.tenderer, f"{CITY}第一中学", "12", 22,
                (_u("tenderer2", "孙丽（总务处）", Role.tenderer),), contact_phone="0871-6500 2202"),
        OrgSpec("tenderer3", OrgKind.tenderer, f"{CITY}人民医院", "12", 23,
                (_u("tenderer3", "吴刚（设备科）", Role.tenderer),), contact_phone="0871-6500 2203"),
        OrgSpec("tenderer4", OrgKind.tenderer, f"{CITY}自然资源和规划局（出让人）", "11", 24,
                (_u("tenderer4", "黄磊（土地出让科）", Role.tenderer),), contact_phone="0871-6500 2204"),
    ]
    for i, name in enumerate(BIDDER_NAMES, start=1):
        specs.append(OrgSpec(f"bidder{i}", OrgKind.bidder, name, "91", 100 + i,
                             (_u(f"bidder{i}", f"{name[:4]}投标专员", Role.bidder),),
                             contact_phone=f"1390000{i:04d}"))
    for i, (key, dept, name, lines) in enumerate(SUPERVISORS, start=1):
        specs.append(OrgSpec(f"sup_{key}", OrgKind.supervisor, name, "11", 200 + i,
                             (_u(f"sup_{key}", f"{dept}监督员", Role.supervisor),), department=dept, lines=lines,
                             contact_phone=f"0871-6500 3{i:03d}"))
    from ggzy.demo.experts import expert_users  # the pool's specs import this module's SeedResult

    specs.append(OrgSpec("experts", OrgKind.expert, f"{CITY}综合评标专家库", "12", 300,
                         tuple(_u(username, display, Role.expert) for username, display in expert_users())))
    return specs


PENDING_BIDDER = OrgSpec("pending_bidder", OrgKind.bidder, "云州恒达建材贸易有限公司", "91", 150,
                         (_u("bidder13", "马骏（注册待审核）", Role.bidder),), contact_name="马骏",
                         contact_phone="13900000150", address=f"{CITY}滇池路 88 号")
"""Registers itself like any company (party service register_bidder) and stays pending: the centre's
verification queue is not empty, and its login shows what a bidder sees before verification."""


def login_specs() -> list[OrgSpec]:
    """Every organisation holding a demo login: org_specs() and the pending bidder."""
    return [*org_specs(), PENDING_BIDDER]


def demo_password_hash(password: str) -> str:
    """argon2id with light parameters: the demo password is published in the README anyway, and
    verification reads the parameters from the hash, so each demo login costs milliseconds instead of
    ~0.5 s. Real accounts are hashed by ggzy.auth.passwords with the RFC 9106 defaults."""
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(password)


def credit_code_for(spec: OrgSpec) -> str:
    return make_uscc(spec.registrar[0], spec.registrar[1], REGION_CODE, f"{70000000 + spec.serial:08d}")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    org_name: str
    display_name: str


@dataclass
class SeedResult:
    created: bool
    """False when every row already existed (a second run)."""
    logins: list[DemoLogin]
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    projects: list[str] = field(default_factory=list)


async def _find_org(session: AsyncSession, code: str) -> Organisation | None:
    return (await session.execute(select(Organisation).where(Organisation.credit_code == code))).scalars().first()


async def _bootstrap_centre(session: AsyncSession, spec: OrgSpec, now: datetime) -> tuple[Organisation, bool]:
    """The centre itself: nobody exists yet who could create it through the party service."""
    code = credit_code_for(spec)
    found = await _find_org(session, code)
    if found is not None:
        return found, False
    org = Organisation(
        kind=spec.kind, name=spec.name, credit_code=code, region=spec.region, contact_name=spec.contact_name,
        contact_phone=spec.contact_phone, address=spec.address, status=OrgStatus.verified, verified_at=now,
        department="", supervised_lines=[], created_at=now,
    )
    session.add(org)
    await session.flush()
    await record(session, "organisation:created", SEED_ACTOR, subject_type="organisation", subject_id=org.id,
                 now=now, after={"name": org.name, "kind": org.kind, "credit_code": code, "status": org.status})
    return org, True


async def _org(session: AsyncSession, admin: Actor, spec: OrgSpec, now: datetime) -> tuple[Organisation, bool]:
    """Every other organisation goes through the party service, as the centre administrator would."""
    from ggzy.party.schemas import OrgCreate
    from ggzy.party.service import create_organisation

    code = credit_code_for(spec)
    found = await _find_org(session, code)
    if found is not None:
        return found, False
    data = OrgCreate(kind=spec.kind, name=spec.name, credit_code=code, region=spec.region, address=spec.address,
                     contact_name=spec.contact_name, contact_phone=spec.contact_phone, department=spec.department)
    return await create_organisation(session, admin, data, now=now), True


async def _user(session: AsyncSession, org: Organisation, spec: UserSpec, pw_hash: Callable[[], str],
                now: datetime) -> tuple[User, bool]:
    """Users are inserted directly with one shared hash: argon2 takes ~0.5 s per hash by design, and the
    party service would hash each of the ~30 demo passwords again. The audit chain still records each one."""
    found = (await session.execute(select(User).where(User.username == spec.username))).scalars().first()
    if found is not None:
        return found, False
    user = User(organisation_id=org.id, username=spec.username, display_name=spec.display_name,
                password_hash=pw_hash(), role=spec.role, created_at=now)
    session.add(user)
    await session.flush()
    await record(session, "user:created", SEED_ACTOR, subject_type="user", subject_id=user.id, now=now,
                 after={"username": user.username, "display_name": user.display_name, "role": user.role,
                        "organisation_id": org.id, "is_active": True})
    return user, True


async def _pending_bidder(session: AsyncSession, password: str, now: datetime) -> tuple[Organisation, User, bool]:
    """Self-registration through the party service (a real argon2 hash: the service hashes it)."""
    from ggzy.party.schemas import BidderRegistration
    from ggzy.party.service import register_bidder

    spec = PENDING_BIDDER
    uspec = spec.users[0]
    code = credit_code_for(spec)
    found = await _find_org(session, code)
    if found is not None:  # registered with its user in one transaction, so the user is there too
        user = (await session.execute(select(User).where(User.username == uspec.username))).scalars().one()
        return found, user, False
    org, user = await register_bidder(session, Actor(user_id=None, org_id=None, role=None, ip="127.0.0.1"),
                                      BidderRegistration(
                                          org_name=spec.name, credit_code=code, region=spec.region,
                                          address=spec.address, contact_name=spec.contact_name,
                                          contact_phone=spec.contact_phone, username=uspec.username,
                                          display_name=uspec.display_name, password=password,
                                      ), now=now)
    return org, user, True


def actor_of(result: SeedResult, username: str, ip: str = "127.0.0.1") -> Actor:
    """The Actor a service call made by this demo user would receive."""
    user = result.users[username]
    org = next(o for o in result.orgs.values() if o.id == user.organisation_id)
    return actor_for(user, org, ip)


async def seed_demo(session: AsyncSession, *, now: datetime, blobs: BlobStore | None = None,
                    password: str = DEMO_PASSWORD, with_projects: bool = True) -> SeedResult:
    """Create whatever demo rows are missing; safe to run on every start.

    `blobs` (the platform's store, LocalBlobStore(settings.blob_dir)) receives the tender documents; it is
    required unless with_projects is False.
    """
    if with_projects and blobs is None:
        raise ValueError("seed_demo needs the blob store to upload the demo tender documents")
    demo_hash = functools.cache(lambda: demo_password_hash(password))  # once for all demo users, only if needed
    created = False
    result = SeedResult(created=False, logins=[])
    admin: Actor | None = None
    for spec in org_specs():
        if spec.kind == OrgKind.centre:
            org, new = await _bootstrap_centre(session, spec, now)
        else:
            if admin is None:
                await commit(session)  # the centre and its administrator exist before they act
                admin = actor_of(result, "admin")
            org, new = await _org(session, admin, spec, now)
        created |= new
        result.orgs[spec.key] = org
        for uspec in spec.users:
            user, new = await _user(session, org, uspec, demo_hash, now)
            created |= new
            result.users[uspec.username] = user
            result.logins.append(DemoLogin(uspec.username, uspec.role, org.name, uspec.display_name))
    await commit(session)
    org, user, new = await _pending_bidder(session, password, now)
    created |= new
    result.orgs[PENDING_BIDDER.key], result.users[user.username] = org, user
    uspec = PENDING_BIDDER.users[0]
    result.logins.append(DemoLogin(user.username, uspec.role, org.name, uspec.display_name))
    from ggzy.demo.experts import seed_experts

    created |= await seed_experts(session, result, now=now)  # the pool the demo's committees are drawn from
    from ggzy.venue.seed import seed_rooms

    created |= await seed_rooms(session, now=now)  # before the tenders: publishing books their sessions
    if with_projects and blobs is not None:
        from ggzy.demo.projects import seed_projects

        created |= await seed_projects(session, result, blobs=blobs, now=now)
        from ggzy.demo.land import seed_land_project

        created |= await seed_land_project(session, result, now=now)  # the land auction's project (demo/land.py)
        from ggzy.aid.demo import seed_aid

        created |= await seed_aid(session, result, now=now)
    result.created = created
    return result


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no organisation exists yet (the moment `ggzy serve --demo-data` seeds)."""
    return int((await session.execute(select(func.count()).select_from(Organisation))).scalar_one()) == 0


async def existing_demo_logins(session: AsyncSession) -> list[DemoLogin]:
    """The demo logins already present (read-only: a non-empty database is never seeded into)."""
    specs = {u.username: (u, spec) for spec in login_specs() for u in spec.users}
    rows = (
        await session.execute(
            select(User.username, Organisation.name).join(Organisation, User.organisation_id == Organisation.id)
            .where(User.username.in_(list(specs)))
        )
    ).tuples().all()
    found = dict(rows)
    return [DemoLogin(name, u.role, found[name], u.display_name) for name, (u, _) in specs.items() if name in found]


DEMO_AMOUNTS = {"small": Decimal("1200000.00"), "large": Decimal("38500000.00")}
