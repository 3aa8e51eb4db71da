"""JSON API of the party domain: bidder registration, verification, organisations, users, passwords."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ggzy.auth.deps import SESSION_COOKIE, CentreAdmin, CentreStaff, CurrentActor, RequireUser
from ggzy.auth.service import token_hash
from ggzy.kit.web import DB, ClockDep
from ggzy.party import service
from ggzy.party.models import OrgKind, OrgStatus
from ggzy.party.schemas import (
    BidderRegistration,
    OrgCreate,
    OrgDetailOut,
    OrgOut,
    OrgPage,
    PasswordChange,
    RegistrationOut,
    RegistrationResubmit,
    RejectIn,
    ResubmissionOut,
    UserCreate,
    UserOut,
    VerifyIn,
)

router = APIRouter(prefix="/api", tags=["party"])


@router.post("/bidders/register", response_model=RegistrationOut, status_code=201)
async def register_bidder(
    body: BidderRegistration, actor: CurrentActor, session: DB, clock: ClockDep
) -> RegistrationOut:
    """Anyone may register a bidder company, free (E-Bidding Measures Art.9); it stays pending until verified."""
    org, user = await service.register_bidder(session, actor, body, now=clock.now())
    return RegistrationOut(organisation=OrgOut.model_validate(org), user=UserOut.model_validate(user))


@router.get("/orgs", response_model=OrgPage)
async def list_orgs(
    *,
    actor: RequireUser,
    session: DB,
    kind: OrgKind | None = None,
    status: OrgStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 20,
) -> OrgPage:
    """Centre staff see every organisation (filter by kind and status); everyone else sees only their own."""
    items, total = await service.list_orgs(session, actor, kind=kind, status=status, page=page, page_size=page_size)
    return OrgPage(items=[OrgOut.model_validate(o) for o in items], total=total, page=page, page_size=page_size)


@router.get("/orgs/{org_id}", response_model=OrgDetailOut)
async def get_org(org_id: str, actor: RequireUser, session: DB) -> OrgDetailOut:
    org, users = await service.get_org_with_users(session, actor, org_id)
    return OrgDetailOut(**OrgOut.model_validate(org).model_dump(), users=[UserOut.model_validate(u) for u in users])


@router.post("/orgs/{org_id}/verify", response_model=OrgOut)
async def verify_org(
    org_id: str, actor: CentreStaff, session: DB, clock: ClockDep, body: VerifyIn | None = None
) -> OrgOut:
    """Centre staff verify a pending registration."""
    org = await service.verify_organisation(session, actor, org_id, note=body.note if body else "", now=clock.now())
    return OrgOut.model_validate(org)


@router.post("/orgs/{org_id}/reject", response_model=OrgOut)
async def reject_org(org_id: str, body: RejectIn, actor: CentreStaff, session: DB, clock: ClockDep) -> OrgOut:
    """Centre staff return a pending registration with a reason; the applicant is notified."""
    org = await service.reject_organisation(session, actor, org_id, reason=body.reason, now=clock.now())
    return OrgOut.model_validate(org)


@router.post("/orgs", response_model=OrgOut, status_code=201)
async def create_org(body: OrgCreate, actor: CentreAdmin, session: DB, clock: ClockDep) -> OrgOut:
    """The centre administrator creates an organisation (supervisors get the lines of their department)."""
    org = await service.create_organisation(session, actor, body, now=clock.now())
    return OrgOut.model_validate(org)


@router.post("/orgs/{org_id}/users", response_model=UserOut, status_code=201)
async def create_user(org_id: str, body: UserCreate, actor: CentreAdmin, session: DB, clock: ClockDep) -> UserOut:
    user = await service.create_user(session, actor, org_id, body, now=clock.now())
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/disable", response_model=UserOut)
async def disable_user(user_id: str, actor: CentreAdmin, session: DB, clock: ClockDep) -> UserOut:
    user = await service.disable_user(session, actor, user_id, now=clock.now())
    return UserOut.model_validate(user)


@router.post("/me/password", status_code=204)
async def change_password(
    body: PasswordChange, request: Request, actor: RequireUser, session: DB, clock: ClockDep
) -> Response:
    """Change one's own password; other browser sessions are signed out (the current one stays)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    await service.change_password(
        session, actor, current_password=body.current_password, new_password=body.new_password,
        keep_session_hash=token_hash(cookie) if cookie else None, now=clock.now(),
    )
    return Response(status_code=204)


@router.post("/me/registration/resubmit", response_model=ResubmissionOut)
async def resubmit_registration(
    body: RegistrationResubmit, actor: RequireUser, session: DB, clock: ClockDep
) -> ResubmissionOut:
    """A rejected bidder corrects its company's details and applies again, free (E-Bidding Measures Art.9)."""
    org = await service.resubmit_registration(session, actor, body, now=clock.now())
    return ResubmissionOut(organisation=OrgOut.model_validate(org))
