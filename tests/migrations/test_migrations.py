"""Alembic builds the whole schema from nothing on both engines, identical to the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

import ggzy.models  # noqa: F401  (every table on Base.metadata)
from ggzy.kit.db import Base
from ggzy.migrations import alembic_config, current, sync_url, upgrade
from tests.conftest import PG_ADMIN_URL

needs_pg = pytest.mark.skipif(not PG_ADMIN_URL, reason="PostgreSQL only (set GGZY_TEST_POSTGRES)")


def test_upgrade_head_matches_models(fresh_url: str) -> None:
    assert upgrade(fresh_url) == "upgraded"
    head = ScriptDirectory.from_config(alembic_config(fresh_url)).get_current_head()
    assert current(fresh_url) == head
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; generate a new revision: {diff}"


def test_upgrade_twice_is_a_no_op(fresh_url: str) -> None:
    upgrade(fresh_url)
    assert upgrade(fresh_url) == "upgraded"
    engine = create_engine(sync_url(fresh_url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"audit_events", "organisations", "tenders", "alembic_version"} <= tables


def test_database_from_create_all_is_adopted_by_stamp(fresh_url: str) -> None:
    engine = create_engine(sync_url(fresh_url))
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    assert upgrade(fresh_url) == "stamped"
    assert current(fresh_url) is not None


@needs_pg
def test_audit_rows_refuse_update_and_delete_after_upgrade_art49(fresh_url: str) -> None:
    """E-Bidding Measures Art.49: audit entries may not be altered or destroyed (trigger from the migration)."""
    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_events (seq, tag, occurred_at, actor_role, ip, subject_type, subject_id,"
                    " prev_hash, hash) VALUES (1, 'test:event', :at, '', '', 'thing', 'x', :p, :h)"
                ),
                {"at": datetime(2026, 3, 2, tzinfo=UTC), "p": "0" * 64, "h": "1" * 64},
            )
        for stmt in ("UPDATE audit_events SET ip = 'forged' WHERE seq = 1", "DELETE FROM audit_events",
                     "TRUNCATE audit_events"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(stmt))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT ip FROM audit_events WHERE seq = 1")).scalar_one() == ""
    finally:
        engine.dispose()


@needs_pg
@pytest.mark.parametrize("table", ["archives", "auction_bids"])
def test_archive_register_and_auction_bids_are_append_only_after_upgrade_art49(fresh_url: str, table: str) -> None:
    """A signed archive is never altered or destroyed (E-Bidding Measures Art.49; kept 15 years, GP Law Art.42),
    nor is an accepted auction bid (DOMAIN.md: a bid can't be withdrawn, every bid is kept): migrations 0004 and
    0005 install the row and statement triggers, as 0001 did for the audit log."""
    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.connect() as conn:
            names = set(conn.execute(text(
                f"SELECT tgname FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal")).scalars())
        assert names == {f"{table}_no_update_delete", f"{table}_no_truncate"}
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
    finally:
        engine.dispose()
