"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when GGZY_TEST_POSTGRES is set).

The suite runs twice in CI: once on SQLite, once on PostgreSQL (scripts/test). On PostgreSQL each pytest
run gets its own database, tables are created once and truncated between tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import ggzy.models  # noqa: F401  (registers every table)
from ggzy.app import create_app
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Base, make_engine
from ggzy.kit.timefmt import SHANGHAI

TEST_SECRET = "test-secret"
# CLI commands under test build their own Settings from the environment: give them the app's audit key.
os.environ["GGZY_SECRET_KEY"] = TEST_SECRET

PG_ADMIN_URL = os.environ.get("GGZY_TEST_POSTGRES", "")
"""e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres — empty means SQLite."""

START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
"""Monday 2 March 2026, 09:00 Beijing time: a working day inside chinesecalendar's published years."""


def backend_name() -> str:
    return "postgresql" if PG_ADMIN_URL else "sqlite"


def pytest_report_header() -> str:
    return f"ggzy database backend: {backend_name()}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    if not PG_ADMIN_URL:
        yield None
        return
    name = f"ggzy_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    eng = create_engine(url)
    Base.metadata.create_all(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_pg(url: str) -> None:
    eng = create_engine(url)
    # TRUNCATE costs per table (files are swapped), so empty only the tables a test wrote to: one cheap probe.
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
                               for t in Base.metadata.sorted_tables)
    with eng.begin() as conn:
        used = ", ".join(f'"{name}"' for name in conn.execute(text(probe)).scalars())
        if used:
            # replica mode skips the append-only triggers (audit, archives): only the test harness does this.
            conn.execute(text("SET session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {used} RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path: Path, pg_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=pg_url or f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        run_sweeper=False,
        secret_key=TEST_SECRET,
    )


@pytest.fixture
async def engine(settings: Settings, pg_url: str | None) -> AsyncIterator[AsyncEngine]:
    if pg_url:
        _truncate_pg(pg_url)
    eng = make_engine(settings.effective_database_url)
    if not pg_url:
        async with eng.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock, engine: AsyncEngine):  # type: ignore[no-untyped-def]
    application = create_app(settings, clock=clock, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncClient]:  # type: ignore[no-untyped-def]
    transport = ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def db(app) -> AsyncIterator[AsyncSession]:  # type: ignore[no-untyped-def]
    async with app.state.sessionmaker() as session:
        yield session
