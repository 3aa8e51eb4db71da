"""`ggzy archive build TENDER_ID` and `ggzy archive verify FILE [--key KEY | --url BASE]`.

Heavy imports stay inside the commands so `ggzy --help` stays fast. verify runs offline with --key; with --url it
fetches the platform's published keys (GET {url}/api/platform/keys) and picks the one the manifest names.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    import httpx

    from ggzy.archive.models import Archive
    from ggzy.config import Settings

app = typer.Typer(help="Archives (归档) of closed tenders, signed by the platform", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _settings(database_url: str | None, data_dir: Path | None) -> Settings:
    from ggzy.config import get_settings

    settings = get_settings()
    changes: dict[str, object] = {}
    if database_url:
        changes["database_url"] = database_url
    if data_dir is not None:
        changes["data_dir"] = data_dir
    return settings.model_copy(update=changes) if changes else settings


async def _build(settings: Settings, tender_id: str, by: str | None, dest: Path | None) -> Archive:
    from sqlalchemy import select

    from ggzy.app import PLATFORM_KEY_FILE
    from ggzy.archive.service import build_archive
    from ggzy.auth.actor import system_actor
    from ggzy.auth.service import actor_for
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.kit.errors import DomainError
    from ggzy.party.models import Organisation, User
    from ggzy.sealing.receipt import PlatformKey
    from ggzy.storage.blobstore import LocalBlobStore

    blobs = LocalBlobStore(settings.blob_dir)
    key = PlatformKey.load_or_create(settings.data_dir / PLATFORM_KEY_FILE)
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine, audit_key=settings.secret_key)() as session:
            actor = system_actor("archive-cli")
            if by:
                found = (await session.execute(select(User, Organisation).join(
                    Organisation, Organisation.id == User.organisation_id).where(User.username == by))).first()
                if found is None:
                    raise DomainError("archive.unknown_user", f"没有用户 {by}", f"No user {by}", status=404)
                actor = actor_for(found[0], found[1], "cli")
            archive = await build_archive(session, actor, tender_id, clock=SystemClock(), blobs=blobs,
                                          platform_key=key, tmp_root=settings.data_dir / "tmp")
    finally:
        await engine.dispose()
    if dest is not None:
        with dest.open("xb") as f:  # the command's own file, written once at the end
            async for chunk in blobs.open(archive.sha256):
                f.write(chunk)
    return archive


@app.command("build")
def build(
    tender_id: Annotated[str, typer.Argument(help="The tender's id")],
    database_url: Annotated[str | None, typer.Option(help="Defaults to GGZY_DATABASE_URL or the embedded file")]
    = None,
    data_dir: Annotated[Path | None, typer.Option(help="Blob store and platform key (default GGZY_DATA_DIR)")]
    = None,
    by: Annotated[str | None, typer.Option("--by", help="Centre staff username the build is recorded under")]
    = None,
    dest: Annotated[Path | None, typer.Option("--out", help="Also write the ZIP here")] = None,
) -> None:
    """Build, sign and store the archive of a contracted, failed or cancelled tender; the tender is archived."""
    from ggzy.kit.errors import DomainError

    settings = _settings(database_url, data_dir)
    if dest is not None and dest.exists():
        err.print(f"{dest} already exists: refusing to overwrite", style="red", markup=False, highlight=False)
        raise typer.Exit(2)
    try:
        archive = asyncio.run(_build(settings, tender_id, by, dest))
    except DomainError as exc:
        err.print(f"{exc.code}: {exc.message_zh} / {exc.message_en}", style="red", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    typer.echo(f"archived 已归档: tender {tender_id}, {archive.file_count} files, {archive.size} bytes, "
               f"sha256 {archive.sha256}, keep until {archive.keep_until.isoformat()}")
    if dest is not None:
        typer.echo(f"written to {dest}")


def http_client(base_url: str) -> httpx.Client:
    """The client that fetches the platform's keys (a seam for tests)."""
    import httpx

    return httpx.Client(base_url=base_url, timeout=30)


def _key_from_url(url: str, wanted: str | None) -> bytes:
    from ggzy.sealing.codec import b64d

    with http_client(url.rstrip("/")) as client:
        r = client.get("/api/platform/keys")
        r.raise_for_status()
        keys = r.json()["keys"]
    if not keys:
        raise ValueError("the platform publishes no key")
    chosen = next((k for k in keys if k.get("key_id") == wanted), keys[0])
    return b64d(chosen["public_key"])


@app.command("verify")
def verify(
    archive_file: Annotated[Path, typer.Argument(help="The archive ZIP", exists=True, dir_okay=False)],
    key: Annotated[str | None, typer.Option("--key", help="Platform public key: base64, or a file "
                                            "(`ggzy platform-key`)")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Fetch the key from a platform: GET {url}/api/platform/keys")]
    = None,
) -> None:
    """Check the signature, every file's SHA-256 and size, no missing or extra file, and the audit slice's hashes.
    Exit 0 when everything holds, 1 naming what failed, 2 when the key cannot be had."""
    from ggzy.archive.verify import manifest_key_id, verify_archive
    from ggzy.cli import _public_key_arg

    if (key is None) == (url is None):
        err.print("give exactly one of --key or --url", style="red", markup=False)
        raise typer.Exit(2)
    try:
        public = _public_key_arg(key) if key is not None else _key_from_url(str(url), manifest_key_id(archive_file))
    except Exception as exc:  # a bad key, an unreachable platform: say which, no traceback
        err.print(f"cannot get the platform key: {type(exc).__name__}: {exc}", style="red", markup=False,
                  highlight=False)
        raise typer.Exit(2) from exc
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    total = _listed_bytes(archive_file)
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("verifying 核验", total=total)
        report = verify_archive(archive_file, public, on_bytes=lambda n: progress.advance(task, n))
    m = report.manifest or {}
    if m:
        out.print(f"{m.get('tender_code')} {m.get('tender_title')} · built {m.get('built_at')} · keep until "
                  f"{m.get('keep_until')}", markup=False, highlight=False)
    table = Table(title=f"archive {archive_file.name}")
    for col in ("check 检查项", "result 结果", "detail 说明"):
        table.add_column(col)
    for c in report.checks:
        table.add_row(c.name, "[green]OK[/green]" if c.ok else "[red]FAILED[/red]", c.detail.replace("[", r"\["))
    out.print(table)
    if report.ok:
        typer.echo(f"archive OK 归档文件完好: {report.files_checked} files, {report.bytes_checked} bytes, "
                   f"{report.audit_events} audit events")
        return
    typer.echo("archive verification FAILED 核验未通过: " + "; ".join(f"{c.name}: {c.detail}" for c in report.failures))
    raise typer.Exit(1)


def _listed_bytes(path: Path) -> int | None:
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            files = json.loads(zf.read("manifest.json")).get("files", [])
        return sum(int(f.get("size", 0)) for f in files if isinstance(f, dict))
    except Exception:  # the verifier reports a broken archive itself; the bar just has no total
        return None
