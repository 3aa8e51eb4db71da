"""`ggzy archive build` and `ggzy archive verify` through typer's CliRunner, against the test database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from ggzy.archive import cli as archive_cli
from ggzy.archive.models import Archive
from ggzy.cli import app as cli_app
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.sealing.codec import b64e
from ggzy.tender.models import Tender, TenderStatus
from tests.archive.helpers import failed_tender, flip, names, rewrite
from tests.bid.helpers import make_world
from tests.supervision.builders import fetch, reload


class AppTransport(httpx.BaseTransport):
    """A synchronous transport into the ASGI app, for the CLI's httpx.Client (it runs in a worker thread)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app)) as c:
                r = await c.request(request.method, str(request.url), headers=request.headers,
                                    content=request.read())
                return httpx.Response(r.status_code, headers=r.headers, content=r.content)

        return asyncio.run(go())


async def run(*args: str) -> Result:
    """Invoke the CLI in a worker thread: it runs its own event loop."""
    return await asyncio.to_thread(CliRunner().invoke, cli_app, ["archive", *args])


async def test_build_then_verify_offline_and_from_the_platform(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path, *, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The operator builds the archive of a 流标 tender from the command line (the platform acting: `system:
    archive-cli`), then anyone checks it with the published key; one flipped byte in an envelope fails, named."""
    c = await failed_tender(app, client, db, clock, tmp_path)
    await db.rollback()  # no open transaction: SQLite would make the CLI's write wait for it
    dest = tmp_path / "out.zip"
    r = await run("build", c.tender_id, "--database-url", settings.effective_database_url,
                  "--data-dir", str(settings.data_dir), "--out", str(dest))
    assert r.exit_code == 0, r.output
    assert "archived 已归档" in r.output and dest.is_file()
    tender = await reload(db, Tender, c.tender_id)
    assert tender.status == TenderStatus.archived
    archive = (await client.get(c.url, headers=c.centre)).json()
    assert archive["built_by"] == "system:archive-cli" and archive["sha256"] in r.output

    key = b64e(app.state.platform_key.public_raw)
    r = await run("verify", str(dest), "--key", key)
    assert r.exit_code == 0, r.output
    assert "archive OK" in r.output and "signature" in r.output and "audit" in r.output

    # --url: the key is fetched from the platform's GET /api/platform/keys.
    monkeypatch.setattr(archive_cli, "http_client",
                        lambda base: httpx.Client(base_url=base, transport=AppTransport(app)))
    r = await run("verify", str(dest), "--url", "http://platform.example/")
    assert r.exit_code == 0, r.output

    victim = next(n for n in names(dest) if n.startswith("bids/") and n.endswith(".ggzyenv"))
    bad = rewrite(dest, tmp_path / "bad.zip", lambda n, d: flip(d, 100) if n == victim else d)
    r = await run("verify", str(bad), "--key", key)
    assert r.exit_code == 1, r.output
    assert "FAILED" in r.output and f"file {victim}" in r.output

    other = b64e(bytes(32))
    r = await run("verify", str(dest), "--key", other)
    assert r.exit_code == 1 and "another platform key" in r.output, r.output
    r = await run("verify", str(dest))
    assert r.exit_code == 2


async def test_build_refuses_an_open_tender_and_a_non_centre_user(
    app: Any, db: AsyncSession, clock: FrozenClock, settings: Settings,
) -> None:
    """archive.not_closed (exit 1) for a published tender; --by must name centre staff (archive.forbidden)."""
    w = await make_world(db, None, clock.now(), bidders=0)
    await db.rollback()
    common = ("--database-url", settings.effective_database_url, "--data-dir", str(settings.data_dir))
    r = await run("build", w.tender.id, *common, "--by", w.cast.centre_user.username)
    assert r.exit_code == 1 and "archive.not_closed" in r.output, r.output
    r = await run("build", w.tender.id, *common, "--by", w.cast.agency_user.username)
    assert r.exit_code == 1 and "archive.forbidden" in r.output, r.output
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.published
    assert await fetch(db, select(Archive.id).where(Archive.tender_id == w.tender.id)) == []
