"""Browser-like helpers for page tests: a cookie session and the page's CSRF token."""

from __future__ import annotations

import re
from datetime import datetime

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.deps import SESSION_COOKIE
from ggzy.auth.service import start_web_session
from ggzy.config import Settings
from ggzy.party.models import Organisation, User


async def browser_login(
    client: AsyncClient, db: AsyncSession, settings: Settings, user: User, org: Organisation, *, now: datetime
) -> None:
    """Give `client` a cookie session for `user`, as POST /login would."""
    token, _ = await start_web_session(db, settings, user, org, ip="203.0.113.7", user_agent="pytest", now=now)
    client.cookies.set(SESSION_COOKIE, token)


async def csrf(client: AsyncClient, path: str = "/workspace/tenders") -> str:
    r = await client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def local_input(when: datetime) -> str:
    """What a datetime-local input sends (Beijing wall time, no zone)."""
    from ggzy.kit.timefmt import SHANGHAI

    return when.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
