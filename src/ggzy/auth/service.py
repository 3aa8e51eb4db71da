"""Login, sessions and tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.auth.errors import AccountInactive, BadCredentials, RateLimited
from ggzy.auth.models import ApiToken, LoginAttempt, WebSession
from ggzy.auth.passwords import verify_password
from ggzy.config import Settings
from ggzy.kit.db import commit
from ggzy.party.models import Organisation, OrgStatus, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(user: User, org: Organisation, ip: str = "") -> Actor:
    return Actor(
        user_id=user.id,
        org_id=org.id,
        role=user.role,
        org_kind=org.kind,
        ip=ip,
        display_name=user.display_name,
        org_name=org.name,
        supervised_lines=tuple(org.supervised_lines or ()),
        org_verified=org.status == OrgStatus.verified,
    )


async def _recent_failures(session: AsyncSession, username: str, ip: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        LoginAttempt.username == username,
        LoginAttempt.ip == ip,
        LoginAttempt.success.is_(False),
        LoginAttempt.at >= since,
    )
    return int((await session.execute(stmt)).scalar_one())


async def authenticate(
    session: AsyncSession, settings: Settings, *, username: str, password: str, ip: str, now: datetime
) -> tuple[User, Organisation]:
    """Check a password under the rate limit; failed attempts are committed even though we raise."""
    username = username.strip()
    since = now - timedelta(minutes=settings.login_window_minutes)
    if await _recent_failures(session, username, ip, since) >= settings.login_max_failures:
        raise RateLimited()
    row = (
        await session.execute(
            select(User, Organisation).join(Organisation, User.organisation_id == Organisation.id)
            .where(User.username == username)
        )
    ).first()
    user, org = (row[0], row[1]) if row else (None, None)
    if user is None or org is None or not verify_password(user.password_hash, password):
        session.add(LoginAttempt(username=username, ip=ip, at=now, success=False))
        await commit(session)
        raise BadCredentials()
    # A pending or rejected bidder may log in to see its application; disabled accounts may not.
    if not user.is_active or org.status == OrgStatus.disabled:
        raise AccountInactive()
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=True))
    return user, org


async def start_web_session(
    session: AsyncSession, settings: Settings, user: User, org: Organisation, *, ip: str, user_agent: str,
    now: datetime,
) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    ws = WebSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
        ip=ip,
        user_agent=user_agent[:256],
    )
    session.add(ws)
    await record(session, "auth:login", actor_for(user, org, ip), subject_type="user", subject_id=user.id, now=now)
    await commit(session)
    return token, ws


async def issue_api_token(
    session: AsyncSession, settings: Settings, user: User, org: Organisation, *, ip: str, name: str, now: datetime
) -> tuple[str, ApiToken]:
    token = "ggzy_" + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=token_hash(token), user_id=user.id, name=name[:64], created_at=now,
        expires_at=now + timedelta(days=settings.api_token_days),
    )
    session.add(row)
    await record(
        session, "auth:token_issued", actor_for(user, org, ip), subject_type="user", subject_id=user.id, now=now,
        after={"token_id": row.id, "name": row.name},
    )
    await commit(session)
    return token, row


async def end_web_session(session: AsyncSession, actor: Actor, token: str, *, now: datetime) -> None:
    """Log out: revoke the browser session behind `token`."""
    await session.execute(update(WebSession).where(WebSession.token_hash == token_hash(token)).values(revoked=True))
    if actor.user_id is not None:
        await record(session, "auth:logout", actor, subject_type="user", subject_id=actor.user_id, now=now)
    await commit(session)


async def resolve_web_session(
    session: AsyncSession, token: str, now: datetime
) -> tuple[User, Organisation, WebSession] | None:
    row = (
        await session.execute(
            select(User, Organisation, WebSession)
            .join(Organisation, User.organisation_id == Organisation.id)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.token_hash == token_hash(token), WebSession.revoked.is_(False))
        )
    ).first()
    if row is None or row[2].expires_at <= now or not row[0].is_active:
        return None
    return row[0], row[1], row[2]


async def resolve_api_token(session: AsyncSession, token: str, now: datetime) -> tuple[User, Organisation] | None:
    row = (
        await session.execute(
            select(User, Organisation, ApiToken)
            .join(Organisation, User.organisation_id == Organisation.id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked.is_(False))
        )
    ).first()
    if row is None or row[2].expires_at <= now or not row[0].is_active:
        return None
    return row[0], row[1]
