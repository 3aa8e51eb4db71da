"""The demo's expert pool (评标专家库): enough experts, by specialty, for the two committees `ggzy demo` draws.

Each expert is a demo login (expert1…, the shared DEMO_PASSWORD) with a pool record. The import service
(expert.pool_service.import_experts) would give each a random initial password and their phone as login name,
which the demo cannot know, so the records are inserted here, like the demo users — but every one is checked by
the import's own rules first (pool_rules.build_record: ID number, phone, years against age, specialty codes…)
and recorded in the audit chain with the ID and phone masked, as the import records them.

The specialty codes are the demo's own small catalogue (DEMO_SPECIALTIES); one expert works for a construction
bidder, so the construction draw shows an avoidance ground (回避, Evaluation Rules Art.12) excluding him.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.demo.seed import SEED_ACTOR, SeedResult
from ggzy.expert import pool_rules
from ggzy.expert.models import Expert, ExpertSpecialty, ExpertStatus
from ggzy.expert.pool_service import mask_id_number, mask_phone, today_of
from ggzy.kit.idcard import make_id_number

DEMO_SPECIALTIES: dict[str, tuple[str, str]] = {
    "A0801": ("房屋建筑工程", "building works"),
    "A0802": ("市政公用工程", "municipal works"),
    "A0805": ("工程造价", "cost engineering"),
    "B0502": ("教学仪器设备", "teaching equipment"),
    "B0601": ("医疗设备", "medical equipment"),
    "C0301": ("财务与经济", "finance and economics"),
}
"""code → (zh, en). Codes are hierarchical (expert.models.ExpertSpecialty): a draw for A08 matches A0802."""

CONSTRUCTION_COMMITTEE = (("A0802", 3), ("A0805", 2))
"""The demo's construction committee: 3 municipal-works experts and 2 cost engineers (5, Evaluation Rules Art.9)."""
PROCUREMENT_COMMITTEE = (("B0502", 3), ("C0301", 2))
"""The demo's procurement committee: 3 teaching-equipment experts and 2 finance experts (budget < 10 million: 5,
MOF 87 Art.47)."""

DEMO_REGION = "530902"
"""Where most demo experts work (a county code of the demo city's prefecture, 530900)."""


@dataclass(frozen=True)
class ExpertSpec:
    username: str
    name: str
    title: str
    specialties: str
    employer: str
    years: int
    birth: date
    region: str = DEMO_REGION

    @property
    def display_name(self) -> str:
        first = self.specialties.split(";")[-1]
        return f"{self.name}（{self.title}·{DEMO_SPECIALTIES[first][0]}）"


_POOL: tuple[tuple[str, ...], ...] = (
    # (name, title, specialties, employer, years in the field, birth date[, region]) of expert1, expert2, …
    ("郑国平", "高级工程师", "A0801;A0802", "云州市市政工程设计研究院", "22", "1972-04-18"),
    ("钱文华", "高级经济师", "A0805", "云州正衡工程造价事务所", "19", "1975-09-02"),
    ("冯雪", "主任医师", "B0601", "云州市第二人民医院", "20", "1974-01-23"),
    ("孙建华", "正高级工程师", "A0802", "云州理工学院土木工程学院", "18", "1976-06-11"),
    ("何丽萍", "高级工程师", "A0802", "云州市交通规划设计院", "15", "1979-03-30"),
    ("林志远", "高级工程师", "A0802", "滇中水务集团有限公司", "12", "1982-11-05", "530102"),
    ("唐晓东", "高级工程师", "A0802", "云州市建设工程质量检测中心", "16", "1978-08-14"),
    ("高文斌", "正高级工程师", "A0802", "滇西建筑设计研究院", "20", "1973-12-01", "530102"),
    ("许慧", "高级会计师", "A0805", "云州审计事务所", "14", "1980-02-27"),
    ("韩磊", "高级工程师", "A0805", "滇南建设咨询有限公司", "11", "1983-07-19"),
    ("冯永康", "高级经济师", "A0805", "云州市财政投资评审中心", "17", "1977-05-08"),
    ("邓雅琴", "正高级教师", "B0502", "云州师范学院实验教学中心", "16", "1978-10-12"),
    ("彭浩", "高级实验师", "B0502", "云州大学物理实验教学中心", "13", "1981-04-04"),
    ("曾静", "高级工程师", "B0502", "云州市教育装备中心", "10", "1984-09-21"),
    ("罗成", "高级实验师", "B0502", "云州职业技术学院", "12", "1982-01-16"),
    ("谢芳", "教授", "B0502", "云州大学化学学院", "21", "1972-06-30"),
    ("宋伟", "高级工程师", "B0502", "云州市计量测试所", "9", "1985-12-09"),
    ("袁明", "高级会计师", "C0301", "云州信达会计师事务所", "15", "1979-08-03"),
    ("蒋琳", "高级经济师", "C0301", "云州农村商业银行", "12", "1982-03-17"),
    ("汪涛", "高级会计师", "C0301", "滇中会计师事务所", "10", "1984-05-25", "530102"),
    # Works for a construction bidder (云州市政建设有限公司, bidder3): never drawn for its tender (Art.12).
    ("陈国梁", "高级工程师", "A0802", "云州市政建设有限公司", "14", "1980-10-10"),
    ("贺晓红", "高级会计师", "C0301", "云州正信资产评估有限公司", "13", "1981-06-06"),
)

EXPERTS: tuple[ExpertSpec, ...] = tuple(
    ExpertSpec(f"expert{n}", name, title, codes, employer, int(years), date.fromisoformat(birth), *region)
    for n, (name, title, codes, employer, years, birth, *region) in enumerate(_POOL, start=1)
)


def expert_users() -> tuple[tuple[str, str], ...]:
    """(username, display name) of every demo expert login, for the seed's user list."""
    return tuple((s.username, s.display_name) for s in EXPERTS)


def _phone(n: int) -> str:
    return f"1398870{n:04d}"


def _checked(spec: ExpertSpec, n: int, today: date) -> pool_rules.ExpertRecord:
    """The record exactly as an import row would be checked (ValueError naming the problems otherwise)."""
    checker = pool_rules.Checker()
    rec = pool_rules.build_record({
        "name": spec.name, "id_number": make_id_number(spec.region, spec.birth, 100 + n), "phone": _phone(n),
        "employer": spec.employer, "employer_credit_code": "", "title": spec.title, "senior_title": "是",
        "years_in_field": spec.years, "region": spec.region, "specialties": spec.specialties,
    }, today=today, checker=checker)
    if rec is None:
        raise ValueError(f"demo expert {spec.username}: {[e.to_dict() for e in checker.errors]}")
    return rec


async def seed_experts(session: AsyncSession, seeded: SeedResult, *, now: datetime) -> bool:
    """A pool record for each demo expert login that has none; True when any was created. No commit."""
    today = today_of(now)
    created = False
    for n, spec in enumerate(EXPERTS, start=1):
        user = seeded.users[spec.username]
        found = (await session.execute(select(Expert.id).where(Expert.user_id == user.id))).first()
        if found is not None:
            continue
        rec = _checked(spec, n, today)
        expert = Expert(
            user_id=user.id, name=rec.name, id_number=rec.id_number, phone=rec.phone, employer=rec.employer,
            employer_credit_code=rec.employer_credit_code, title=rec.title, senior_title=rec.senior_title,
            years_in_field=rec.years_in_field, years_as_of=today, region=rec.region, status=ExpertStatus.active,
            note="演示数据 demo data", created_at=now, updated_at=now, status_reason="", status_changed_at=None,
        )
        session.add(expert)
        await session.flush()
        session.add_all(ExpertSpecialty(expert_id=expert.id, code=c) for c in rec.specialties)
        await record(session, "expert:created", SEED_ACTOR, subject_type="expert", subject_id=expert.id, now=now,
                     after={"name": rec.name, "id_number": mask_id_number(rec.id_number),
                            "phone": mask_phone(rec.phone), "employer": rec.employer, "title": rec.title,
                            "years_in_field": rec.years_in_field, "region": rec.region,
                            "specialties": list(rec.specialties), "user_id": user.id})
        created = True
    return created
