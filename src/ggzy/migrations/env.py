"""Alembic environment: one script set for SQLite (batch mode for ALTERs) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, pool

import ggzy.models  # noqa: F401  (registers every table on Base.metadata)
from ggzy.config import get_settings
from ggzy.kit.db import Base, JSONType
from ggzy.migrations import sync_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or sync_url(get_settings().effective_database_url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render ggzy's own column types by import path so generated scripts stay self-contained."""
    if type_ == "type" and obj is JSONType:
        # Alembic renders JSONB's astext_type without its sa. prefix; name the shared variant instead.
        autogen_context.imports.add("import ggzy.kit.db")
        return "ggzy.kit.db.JSONType"
    if type_ == "type" and type(obj).__module__ == "ggzy.kit.db":
        autogen_context.imports.add("import ggzy.kit.db")
        return f"ggzy.kit.db.{type(obj).__name__}()"
    return False


def _common() -> dict[str, Any]:
    return {"target_metadata": target_metadata, "compare_type": True, "render_item": _render_item}


def run_offline() -> None:
    url = _url()
    context.configure(url=url, render_as_batch=url.startswith("sqlite"), literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, **_common())
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite", **_common())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
