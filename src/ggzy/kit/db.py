"""Database plumbing: declarative base, column types, engines and sessions.

SQLite (embedded default) and PostgreSQL run the same code path. SQLite allows one writer, so every
transaction starts with BEGIN IMMEDIATE: a write re-checking its deadline holds the lock while it reads
the clock, exactly like a PostgreSQL row lock does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import DDL, JSON, DateTime, MetaData, Numeric, String, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ggzy.kit.ids import new_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Yuan as NUMERIC(18, 2); SQLite keeps it as text so no float ever touches an amount."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal("0.01"))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), Decimal: Money()}


class IdMixin:
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _sqlite_immediate(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_immediate(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE below is the only BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine, *, audit_key: str) -> async_sessionmaker[AsyncSession]:
    """Sessions carry the key that signs the audit chain's head (settings.secret_key), never stored in the DB."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True, info={"audit_key": audit_key})


AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run `hook` once the session's transaction commits (realtime events, outbox kicks)."""
    session.info.setdefault("after_commit", []).append(hook)


async def commit(session: AsyncSession) -> None:
    """Commit, then run the hooks registered with after_commit (publish-after-commit). Flushing first lets
    flush-time listeners (e.g. supervision.board's) still register their hooks."""
    await session.flush()
    hooks: list[AfterCommit] = session.info.pop("after_commit", [])
    await session.commit()
    for hook in hooks:
        await hook()


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        try:
            yield session
        finally:
            session.info.pop("after_commit", None)
            await session.rollback()


def append_only(table: Any, function: str) -> list[str]:
    """PostgreSQL DDL that makes `table` refuse UPDATE, DELETE and TRUNCATE (records that must never change: the
    audit log, the archive register, auction bids). Installed after `create_all` here; migrations execute the
    returned statements themselves. SQLite has no such triggers: there the services are the only writers."""
    name = table.name
    stmts = [
        f"""
    CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{name} is append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
        f"""
    CREATE TRIGGER {name}_no_update_delete BEFORE UPDATE OR DELETE ON {name}
    FOR EACH ROW EXECUTE FUNCTION {function}()
    """,
        f"""
    CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}()
    """,
    ]
    for stmt in stmts:
        event.listen(table, "after_create", DDL(stmt.replace("%", "%%")).execute_if(  # type: ignore[no-untyped-call]
            dialect="postgresql"))
    return stmts


def drop_append_only(name: str, function: str) -> list[str]:
    """The statements undoing `append_only` (for a migration's downgrade)."""
    return [f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {name}",
            f"DROP TRIGGER IF EXISTS {name}_no_update_delete ON {name}", f"DROP FUNCTION IF EXISTS {function}()"]
