"""Use cases of the village-aid ledger (对口帮扶): the only place that writes aid rows.

Centre staff write; supervisors read the ledger but not households' personal data (names and ID numbers of
members), which only centre staff see. Every write checks its dates against the injected clock's Beijing day
inside the transaction, appends its audit event (ID numbers masked: the chain can never be purged) and
commits. `commit_now=False` lets the demo seed batch many writes into one transaction.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.aid import rules, sheet, state
from ggzy.aid.errors import (
    AidReadersOnly,
    AidStaffOnly,
    AsOfInvalid,
    BeforePairing,
    BeneficiariesExceed,
    CompletedBeforeStart,
    DateInFuture,
    DateTooEarly,
    HeadRequired,
    HouseholdCodeTaken,
    HouseholdNotFound,
    IdNumberInvalid,
    MemberDuplicate,
    PartnerExists,
    PartnerNotFound,
    PopulationBelowHouseholds,
    ProblemAlreadySolved,
    ProblemNotFound,
    ProfileBelowRecords,
    ProjectNotFound,
    SolvedBeforeFound,
    StatusBackdated,
    TooManyHouseholds,
    VillageExists,
    VillageNotFound,
    VisitedTooMany,
)
from ggzy.aid.models import (
    AidHousehold,
    AidInvestment,
    AidMember,
    AidPartner,
    AidProblem,
    AidProject,
    AidStatusChange,
    AidVillage,
    AidVisit,
    HouseholdStatus,
    ProjectCategory,
)
from ggzy.aid.schemas import (
    HouseholdIn,
    InvestmentIn,
    MemberIn,
    PartnerIn,
    ProjectIn,
    SolveIn,
    StatusIn,
    VillageIn,
    VisitIn,
)
from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.kit.errors import Unauthenticated
from ggzy.kit.idcard import IdNumberError, parse_id_number
from ggzy.kit.timefmt import local
from ggzy.party.models import Role

# ---------------------------------------------------------------- access and dates


def may_read(actor: Actor) -> bool:
    return actor.is_centre or actor.role == Role.supervisor


def ensure_reader(actor: Actor) -> None:
    """Centre staff and supervisors read the ledger (aggregates, projects, visits)."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not may_read(actor):
        raise AidReadersOnly()


def ensure_staff(actor: Actor) -> None:
    """Centre staff write, and only they see households' personal data."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not actor.is_centre:
        raise AidStaffOnly()


def today_of(now: datetime) -> date:
    """The Beijing calendar day of `now`: ledger dates are local dates."""
    day = local(now)
    assert day is not None
    return day.date()


def _check_day(day: date, today: date, what: str) -> None:
    if day > today:
        raise DateInFuture(detail={"field": what, "date": day.isoformat(), "today": today.isoformat()})
    if day < rules.EARLIEST:
        raise DateTooEarly(detail={"field": what, "date": day.isoformat(), "earliest": rules.EARLIEST.isoformat()})


def _check_paired(day: date, village: AidVillage, what: str) -> None:
    if day < village.paired_since:
        raise BeforePairing(detail={"field": what, "date": day.isoformat(),
                                    "paired_since": village.paired_since.isoformat()})


def parse_as_of(value: str | None, *, now: datetime) -> date:
    """The `as_of` query value (YYYY-MM-DD), today when blank; out-of-range or malformed is a named 422."""
    today = today_of(now)
    if not value:
        return today
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise AsOfInvalid(detail={"as_of": value[:40]}) from None
    if day > today or day < rules.EARLIEST:
        raise AsOfInvalid(detail={"as_of": day.isoformat()})
    return day


def mask_id(number: str) -> str:
    """What the audit chain keeps of an ID number: region and last four."""
    return f"{number[:6]}********{number[-4:]}"


# ---------------------------------------------------------------- villages


async def _village(session: AsyncSession, village_id: str, *, lock: bool = False) -> AidVillage:
    stmt = select(AidVillage).where(AidVillage.id == village_id)
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalars().first()
    if found is None:
        raise VillageNotFound()
    return found


def _profile(v: AidVillage) -> dict[str, Any]:
    return {"name": v.name, "township": v.township, "county": v.county, "region_code": v.region_code,
            "households": v.households, "population": v.population, "paired_since": v.paired_since.isoformat(),
            "first_secretary": v.first_secretary, "note": v.note}


async def list_villages(session: AsyncSession, actor: Actor) -> list[AidVillage]:
    ensure_reader(actor)
    rows = await session.execute(select(AidVillage).order_by(AidVillage.paired_since, AidVillage.name))
    return list(rows.scalars())


async def get_village(session: AsyncSession, actor: Actor, village_id: str) -> AidVillage:
    ensure_reader(actor)
    return await _village(session, village_id)


async def _name_taken(session: AsyncSession, data: VillageIn, exclude: str | None = None) -> bool:
    stmt = select(AidVillage.id).where(AidVillage.county == data.county, AidVillage.township == data.township,
                                       AidVillage.name == data.name)
    found = (await session.execute(stmt)).scalars().first()
    return found is not None and found != exclude


async def create_village(session: AsyncSession, actor: Actor, data: VillageIn, *, now: datetime,
                         commit_now: bool = True) -> AidVillage:
    """Record the village the centre supports (村情)."""
    ensure_staff(actor)
    _check_day(data.paired_since, today_of(now), "paired_since")
    if data.population < data.households:
        raise PopulationBelowHouseholds()
    if await _name_taken(session, data):
        raise VillageExists()
    village = AidVillage(**data.model_dump(), created_at=now, updated_at=now)
    session.add(village)
    await session.flush()
    await record(session, "aid:village_created", actor, subject_type="aid_village", subject_id=village.id, now=now,
                 after=_profile(village))
    if commit_now:
        await commit(session)
    return village


async def update_village(session: AsyncSession, actor: Actor, village_id: str, data: VillageIn, *,
                         now: datetime) -> AidVillage:
    """Correct or update the profile; it cannot fall below what the ledger already records."""
    ensure_staff(actor)
    village = await _village(session, village_id, lock=True)
    _check_day(data.paired_since, today_of(now), "paired_since")
    if data.population < data.households:
        raise PopulationBelowHouseholds()
    if await _name_taken(session, data, exclude=village.id):
        raise VillageExists()
    households, members = await _registered_counts(session, village.id)
    if data.households < households or data.population < members:
        raise ProfileBelowRecords(detail={"registered_households": households, "registered_members": members})
    first_visit = (await session.execute(
        select(func.min(AidVisit.visited_on)).where(AidVisit.village_id == village.id))).scalar_one()
    first_money = (await session.execute(
        select(func.min(AidInvestment.invested_on)).join(AidProject, AidInvestment.project_id == AidProject.id)
        .where(AidProject.village_id == village.id))).scalar_one()
    for what, day in (("visited_on", first_visit), ("invested_on", first_money)):
        if day is not None and day < data.paired_since:
            raise BeforePairing(detail={"field": "paired_since", "earliest_" + what: day.isoformat()})
    before = _profile(village)
    for key, value in data.model_dump().items():
        setattr(village, key, value)
    village.updated_at = now
    await record(session, "aid:village_updated", actor, subject_type="aid_village", subject_id=village.id, now=now,
                 before=before, after=_profile(village))
    await commit(session)
    return village


async def _registered_counts(session: AsyncSession, village_id: str) -> tuple[int, int]:
    households = (await session.execute(
        select(func.count()).select_from(AidHousehold).where(AidHousehold.village_id == village_id))).scalar_one()
    members = (await session.execute(
        select(func.count()).select_from(AidMember).where(AidMember.village_id == village_id))).scalar_one()
    return int(households), int(members)


# ---------------------------------------------------------------- households (personal data: staff only)


@dataclass(frozen=True)
class HouseholdRow:
    household: AidHousehold
    head_name: str
    members: int
    status: HouseholdStatus
    since: date


@dataclass(frozen=True)
class HouseholdDetail:
    village: AidVillage
    household: AidHousehold
    members: list[AidMember]
    changes: list[AidStatusChange]
    """Oldest first; the last one is the current status."""

    @property
    def current(self) -> AidStatusChange:
        return self.changes[-1]

    def next_statuses(self) -> list[HouseholdStatus]:
        return sorted(state.HOUSEHOLD_TRANSITIONS[HouseholdStatus(self.current.status)])


async def list_households(session: AsyncSession, actor: Actor, village_id: str) -> list[HouseholdRow]:
    ensure_staff(actor)
    await _village(session, village_id)
    households = list((await session.execute(
        select(AidHousehold).where(AidHousehold.village_id == village_id).order_by(AidHousehold.code)
    )).scalars())
    ids = [h.id for h in households]
    heads: dict[str, str] = {}
    sizes: dict[str, int] = defaultdict(int)
    for hid, name, relation in (await session.execute(
        select(AidMember.household_id, AidMember.name, AidMember.relation).where(AidMember.village_id == village_id)
    )).tuples():
        sizes[hid] += 1
        if relation == "head":
            heads[hid] = name
    latest: dict[str, AidStatusChange] = {}
    if ids:
        for ch in (await session.execute(
            select(AidStatusChange).where(AidStatusChange.household_id.in_(ids)).order_by(AidStatusChange.seq)
        )).scalars():
            latest[ch.household_id] = ch
    return [HouseholdRow(h, heads.get(h.id, ""), sizes[h.id], HouseholdStatus(latest[h.id].status),
                         latest[h.id].effective_on) for h in households if h.id in latest]


async def _household(session: AsyncSession, household_id: str, *, lock: bool = False) -> AidHousehold:
    stmt = select(AidHousehold).where(AidHousehold.id == household_id)
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalars().first()
    if found is None:
        raise HouseholdNotFound()
    return found


async def _changes(session: AsyncSession, household_id: str) -> list[AidStatusChange]:
    return list((await session.execute(
        select(AidStatusChange).where(AidStatusChange.household_id == household_id).order_by(AidStatusChange.seq)
    )).scalars())


async def get_household(session: AsyncSession, actor: Actor, household_id: str) -> HouseholdDetail:
    ensure_staff(actor)
    household = await _household(session, household_id)
    members = list((await session.execute(
        select(AidMember).where(AidMember.household_id == household.id)
        .order_by(AidMember.relation != "head", AidMember.created_at, AidMember.id)
    )).scalars())
    return HouseholdDetail(await _village(session, household.village_id), household, members,
                           await _changes(session, household.id))


def _valid_id(member: MemberIn, today: date) -> str:
    try:
        return parse_id_number(member.id_number, today=today).number
    except IdNumberError as exc:
        raise IdNumberInvalid.because(exc.reason, name=member.name) from None


async def _check_new_members(session: AsyncSession, village: AidVillage, members: list[MemberIn], today: date,
                             *, has_head: bool) -> list[str]:
    """Validate ID numbers, one head per household, no person twice, the village's population: the numbers."""
    numbers = [_valid_id(m, today) for m in members]
    new_heads = sum(1 for m in members if m.relation == "head")
    if new_heads != (0 if has_head else 1):
        raise HeadRequired(detail={"heads": new_heads + (1 if has_head else 0)})
    if len(set(numbers)) != len(numbers):
        raise MemberDuplicate(detail={"id_number": mask_id(next(n for n in numbers if numbers.count(n) > 1))})
    taken = (await session.execute(
        select(AidMember.id_number).where(AidMember.village_id == village.id, AidMember.id_number.in_(numbers))
    )).scalars().first()
    if taken is not None:
        raise MemberDuplicate(detail={"id_number": mask_id(taken)})
    _, registered_members = await _registered_counts(session, village.id)
    if registered_members + len(numbers) > village.population:
        raise ProfileBelowRecords(detail={"population": village.population,
                                          "registered_members": registered_members + len(numbers)})
    return numbers


async def add_household(session: AsyncSession, actor: Actor, village_id: str, data: HouseholdIn, *,
                        now: datetime, commit_now: bool = True) -> AidHousehold:
    """Register a poor household (建档立卡) with its members; its first status row is `registered`."""
    ensure_staff(actor)
    village = await _village(session, village_id, lock=True)
    today = today_of(now)
    _check_day(data.registered_on, today, "registered_on")
    households, _ = await _registered_counts(session, village.id)
    if households + 1 > village.households:
        raise TooManyHouseholds(detail={"households": village.households})
    code_taken = (await session.execute(select(AidHousehold.id).where(
        AidHousehold.village_id == village.id, AidHousehold.code == data.code))).scalars().first()
    if code_taken is not None:
        raise HouseholdCodeTaken(detail={"code": data.code})
    numbers = await _check_new_members(session, village, data.members, today, has_head=False)
    household = AidHousehold(village_id=village.id, code=data.code, group_name=data.group_name,
                             registered_on=data.registered_on, reason=data.reason, created_at=now)
    session.add(household)
    await session.flush()
    for m, number in zip(data.members, numbers, strict=True):
        session.add(AidMember(household_id=household.id, village_id=village.id, name=m.name, id_number=number,
                              relation=m.relation, created_at=now))
    session.add(AidStatusChange(household_id=household.id, seq=1, status=HouseholdStatus.registered,
                                effective_on=data.registered_on, note="建档立卡", recorded_at=now,
                                recorded_by=actor.user_id))
    await record(session, "aid:household_registered", actor, subject_type="aid_household", subject_id=household.id,
                 now=now, after={"village_id": village.id, "code": household.code, "group": household.group_name,
                                 "registered_on": household.registered_on.isoformat(), "members": len(numbers)})
    if commit_now:
        await commit(session)
    return household


async def add_member(session: AsyncSession, actor: Actor, household_id: str, data: MemberIn, *,
                     now: datetime) -> AidMember:
    """Add a person to a household (birth, marriage in…); a household keeps exactly one head."""
    ensure_staff(actor)
    household = await _household(session, household_id, lock=True)
    village = await _village(session, household.village_id, lock=True)
    (number,) = await _check_new_members(session, village, [data], today_of(now), has_head=True)
    member = AidMember(household_id=household.id, village_id=village.id, name=data.name, id_number=number,
                       relation=data.relation, created_at=now)
    session.add(member)
    await session.flush()
    await record(session, "aid:member_added", actor, subject_type="aid_household", subject_id=household.id, now=now,
                 after={"member_id": member.id, "relation": member.relation, "id_number": mask_id(number)})
    await commit(session)
    return member


async def change_status(session: AsyncSession, actor: Actor, household_id: str, data: StatusIn, *,
                        now: datetime, commit_now: bool = True) -> AidStatusChange:
    """Append a dated status (the history is never edited): the latest row becomes the current status."""
    ensure_staff(actor)
    household = await _household(session, household_id, lock=True)
    changes = await _changes(session, household.id)
    latest = changes[-1]
    state.check_change(HouseholdStatus(latest.status), data.status)
    _check_day(data.effective_on, today_of(now), "effective_on")
    if data.effective_on < latest.effective_on or data.effective_on < household.registered_on:
        raise StatusBackdated(detail={"effective_on": data.effective_on.isoformat(),
                                      "previous": latest.effective_on.isoformat()})
    change = AidStatusChange(household_id=household.id, seq=latest.seq + 1, status=data.status,
                             effective_on=data.effective_on, note=data.note, recorded_at=now,
                             recorded_by=actor.user_id)
    session.add(change)
    await record(session, "aid:household_status_changed", actor, subject_type="aid_household",
                 subject_id=household.id, now=now,
                 before={"status": latest.status, "effective_on": latest.effective_on.isoformat()},
                 after={"status": data.status, "effective_on": data.effective_on.isoformat(), "seq": change.seq,
                        "note": data.note})
    if commit_now:
        await commit(session)
    return change


# ---------------------------------------------------------------- partners, projects, money


async def list_partners(session: AsyncSession, actor: Actor) -> list[AidPartner]:
    ensure_reader(actor)
    return list((await session.execute(select(AidPartner).order_by(AidPartner.created_at, AidPartner.name))).scalars())


async def add_partner(session: AsyncSession, actor: Actor, data: PartnerIn, *, now: datetime,
                      commit_now: bool = True) -> AidPartner:
    ensure_staff(actor)
    if (await session.execute(select(AidPartner.id).where(AidPartner.name == data.name))).scalars().first():
        raise PartnerExists(detail={"name": data.name})
    partner = AidPartner(name=data.name, kind=data.kind, created_at=now)
    session.add(partner)
    await session.flush()
    await record(session, "aid:partner_added", actor, subject_type="aid_partner", subject_id=partner.id, now=now,
                 after={"name": partner.name, "kind": partner.kind})
    if commit_now:
        await commit(session)
    return partner


@dataclass(frozen=True)
class InvestmentLine:
    investment: AidInvestment
    partner_name: str


@dataclass
class ProjectView:
    project: AidProject
    investments: list[InvestmentLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.investment.amount for i in self.investments), rules.ZERO)

    def by_partner(self) -> list[tuple[str, Decimal]]:
        """Amount per partner unit for this project, largest first."""
        sums: dict[str, Decimal] = defaultdict(lambda: rules.ZERO)
        for line in self.investments:
            sums[line.partner_name] += line.investment.amount
        return sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))


async def list_projects(session: AsyncSession, actor: Actor, village_id: str) -> list[ProjectView]:
    ensure_reader(actor)
    await _village(session, village_id)
    projects = list((await session.execute(
        select(AidProject).where(AidProject.village_id == village_id)
        .order_by(AidProject.started_on, AidProject.name))).scalars())
    views = {p.id: ProjectView(p) for p in projects}
    if views:
        rows = await session.execute(
            select(AidInvestment, AidPartner.name).join(AidPartner, AidInvestment.partner_id == AidPartner.id)
            .where(AidInvestment.project_id.in_(list(views))).order_by(AidInvestment.invested_on, AidInvestment.id))
        for inv, name in rows.tuples():
            views[inv.project_id].investments.append(InvestmentLine(inv, name))
    return list(views.values())


async def _project(session: AsyncSession, project_id: str, *, lock: bool = False,
                   village_id: str | None = None) -> AidProject:
    """The project; with `village_id` (a page's URL), only if it belongs to that village."""
    stmt = select(AidProject).where(AidProject.id == project_id)
    if village_id is not None:
        stmt = stmt.where(AidProject.village_id == village_id)
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalars().first()
    if found is None:
        raise ProjectNotFound()
    return found


def _check_project_dates(started: date, completed: date | None, today: date) -> None:
    _check_day(started, today, "started_on")
    if completed is not None:
        _check_day(completed, today, "completed_on")
        if completed < started:
            raise CompletedBeforeStart(detail={"started_on": started.isoformat(),
                                               "completed_on": completed.isoformat()})


async def add_project(session: AsyncSession, actor: Actor, village_id: str, data: ProjectIn, *, now: datetime,
                      commit_now: bool = True) -> AidProject:
    ensure_staff(actor)
    village = await _village(session, village_id)
    _check_project_dates(data.started_on, data.completed_on, today_of(now))
    if data.beneficiary_households > village.households:
        raise BeneficiariesExceed(detail={"households": village.households})
    project = AidProject(village_id=village.id, **data.model_dump(), created_at=now)
    session.add(project)
    await session.flush()
    await record(session, "aid:project_added", actor, subject_type="aid_project", subject_id=project.id, now=now,
                 after={"village_id": village.id, **data.model_dump(mode="json")})
    if commit_now:
        await commit(session)
    return project


async def complete_project(session: AsyncSession, actor: Actor, project_id: str, completed_on: date, *,
                           now: datetime, village_id: str | None = None) -> AidProject:
    """Record the day a project was completed (竣工); a completed date can be corrected, never made earlier
    than the start."""
    ensure_staff(actor)
    project = await _project(session, project_id, lock=True, village_id=village_id)
    _check_project_dates(project.started_on, completed_on, today_of(now))
    before = project.completed_on.isoformat() if project.completed_on else None
    project.completed_on = completed_on
    await record(session, "aid:project_completed", actor, subject_type="aid_project", subject_id=project.id, now=now,
                 before={"completed_on": before}, after={"completed_on": completed_on.isoformat()})
    await commit(session)
    return project


async def add_investment(session: AsyncSession, actor: Actor, project_id: str, data: InvestmentIn, *,
                         now: datetime, commit_now: bool = True, village_id: str | None = None) -> AidInvestment:
    """Money one partner unit put into one project (到位资金)."""
    ensure_staff(actor)
    project = await _project(session, project_id, village_id=village_id)
    village = await _village(session, project.village_id)
    partner = (await session.execute(select(AidPartner).where(AidPartner.id == data.partner_id))).scalars().first()
    if partner is None:
        raise PartnerNotFound()
    _check_day(data.invested_on, today_of(now), "invested_on")
    _check_paired(data.invested_on, village, "invested_on")
    inv = AidInvestment(project_id=project.id, partner_id=partner.id, amount=data.amount,
                        invested_on=data.invested_on, note=data.note, created_at=now)
    session.add(inv)
    await session.flush()
    await record(session, "aid:investment_added", actor, subject_type="aid_project", subject_id=project.id, now=now,
                 after={"investment_id": inv.id, "partner_id": partner.id, "amount": data.amount,
                        "invested_on": data.invested_on.isoformat()})
    if commit_now:
        await commit(session)
    return inv


# ---------------------------------------------------------------- visits and problems


@dataclass(frozen=True)
class VisitView:
    visit: AidVisit
    problems: list[AidProblem]


async def list_visits(session: AsyncSession, actor: Actor, village_id: str) -> list[VisitView]:
    """Newest first."""
    ensure_reader(actor)
    await _village(session, village_id)
    visits = list((await session.execute(
        select(AidVisit).where(AidVisit.village_id == village_id)
        .order_by(AidVisit.visited_on.desc(), AidVisit.created_at.desc()))).scalars())
    problems: dict[str, list[AidProblem]] = defaultdict(list)
    if visits:
        for p in (await session.execute(
            select(AidProblem).where(AidProblem.visit_id.in_([v.id for v in visits])).order_by(AidProblem.id)
        )).scalars():
            problems[p.visit_id].append(p)
    return [VisitView(v, problems[v.id]) for v in visits]


async def add_visit(session: AsyncSession, actor: Actor, village_id: str, data: VisitIn, *, now: datetime,
                    commit_now: bool = True) -> VisitView:
    """Record a visit (入村走访) and the problems it found."""
    ensure_staff(actor)
    village = await _village(session, village_id)
    _check_day(data.visited_on, today_of(now), "visited_on")
    _check_paired(data.visited_on, village, "visited_on")
    if data.households_visited > village.households:
        raise VisitedTooMany(detail={"households": village.households})
    visit = AidVisit(village_id=village.id, visited_on=data.visited_on, staff=data.staff,
                     households_visited=data.households_visited, summary=data.summary, created_at=now,
                     recorded_by=actor.user_id)
    session.add(visit)
    await session.flush()
    problems = [AidProblem(visit_id=visit.id, description=text) for text in data.problems]
    session.add_all(problems)
    await session.flush()
    await record(session, "aid:visit_recorded", actor, subject_type="aid_visit", subject_id=visit.id, now=now,
                 after={"village_id": village.id, "visited_on": data.visited_on.isoformat(), "staff": data.staff,
                        "households_visited": data.households_visited, "problems": len(problems)})
    if commit_now:
        await commit(session)
    return VisitView(visit, problems)


async def solve_problem(session: AsyncSession, actor: Actor, problem_id: str, data: SolveIn, *, now: datetime,
                        commit_now: bool = True, village_id: str | None = None) -> AidProblem:
    """Mark a problem solved, once, on a day between its visit and today."""
    ensure_staff(actor)
    problem = (await session.execute(
        select(AidProblem).where(AidProblem.id == problem_id).with_for_update())).scalars().first()
    visit = None if problem is None else (await session.execute(
        select(AidVisit).where(AidVisit.id == problem.visit_id))).scalar_one()
    if problem is None or visit is None or (village_id is not None and visit.village_id != village_id):
        raise ProblemNotFound()
    if problem.solved_on is not None:
        raise ProblemAlreadySolved(detail={"solved_on": problem.solved_on.isoformat()})
    _check_day(data.solved_on, today_of(now), "solved_on")
    if data.solved_on < visit.visited_on:
        raise SolvedBeforeFound(detail={"visited_on": visit.visited_on.isoformat()})
    problem.solved_on, problem.solution, problem.solved_at = data.solved_on, data.solution, now
    await record(session, "aid:problem_solved", actor, subject_type="aid_visit", subject_id=visit.id, now=now,
                 after={"problem_id": problem.id, "solved_on": data.solved_on.isoformat()})
    if commit_now:
        await commit(session)
    return problem


# ---------------------------------------------------------------- progress (aggregates only)


@dataclass(frozen=True)
class Progress:
    """Everything the progress page, its charts, the CSV files and the PDF sheet show: no personal data."""

    village: AidVillage
    as_of: date
    counts: rules.StatusCounts
    years: list[rules.YearProgress]
    by_category: list[rules.Total]
    by_partner: list[rules.Total]
    by_year: list[rules.Total]
    total: Decimal
    partner_names: dict[str, str]
    projects: int
    projects_completed: int
    quarters: list[rules.QuarterRow]
    problems: rules.ProblemTotals

    def partner_name(self, partner_id: str) -> str:
        return self.partner_names.get(partner_id, partner_id)


@dataclass(frozen=True)
class Facts:
    households: list[rules.HouseholdFact]
    changes: list[rules.StatusFact]
    investments: list[rules.InvestmentFact]
    visits: list[rules.VisitFact]
    partner_names: dict[str, str]
    projects: list[tuple[date, date | None]]


async def load_facts(session: AsyncSession, village_id: str) -> Facts:
    """The village's ledger as plain facts for rules.* (a few queries, whatever the size)."""
    sizes = dict((await session.execute(
        select(AidMember.household_id, func.count()).where(AidMember.village_id == village_id)
        .group_by(AidMember.household_id))).tuples().all())
    households = [rules.HouseholdFact(hid, reg, int(sizes.get(hid, 0))) for hid, reg in (await session.execute(
        select(AidHousehold.id, AidHousehold.registered_on).where(AidHousehold.village_id == village_id))).tuples()]
    changes = [rules.StatusFact(hid, seq, HouseholdStatus(st), day) for hid, seq, st, day in (await session.execute(
        select(AidStatusChange.household_id, AidStatusChange.seq, AidStatusChange.status, AidStatusChange.effective_on)
        .join(AidHousehold, AidStatusChange.household_id == AidHousehold.id)
        .where(AidHousehold.village_id == village_id))).tuples()]
    investments = [rules.InvestmentFact(pid, ProjectCategory(cat), partner, amount, day)
                   for pid, cat, partner, amount, day in (await session.execute(
                       select(AidInvestment.project_id, AidProject.category, AidInvestment.partner_id,
                              AidInvestment.amount, AidInvestment.invested_on)
                       .join(AidProject, AidInvestment.project_id == AidProject.id)
                       .where(AidProject.village_id == village_id))).tuples()]
    problems: dict[str, list[date | None]] = defaultdict(list)
    for vid, solved in (await session.execute(
        select(AidProblem.visit_id, AidProblem.solved_on).join(AidVisit, AidProblem.visit_id == AidVisit.id)
        .where(AidVisit.village_id == village_id))).tuples():
        problems[vid].append(solved)
    visits = [rules.VisitFact(day, n, tuple(rules.ProblemFact(day, s) for s in problems[vid]))
              for vid, day, n in (await session.execute(
                  select(AidVisit.id, AidVisit.visited_on, AidVisit.households_visited)
                  .where(AidVisit.village_id == village_id))).tuples()]
    names = dict((await session.execute(select(AidPartner.id, AidPartner.name))).tuples().all())
    projects = list((await session.execute(
        select(AidProject.started_on, AidProject.completed_on).where(AidProject.village_id == village_id)
    )).tuples())
    return Facts(households, changes, investments, visits, names, projects)


def compute_progress(village: AidVillage, facts: Facts, as_of: date) -> Progress:
    """Pure: the progress figures of `facts` as of a day."""
    return Progress(
        village=village, as_of=as_of,
        counts=rules.status_counts(facts.households, facts.changes, as_of),
        years=rules.progress_by_year(facts.households, facts.changes, as_of, first_year=village.paired_since.year),
        by_category=rules.money_by_category(facts.investments, as_of),
        by_partner=rules.money_by_partner(facts.investments, as_of),
        by_year=rules.money_by_year(facts.investments, as_of),
        total=rules.grand_total(facts.investments, as_of),
        partner_names=facts.partner_names,
        projects=sum(1 for started, _ in facts.projects if started <= as_of),
        projects_completed=sum(1 for _, done in facts.projects if done is not None and done <= as_of),
        quarters=rules.visits_by_quarter(facts.visits, as_of, since=village.paired_since),
        problems=rules.problem_totals(facts.visits, as_of),
    )


async def progress(session: AsyncSession, actor: Actor, village_id: str, *, as_of: date) -> Progress:
    """The village's progress as of a day (validated by parse_as_of): aggregates only, for staff and supervisors."""
    ensure_reader(actor)
    village = await _village(session, village_id)
    return compute_progress(village, await load_facts(session, village_id), as_of)


async def progress_sheet(session: AsyncSession, actor: Actor, village_id: str, *, as_of: date,
                         now: datetime) -> bytes:
    """The one-page PDF progress sheet (reportlab runs in a worker thread: it is CPU-bound)."""
    p = await progress(session, actor, village_id, as_of=as_of)
    return await asyncio.to_thread(sheet.render_sheet, p, printed_at=now)
