"""The aid ledger through its services on a real database: the hand-computed example's sums as of several
days, the append-only status history, named 4xx errors that write nothing, access, and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import service
from ggzy.aid.errors import (
    AidReadersOnly,
    AidStaffOnly,
    AsOfInvalid,
    BadStatusChange,
    BeforePairing,
    CompletedBeforeStart,
    DateInFuture,
    HeadRequired,
    HouseholdCodeTaken,
    IdNumberInvalid,
    MemberDuplicate,
    PopulationBelowHouseholds,
    ProblemAlreadySolved,
    ProfileBelowRecords,
    SolvedBeforeFound,
    StatusBackdated,
    TooManyHouseholds,
    VillageExists,
    VisitedTooMany,
)
from ggzy.aid.models import AidHousehold, AidMember, AidStatusChange, HouseholdStatus
from ggzy.aid.schemas import HouseholdIn, InvestmentIn, MemberIn, ProjectIn, SolveIn, StatusIn, VisitIn
from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.kit.clock import FrozenClock
from ggzy.kit.errors import DomainError, Unauthenticated
from ggzy.kit.idcard import make_id_number
from tests.aid.helpers import VILLAGE, Cast, Example, build_example, household, make_cast, person

H = HouseholdStatus
D = Decimal


async def _count(db: AsyncSession, model: type) -> int:
    return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.fixture
async def world(db: AsyncSession, clock: FrozenClock) -> tuple[Cast, Example]:
    cast = await make_cast(db, clock)
    return cast, await build_example(db, cast.staff, clock)


async def test_progress_of_the_example_matches_the_hand_computed_figures(
        db: AsyncSession, world: tuple[Cast, Example]) -> None:
    """As of 2020-06-30: 4 households / 14 people, 2 lifted (9 people, 50.0%), 1 to lift, 1 registered; money
    1,833,333.33 by category and partner as worked out by hand; 4 visits, 70 households, 3 of 4 problems solved."""
    cast, ex = world
    p = await service.progress(db, cast.supervisor, ex.village_id, as_of=date(2020, 6, 30))
    c = p.counts
    assert (c.households, c.members, c.lifted, c.members_lifted, c.to_lift, c.registered, c.lifted_share) == (
        4, 14, 2, 9, 1, 1, D("50.0"))
    assert p.total == D("1833333.33")
    assert [(t.key, t.amount, t.share) for t in p.by_category] == [
        ("road", D("1200000.00"), D("65.5")), ("industry", D("433333.33"), D("23.6")),
        ("water", D("200000.00"), D("10.9"))]
    assert [(p.partner_name(t.key), t.amount, t.share) for t in p.by_partner] == [
        ("住建局", D("1000000.00"), D("54.5")), ("交易中心", D("483333.83"), D("26.4")),
        ("建工集团", D("349999.50"), D("19.1"))]
    assert [(t.key, t.amount) for t in p.by_year] == [("2016", D("1200000.00")), ("2017", D("200000.00")),
                                                      ("2018", D("400000.00")), ("2019", D("33333.33")),
                                                      ("2020", D("0.00"))]
    assert [(y.year, y.registered, y.lifted, y.lifted_in_year, y.fell_back_in_year) for y in p.years] == [
        (2016, 3, 0, 0, 0), (2017, 4, 1, 1, 0), (2018, 4, 3, 2, 0), (2019, 4, 2, 0, 1), (2020, 4, 2, 0, 0)]
    pt = p.problems
    assert (pt.visits, pt.households_visited, pt.found, pt.solved, pt.open, pt.average_days_to_solve) == (
        4, 70, 4, 3, 1, D("40.3"))
    assert (p.projects, p.projects_completed) == (3, 0)
    assert len(p.quarters) == 18 and p.quarters[0].label == "2016Q1" and p.quarters[-1].label == "2020Q2"


async def test_as_of_earlier_days(db: AsyncSession, world: tuple[Cast, Example]) -> None:
    cast, ex = world
    p = await service.progress(db, cast.staff, ex.village_id, as_of=date(2018, 12, 31))
    assert (p.counts.households, p.counts.lifted, p.counts.members_lifted, p.counts.poor) == (4, 3, 12, 1)
    assert p.total == D("1800000.00")
    p = await service.progress(db, cast.staff, ex.village_id, as_of=date(2016, 12, 31))
    assert (p.counts.households, p.counts.members, p.total) == (3, 9, D("1200000.00"))
    assert [q.label for q in p.quarters] == ["2016Q1", "2016Q2", "2016Q3", "2016Q4"]


def test_as_of_parsing(clock: FrozenClock) -> None:
    now = clock.now()  # 2026-03-02 Beijing
    assert service.parse_as_of(None, now=now) == date(2026, 3, 2)
    assert service.parse_as_of(" 2020-06-30 ", now=now) == date(2020, 6, 30)
    for bad in ("2026-03-03", "1999-12-31", "2020-02-30", "yesterday", "2020/06/30"):
        with pytest.raises(AsOfInvalid):
            service.parse_as_of(bad, now=now)


async def test_status_history_is_append_only_and_ordered(db: AsyncSession, clock: FrozenClock,
                                                         world: tuple[Cast, Example]) -> None:
    cast, ex = world
    b = ex.households["B"]
    d = await service.get_household(db, cast.staff, b)
    assert [(c.seq, c.status, c.effective_on) for c in d.changes] == [
        (1, H.registered, date(2016, 3, 15)), (2, H.lifted, date(2018, 11, 20)), (3, H.registered, date(2019, 6, 10)),
        (4, H.to_lift, date(2020, 3, 1))]
    before = await _count(db, AidStatusChange)
    with pytest.raises(StatusBackdated):  # before the latest change: the past is not rewritten
        await service.change_status(db, cast.staff, b, StatusIn(status=H.lifted, effective_on=date(2020, 2, 1)),
                                    now=clock.now())
    await db.rollback()
    with pytest.raises(BadStatusChange):  # to_lift → to_lift
        await service.change_status(db, cast.staff, b, StatusIn(status=H.to_lift, effective_on=date(2020, 5, 1)),
                                    now=clock.now())
    await db.rollback()
    with pytest.raises(DateInFuture):
        await service.change_status(db, cast.staff, b, StatusIn(status=H.lifted, effective_on=date(2026, 3, 3)),
                                    now=clock.now())
    await db.rollback()
    assert await _count(db, AidStatusChange) == before
    change = await service.change_status(db, cast.staff, b, StatusIn(status=H.lifted, effective_on=date(2020, 3, 1),
                                                                     note="same day as the plan"), now=clock.now())
    assert change.seq == 5
    d = await service.get_household(db, cast.staff, b)
    assert d.current.status == H.lifted and [c.seq for c in d.changes] == [1, 2, 3, 4, 5]
    assert d.next_statuses() == [H.registered]
    p = await service.progress(db, cast.staff, ex.village_id, as_of=date(2020, 3, 1))
    assert p.counts.lifted == 3  # same-day change: the later row wins


async def test_bad_household_input_is_refused_with_named_errors_and_nothing_written(
        db: AsyncSession, clock: FrozenClock, world: tuple[Cast, Example]) -> None:
    cast, ex = world
    now = clock.now()
    households, members = await _count(db, AidHousehold), await _count(db, AidMember)
    good = household("E", date(2019, 1, 1), 2)
    wrong_check = make_id_number("530921", date(1980, 1, 1), 7)
    wrong_check = wrong_check[:17] + ("0" if wrong_check[17] != "0" else "1")
    cases: list[tuple[HouseholdIn, type[DomainError], str | None]] = [
        (good.model_copy(update={"members": [MemberIn(name="甲", id_number=wrong_check, relation="head")]}),
         IdNumberInvalid, "check_digit"),
        (good.model_copy(update={"members": [MemberIn(name="乙", id_number="990101198001010011", relation="head")]}),
         IdNumberInvalid, "region"),
        (good.model_copy(update={"members": [MemberIn(name="丙", id_number="530921198002300011", relation="head")]}),
         IdNumberInvalid, "birth_date"),
        (good.model_copy(update={"members": [person("child")]}), HeadRequired, None),
        (good.model_copy(update={"members": [person("head"), person("head")]}), HeadRequired, None),
        (good.model_copy(update={"code": "A"}), HouseholdCodeTaken, None),
        (good.model_copy(update={"registered_on": date(2026, 3, 3)}), DateInFuture, None),
    ]
    dup = person("head")
    cases.append((good.model_copy(update={"members": [dup, dup.model_copy(update={"relation": "child"})]}),
                  MemberDuplicate, None))
    for data, error, reason in cases:
        with pytest.raises(error) as err:
            await service.add_household(db, cast.staff, ex.village_id, data, now=now)
        await db.rollback()
        assert 400 <= err.value.status < 500 and err.value.code.startswith("aid.")
        if reason:
            assert err.value.detail["reason"] == reason and err.value.message_zh.startswith("身份证号码无效")
    existing = (await db.execute(select(AidMember.id_number).limit(1))).scalar_one()
    with pytest.raises(MemberDuplicate):  # the same person in a second household
        await service.add_household(db, cast.staff, ex.village_id, good.model_copy(update={"members": [
            MemberIn(name="重复", id_number=existing.lower(), relation="head")]}), now=now)
    await db.rollback()
    assert (await _count(db, AidHousehold), await _count(db, AidMember)) == (households, members)
    ok = await service.add_household(db, cast.staff, ex.village_id, good, now=now)
    hid = ok.id
    assert ok.code == "E"
    with pytest.raises(HeadRequired):
        await service.add_member(db, cast.staff, hid, person("head"), now=now)
    await db.rollback()
    added = await service.add_member(db, cast.staff, hid, person("spouse"), now=now)
    assert added.relation == "spouse"


async def test_the_profile_bounds_the_ledger(db: AsyncSession, clock: FrozenClock) -> None:
    """3 households and 7 people in the profile: a 4th household, or an 8th person, is refused; the profile
    cannot shrink below what is registered."""
    cast = await make_cast(db, clock)
    now = clock.now()
    v = await service.create_village(db, cast.staff, VILLAGE.model_copy(update={"households": 3, "population": 7}),
                                     now=now)
    vid = v.id
    with pytest.raises(VillageExists):
        await service.create_village(db, cast.staff, VILLAGE, now=now)
    await db.rollback()
    with pytest.raises(PopulationBelowHouseholds):
        await service.create_village(db, cast.staff, VILLAGE.model_copy(update={"name": "另一村", "population": 5}),
                                     now=now)
    await db.rollback()
    for code, size in (("1", 3), ("2", 3)):
        await service.add_household(db, cast.staff, vid, household(code, date(2016, 4, 1), size), now=now)
    with pytest.raises(ProfileBelowRecords):  # 6 + 2 people > 7
        await service.add_household(db, cast.staff, vid, household("3", date(2016, 4, 1), 2), now=now)
    await db.rollback()
    await service.add_household(db, cast.staff, vid, household("3", date(2016, 4, 1), 1), now=now)
    with pytest.raises(TooManyHouseholds):
        await service.add_household(db, cast.staff, vid, household("4", date(2016, 4, 1), 1), now=now)
    await db.rollback()
    with pytest.raises(ProfileBelowRecords):
        await service.update_village(db, cast.staff, vid, VILLAGE.model_copy(update={"households": 2}), now=now)
    await db.rollback()
    await service.add_visit(db, cast.staff, vid, VisitIn(visited_on=date(2016, 5, 1), staff="甲", households_visited=3),
                            now=now)
    with pytest.raises(BeforePairing):  # a visit on 2016-05-01 cannot predate the pairing
        await service.update_village(db, cast.staff, vid, VILLAGE.model_copy(update={
            "households": 3, "population": 7, "paired_since": date(2016, 6, 1)}), now=now)
    await db.rollback()
    updated = await service.update_village(db, cast.staff, vid, VILLAGE.model_copy(update={
        "households": 312, "population": 1146}), now=now)
    assert (updated.households, updated.population) == (312, 1146)


async def test_money_visits_and_problems_refuse_bad_dates(db: AsyncSession, clock: FrozenClock,
                                                          world: tuple[Cast, Example]) -> None:
    cast, ex = world
    now = clock.now()
    p1, road = ex.partners["P1"], ex.projects["R"]
    refused: list[tuple[object, type[DomainError]]] = [
        (service.add_investment(db, cast.staff, road, InvestmentIn(
            partner_id=p1, amount=D("1.00"), invested_on=date(2016, 2, 29)), now=now), BeforePairing),
        (service.add_investment(db, cast.staff, road, InvestmentIn(
            partner_id=p1, amount=D("1.00"), invested_on=date(2026, 3, 3)), now=now), DateInFuture),
        (service.add_visit(db, cast.staff, ex.village_id, VisitIn(visited_on=date(2020, 1, 1), staff="甲",
                                                                   households_visited=31), now=now), VisitedTooMany),
        (service.solve_problem(db, cast.staff, ex.problems["p1"], SolveIn(solved_on=date(2020, 1, 1), solution="x"),
                               now=now), ProblemAlreadySolved),
        (service.solve_problem(db, cast.staff, ex.problems["p3"], SolveIn(solved_on=date(2016, 11, 1), solution="x"),
                               now=now), SolvedBeforeFound),
        (service.add_project(db, cast.staff, ex.village_id, ProjectIn(
            name="x", category="road", started_on=date(2020, 1, 2), completed_on=date(2020, 1, 1)), now=now),
         CompletedBeforeStart),
    ]
    for call, error in refused:
        with pytest.raises(error) as err:
            await call  # type: ignore[misc]
        await db.rollback()
        assert 400 <= err.value.status < 500, err.value
    p = await service.progress(db, cast.staff, ex.village_id, as_of=date(2026, 3, 2))
    assert p.total == D("1833333.33") and p.problems.visits == 4
    solved = await service.solve_problem(db, cast.staff, ex.problems["p3"],
                                         SolveIn(solved_on=date(2016, 11, 2), solution="当天解决"), now=now)
    assert solved.solved_on == date(2016, 11, 2)
    done = await service.complete_project(db, cast.staff, road, date(2016, 12, 20), now=now)
    assert done.completed_on == date(2016, 12, 20)
    p = await service.progress(db, cast.staff, ex.village_id, as_of=date(2016, 12, 31))
    assert (p.projects, p.projects_completed) == (1, 1)


async def test_who_may_read_and_write(db: AsyncSession, clock: FrozenClock, world: tuple[Cast, Example]) -> None:
    """Centre staff write and see personal data; supervisors read aggregates, projects and visits; others none."""
    cast, ex = world
    now = clock.now()
    assert len(await service.list_projects(db, cast.supervisor, ex.village_id)) == 3
    assert len(await service.list_visits(db, cast.supervisor, ex.village_id)) == 4
    for call in (service.list_households(db, cast.supervisor, ex.village_id),
                 service.get_household(db, cast.supervisor, ex.households["A"]),
                 service.add_visit(db, cast.supervisor, ex.village_id, VisitIn(
                     visited_on=date(2020, 1, 1), staff="x", households_visited=1), now=now)):
        with pytest.raises(AidStaffOnly):
            await call
    for call in (service.progress(db, cast.bidder, ex.village_id, as_of=date(2020, 1, 1)),
                 service.list_villages(db, cast.bidder)):
        with pytest.raises(AidReadersOnly):
            await call
    from ggzy.auth.actor import ANONYMOUS

    with pytest.raises(Unauthenticated):
        await service.list_villages(db, ANONYMOUS)


async def test_every_write_is_audited_without_id_numbers(db: AsyncSession, world: tuple[Cast, Example]) -> None:
    """4 households + 7 changes + 3 partners + 3 projects + 7 investments + 4 visits + 3 solutions + 1 village."""
    _, _ = world
    tags = [t for (t,) in (await db.execute(select(AuditEvent.tag).where(AuditEvent.tag.startswith("aid:")))).all()]
    assert {t: tags.count(t) for t in set(tags)} == {
        "aid:village_created": 1, "aid:household_registered": 4, "aid:household_status_changed": 7,
        "aid:partner_added": 3, "aid:project_added": 3, "aid:investment_added": 7, "aid:visit_recorded": 4,
        "aid:problem_solved": 3}
    numbers = [n for (n,) in (await db.execute(select(AidMember.id_number))).all()]
    names = [n for (n,) in (await db.execute(select(AidMember.name))).all()]
    for before, after in (await db.execute(select(AuditEvent.before, AuditEvent.after))).all():
        text = f"{before} {after}"
        assert not any(n in text for n in numbers) and not any(n in text for n in names)
    assert (await verify_chain(db)).ok


async def test_the_clock_decides_today_in_beijing(db: AsyncSession, clock: FrozenClock) -> None:
    """At 16:30 UTC on 2 March it is already 3 March in Beijing: a visit dated 3 March is not in the future,
    one dated 4 March is."""
    cast = await make_cast(db, clock)
    v = await service.create_village(db, cast.staff, VILLAGE, now=clock.now())
    clock.set(datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    assert service.today_of(clock.now()) == date(2026, 3, 3)
    view = await service.add_visit(db, cast.staff, v.id, VisitIn(visited_on=date(2026, 3, 3), staff="甲",
                                                                   households_visited=1), now=clock.now())
    assert view.visit.visited_on == date(2026, 3, 3)
    with pytest.raises(DateInFuture):
        await service.add_visit(db, cast.staff, v.id, VisitIn(visited_on=date(2026, 3, 4), staff="甲",
                                                                households_visited=1), now=clock.now())
