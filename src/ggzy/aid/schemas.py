"""Pydantic bodies of the aid ledger (the JSON API and, through pages.parse_form, the pages' forms).

Shape only (lengths, types, ranges); what depends on the clock or on recorded rows (dates up to today, ID
numbers, duplicates, the status machine) is checked by the service with named errors. Money is Decimal, sent
and returned as strings, to the fen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ggzy.aid.models import HouseholdStatus, ProjectCategory

Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
"""Yuan, more than zero, at most 999,999,999,999.99 and no fraction of a fen."""
Relation = Literal["head", "spouse", "child", "parent", "grandchild", "sibling", "other"]
PartnerKind = Literal["government", "enterprise", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VillageIn(_In):
    name: Text64
    township: Text64
    county: Text64
    region_code: Annotated[str, Field(pattern=r"^([0-9]{6}|[0-9]{12})?$")] = ""
    households: Annotated[int, Field(ge=1, le=100_000)]
    population: Annotated[int, Field(ge=1, le=1_000_000)]
    paired_since: date
    first_secretary: Annotated[str, Field(max_length=64)] = ""
    note: Annotated[str, Field(max_length=4000)] = ""


class MemberIn(_In):
    name: Text64
    id_number: Annotated[str, Field(min_length=15, max_length=24)]
    """Spaces and a lower-case x are accepted and normalised (kit.idcard)."""
    relation: Relation


class HouseholdIn(_In):
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^\S+$")]
    group_name: Annotated[str, Field(max_length=32)] = ""
    registered_on: date
    reason: Annotated[str, Field(max_length=200)] = ""
    members: Annotated[list[MemberIn], Field(min_length=1, max_length=30)]


class StatusIn(_In):
    status: HouseholdStatus
    effective_on: date
    note: Annotated[str, Field(max_length=1000)] = ""


class PartnerIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: PartnerKind = "government"


class ProjectIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    category: ProjectCategory
    started_on: date
    completed_on: date | None = None
    beneficiary_households: Annotated[int, Field(ge=0, le=100_000)] = 0
    description: Annotated[str, Field(max_length=4000)] = ""


class InvestmentIn(_In):
    partner_id: Annotated[str, Field(min_length=1, max_length=32)]
    amount: Amount
    invested_on: date
    note: Annotated[str, Field(max_length=1000)] = ""


class VisitIn(_In):
    visited_on: date
    staff: Annotated[str, Field(min_length=1, max_length=200)]
    households_visited: Annotated[int, Field(ge=0, le=100_000)]
    summary: Annotated[str, Field(max_length=4000)] = ""
    problems: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=30)] = []


class SolveIn(_In):
    solved_on: date
    solution: Annotated[str, Field(min_length=1, max_length=1000)]


class CompleteIn(_In):
    completed_on: date
