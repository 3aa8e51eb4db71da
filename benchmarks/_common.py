"""Shared harness for the benchmarks: fresh databases, server subprocesses, the benchmark world, statistics.

Not a benchmark itself. The scripts import it as a sibling module (`import _common`), so each stays runnable
as `.venv/bin/python benchmarks/<name>.py`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text

import ggzy.models  # noqa: F401  (registers every table)
from ggzy.kit.db import Base

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET = "bench-secret"
"""The server and the setup phase must share it: it keys the audit chain's signed head."""


# ---------------------------------------------------------------- statistics and output


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"


def table(rows: list[tuple[str, ...]]) -> str:
    """A plain aligned table (first row = heading)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- databases


@dataclass
class Database:
    """A database created for one run and dropped afterwards (SQLite file, or a fresh PostgreSQL database)."""

    url: str
    """Async SQLAlchemy URL, what GGZY_DATABASE_URL gets."""
    backend: str
    _admin: str | None = None
    _name: str | None = None

    def drop(self) -> None:
        if self._admin and self._name:
            admin = create_engine(self._admin, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            admin.dispose()


def fresh_database(tmp: Path, postgres_admin_url: str | None) -> Database:
    """Create the schema from the models (not Alembic: benchmarks run ahead of the migration being written)."""
    if postgres_admin_url:
        name = f"ggzy_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = postgres_admin_url.rsplit("/", 1)[0] + "/" + name
        sync_url = url.replace("+asyncpg", "+psycopg")
        db = Database(url, "postgresql", postgres_admin_url, name)
    else:
        path = tmp / "bench.db"
        url, sync_url = f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}"
        db = Database(url, "sqlite")
    eng = create_engine(sync_url)
    Base.metadata.create_all(eng)
    eng.dispose()
    return db


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def server_env(data_dir: Path, database_url: str, redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env.update(GGZY_DATA_DIR=str(data_dir), GGZY_DATABASE_URL=database_url, GGZY_SECRET_KEY=SECRET,
               GGZY_REDIS_URL=redis_url, GGZY_RUN_SWEEPER="false", PYTHONUNBUFFERED="1")
    return env


@contextlib.contextmanager
def running(cmd: list[str], *, port: int, env: dict[str, str], log: Path, health: str = "/healthz",
            timeout: float = 60) -> Iterator[Server]:
    """Start `cmd` (a server listening on `port`), wait until `health` answers, stop it (SIGTERM) afterwards."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + health, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start in {timeout} s; see {log}")
            time.sleep(0.1)
        yield Server(url, proc, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ggzy_serve(port: int) -> list[str]:
    """`ggzy serve` exactly as deployed (uvicorn, one process); the sweeper is off (nothing is due)."""
    return [str(BIN / "ggzy"), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sweeper"]


def uvicorn_app(app: str, port: int) -> list[str]:
    """A baseline ASGI app from benchmarks/ under the same uvicorn settings `ggzy serve` uses."""
    return [str(BIN / "python"), "-m", "uvicorn", app, "--app-dir", str(ROOT / "benchmarks"),
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "info", "--proxy-headers"]


# ---------------------------------------------------------------- the benchmark world


@dataclass
class Bidder:
    org_id: str
    user_id: str
    token: str
    keys: Any = None
    """sealing.keys.KeyPairSet once registered."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    tender_id: str
    lot_id: str
    bid_deadline: datetime
    bidders: list[Bidder] = field(default_factory=list)
    keyset_path: str = ""
    """How key sets were registered: `service` (bid.keys) or `rows` (the service had not landed)."""
    agency_org_id: str = ""
    agency_user_id: str = ""


async def make_world(database_url: str, *, bidders: int, now: datetime, keys: bool = True,
                     max_bid_mib: int = 200) -> World:
    """A published tender (project + tender services) and `bidders` verified bidder organisations.

    Organisations, users and API tokens are bulk-inserted rows with one shared password hash (registration
    and argon2 are not what is measured); the key sets go through the bid domain's service when it exists.
    """
    from ggzy.auth.models import ApiToken
    from ggzy.auth.passwords import hash_password
    from ggzy.auth.service import actor_for, token_hash
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.kit.ids import new_id
    from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role, User
    from ggzy.project import service as project_service
    from ggzy.project.models import TradingLine
    from ggzy.project.schemas import ProjectApply
    from ggzy.tender import service as tender_service
    from ggzy.tender.models import EvaluationMethod
    from ggzy.tender.schemas import LotIn, TenderCreate

    engine = make_engine(database_url)
    maker = make_sessionmaker(engine, audit_key=SECRET)
    pw = hash_password(secrets.token_urlsafe(12))
    try:
        async with maker() as s:
            def party(kind: OrgKind, role: Role, name: str, **kw: Any) -> tuple[Organisation, User]:
                org = Organisation(kind=kind, name=name, status=OrgStatus.verified, created_at=now, **kw)
                s.add(org)
                return org, User(organisation=org, username=f"{kind.value}-{secrets.token_hex(4)}",
                                 display_name=name, password_hash=pw, role=role, created_at=now)

            centre, centre_u = party(OrgKind.centre, Role.centre_staff, "市公共资源交易中心")
            tenderer, tenderer_u = party(OrgKind.tenderer, Role.tenderer, "市第一中学", region="青山区")
            agency, agency_u = party(OrgKind.agency, Role.agency, "华信招标代理有限公司")
            s.add_all([centre_u, tenderer_u, agency_u])
            await s.commit()
            agency_actor = actor_for(agency_u, agency, "127.0.0.1")
            centre_actor = actor_for(centre_u, centre, "127.0.0.1")
            project = await project_service.apply_project(
                s, agency_actor, ProjectApply(name="基准测试教学楼", line=TradingLine.construction, region="青山区",
                                              tenderer_org_id=tenderer.id, amount=Decimal("1000000.00")), now=now)
            await project_service.admit_project(s, centre_actor, project.id, now=now)
            start = now + timedelta(hours=1)
            tv = await tender_service.create_tender(s, agency_actor, TenderCreate(
                project_id=project.id, evaluation_method=EvaluationMethod.comprehensive_assessment,
                doc_start=start, doc_end=start + timedelta(days=7), question_deadline=start + timedelta(days=15),
                bid_deadline=start + timedelta(days=21), max_bid_mib=max_bid_mib,
                lots=[LotIn(name="施工", budget=Decimal("1000000.00"), ceiling_price=Decimal("980000.00"),
                            bond_amount=Decimal("20000.00"))]), now=now)
            tv = await tender_service.publish_announcement(s, agency_actor, tv.tender.id, now=now)
            assert tv.tender.bid_deadline is not None
            world = World(tv.tender.id, tv.lots[0].id, tv.tender.bid_deadline, agency_org_id=agency.id,
                          agency_user_id=agency_u.id)

            org_rows, user_rows, token_rows = [], [], []
            for i in range(bidders):
                oid, uid, token = new_id(), new_id(), "ggzy_" + secrets.token_urlsafe(24)
                org_rows.append({"id": oid, "kind": OrgKind.bidder, "name": f"基准投标公司{i:04d}",
                                 "status": OrgStatus.verified, "created_at": now, "verified_at": now,
                                 "supervised_lines": []})
                user_rows.append({"id": uid, "organisation_id": oid, "username": f"bench-bidder-{i:04d}",
                                  "display_name": f"投标人{i:04d}", "password_hash": pw, "role": Role.bidder,
                                  "created_at": now})
                token_rows.append({"id": new_id(), "token_hash": token_hash(token), "user_id": uid, "name": "bench",
                                   "created_at": now, "expires_at": now + timedelta(days=365)})
                world.bidders.append(Bidder(oid, uid, token))
            for model, rows in ((Organisation, org_rows), (User, user_rows), (ApiToken, token_rows)):
                for j in range(0, len(rows), 500):
                    await s.execute(insert(model), rows[j:j + 500])
            await s.commit()
            if keys:
                world.keyset_path = await _register_keys(s, world, now)
        return world
    finally:
        await engine.dispose()


async def _register_keys(s: Any, world: World, now: datetime) -> str:
    """Generate a key set per bidder (on 'their machine') and register its public half."""
    from sqlalchemy import select

    from ggzy.auth.service import actor_for
    from ggzy.bid.keys import register_key_set
    from ggzy.bid.rules import keyset_proof_message
    from ggzy.bid.schemas import KeySetIn
    from ggzy.party.models import Organisation, User
    from ggzy.sealing import keys as sealing_keys
    from ggzy.sealing.codec import b64e
    from ggzy.sealing.suites import get_suite

    users = {u.id: u for u in (await s.execute(select(User))).scalars()}
    orgs = {o.id: o for o in (await s.execute(select(Organisation))).scalars()}
    for b in world.bidders:
        b.keys = ks = sealing_keys.generate()
        enc, sign = b64e(ks.enc_public), b64e(ks.sign_public)
        proof = get_suite(ks.suite).sign(ks.sign_private, keyset_proof_message(
            org_id=b.org_id, enc_public=enc, sign_public=sign))
        actor = actor_for(users[b.user_id], orgs[b.org_id], "127.0.0.1")
        await register_key_set(s, actor, KeySetIn(suite=ks.suite, enc_public=enc, sign_public=sign,
                                                  proof=b64e(proof)), now=now)
    return "service"


def sheet(lot_id: str, i: int) -> dict[str, Any]:
    """An opening sheet (bid.json) whose words match its figures."""
    from ggzy.kit.money import in_words

    price = Decimal("900000.00") + Decimal(i) / 100
    return {"lot_id": lot_id, "price": str(price), "price_in_words": in_words(price), "duration_days": 180,
            "quality": "合格", "project_lead": "张三", "lead_certificate": "苏132100000001"}


def random_file(path: Path, size: int) -> Path:
    """Incompressible content (a real bid's PDFs and scans are compressed anyway)."""
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return path


# ---------------------------------------------------------------- the RAW upload baseline (an ASGI app)


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor any durable upload endpoint pays: receive the body, SHA-256 it, write, fsync, rename, fsync dir.

    Served by uvicorn like `ggzy serve` (`uvicorn _common:raw_app`), so the two differ only in what the
    platform adds on top: auth, the envelope scanner, the deadline transaction, the receipt, the audit entry.
    Writes go straight to the page cache (microseconds); fsync runs in a thread, as the blob store does.
    """
    import asyncio
    import hashlib
    import json

    if scope["type"] == "lifespan":
        while (msg := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    root = Path(os.environ["BENCH_RAW_DIR"])
    tmp = root / f".incoming-{secrets.token_hex(8)}"
    digest, size = hashlib.sha256(), 0
    with open(tmp, "xb") as f:  # noqa: ASYNC230 - page-cache writes take microseconds; fsync goes to a thread
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                tmp.unlink()
                return
            chunk = msg.get("body", b"")
            more = msg.get("more_body", False)
            digest.update(chunk)
            size += len(chunk)
            f.write(chunk)
        f.flush()
        await asyncio.to_thread(os.fsync, f.fileno())
    sha = digest.hexdigest()

    def _place() -> None:
        os.replace(tmp, root / sha)
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    await asyncio.to_thread(_place)
    body = json.dumps({"sha256": sha, "size": size}).encode()
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- `ggzy serve` plus an in-process publisher


def bench_app() -> Any:
    """The app `ggzy serve` runs (create_app from GGZY_* settings) plus POST /bench/publish.

    The extra route publishes straight through the app's broker (in-process or Redis, whichever the settings
    choose), exactly as publish_after_commit does after a commit; it stamps the wall-clock send time so the
    watchers can compute delivery latency. Served with `uvicorn _common:bench_app --factory`.
    """
    import time as _time

    from ggzy.app import create_app
    from ggzy.config import get_settings

    app = create_app(get_settings())

    @app.post("/bench/publish", include_in_schema=False)  # type: ignore[untyped-decorator]
    async def _publish(channel: str, i: int, run: str) -> dict[str, int]:
        ev = await app.state.broker.publish(channel, "bench:tick", {"i": i, "run": run, "t": _time.time()})
        return {"seq": ev.seq}

    return app
