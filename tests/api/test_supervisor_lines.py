"""A supervisor sees only its own trading line (issue 6 part 6; DOMAIN.md "Supervision": each line has its own
regulator — 住建局 construction, 财政局 procurement …). Every GET endpoint and page is walked by the supervisor of
another line: whatever it learns about the construction project must be no more than the public (anonymous) sees
on the same path. The construction supervisor walks the same paths as a control: its board shows the tender.
What nobody learns before the opening (bids, downloads) is proved by the every-role walk of Art.21."""

from __future__ import annotations

from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.api.test_art21_confidentiality import get_paths, snapshot
from tests.api.world import build_world
from tests.factories import login_cookie

REGULATOR_PAGES = ("/api/supervision", "/workspace/supervision", "/api/suspensions", "/api/complaints")


async def test_the_supervisor_of_another_line_learns_nothing_beyond_the_public_about_this_line(
        app: Any, db: AsyncSession, clock: FrozenClock) -> None:
    world = await build_world(db, clock)
    transport = ASGITransport(app=app, client=("203.0.113.9", 40001))
    clients = {who: AsyncClient(transport=transport, base_url="http://t")
               for who in ("anonymous", "supervisor", "other_supervisor")}
    for who in ("supervisor", "other_supervisor"):
        await login_cookie(clients[who], world.users[who])
    try:
        paths = get_paths(world)
        seen = await snapshot(clients, paths)
        # What only the construction line's regulator may see: a pending question (before it is answered), and
        # the project on the regulators' own pages (board, suspensions, complaints); public pages name it anyway.
        question = "工期能否延长？".encode()
        code = b"JS-2026-90001"

        def learns(who: str, path: str) -> list[bytes]:
            body, public = seen[(who, path)][1], seen[("anonymous", path)][1]
            marks = [question, code] if path.startswith(REGULATOR_PAGES) else [question]
            return [m for m in marks if m in body and m not in public]

        leaks = sorted(f"GET {path} ({seen[('other_supervisor', path)][0]})" for path in paths
                       if learns("other_supervisor", path))
        assert not leaks, "the procurement supervisor sees the construction project on:\n" + "\n".join(leaks)
        own = {path for path in paths if learns("supervisor", path)}
        assert {"/api/supervision/board", "/workspace/supervision/board"} <= own, own
        assert any("/questions" in p for p in own), own
    finally:
        for c in clients.values():
            await c.aclose()
