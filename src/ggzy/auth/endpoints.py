"""JSON API of the auth domain: bearer tokens for API clients."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from ggzy.auth import service
from ggzy.auth.deps import RequireUser
from ggzy.auth.schemas import MeOut, TokenOut, TokenRequest
from ggzy.kit.errors import Unauthenticated
from ggzy.kit.web import DB, ClockDep, SettingsDep, client_ip
from ggzy.party.models import Organisation, User

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
async def issue_token(body: TokenRequest, request: Request, session: DB, clock: ClockDep,
                      settings: SettingsDep) -> TokenOut:
    """Exchange a username and password for a bearer token (rate-limited like the login page)."""
    now = clock.now()
    ip = client_ip(request)
    user, org = await service.authenticate(session, settings, username=body.username, password=body.password,
                                           ip=ip, now=now)
    token, row = await service.issue_api_token(session, settings, user, org, ip=ip, name=body.name, now=now)
    return TokenOut(access_token=token, expires_at=row.expires_at)


@router.get("/me", response_model=MeOut)
async def me(actor: RequireUser, session: DB) -> MeOut:
    row = (
        await session.execute(
            select(User, Organisation).join(Organisation, User.organisation_id == Organisation.id)
            .where(User.id == actor.user_id)
        )
    ).first()
    if row is None:
        raise Unauthenticated()
    user, org = row[0], row[1]
    return MeOut(user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                 org_id=org.id, org_name=org.name, org_kind=org.kind, org_status=org.status)
