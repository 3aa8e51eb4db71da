"""Demo data of the village-aid ledger: a fictional village of 312 households with 38 registered poor
households (2016-2020) and their members and status history, 10 projects in every category from 4 partner
units, and staff visits every quarter since the pairing began.

Everything goes through the service functions as centre staff would type it (each write audited), batched
into one transaction. Deterministic (a fixed random seed), and nothing is dated after `now`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import rules, service
from ggzy.aid.models import AidPartner, AidVillage, HouseholdStatus, ProjectCategory
from ggzy.aid.schemas import (
    HouseholdIn,
    InvestmentIn,
    MemberIn,
    PartnerIn,
    ProjectIn,
    Relation,
    SolveIn,
    StatusIn,
    VillageIn,
    VisitIn,
)
from ggzy.kit.db import commit
from ggzy.kit.idcard import make_id_number

if TYPE_CHECKING:
    from ggzy.demo.seed import SeedResult

VILLAGE: Final = VillageIn(
    name="白岩村", township="石桥镇", county="云州市山阳县", region_code="530921", households=312, population=1146,
    paired_since=date(2016, 3, 1), first_secretary="杨振华",
    note="省级深度贫困村，2016 年起由市公共资源交易中心结对帮扶；2020 年底建档立卡户全部脱贫，转入巩固拓展阶段。",
)
ID_REGION: Final = "530921"
PARTNERS: Final[list[tuple[str, str, Literal["government", "enterprise", "other"]]]] = [
    ("centre", "云州市公共资源交易中心", "government"),
    ("housing", "云州市住房和城乡建设局", "government"),
    ("builder", "云州建工集团有限公司", "enterprise"),
    ("bank", "云州农村商业银行股份有限公司", "enterprise"),
]
GROUPS: Final = ["上寨组", "下寨组", "大箐组", "小河边组", "新村组"]
REASONS: Final = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金", "交通条件落后"]
SURNAMES: Final = "杨李张王字罗段赵鲁施普"
GIVEN_M: Final = ["国强", "建华", "正明", "文忠", "志刚", "永福", "德才", "家旺", "子豪", "俊杰", "宇航", "明轩"]
GIVEN_F: Final = ["秀英", "桂芳", "玉兰", "丽华", "春梅", "美仙", "晓燕", "雨欣", "思琪", "子涵", "金凤", "彩云"]


@dataclass(frozen=True)
class DemoProject:
    name: str
    category: ProjectCategory
    started: date
    completed: date | None
    beneficiaries: int
    description: str
    money: tuple[tuple[str, str, date], ...]
    """(partner key, yuan, day the money arrived)."""


PROJECTS: Final = [
    DemoProject("通村公路硬化（4.2 公里）", ProjectCategory.road, date(2016, 5, 10), date(2016, 12, 20), 312,
                "乡道至村委会 4.2 公里水泥路面，宽 4.5 米，含错车道 6 处。",
                (("housing", "1260000.00", date(2016, 5, 20)), ("centre", "180000.00", date(2016, 6, 15)))),
    DemoProject("大箐引水灌溉渠（2.8 公里）", ProjectCategory.water, date(2017, 3, 15), date(2017, 9, 30), 146,
                "新建 U 型渠 2.8 公里，灌溉农田 620 亩。",
                (("centre", "320000.00", date(2017, 3, 28)), ("bank", "150000.00", date(2017, 5, 12)))),
    DemoProject("油茶种植基地（300 亩）", ProjectCategory.industry, date(2017, 2, 20), date(2019, 12, 31), 38,
                "“合作社 + 农户”模式种植高产油茶 300 亩，建档立卡户全部入社分红。",
                (("centre", "150000.00", date(2017, 3, 1)), ("centre", "120000.00", date(2018, 3, 5)),
                 ("builder", "200000.00", date(2018, 4, 18)), ("bank", "80000.00", date(2019, 3, 20)))),
    DemoProject("危房改造（C、D 级 26 户）", ProjectCategory.housing, date(2017, 5, 1), date(2017, 12, 31), 26,
                "C 级危房加固 17 户、D 级危房拆除重建 9 户。",
                (("housing", "780000.00", date(2017, 5, 10)),)),
    DemoProject("村卫生室标准化建设", ProjectCategory.clinic, date(2018, 3, 20), date(2018, 10, 10), 312,
                "新建卫生室 120 平方米，配备诊疗、药房、观察室及基本设备。",
                (("centre", "168000.00", date(2018, 3, 30)), ("bank", "60000.00", date(2018, 6, 8)))),
    DemoProject("人饮安全巩固提升工程", ProjectCategory.water, date(2018, 4, 1), date(2018, 8, 31), 312,
                "新建 200 立方米蓄水池 1 座，更换入户管网 9.6 公里。",
                (("housing", "286450.00", date(2018, 4, 16)),)),
    DemoProject("太阳能路灯（86 盏）", ProjectCategory.lighting, date(2018, 5, 10), date(2018, 7, 15), 312,
                "主干道及各组活动场所安装太阳能路灯 86 盏。",
                (("builder", "215000.00", date(2018, 5, 15)), ("centre", "43800.00", date(2018, 6, 1)))),
    DemoProject("黄牛养殖合作社", ProjectCategory.industry, date(2018, 6, 1), date(2018, 12, 15), 31,
                "购进能繁母牛 60 头，建标准化圈舍 800 平方米，托管分红。",
                (("bank", "300000.00", date(2018, 6, 20)), ("centre", "90000.00", date(2018, 7, 2)))),
    DemoProject("进组道路及产业路", ProjectCategory.road, date(2019, 3, 1), date(2019, 10, 30), 188,
                "硬化进组道路 3.1 公里、油茶基地产业路 1.6 公里。",
                (("housing", "560000.00", date(2019, 3, 12)), ("builder", "240000.00", date(2019, 4, 2)))),
    DemoProject("村文化活动室", ProjectCategory.other, date(2020, 4, 1), date(2020, 9, 30), 312,
                "活动室 160 平方米及文体广场 600 平方米。",
                (("centre", "126000.00", date(2020, 4, 10)), ("builder", "60000.00", date(2020, 5, 6)))),
]
LIFT_YEARS: Final = [2017] * 9 + [2018] * 12 + [2019] * 11 + [2020] * 6
"""The year each household (in code order) is lifted out: 9, 12, 11 and 6 households, 38 in all."""
FELL_BACK: Final = 12
"""Index of the household lifted in 2018 that falls back in 2019 (因病返贫) and is lifted again in 2020."""
STAFF: Final = ["李晓燕、王志强", "周建国、李晓燕", "杨振华（驻村第一书记）", "王志强、杨振华", "李晓燕、杨振华"]
PROBLEMS: Final = [
    "部分农户饮水管道冬季冻裂", "油茶苗成活率偏低，需补植", "贫困户子女上学交通不便", "慢性病患者未办理门诊特殊病卡",
    "养殖户缺少防疫技术", "村内路灯部分不亮", "危房改造户搬迁后旧房未拆除", "合作社分红账目未公示",
    "灌溉渠局部渗漏", "留守老人缺少照料", "农产品销路不畅", "户内厕所改造未完成",
]


def _person(rng: random.Random, relation: str, head_born: int) -> tuple[str, date, bool]:
    """(given name, birth date, male) for a member of that relation."""
    chance = {"head": 0.85, "spouse": 0.0, "parent": 0.4}.get(relation, 0.5)
    male = rng.random() < chance
    year = {"head": head_born, "spouse": head_born + rng.randint(-3, 4), "parent": head_born - rng.randint(22, 30),
            "child": head_born + rng.randint(22, 34), "grandchild": head_born + rng.randint(44, 52)}[relation]
    born = date(min(year, 2019), rng.randint(1, 12), rng.randint(1, 28))
    return rng.choice(GIVEN_M if male else GIVEN_F), born, male


def _households(rng: random.Random) -> list[HouseholdIn]:
    out: list[HouseholdIn] = []
    seq = 0
    for i in range(len(LIFT_YEARS)):
        surname = SURNAMES[i % len(SURNAMES)]
        head_born = rng.randint(1950, 1984)
        children: list[Relation] = ["child"] * rng.randint(0, 3)
        relations: list[Relation] = ["head", "spouse", *children]
        if rng.random() < 0.3:
            relations.append("parent")
        if head_born < 1962 and rng.random() < 0.5:
            relations.append("grandchild")
        members: list[MemberIn] = []
        for relation in relations:
            given, born, male = _person(rng, relation, head_born)
            seq += 1
            sequence = (seq * 2 + (1 if male else 0)) % 1000  # odd = male, as the ID number encodes it
            family = SURNAMES[(i + 3) % len(SURNAMES)] if relation in ("spouse", "parent") and not male else surname
            members.append(MemberIn(name=family + given, id_number=make_id_number(ID_REGION, born, sequence),
                                    relation=relation))
        registered = date(2016, 3, 15) if i < 35 else date(2017, 4, 10)
        out.append(HouseholdIn(code=f"BY-{i + 1:03d}", group_name=GROUPS[i % len(GROUPS)], registered_on=registered,
                               reason=rng.choice(REASONS), members=members))
    return out


def _history(i: int) -> list[StatusIn]:
    """Planned in March, lifted after the county's acceptance check in November; one household falls back."""
    year = LIFT_YEARS[i]
    steps = [StatusIn(status=HouseholdStatus.to_lift, effective_on=date(year, 3, 1), note=f"列入 {year} 年脱贫计划"),
             StatusIn(status=HouseholdStatus.lifted, effective_on=date(year, 11, 20), note="县级脱贫验收通过")]
    if i == FELL_BACK:
        steps += [StatusIn(status=HouseholdStatus.registered, effective_on=date(2019, 6, 10), note="因病返贫"),
                  StatusIn(status=HouseholdStatus.to_lift, effective_on=date(2020, 3, 1), note="列入 2020 年脱贫计划"),
                  StatusIn(status=HouseholdStatus.lifted, effective_on=date(2020, 11, 20), note="县级脱贫验收通过")]
    return steps


def _visits(rng: random.Random, today: date) -> list[tuple[VisitIn, list[date | None], list[str]]]:
    """Two to four visits a quarter until 2020, one or two after; problems solved 5-60 days later."""
    out: list[tuple[VisitIn, list[date | None], list[str]]] = []
    for q in rules.quarters_between((2016, 2), rules.quarter_of(today)):
        start = date(q[0], 3 * q[1] - 2, 1)
        count = rng.randint(2, 4) if q[0] <= 2020 else rng.randint(1, 2)
        for day in sorted(start + timedelta(days=rng.randint(3, 85)) for _ in range(count)):
            if day > today:
                continue
            problems = rng.sample(PROBLEMS, rng.choice([0, 1, 1, 2]))
            solved: list[date | None] = []
            for _ in problems:
                done = day + timedelta(days=rng.randint(5, 60))
                solved.append(done if done <= today and rng.random() < 0.93 else None)
            out.append((VisitIn(visited_on=day, staff=rng.choice(STAFF), households_visited=rng.randint(12, 40),
                                summary="走访建档立卡户及边缘户，宣讲政策，了解生产生活情况。", problems=problems),
                        solved, ["已协调相关部门解决" for _ in problems]))
    return out


async def seed_aid(session: AsyncSession, seeded: SeedResult, *, now: datetime) -> bool:
    """Create the demo village's ledger unless it exists; True when anything was created."""
    from ggzy.demo.seed import actor_of

    found = (await session.execute(select(AidVillage.id).where(
        AidVillage.name == VILLAGE.name, AidVillage.township == VILLAGE.township,
        AidVillage.county == VILLAGE.county))).scalars().first()
    if found is not None:
        return False
    staff = actor_of(seeded, "staff1")
    today = service.today_of(now)
    rng = random.Random(20160301)
    village = await service.create_village(session, staff, VILLAGE, now=now, commit_now=False)
    for i, household in enumerate(_households(rng)):
        if household.registered_on > today:
            continue
        h = await service.add_household(session, staff, village.id, household, now=now, commit_now=False)
        for step in _history(i):
            if step.effective_on <= today:
                await service.change_status(session, staff, h.id, step, now=now, commit_now=False)
    existing = {p.name: p for p in await service.list_partners(session, staff)}
    partners: dict[str, AidPartner] = {}
    for key, name, kind in PARTNERS:
        partners[key] = existing.get(name) or await service.add_partner(
            session, staff, PartnerIn(name=name, kind=kind), now=now, commit_now=False)
    for spec in PROJECTS:
        if spec.started > today:
            continue
        project = await service.add_project(session, staff, village.id, ProjectIn(
            name=spec.name, category=spec.category, started_on=spec.started,
            completed_on=spec.completed if spec.completed and spec.completed <= today else None,
            beneficiary_households=spec.beneficiaries, description=spec.description), now=now, commit_now=False)
        for key, amount, day in spec.money:
            if day <= today:
                await service.add_investment(session, staff, project.id, InvestmentIn(
                    partner_id=partners[key].id, amount=Decimal(amount), invested_on=day), now=now, commit_now=False)
    for visit, solved, solutions in _visits(rng, today):
        view = await service.add_visit(session, staff, village.id, visit, now=now, commit_now=False)
        for problem, solved_on, solution in zip(view.problems, solved, solutions, strict=True):
            if solved_on is not None:
                await service.solve_problem(session, staff, problem.id, SolveIn(solved_on=solved_on, solution=solution),
                                            now=now, commit_now=False)
    await commit(session)
    return True
