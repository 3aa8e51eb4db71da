"""JSON API of the village-aid ledger (glue: parse, call one service function, shape the answer).

Centre staff write; supervisors read villages, projects, visits and progress; household data (names, ID
numbers) is answered to centre staff only. Money is returned as strings of yuan to the fen.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ggzy.aid import rules, service
from ggzy.aid.models import AidHousehold, AidPartner, AidProblem, AidStatusChange, AidVillage
from ggzy.aid.schemas import (
    CompleteIn,
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
from ggzy.auth.deps import RequireUser
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api/aid", tags=["aid"])


def village_json(v: AidVillage) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "township": v.township, "county": v.county, "region_code": v.region_code,
            "households": v.households, "population": v.population, "paired_since": v.paired_since,
            "first_secretary": v.first_secretary, "note": v.note, "updated_at": v.updated_at}


def partner_json(p: AidPartner) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "kind": p.kind}


def change_json(c: AidStatusChange) -> dict[str, Any]:
    return {"seq": c.seq, "status": str(c.status), "effective_on": c.effective_on, "note": c.note,
            "recorded_at": c.recorded_at}


def household_json(h: AidHousehold) -> dict[str, Any]:
    return {"id": h.id, "village_id": h.village_id, "code": h.code, "group_name": h.group_name,
            "registered_on": h.registered_on, "reason": h.reason}


def problem_json(p: AidProblem) -> dict[str, Any]:
    return {"id": p.id, "description": p.description, "solved_on": p.solved_on, "solution": p.solution}


def visit_json(v: service.VisitView) -> dict[str, Any]:
    return {"id": v.visit.id, "visited_on": v.visit.visited_on, "staff": v.visit.staff,
            "households_visited": v.visit.households_visited, "summary": v.visit.summary,
            "problems": [problem_json(p) for p in v.problems]}


def project_json(pv: service.ProjectView) -> dict[str, Any]:
    p = pv.project
    return {"id": p.id, "name": p.name, "category": str(p.category), "started_on": p.started_on,
            "completed_on": p.completed_on, "beneficiary_households": p.beneficiary_households,
            "description": p.description, "total": str(pv.total),
            "by_partner": [{"partner": name, "amount": str(amount)} for name, amount in pv.by_partner()],
            "investments": [{"id": i.investment.id, "partner_id": i.investment.partner_id, "partner": i.partner_name,
                             "amount": str(i.investment.amount), "invested_on": i.investment.invested_on,
                             "note": i.investment.note} for i in pv.investments]}


def _totals(rows: list[rules.Total], name: Any = None) -> list[dict[str, Any]]:
    return [{"key": r.key, **({"name": name(r.key)} if name else {}), "amount": str(r.amount), "share": str(r.share)}
            for r in rows]


def progress_json(p: service.Progress) -> dict[str, Any]:
    """Aggregates only: the same figures as the progress page, its CSV files and the PDF sheet."""
    c, pt = p.counts, p.problems
    return {
        "village": {"id": p.village.id, "name": p.village.name, "households": p.village.households,
                    "population": p.village.population},
        "as_of": p.as_of,
        "households": {"registered": c.households, "members": c.members, "not_lifted": c.registered,
                       "to_lift": c.to_lift, "lifted": c.lifted, "members_lifted": c.members_lifted, "poor": c.poor,
                       "lifted_share": str(c.lifted_share)},
        "years": [{"year": y.year, "registered": y.registered, "newly_registered": y.newly_registered,
                   "lifted_in_year": y.lifted_in_year, "fell_back_in_year": y.fell_back_in_year, "lifted": y.lifted,
                   "to_lift": y.to_lift, "poor": y.poor} for y in p.years],
        "money": {"total": str(p.total), "by_category": _totals(p.by_category),
                  "by_partner": _totals(p.by_partner, p.partner_name), "by_year": _totals(p.by_year)},
        "projects": {"count": p.projects, "completed": p.projects_completed},
        "visits": {"count": pt.visits, "households_visited": pt.households_visited, "problems_found": pt.found,
                   "problems_solved": pt.solved, "problems_open": pt.open,
                   "average_days_to_solve": str(pt.average_days_to_solve) if pt.average_days_to_solve else None,
                   "by_quarter": [{"quarter": q.label, "visits": q.visits, "households_visited": q.households_visited,
                                   "problems_found": q.problems_found, "problems_solved": q.problems_solved,
                                   "open_at_end": q.open_at_end} for q in p.quarters]},
    }


# ---------------------------------------------------------------- villages


@router.get("/villages")
async def villages(session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    return [village_json(v) for v in await service.list_villages(session, actor)]


@router.post("/villages", status_code=201)
async def create_village(body: VillageIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    return village_json(await service.create_village(session, actor, body, now=clock.now()))


@router.get("/villages/{village_id}")
async def village(village_id: str, session: DB, actor: RequireUser) -> dict[str, Any]:
    return village_json(await service.get_village(session, actor, village_id))


@router.put("/villages/{village_id}")
async def update_village(village_id: str, body: VillageIn, session: DB, actor: RequireUser,
                         clock: ClockDep) -> dict[str, Any]:
    return village_json(await service.update_village(session, actor, village_id, body, now=clock.now()))


@router.get("/villages/{village_id}/progress")
async def progress(village_id: str, session: DB, actor: RequireUser, clock: ClockDep,
                   as_of: str | None = None) -> dict[str, Any]:
    """Figures as of a day (YYYY-MM-DD, default today in Beijing)."""
    day = service.parse_as_of(as_of, now=clock.now())
    return progress_json(await service.progress(session, actor, village_id, as_of=day))


# ---------------------------------------------------------------- households (centre staff only)


@router.get("/villages/{village_id}/households")
async def households(village_id: str, session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    rows = await service.list_households(session, actor, village_id)
    return [{**household_json(r.household), "head": r.head_name, "members": r.members, "status": str(r.status),
             "since": r.since} for r in rows]


@router.post("/villages/{village_id}/households", status_code=201)
async def add_household(village_id: str, body: HouseholdIn, session: DB, actor: RequireUser,
                        clock: ClockDep) -> dict[str, Any]:
    return household_json(await service.add_household(session, actor, village_id, body, now=clock.now()))


@router.get("/households/{household_id}")
async def household(household_id: str, session: DB, actor: RequireUser) -> dict[str, Any]:
    d = await service.get_household(session, actor, household_id)
    return {**household_json(d.household), "status": str(d.current.status),
            "members": [{"id": m.id, "name": m.name, "id_number": m.id_number, "relation": m.relation}
                        for m in d.members],
            "history": [change_json(c) for c in d.changes]}


@router.post("/households/{household_id}/members", status_code=201)
async def add_member(household_id: str, body: MemberIn, session: DB, actor: RequireUser,
                     clock: ClockDep) -> dict[str, Any]:
    m = await service.add_member(session, actor, household_id, body, now=clock.now())
    return {"id": m.id, "name": m.name, "id_number": m.id_number, "relation": m.relation}


@router.post("/households/{household_id}/status", status_code=201)
async def change_status(household_id: str, body: StatusIn, session: DB, actor: RequireUser,
                        clock: ClockDep) -> dict[str, Any]:
    """Append a dated status; 409 aid.bad_status_change / aid.status_backdated when it does not follow."""
    return change_json(await service.change_status(session, actor, household_id, body, now=clock.now()))


# ---------------------------------------------------------------- partners, projects, money


@router.get("/partners")
async def partners(session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    return [partner_json(p) for p in await service.list_partners(session, actor)]


@router.post("/partners", status_code=201)
async def add_partner(body: PartnerIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    return partner_json(await service.add_partner(session, actor, body, now=clock.now()))


@router.get("/villages/{village_id}/projects")
async def projects(village_id: str, session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    return [project_json(pv) for pv in await service.list_projects(session, actor, village_id)]


@router.post("/villages/{village_id}/projects", status_code=201)
async def add_project(village_id: str, body: ProjectIn, session: DB, actor: RequireUser,
                      clock: ClockDep) -> dict[str, Any]:
    p = await service.add_project(session, actor, village_id, body, now=clock.now())
    return project_json(service.ProjectView(p))


@router.post("/projects/{project_id}/complete")
async def complete_project(project_id: str, body: CompleteIn, session: DB, actor: RequireUser,
                           clock: ClockDep) -> dict[str, Any]:
    p = await service.complete_project(session, actor, project_id, body.completed_on, now=clock.now())
    return {"id": p.id, "completed_on": p.completed_on}


@router.post("/projects/{project_id}/investments", status_code=201)
async def add_investment(project_id: str, body: InvestmentIn, session: DB, actor: RequireUser,
                         clock: ClockDep) -> dict[str, Any]:
    inv = await service.add_investment(session, actor, project_id, body, now=clock.now())
    return {"id": inv.id, "project_id": inv.project_id, "partner_id": inv.partner_id, "amount": str(inv.amount),
            "invested_on": inv.invested_on, "note": inv.note}


# ---------------------------------------------------------------- visits


@router.get("/villages/{village_id}/visits")
async def visits(village_id: str, session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    return [visit_json(v) for v in await service.list_visits(session, actor, village_id)]


@router.post("/villages/{village_id}/visits", status_code=201)
async def add_visit(village_id: str, body: VisitIn, session: DB, actor: RequireUser,
                    clock: ClockDep) -> dict[str, Any]:
    return visit_json(await service.add_visit(session, actor, village_id, body, now=clock.now()))


@router.post("/problems/{problem_id}/solve")
async def solve(problem_id: str, body: SolveIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    return problem_json(await service.solve_problem(session, actor, problem_id, body, now=clock.now()))
