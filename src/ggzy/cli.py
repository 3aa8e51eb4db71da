"""The ggzy command line: serve, worker, db upgrade, audit verify, demo."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ggzy.archive.cli import app as archive_app
from ggzy.config import Settings, get_settings
from ggzy.expert.cli import expert_app
from ggzy.venue.cli import venue_app

if TYPE_CHECKING:
    from ggzy.sealing.keys import KeyPairSet

app = typer.Typer(help="ggzy 公共资源交易平台 — public resource trading platform", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic) and demo data", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)
keys_app = typer.Typer(help="Bidder key sets: create and inspect passphrase-protected key files", no_args_is_help=True)
receipt_app = typer.Typer(help="Bid receipts (回执) signed by the platform", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(receipt_app, name="receipt")
app.add_typer(archive_app, name="archive")
app.add_typer(expert_app, name="expert")
app.add_typer(venue_app, name="venue")

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
    """Play a construction and a procurement tender (project entry to contract) and a land auction (listing, timed
    bidding, result) through the HTTP API."""
    from ggzy.demo.play import run_demo

    summary = run_demo(url=url, json_mode=json_out, password=password, console=err if json_out else out)
    if json_out:
        import json

        sys.stdout.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    if not summary.get("ok"):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------------- sealing
# The bidder's side of docs/sealed-bids.md: everything here runs offline on the bidder's own machine, except
# `platform-key`, which reads the platform's data dir.


def _fail(exc: Exception) -> typer.Exit:
    """Print a sealing error the way a bidder can act on it (code, zh, en, which check) and exit 1."""
    from ggzy.kit.errors import DomainError

    if isinstance(exc, DomainError):
        check = exc.detail.get("check")
        reason = exc.detail.get("reason")
        extra = f" [{check}{': ' + reason if reason else ''}]" if check else ""
        # markup=False: the reason may contain brackets, which rich would otherwise swallow as tags
        err.print(f"{exc.code}: {exc.message_zh} / {exc.message_en}{extra}", style="red", markup=False,
                  highlight=False)
    else:
        err.print(str(exc), style="red", markup=False, highlight=False)
    return typer.Exit(1)


def _read_json(path: Path, what: str) -> object:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err.print(f"cannot read {what} {path}: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc


def _passphrase(passphrase_file: Path | None, *, confirm: bool) -> str:
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            err.print(f"cannot read the passphrase file: {exc}", style="red", markup=False, highlight=False)
            raise typer.Exit(2) from exc
    value: str = typer.prompt("口令 Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    return value


def _load_keys(key_file: Path, passphrase_file: Path | None) -> KeyPairSet:
    from ggzy.sealing import keys
    from ggzy.sealing.errors import SealingError

    doc = _read_json(key_file, "key file")
    try:
        keys.read_public(doc)  # a broken file is reported before the passphrase is asked for
        assert isinstance(doc, dict)
        return keys.read_keyfile(doc, _passphrase(passphrase_file, confirm=False))
    except SealingError as exc:
        raise _fail(exc) from exc


def _print_json(obj: object) -> None:
    import json

    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


@keys_app.command("new")
def keys_new(
    org: Annotated[str, typer.Option("--org", help="Your organisation id on the platform")],
    out_file: Annotated[Path, typer.Option("--out", help="Key file to create (*.ggzykey)")],
    suite: Annotated[str, typer.Option(help="x25519-aes256gcm (default) or sm2-sm4gcm")] = "x25519-aes256gcm",
    passphrase_file: Annotated[Path | None, typer.Option(help="Read the passphrase from this file")] = None,
    iterations: Annotated[int, typer.Option(hidden=True, help="PBKDF2 iterations (tests use fewer)")] = 600_000,
) -> None:
    """Create an encryption + signing key set; save it passphrase-protected and print the public keys to register."""
    import json
    import os
    from datetime import UTC, datetime

    from ggzy.sealing import keys
    from ggzy.sealing.errors import SealingError
    from ggzy.sealing.suites import suite_names

    if suite not in suite_names():
        err.print(f"unknown suite {suite!r}; available: {', '.join(suite_names())}", style="red", markup=False,
                  highlight=False)
        raise typer.Exit(2)
    if out_file.exists():
        err.print(f"[red]{out_file} already exists: refusing to overwrite a key file[/red]", highlight=False)
        raise typer.Exit(2)
    passphrase = _passphrase(passphrase_file, confirm=True)
    try:
        ks = keys.generate(suite)
        # The key file's own timestamp: wall-clock time on the bidder's machine is what it records.
        doc = keys.write_keyfile(ks, passphrase, org_id=org, iterations=iterations, now=datetime.now(UTC))
    except SealingError as exc:
        raise _fail(exc) from exc
    fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private keys: owner only
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    err.print(f"key file written: {out_file} — keep it and its passphrase safe; register the public keys below")
    _print_json({"org_id": org, **ks.public_doc()})


@keys_app.command("show")
def keys_show(key_file: Annotated[Path, typer.Argument(help="A *.ggzykey file")]) -> None:
    """Print the public part of a key file (no passphrase needed)."""
    from ggzy.sealing import keys
    from ggzy.sealing.codec import b64e, key_id
    from ggzy.sealing.errors import SealingError

    doc = _read_json(key_file, "key file")
    try:
        suite, enc, sign = keys.read_public(doc)
    except SealingError as exc:
        raise _fail(exc) from exc
    assert isinstance(doc, dict)
    _print_json({"org_id": doc.get("org_id"), "created_at": doc.get("created_at"), "suite": suite,
                 "enc": b64e(enc), "sign": b64e(sign), "enc_key_id": key_id(enc), "sign_key_id": key_id(sign)})


@app.command()
def seal(
    files: Annotated[list[Path], typer.Argument(help="Bid documents, in order", exists=True, dir_okay=False)],
    *,
    key_file: Annotated[Path, typer.Option("--key-file", help="Your *.ggzykey file")],
    tender: Annotated[str, typer.Option("--tender", help="Tender id")],
    lot: Annotated[str, typer.Option("--lot", help="Lot id")],
    bidder: Annotated[str, typer.Option("--bidder", help="Your organisation id")],
    sheet_file: Annotated[Path, typer.Option("--sheet", help="The opening sheet bid.json")],
    out_file: Annotated[Path, typer.Option("--out", help="Envelope to write (*.ggzyenv)")],
    rescue_key_id: Annotated[str | None, typer.Option(help="The tender's rescue key id (only with a rescue plan)")]
    = None,
    rescue_public: Annotated[str | None, typer.Option(help="The tender's rescue public key (base64)")] = None,
    passphrase_file: Annotated[Path | None, typer.Option(help="Read the passphrase from this file")] = None,
    chunk_size: Annotated[int, typer.Option(hidden=True)] = 1 << 20,
) -> None:
    """Build, sign and encrypt a bid on this machine; upload the resulting envelope before the deadline."""
    from ggzy.sealing import envelope
    from ggzy.sealing.codec import b64d, key_id
    from ggzy.sealing.errors import SealingError

    if (rescue_key_id is None) != (rescue_public is None):
        err.print("[red]--rescue-key-id and --rescue-public go together[/red]")
        raise typer.Exit(2)
    rescue: tuple[str, bytes] | None = None
    if rescue_key_id is not None and rescue_public is not None:
        try:
            raw = b64d(rescue_public)
        except ValueError as exc:
            err.print(f"--rescue-public is not base64: {exc}", style="red", markup=False, highlight=False)
            raise typer.Exit(2) from exc
        if key_id(raw) != rescue_key_id:
            err.print("[red]the rescue public key does not match --rescue-key-id[/red]")
            raise typer.Exit(2)
        rescue = (rescue_key_id, raw)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        err.print("[red]two documents have the same file name[/red]")
        raise typer.Exit(2)
    sheet = _read_json(sheet_file, "opening sheet")
    if not isinstance(sheet, dict):
        err.print("[red]the opening sheet must be a JSON object[/red]")
        raise typer.Exit(2)
    ks = _load_keys(key_file, passphrase_file)
    total = 2 * sum(f.stat().st_size for f in files)  # digest pass + sealing pass
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("sealing 加密", total=total)
            info = envelope.seal_bid(out_file, keys=ks, tender_id=tender, lot_id=lot, bidder_org_id=bidder,
                                     sheet=sheet, files=files, rescue=rescue, chunk_size=chunk_size,
                                     on_bytes=lambda n: progress.advance(task, n))
    except SealingError as exc:
        raise _fail(exc) from exc
    err.print(f"sealed: {out_file}")
    _print_json({"envelope": str(out_file), "sha256": info.sha256, "size": info.size,
                 "tender_id": tender, "lot_id": lot, "bidder_org_id": bidder,
                 "recipients": [r["role"] for r in info.header["recipients"]]})


@app.command()
def unwrap(
    key_file: Annotated[Path, typer.Option("--key-file", help="Your *.ggzykey file")],
    header_file: Annotated[Path | None, typer.Option("--header", help="The envelope header as JSON")] = None,
    envelope_file: Annotated[Path | None, typer.Option("--envelope", help="The envelope file itself")] = None,
    passphrase_file: Annotated[Path | None, typer.Option(help="Read the passphrase from this file")] = None,
) -> None:
    """Print the bid's data key (base64): what you hand over at the opening to decrypt your bid."""
    from ggzy.sealing import envelope
    from ggzy.sealing.codec import b64e
    from ggzy.sealing.errors import SealingError

    if (header_file is None) == (envelope_file is None):
        err.print("[red]give exactly one of --header or --envelope[/red]")
        raise typer.Exit(2)
    try:
        if envelope_file is not None:
            header = envelope.read_header(envelope_file)
        else:
            assert header_file is not None
            header = envelope.check_header(_read_json(header_file, "header"))
    except OSError as exc:
        err.print(f"cannot read {envelope_file}: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    except SealingError as exc:
        raise _fail(exc) from exc
    ks = _load_keys(key_file, passphrase_file)
    try:
        data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    except SealingError as exc:
        raise _fail(exc) from exc
    typer.echo(b64e(data_key))


def _public_key_arg(value: str) -> bytes:
    """A public key given as base64, or as a file holding base64, raw 32 bytes, or `ggzy platform-key` JSON."""
    import json

    from ggzy.sealing.codec import b64d

    path = Path(value)
    text = value
    if path.is_file():
        blob = path.read_bytes()
        if len(blob) == 32:
            return blob
        text = blob.decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            try:
                text = str(json.loads(text)["public"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError("the key file is JSON without a 'public' field") from exc
    raw = b64d(text.strip())
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


@receipt_app.command("verify")
def receipt_verify(
    receipt_file: Annotated[Path, typer.Argument(help="receipt.json as issued at submission")],
    key: Annotated[str, typer.Option("--key", help="Platform public key: base64, or a file (`ggzy platform-key`)")],
) -> None:
    """Check a receipt offline against the platform's public key: exit 0 when genuine, 1 otherwise."""
    from ggzy.sealing.errors import SealingError
    from ggzy.sealing.receipt import verify_receipt

    doc = _read_json(receipt_file, "receipt")
    try:
        public = _public_key_arg(key)
    except (OSError, ValueError) as exc:
        err.print(f"bad --key: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    try:
        verify_receipt(doc, public)
    except SealingError as exc:
        raise _fail(exc) from exc
    assert isinstance(doc, dict)
    typer.echo(f"receipt OK 回执有效: bid {doc['bid_id']}, sha256 {doc['sha256']}, {doc['size']} bytes, "
               f"received {doc['received_at']}")


@app.command("platform-key")
def platform_key() -> None:
    """Print the platform's receipt-signing public key (created in the data dir on first use)."""
    from ggzy.sealing.receipt import PlatformKey

    settings = _settings()
    _print_json(PlatformKey.load_or_create(settings.data_dir / "platform-signing-key.pem").public_doc())


def main() -> None:
    app()


if __name__ == "__main__":
    main()


rescue_app = typer.Typer(help="Rescue-key shares (补救方案) held by custodians", no_args_is_help=True)
app.add_typer(rescue_app, name="rescue")


@rescue_app.command("open-share")
def rescue_open_share(
    share_file: Annotated[Path, typer.Argument(help="The encrypted share downloaded from the platform (JSON)")],
    key_file: Annotated[Path, typer.Option("--key-file", help="Your organisation's *.ggzykey file")],
    passphrase_file: Annotated[Path | None, typer.Option(help="Read the passphrase from this file")] = None,
) -> None:
    """Decrypt your rescue share locally; print the share JSON you hand in at the opening (only if called in)."""
    from ggzy.sealing.errors import SealingError
    from ggzy.sealing.shamir import open_share

    sealed = _read_json(share_file, "share")
    ks = _load_keys(key_file, passphrase_file)
    try:
        if not isinstance(sealed, dict):
            raise typer.BadParameter("the share file is not a JSON object")
        _print_json(open_share(sealed, ks.enc_private))
    except SealingError as exc:
        raise _fail(exc) from exc
