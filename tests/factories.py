"""Small create_* functions for test data (each commits, so the app sees the rows)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.passwords import hash_password
from ggzy.auth.service import actor_for
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role, User

PASSWORD = "Passw0rd!2026"
_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
_seq = itertools.count(1)

DEFAULT_ROLE = {
    OrgKind.centre: Role.centre_staff,
    OrgKind.tenderer: Role.tenderer,
    OrgKind.agency: Role.agency,
    OrgKind.bidder: Role.bidder,
    OrgKind.supervisor: Role.supervisor,
    OrgKind.expert: Role.expert,
}


async def create_org(
    db: AsyncSession, kind: OrgKind, *, now: datetime, name: str | None = None,
    status: OrgStatus = OrgStatus.verified, **kw: Any,
) -> Organisation:
    n = next(_seq)
    org = Organisation(kind=kind, name=name or f"{kind.value}-{n}", status=status, created_at=now, **kw)
    db.add(org)
    await db.commit()
    return org


async def create_user(
    db: AsyncSession, org: Organisation, *, now: datetime, role: Role | None = None, username: str | None = None,
) -> User:
    n = next(_seq)
    user = User(
        organisation_id=org.id, username=username or f"user{n}", display_name=f"用户{n}",
        password_hash=_HASH, role=role or DEFAULT_ROLE[org.kind], created_at=now,
    )
    db.add(user)
    await db.commit()
    return user


async def create_party(
    db: AsyncSession, kind: OrgKind, *, now: datetime, role: Role | None = None, **org_kw: Any
) -> tuple[Organisation, User, Actor]:
    """An organisation with one user; returns the Actor a service call would receive."""
    org = await create_org(db, kind, now=now, **org_kw)
    user = await create_user(db, org, now=now, role=role)
    return org, user, actor_for(user, org, "198.51.100.1")


async def bearer(client: AsyncClient, user: User) -> dict[str, str]:
    """Log in through the API and return the Authorization header."""
    r = await client.post("/api/auth/token", json={"username": user.username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def login_cookie(client: AsyncClient, user: User, password: str = PASSWORD) -> str:
    """Log in through the /login form (the client keeps the session cookie); returns the page CSRF token."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    form = page.text[page.text.index('data-testid="login-form"'):]
    pre = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert pre is not None
    r = await client.post("/login", data={"username": user.username, "password": password, "csrf_token": pre[1]})
    assert r.status_code == 303, r.text
    account = await client.get("/workspace/account")
    assert account.status_code == 200, account.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', account.text)
    assert found is not None
    return found[1]


async def query(db: AsyncSession, stmt: Executable) -> Sequence[Row[Any]]:
    """Run a read in a separate short session, so no transaction stays open (on SQLite it would block writes).

    Select columns, not ORM entities: the entities would belong to a closed session.
    """
    async with AsyncSession(db.bind) as fresh:
        return (await fresh.execute(stmt)).all()
