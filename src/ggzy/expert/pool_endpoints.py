"""JSON API of the expert pool: staff search, edit, suspend / retire and import; the expert's own record.

/api/expert-pool/… is for centre staff only (experts' personal data is shown to nobody else);
/api/expert/me… is the calling expert's own record.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from ggzy.auth.actor import Actor
from ggzy.auth.deps import RequireUser
from ggzy.expert import pool_rules as rules
from ggzy.expert import pool_service as svc
from ggzy.expert.errors import ExpertsOnly, ImportTooLarge, PoolStaffOnly
from ggzy.expert.models import Expert, ExpertDeclaration, ExpertStatus, ExpertUnavailability
from ggzy.expert.pool_file import MAX_BYTES
from ggzy.expert.schemas import (
    DeclarationIn,
    DeclarationOut,
    EmploymentOut,
    ExpertOut,
    ExpertPageOut,
    ExpertSummaryOut,
    ExpertUpdateIn,
    ImportLoginOut,
    ImportOutcomeOut,
    ImportResultOut,
    PenaltyOut,
    PhoneIn,
    StatusChangeIn,
    UnavailabilityIn,
    UnavailabilityOut,
)
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import Role

router = APIRouter(prefix="/api", tags=["expert-pool"])


async def _staff(actor: RequireUser) -> Actor:
    """Checked before the body is read: a bidder learns nothing about the pool, not even what it would accept."""
    if not actor.is_centre:
        raise PoolStaffOnly()
    return actor


async def _expert(actor: RequireUser) -> Actor:
    if actor.role != Role.expert:
        raise ExpertsOnly()
    return actor


Staff = Annotated[Actor, Depends(_staff)]
Self = Annotated[Actor, Depends(_expert)]


def summary_out(expert: Expert, specialties: list[str]) -> ExpertSummaryOut:
    return ExpertSummaryOut(
        id=expert.id, name=expert.name, id_number=expert.id_number, phone=expert.phone, employer=expert.employer,
        title=expert.title, senior_title=expert.senior_title, years_in_field=expert.years_in_field,
        region=expert.region, status=ExpertStatus(expert.status), specialties=specialties,
    )


def expert_out(d: svc.ExpertDetail) -> ExpertOut:
    e = d.expert
    return ExpertOut(
        **summary_out(e, d.specialties).model_dump(), username=d.username,
        employer_credit_code=e.employer_credit_code, years_as_of=e.years_as_of, note=e.note,
        status_reason=e.status_reason, status_changed_at=e.status_changed_at,
        employments=[EmploymentOut(id=j.id, org_name=j.org_name, org_credit_code=j.org_credit_code, start=j.start,
                                   end=j.end) for j in d.employments],
        penalties=[PenaltyOut(id=p.id, decided_on=p.decided_on, until=p.until, authority=p.authority,
                              reason=p.reason) for p in d.penalties],
        declarations=[declaration_out(x) for x in d.declarations],
        unavailability=[unavailability_out(u) for u in d.unavailability],
        created_at=e.created_at, updated_at=e.updated_at,
    )


def declaration_out(x: ExpertDeclaration) -> DeclarationOut:
    return DeclarationOut(id=x.id, kind=x.kind, org_name=x.org_name, org_credit_code=x.org_credit_code,
                          detail=x.detail, declared_at=x.declared_at, withdrawn_at=x.withdrawn_at)


def unavailability_out(u: ExpertUnavailability) -> UnavailabilityOut:
    return UnavailabilityOut(id=u.id, start=u.start, end=u.end, reason=u.reason)


def import_out(r: svc.ImportResult) -> ImportResultOut:
    return ImportResultOut(
        import_id=r.import_id, file_sha256=r.file_sha256, kind="xlsx" if r.kind == "xlsx" else "csv", rows=r.rows,
        created=r.created, updated=r.updated, unchanged=r.unchanged,
        logins=[ImportLoginOut(row=x.row, expert_id=x.expert_id, name=x.name, username=x.username,
                               initial_password=x.initial_password) for x in r.logins],
        outcomes=[ImportOutcomeOut(row=row, expert_id=eid, outcome=o) for row, eid, o in r.outcomes],
    )


async def read_upload(upload: StarletteUpload) -> bytes:
    """The uploaded file, refusing more than MAX_BYTES without reading it all into memory first."""
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ImportTooLarge(detail={"max_bytes": MAX_BYTES})
    return content


# ---------------------------------------------------------------- staff


@router.get("/expert-pool/experts", response_model=ExpertPageOut)
async def search(
    session: DB, actor: Staff, *, q: Annotated[str, Query(max_length=64)] = "",
    specialty: Annotated[str, Query(max_length=16, pattern=r"^[A-Za-z]?[0-9]*$")] = "",
    region: Annotated[str, Query(max_length=6, pattern=r"^[0-9]*$")] = "",
    status: ExpertStatus | None = None, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=svc.MAX_PAGE_SIZE)] = 20,
) -> ExpertPageOut:
    """Search the pool: `q` is part of a name or a whole ID / phone number; `specialty` and `region` are code
    prefixes (A08 finds A0801 too; 3301 finds 330102)."""
    found = await svc.list_experts(session, actor, q=q, specialty=specialty, region=region, status=status,
                                   page=page, page_size=page_size)
    return ExpertPageOut(items=[summary_out(e, found.specialties[e.id]) for e in found.items], total=found.total,
                         page=found.page, page_size=found.page_size)


@router.get("/expert-pool/experts/{expert_id}", response_model=ExpertOut)
async def detail(expert_id: str, session: DB, actor: Staff) -> ExpertOut:
    return expert_out(await svc.get_expert(session, actor, expert_id))


@router.put("/expert-pool/experts/{expert_id}", response_model=ExpertOut)
async def edit(expert_id: str, body: ExpertUpdateIn, session: DB, actor: Staff, clock: ClockDep) -> ExpertOut:
    """Replace the expert's data, specialties, employment history and penalties (declarations are the expert's)."""
    now = clock.now()
    rec = rules.record_from_update(body, today=svc.today_of(now))
    return expert_out(await svc.update_expert(session, actor, expert_id, rec, note=body.note, now=now))


@router.post("/expert-pool/experts/{expert_id}/status", response_model=ExpertOut)
async def set_status(expert_id: str, body: StatusChangeIn, session: DB, actor: Staff, clock: ClockDep) -> ExpertOut:
    """Suspend (暂停), retire (出库) or reinstate, with a reason; a retired expert can no longer log in."""
    await svc.change_status(session, actor, expert_id, body.status, reason=body.reason, now=clock.now())
    return expert_out(await svc.get_expert(session, actor, expert_id))


@router.post("/expert-pool/imports", response_model=ImportResultOut)
async def import_file(
    session: DB, actor: Staff, clock: ClockDep, file: Annotated[UploadFile, File()],
) -> ImportResultOut:
    """Import a CSV (UTF-8) or XLSX file; any error → 422 expert.import_invalid listing {row, field, code,
    message} and nothing written. New logins' initial passwords are in this response only."""
    content = await read_upload(file)
    result = await svc.import_experts(session, actor, content, filename=file.filename or "", now=clock.now())
    return import_out(result)


# ---------------------------------------------------------------- the expert's own record


@router.get("/expert/me", response_model=ExpertOut)
async def me(session: DB, actor: Self) -> ExpertOut:
    return expert_out(await svc.my_record(session, actor))


@router.patch("/expert/me", response_model=ExpertOut)
async def change_phone(body: PhoneIn, session: DB, actor: Self, clock: ClockDep) -> ExpertOut:
    """Change the mobile number draw notices go to."""
    await svc.update_my_phone(session, actor, body.phone, now=clock.now())
    return expert_out(await svc.my_record(session, actor))


@router.post("/expert/me/declarations", status_code=201, response_model=DeclarationOut)
async def declare(body: DeclarationIn, session: DB, actor: Self, clock: ClockDep) -> DeclarationOut:
    """Declare a close relative at, or an interest in, an organisation (回避, Evaluation Rules Art.12)."""
    entry = rules.check_declaration([body.kind.value, body.org_name, body.org_credit_code, body.detail])
    return declaration_out(await svc.add_declaration(session, actor, entry, now=clock.now()))


@router.post("/expert/me/declarations/{declaration_id}/withdraw", response_model=DeclarationOut)
async def withdraw(declaration_id: str, session: DB, actor: Self, clock: ClockDep) -> DeclarationOut:
    return declaration_out(await svc.withdraw_declaration(session, actor, declaration_id, now=clock.now()))


@router.post("/expert/me/unavailability", status_code=201, response_model=UnavailabilityOut)
async def add_unavailable(body: UnavailabilityIn, session: DB, actor: Self, clock: ClockDep) -> UnavailabilityOut:
    """A period you cannot evaluate; it may not start before today (Beijing time)."""
    row = await svc.add_unavailability(session, actor, start=body.start, end=body.end, reason=body.reason,
                                       now=clock.now())
    return unavailability_out(row)


@router.delete("/expert/me/unavailability/{unavailability_id}", status_code=204)
async def remove_unavailable(unavailability_id: str, session: DB, actor: Self, clock: ClockDep) -> None:
    """Remove a period that has not started yet."""
    await svc.remove_unavailability(session, actor, unavailability_id, now=clock.now())
