"""The ggzy command line: serve, worker, db upgrade, audit verify, demo."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ggzy.config import Settings, get_settings

app = typer.Typer(help="ggzy 公共资源交易平台 — public resource trading platform", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic) and demo data", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")

out = Console()
err = Console(stderr=True)


def _settings(database_url: str | None = None, **update: object) -> Settings:
    settings = get_settings()
    changes = dict(update)
    if database_url:
        changes["database_url"] = database_url
    return settings.model_copy(update=changes) if changes else settings


def print_logins(logins: list[tuple[str, str, str, str]], password: str, console: Console = out) -> None:
    """Show the demo logins as a table (username, role, organisation, person)."""
    table = Table(title=f"演示账号 Demo logins — 密码 password: {password}", show_lines=False)
    for col in ("用户名 username", "角色 role", "单位 organisation", "姓名 name"):
        table.add_column(col)
    for row in logins:
        table.add_row(*row)
    console.print(table)


async def _seed(settings: Settings, *, only_if_empty: bool) -> tuple[bool, list[tuple[str, str, str, str]]]:
    from ggzy.demo.seed import database_is_empty, existing_demo_logins, seed_demo
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.party.models import ROLE_LABELS
    from ggzy.storage.blobstore import LocalBlobStore

    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine, audit_key=settings.secret_key)() as session:
            if only_if_empty and not await database_is_empty(session):
                # Never add demo rows to a database that holds anything: just show the demo logins it has.
                logins = await existing_demo_logins(session)
                await session.rollback()
                ran = False
            else:
                seeded = await seed_demo(session, now=SystemClock().now(), blobs=LocalBlobStore(settings.blob_dir))
                logins, ran = seeded.logins, seeded.created
    finally:
        await engine.dispose()
    rows = [(lg.username, ROLE_LABELS[lg.role][0], lg.org_name, lg.display_name) for lg in logins]
    return ran, rows


def _upgrade(settings: Settings) -> str:
    from ggzy.migrations import upgrade

    return upgrade(settings.effective_database_url)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo_data: Annotated[bool, typer.Option("--demo-data/--no-demo-data",
                                            help="Seed demo data into an empty database and print the logins")]
    = False,
    no_sweeper: Annotated[bool, typer.Option("--no-sweeper", help="Do not run the chronograph in this process "
                                             "(run `ggzy worker` instead)")] = False,
) -> None:
    """Start the platform (uvicorn). On the embedded SQLite default the schema is upgraded first."""
    import uvicorn

    from ggzy.app import create_app

    settings = _settings(run_sweeper=not no_sweeper and get_settings().run_sweeper)
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _upgrade(settings)
    if demo_data or settings.demo_data:
        from ggzy.demo.seed import DEMO_PASSWORD

        _, rows = asyncio.run(_seed(settings, only_if_empty=True))
        if rows:
            print_logins(rows, DEMO_PASSWORD)
        else:
            err.print("the database already holds data and no demo logins: nothing seeded")
    out.print(f"ggzy → http://{host}:{port}/   (API docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


@app.command()
def worker() -> None:
    """Run the chronograph sweeper as a separate process (use with `ggzy serve --no-sweeper`)."""
    from ggzy.chronograph.runner import run_worker

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        err.print("worker stopped")

@db_app.command("upgrade")
def db_upgrade(
    database_url: Annotated[str | None, typer.Option(help="Defaults to GGZY_DATABASE_URL or the embedded file")]
    = None,
) -> None:
    """Apply every Alembic migration (upgrade head)."""
    settings = _settings(database_url)
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    did = _upgrade(settings)
    typer.echo(f"database {did} to head: {_redact(settings.effective_database_url)}")


@db_app.command("seed")
def db_seed(
    database_url: Annotated[str | None, typer.Option(help="Defaults to GGZY_DATABASE_URL or the embedded file")]
    = None,
) -> None:
    """Create the demo data that is missing (idempotent) and print the demo logins."""
    from ggzy.demo.seed import DEMO_PASSWORD

    settings = _settings(database_url)
    created, rows = asyncio.run(_seed(settings, only_if_empty=False))
    print_logins(rows, DEMO_PASSWORD)
    if not created:
        err.print("demo data already complete: nothing new created")


def _redact(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


async def _verify(url: str, key: str, progress: Progress | None) -> tuple[bool, int, str, int | None, str]:
    from sqlalchemy import func, select

    from ggzy.audit.models import AuditEvent
    from ggzy.audit.service import verify_chain
    from ggzy.kit.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, audit_key=key)() as session:
            total = int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())
            task = progress.add_task("verifying", total=total) if progress is not None else None

            def _tick(done: int) -> None:
                if progress is not None and task is not None:
                    progress.update(task, completed=done)

            result = await verify_chain(session, on_progress=_tick)
    finally:
        await engine.dispose()
    return result.ok, result.checked, result.head_hash, result.broken_seq, result.reason


@audit_app.command("verify")
def audit_verify(
    database_url: Annotated[str | None, typer.Option(help="Defaults to GGZY_DATABASE_URL or the embedded file")]
    = None,
) -> None:
    """Check the whole hash chain: exit 0 when intact, 1 naming the first edited, deleted or moved entry."""
    settings = _settings(database_url)
    url = settings.effective_database_url
    if url.startswith("sqlite") and not Path(url.split(":///", 1)[-1]).exists():
        err.print(f"[red]no database at {url}[/red]")
        raise typer.Exit(2)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            ok, checked, head, broken, reason = asyncio.run(_verify(url, settings.secret_key, progress))
    except Exception as exc:  # unreachable server, missing table: say so instead of a traceback
        err.print(f"[red]cannot read the audit log: {type(exc).__name__}: {exc}[/red]")
        raise typer.Exit(2) from exc
    if ok:
        typer.echo(f"audit chain intact: {checked} entries, head {head}")
        return
    typer.echo(f"audit chain BROKEN at entry {broken}: {reason} ({checked} entries verified before it)")
    raise typer.Exit(1)


@app.command()
def demo(
    url: Annotated[str | None, typer.Option(help="A running platform; default: start an embedded one")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON summary object instead of progress")]
    = False,
    password: Annotated[str | None, typer.Option(help="Demo password on the target platform")] = None,
) -> None:
    """Play a whole tender through the HTTP API: entry, announcement, downloads, Q&A, suspension, deadline."""
    from ggzy.demo.play import run_demo

    summary = run_demo(url=url, json_mode=json_out, password=password, console=err if json_out else out)
    if json_out:
        import json

        sys.stdout.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    if not summary.get("ok"):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
