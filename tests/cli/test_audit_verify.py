"""`ggzy audit verify` catches every edit, deletion and reordering of audit rows (E-Bidding Measures Art.49)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from httpx import AsyncClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from ggzy.cli import app as cli_app
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.migrations import sync_url
from ggzy.party.models import OrgKind
from tests.factories import create_party


async def run_verify(url: str) -> Result:
    """Invoke the CLI in a worker thread: it runs its own event loop."""
    return await asyncio.to_thread(CliRunner().invoke, cli_app, ["audit", "verify", "--database-url", url])


async def _append_through_services(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    """Five token issues through the API: each appends an auth:token_issued event in its transaction."""
    _, user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    for _ in range(5):
        clock.advance(minutes=1)
        r = await client.post("/api/auth/token", json={"username": user.username, "password": "Passw0rd!2026"})
        assert r.status_code == 200, r.text


def _tamper(url: str, change: Callable[[Connection], None]) -> None:
    """Alter the table directly, as a superuser would: on PostgreSQL the append-only trigger is bypassed."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            change(conn)
    finally:
        engine.dispose()


def _edit(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_events SET ip = '10.0.0.66' WHERE seq = 3"))


def _delete(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))


def _swap(conn: Connection) -> None:
    """Swap entries 2 and 3: each keeps its content but takes the other's position (a reordering)."""
    conn.execute(text("UPDATE audit_events SET seq = -2 WHERE seq = 2"))
    conn.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 3"))
    conn.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = -2"))


async def test_intact_chain_exits_zero_with_count_and_head_art49(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _append_through_services(client, db, clock)
    result = await run_verify(settings.effective_database_url)
    assert result.exit_code == 0, result.output
    head = (await db.execute(text("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1"))).scalar_one()
    assert "intact: 5 entries" in result.output
    assert head in result.output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_edit, "BROKEN at entry 3: entry 3 was altered"),
        (_delete, "BROKEN at entry 3: entry 3 is missing"),
        (_swap, "BROKEN at entry 2: entry 2 does not follow entry 1"),
    ],
    ids=["edited", "deleted", "reordered"],
)
async def test_tampering_is_named_by_first_broken_entry_art49(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings, *,
    change: Callable[[Connection], None], expected: str,
) -> None:
    """E-Bidding Measures Art.49: nothing in the trail may be altered unnoticed."""
    await _append_through_services(client, db, clock)
    url = settings.effective_database_url
    assert (await run_verify(url)).exit_code == 0
    await asyncio.to_thread(_tamper, url, change)
    result = await run_verify(url)
    assert result.exit_code == 1, result.output
    assert expected in result.output


async def test_missing_database_file_exits_two(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = await run_verify(f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}")
    assert result.exit_code == 2


def _truncate_tail(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_events WHERE seq >= 4"))


def _forge_head(conn: Connection) -> None:
    """Cut the tail and point the head at the new last entry, without the key to sign it."""
    conn.execute(text("DELETE FROM audit_events WHERE seq >= 5"))
    conn.execute(text("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_events WHERE seq = 4)"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_truncate_tail, "BROKEN at entry 4: entries 4..5 removed from the end of the chain"),
        (_forge_head, "signature is wrong"),
    ],
    ids=["tail-cut", "head-forged"],
)
async def test_cutting_the_end_of_the_chain_is_caught_by_the_signed_head_art49(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings, *,
    change: Callable[[Connection], None], expected: str,
) -> None:
    """E-Bidding Measures Art.49: deleting the newest entries must not leave a chain that looks intact."""
    await _append_through_services(client, db, clock)
    url = settings.effective_database_url
    await asyncio.to_thread(_tamper, url, change)
    result = await run_verify(url)
    assert result.exit_code == 1, result.output
    assert expected in result.output
