"""The hand-computed example village of the aid tests, built through the services, and small builders.

The figures the tests expect are worked out by hand in docs/aid.md's "worked example" and in the test
docstrings; nothing here computes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import service
from ggzy.aid.models import HouseholdStatus, ProjectCategory
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
from ggzy.auth.actor import Actor
from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import make_id_number
from ggzy.party.models import OrgKind, Role
from tests.factories import create_party

H = HouseholdStatus
_people = iter(range(1, 1000))


def person(relation: Relation = "head", *, born: date = date(1970, 5, 1)) -> MemberIn:
    """A member with a valid, unique ID number (GB 11643 check character computed by kit.idcard)."""
    n = next(_people)
    return MemberIn(name=f"成员{n}", id_number=make_id_number("530921", born, n), relation=relation)


def household(code: str, registered_on: date, size: int) -> HouseholdIn:
    return HouseholdIn(code=code, group_name="上寨组", registered_on=registered_on, reason="因病",
                       members=[person("head"), *[person("child", born=date(2000, 1, 1)) for _ in range(size - 1)]])


VILLAGE = VillageIn(name="试验村", township="石桥镇", county="山阳县", households=30, population=70,
                    paired_since=date(2016, 3, 1), first_secretary="第一书记")


@dataclass
class Cast:
    staff: Actor
    supervisor: Actor
    bidder: Actor


async def make_cast(db: AsyncSession, clock: FrozenClock) -> Cast:
    now = clock.now()
    _, _, staff = await create_party(db, OrgKind.centre, now=now, role=Role.centre_staff)
    _, _, sup = await create_party(db, OrgKind.supervisor, now=now, supervised_lines=["construction"])
    _, _, bidder = await create_party(db, OrgKind.bidder, now=now)
    return Cast(staff, sup, bidder)


@dataclass
class Example:
    """Ids of the rows of the worked example."""

    village_id: str
    households: dict[str, str] = field(default_factory=dict)
    partners: dict[str, str] = field(default_factory=dict)
    projects: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


async def build_example(db: AsyncSession, staff: Actor, clock: FrozenClock) -> Example:
    """The worked example (docs/aid.md):

    households A (4 people, reg. 2016-03-15: to_lift 2017-03-01, lifted 2017-11-20),
    B (3, reg. 2016-03-15: lifted 2018-11-20, fell back 2019-06-10, to_lift 2020-03-01),
    C (2, reg. 2016-03-15: stays registered), D (5, reg. 2017-04-10: to_lift 2018-03-01, lifted 2018-11-20);
    money road 1,000,000.00 (P2, 2016-05-20) + 200,000.00 (P1, 2016-06-15); water 150,000.50 (P1, 2017-03-28)
    + 49,999.50 (P3, 2017-05-12); industry 100,000.00 (P1, 2018-03-05) + 300,000.00 (P3, 2018-04-18)
    + 33,333.33 (P1, 2019-03-20); visits V1 2016-04-10 (20 households; p1 solved 2016-05-10, p2 solved
    2016-07-05), V2 2016-06-20 (15), V3 2016-11-02 (25; p3 open), V4 2017-01-15 (10; p4 solved 2017-01-20).
    """
    now = clock.now()
    v = await service.create_village(db, staff, VILLAGE, now=now)
    ex = Example(v.id)
    for code, reg, size in (("A", date(2016, 3, 15), 4), ("B", date(2016, 3, 15), 3), ("C", date(2016, 3, 15), 2),
                            ("D", date(2017, 4, 10), 5)):
        ex.households[code] = (await service.add_household(db, staff, v.id, household(code, reg, size), now=now)).id
    for code, status, day in (("A", H.to_lift, date(2017, 3, 1)), ("A", H.lifted, date(2017, 11, 20)),
                              ("B", H.lifted, date(2018, 11, 20)), ("B", H.registered, date(2019, 6, 10)),
                              ("B", H.to_lift, date(2020, 3, 1)), ("D", H.to_lift, date(2018, 3, 1)),
                              ("D", H.lifted, date(2018, 11, 20))):
        await service.change_status(db, staff, ex.households[code], StatusIn(status=status, effective_on=day), now=now)
    for key, name in (("P1", "交易中心"), ("P2", "住建局"), ("P3", "建工集团")):
        ex.partners[key] = (await service.add_partner(db, staff, PartnerIn(name=name), now=now)).id
    for key, name, cat, start in (("R", "通村公路", ProjectCategory.road, date(2016, 5, 10)),
                                  ("W", "灌溉渠", ProjectCategory.water, date(2017, 3, 15)),
                                  ("I", "油茶基地", ProjectCategory.industry, date(2017, 2, 20))):
        ex.projects[key] = (await service.add_project(db, staff, v.id, ProjectIn(
            name=name, category=cat, started_on=start), now=now)).id
    for project, partner, amount, day in (("R", "P2", "1000000.00", date(2016, 5, 20)),
                                          ("R", "P1", "200000.00", date(2016, 6, 15)),
                                          ("W", "P1", "150000.50", date(2017, 3, 28)),
                                          ("W", "P3", "49999.50", date(2017, 5, 12)),
                                          ("I", "P1", "100000.00", date(2018, 3, 5)),
                                          ("I", "P3", "300000.00", date(2018, 4, 18)),
                                          ("I", "P1", "33333.33", date(2019, 3, 20))):
        await service.add_investment(db, staff, ex.projects[project], InvestmentIn(
            partner_id=ex.partners[partner], amount=Decimal(amount), invested_on=day), now=now)
    visits: list[tuple[date, int, list[str]]] = [
        (date(2016, 4, 10), 20, ["p1", "p2"]), (date(2016, 6, 20), 15, []), (date(2016, 11, 2), 25, ["p3"]),
        (date(2017, 1, 15), 10, ["p4"])]
    for day, n, names in visits:
        view = await service.add_visit(db, staff, v.id, VisitIn(visited_on=day, staff="李晓燕", households_visited=n,
                                                                  problems=[f"问题 {x}" for x in names]), now=now)
        ex.problems.update({name: p.id for name, p in zip(names, view.problems, strict=True)})
    for name, day in (("p1", date(2016, 5, 10)), ("p2", date(2016, 7, 5)), ("p4", date(2017, 1, 20))):
        await service.solve_problem(db, staff, ex.problems[name], SolveIn(solved_on=day, solution="已解决"), now=now)
    return ex
