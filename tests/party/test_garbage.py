"""Garbage to every party endpoint is a 4xx with a stable code, never a 500, and writes nothing."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind, OrgStatus, Role
from tests.factories import bearer, create_party, query

GARBAGE: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"org_name": 5, "credit_code": ["x"], "password": null}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    ('{"reason": "' + "长" * 5000 + '", "name": "' + "x" * 5000 + '"}', "application/json"),
    (b"a=1&b=2", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize("path", ["/api/bidders/register", "/api/orgs", "/api/orgs/{org}/verify",
                                  "/api/orgs/{org}/reject", "/api/orgs/{org}/users", "/api/me/password"])
async def test_garbage_bodies_are_4xx_and_write_nothing(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, path: str
) -> None:
    _, admin, _ = await create_party(db, OrgKind.centre, now=clock.now(), role=Role.centre_admin)
    # Pending, so a body that slipped through to verify or reject would change it and be caught below.
    pending, _, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.pending)
    headers = await bearer(client, admin)
    [(audits,)] = await query(db, select(func.count()).select_from(AuditEvent))
    url = path.format(org=pending.id)
    for body, ctype in GARBAGE:
        content = body if isinstance(body, bytes) else body.encode()
        r = await client.post(url, content=content, headers={**headers, "content-type": ctype})
        assert 400 <= r.status_code < 500, (url, body[:40], r.status_code, r.text[:200])
        assert r.json()["error"]["code"]
    [(after,)] = await query(db, select(func.count()).select_from(AuditEvent))
    assert after == audits


async def test_garbage_query_parameters_are_4xx(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    headers = await bearer(client, staff)
    for params in ({"page": "x"}, {"page": "-1"}, {"kind": "alien"}, {"page_size": "0"}, {"page": "9" * 40}):
        r = await client.get("/api/orgs", params=params, headers=headers)
        assert r.status_code == 422, params
    r = await client.get("/api/orgs/" + "x" * 3000, headers=headers)
    assert r.status_code == 404
