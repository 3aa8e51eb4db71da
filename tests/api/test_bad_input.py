"""Garbage to every write endpoint: always a 4xx with a stable code, never a 500, never a partial record."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.models import ApiToken, LoginAttempt, WebSession
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Base
from tests.api.routes import all_routes
from tests.api.world import build_world
from tests.factories import bearer

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
# Tables a failed request may legitimately touch: the login rate limiter counts failures on purpose.
VOLATILE = {LoginAttempt.__tablename__, WebSession.__tablename__, ApiToken.__tablename__}

GARBAGE: list[tuple[str, bytes | str]] = [
    ("application/json", b"{not json"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b'{"name": 123, "line": ["x"], "bid_deadline": "yesterday", "budget": "abc",'
                         b' "lots": "many", "reason": null, "scope": 7, "username": [], "password": {}}'),
    ("application/json", '{"title": "' + "长" * 20000 + '", "amount": "1e999999"}'),
    ("application/x-www-form-urlencoded", b"%%%=&&="),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
]

SEGMENT_TO_KIND = {
    "projects": "project", "tenders": "tender", "notices": "notice", "documents": "document", "lots": "lot",
    "suspensions": "suspension", "inbox": "notification", "orgs": "org", "users": "user", "questions": "question",
    "workdays": "year",
}


def write_routes() -> list[tuple[str, str]]:
    out = []
    for route in all_routes():
        out.extend((m, route.path) for m in sorted(route.methods & WRITE))
    return out


def fill(path: str, ids: dict[str, str], real: bool) -> str:
    """Replace each {param} with a real id of the matching kind, or with an id that does not exist."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part.startswith("{"):
            kind = SEGMENT_TO_KIND.get(parts[i - 1], "")
            parts[i] = ids.get(kind, "0" * 32) if real else "f" * 32
    return "/".join(parts)


async def table_counts(db: AsyncSession) -> tuple[int, ...]:
    """Row counts of every table, in one query (run after every refused request)."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in VOLATILE]
    row = (await db.execute(select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables]))).one()
    await db.rollback()
    return tuple(row)


async def test_garbage_to_every_write_endpoint_never_500(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    world = await build_world(db, clock)
    routes = write_routes()
    assert len(routes) >= 40, f"expected the foundation's write endpoints, found {routes}"
    identities: dict[str, dict[str, str]] = {"anonymous": {}}
    for who in ("centre_admin", "agency", "bidder_a"):
        identities[who] = await bearer(client, world.users[who])
    failures = []
    counts = await table_counts(db)
    for method, path in routes:
        for real in (True, False):
            url = fill(path, world.ids, real)
            # Unknown ids are refused before the body matters: two payloads suffice there.
            for who, headers in identities.items() if real else list(identities.items())[:2]:
                for ctype, body in GARBAGE if real else GARBAGE[:1] + GARBAGE[3:4]:
                    r = await client.request(method, url, content=body, headers={**headers, "content-type": ctype})
                    if r.status_code >= 500:
                        failures.append(f"{method} {url} as {who} with {body[:30]!r}: {r.status_code} {r.text[:200]}")
                        continue
                    if r.status_code >= 400 and not path.startswith("/api"):
                        # Pages answer with an HTML error page or the form again, showing the message.
                        if await table_counts(db) != counts:
                            failures.append(f"{method} {url} as {who}: refused ({r.status_code}) but left a record")
                    elif r.status_code >= 400:
                        # Action endpoints without a body may legitimately succeed; refusals must be clean.
                        err = r.json().get("error", {})
                        if not (err.get("code") and err.get("message") and err.get("message_en")):
                            failures.append(f"{method} {url} as {who}: {r.status_code} without a coded error")
                        if await table_counts(db) != counts:
                            failures.append(f"{method} {url} as {who}: refused ({r.status_code}) but left a record")
                    else:
                        counts = await table_counts(db)
    assert not failures, "\n".join(failures[:40])


def test_error_codes_are_dotted_and_stable() -> None:
    """Every DomainError subclass declares a code like `tender.bond_too_high`."""
    from ggzy.kit.errors import DomainError

    def walk(cls: type[DomainError]) -> list[type[DomainError]]:
        return [cls, *[c for sub in cls.__subclasses__() for c in walk(sub)]]

    import ggzy.app  # noqa: F401  (imports every domain)

    pattern = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)*$")
    for cls in walk(DomainError):
        assert pattern.match(cls.code), f"{cls.__name__}.code = {cls.code!r}"
        assert cls.message_zh and cls.message_en, cls.__name__
