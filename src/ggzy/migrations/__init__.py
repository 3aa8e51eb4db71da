"""Alembic migrations shipped inside the package, plus the helpers `ggzy db upgrade` and `ggzy serve` use."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

log = logging.getLogger("ggzy.migrations")

SCRIPT_DIR = Path(__file__).resolve().parent


def sync_url(url: str) -> str:
    """Alembic runs synchronously: swap the async SQLite driver; psycopg 3 does both."""
    if url.startswith("sqlite+aiosqlite"):
        return "sqlite" + url[len("sqlite+aiosqlite"):]
    return url


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at the packaged scripts and the given database (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def _ensure_parent_dir(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> str:
    """Bring the database to `revision`; returns what it did ("upgraded" or "stamped")."""
    _ensure_parent_dir(url)
    cfg = alembic_config(url)
    engine = create_engine(sync_url(url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    if "alembic_version" not in tables and "audit_events" in tables:
        # A database made by create_all before migrations existed: adopt it rather than fail on CREATE TABLE.
        log.warning("database has tables but no alembic_version; stamping it at %s", revision)
        command.stamp(cfg, revision)
        return "stamped"
    command.upgrade(cfg, revision)
    return "upgraded"


def current(url: str) -> str | None:
    """The revision the database is at, or None for a database Alembic never touched."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
