"""Crash test: kill -9 the real server at random moments during a burst of sealed-bid submissions.

After the last restart: every receipt a client received verifies with the platform key and its bid row exists
with an intact blob (the file's SHA-256 equals the row and the receipt); no bid row exists without a valid
receipt; the blob store holds no partial file under a valid name. Clients that lost their answer retry with the
same Idempotency-Key, as a real client would, and get the one receipt for what was stored.

Runs `ggzy serve` as a subprocess on SQLite (its own data dir), and on a fresh PostgreSQL database when
GGZY_TEST_POSTGRES is set.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text

import ggzy.models  # noqa: F401  (registers every table)
from ggzy.bid.models import Bid, BidStatus
from ggzy.kit.db import Base, make_engine, make_sessionmaker
from ggzy.sealing.envelope import seal_bid
from ggzy.sealing.receipt import PlatformKey, verify_receipt
from ggzy.tender import service as tender_service
from ggzy.tender.schemas import TenderCreate
from tests.bid.helpers import SHEET, make_bidder
from tests.conftest import PG_ADMIN_URL
from tests.factories import PASSWORD
from tests.tender.helpers import admitted_project, cast, tender_payload

pytestmark = pytest.mark.crash

GGZY = Path(sys.executable).with_name("ggzy")
SECRET = "crash-test-secret"
BIDDERS = 10
KILLS = 2  # plus the first start: three server lives, two of them cut short


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Attempt:
    bidder: int
    path: str
    key: str
    body: bytes
    receipt: dict[str, Any] | None = None
    status: int | None = None
    errors: list[str] = field(default_factory=list)


class Server:
    """`ggzy serve` in its own process group, so SIGKILL hits exactly the server we started."""

    def __init__(self, data_dir: Path, db_url: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GGZY_DATA_DIR": str(data_dir), "GGZY_DATABASE_URL": db_url,
                    "GGZY_SECRET_KEY": SECRET, "GGZY_RUN_SWEEPER": "0"}
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(GGZY), "serve", "--port", str(self.port), "--no-sweeper"], env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


async def _seed(db_url: str, tmp: Path) -> tuple[list[Any], Any, Any]:
    """A published tender and bidders with registered keys, through the services (real time: the server's clock)."""
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine, audit_key=SECRET)() as db:
            now = datetime.now(UTC)
            c = await cast(db, now)
            project = await admitted_project(db, c, now)
            payload = tender_payload(project, now, max_bid_mib=1)
            view = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
            view = await tender_service.publish_announcement(db, c.agency, view.tender.id, now=now)
            bidders = [await make_bidder(db, now) for _ in range(BIDDERS)]
            return bidders, view.tender, view.lots[0]
    finally:
        await engine.dispose()


def _envelope(tmp: Path, i: int, b: Any, tender_id: str, lot_id: str) -> Attempt:
    """A small sealed bid (1–150 KB in 64 KiB records), sealed on the spot like a bidder's machine does."""
    name = uuid.uuid4().hex
    doc, env = tmp / f"{name}.pdf", tmp / f"{name}.ggzyenv"
    doc.write_bytes(os.urandom(random.randint(1_000, 150_000)))
    seal_bid(env, keys=b.keys, tender_id=tender_id, lot_id=lot_id, bidder_org_id=b.org.id,
             sheet={**SHEET, "lot_id": lot_id}, files=[doc], chunk_size=65_536)
    body = env.read_bytes()
    doc.unlink()
    env.unlink()
    return Attempt(i, f"/api/tenders/{tender_id}/lots/{lot_id}/bid", uuid.uuid4().hex, body)


def _login(url: str, username: str) -> str:
    for _ in range(100):
        try:
            r = httpx.post(f"{url}/api/auth/token", json={"username": username, "password": PASSWORD}, timeout=10)
            if r.status_code == 200:
                return str(r.json()["access_token"])
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"cannot log in {username}")


def _send(server: Server, a: Attempt, token: str) -> None:
    try:
        r = httpx.put(server.url + a.path, content=a.body, timeout=20, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": a.key, "content-type": "application/octet-stream"})
    except httpx.HTTPError as exc:  # the server died under us: the answer is lost, not the question
        a.errors.append(type(exc).__name__)
        return
    a.status = r.status_code
    if r.status_code in (200, 201):
        a.receipt = r.json()["receipt"]
    else:
        a.errors.append(f"{r.status_code} {r.text[:200]}")


def _db_url(tmp: Path) -> tuple[str, str | None]:
    if not PG_ADMIN_URL:
        return f"sqlite+aiosqlite:///{tmp / 'crash.db'}", None
    name = f"ggzy_crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop_pg(name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")


def test_kill9_during_a_burst_loses_no_receipted_bid_and_keeps_no_unreceipted_one(tmp_path: Path) -> None:
    random.seed()
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    db_url, pg_name = _db_url(tmp_path)
    server = Server(data_dir, db_url)
    try:
        sync = create_engine(_sync_url(db_url))
        Base.metadata.create_all(sync)
        sync.dispose()
        bidders, tender, lot = asyncio.run(_seed(db_url, tmp_path))
        tender_id, lot_id = tender.id, lot.id
        server.start()
        tokens = [_login(server.url, b.user.username) for b in bidders]

        stop = threading.Event()
        attempts: list[Attempt] = []

        def killer() -> None:
            try:
                for _ in range(KILLS):
                    time.sleep(random.uniform(0.3, 1.0))
                    server.kill9()
                    server.start()
                time.sleep(0.2)
            finally:
                stop.set()

        def bidder_loop(i: int) -> None:
            """One bidder submitting (and so replacing) bids back to back until the last kill has happened."""
            work = tmp_path / f"bidder-{i}"
            work.mkdir()
            while not stop.is_set():
                a = _envelope(work, i, bidders[i], tender_id, lot_id)
                attempts.append(a)
                _send(server, a, tokens[i])
                if a.receipt is None:
                    time.sleep(0.05)  # the server is down: don't spin

        kt = threading.Thread(target=killer)
        kt.start()
        with ThreadPoolExecutor(max_workers=BIDDERS) as pool:
            list(pool.map(bidder_loop, range(BIDDERS)))
        kt.join()
        # After the last restart every client whose answer was lost retries with its Idempotency-Key.
        for a in [a for a in attempts if a.receipt is None]:
            _send(server, a, tokens[a.bidder])
        server.kill9()  # the end state is judged from what is on disk, as after a crash

        interrupted = [e for a in attempts for e in a.errors if "Connect" not in e]
        assert interrupted, "no request was cut off mid-flight: the kills missed the burst"
        unanswered = [(a.status, a.errors[-1:]) for a in attempts if a.receipt is None]
        assert not unanswered, unanswered

        public = PlatformKey.load_or_create(data_dir / "platform-signing-key.pem").public_raw
        blob_root = data_dir / "blobs"
        sync = create_engine(_sync_url(db_url))
        with sync.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(Bid)).all()}
        sync.dispose()

        def blob_sha(sha: str) -> str:
            return hashlib.sha256((blob_root / sha[:2] / sha[2:4] / sha).read_bytes()).hexdigest()

        for a in attempts:
            assert a.receipt is not None
            verify_receipt(a.receipt, public)
            row = rows.get(a.receipt["bid_id"])
            assert row is not None, f"a receipted bid is missing: {a.receipt}"
            assert row.sha256 == a.receipt["sha256"] == hashlib.sha256(a.body).hexdigest() == blob_sha(row.sha256)
            assert row.size == a.receipt["size"] == len(a.body)
        receipted = {a.receipt["bid_id"] for a in attempts if a.receipt}
        for row in rows.values():
            receipt = json.loads(row.receipt)
            verify_receipt(receipt, public)
            assert (receipt["bid_id"], receipt["sha256"], receipt["size"]) == (row.id, row.sha256, row.size)
            assert blob_sha(row.sha256) == row.sha256
            assert row.id in receipted, "a bid row exists that no client holds a receipt for"
        assert len(rows) == len(attempts)  # one row per envelope: no retry made a second one
        print(f"crash test: {len(attempts)} submissions, {len(interrupted)} cut off by kill -9")
        active = [r.bidder_org_id for r in rows.values() if r.status == BidStatus.active]
        assert sorted(active) == sorted({r.bidder_org_id for r in rows.values()})  # the last one counts, once
        for path in blob_root.rglob("*"):
            if path.is_file() and not path.name.startswith(".incoming-"):
                assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"partial blob {path}"
    finally:
        server.kill9()
        _drop_pg(pg_name)
