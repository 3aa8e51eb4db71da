"""Benchmark: the deadline rush — 1,000 bidders upload a 5 MiB sealed bid within 60 s.

    .venv/bin/python benchmarks/deadline_rush.py [--bidders 1000] [--mib 5] [--concurrency 48]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--workers 2]

Setup (not measured): a fresh database (SQLite file, or a new PostgreSQL database dropped afterwards), a
published tender (project and tender services) and `--bidders` verified bidder organisations, each with an API
token and a key set registered through the bid domain's key service; then every bidder seals its own envelope
(`sealing.envelope.seal_bid`, in a process pool: the header names its bidder, so each is sealed separately).

Measured, against a baseline in the same run:
- raw: a minimal ASGI app under the same uvicorn that receives the same bytes, SHA-256s them, writes, fsyncs
  and renames them (benchmarks/_common.py raw_app) — the floor of any durable upload;
- ggzy: `ggzy serve` (subprocess, its own data dir) and PUT /api/tenders/{t}/lots/{l}/bid with an
  Idempotency-Key: auth, the envelope scanner, the blob store, the deadline transaction, the signed receipt.
Both are fired from one httpx.AsyncClient with `--concurrency` requests in flight. Afterwards every receipt is
checked: its signature (the platform key from GET /api/platform/keys), its bid row and its blob (SHA-256 of the
stored file). "lost" counts uploads that got neither a verified receipt nor a clear coded error; it must be 0.
Disk: about 3 × bidders × mib MiB while running (envelopes, raw copies, blobs); everything is deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

WINDOW_S = 60.0


@dataclass
class Envelope:
    bidder: int
    path: Path
    sha256: str
    size: int


@dataclass
class Outcome:
    status: int
    latency: float
    """Seconds from the first attempt's start to the final answer (retries included)."""
    body: dict[str, Any] | None
    error: str = ""
    first_failure: str = ""
    """What the first attempt got when it had to be retried (a transport error or a 5xx)."""


def seal_one(job: tuple[int, Any, str, str, str, Path, Path]) -> Envelope:
    """One bidder seals its bid on its own machine (a worker process)."""
    from ggzy.sealing import envelope

    i, keys, tender_id, lot_id, org_id, payload, out_dir = job
    out = out_dir / f"bid-{i:05d}.ggzyenv"
    info = envelope.seal_bid(out, keys=keys, tender_id=tender_id, lot_id=lot_id, bidder_org_id=org_id,
                             sheet=C.sheet(lot_id, i), files=[payload])
    return Envelope(i, out, info.sha256, info.size)


ATTEMPTS = 3
"""A bidder's client retries a dropped connection or a 5xx with the SAME Idempotency-Key (safe by design)."""


async def fire(base: str, envelopes: list[Envelope], concurrency: int,
               request: Any) -> tuple[list[Outcome], float]:
    """Send every envelope with at most `concurrency` in flight; returns outcomes in order and the wall time."""
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    outcomes: list[Outcome | None] = [None] * len(envelopes)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(300)) as client:
        async def one(k: int, env: Envelope) -> None:
            async with sem:
                body = await asyncio.to_thread(env.path.read_bytes)
                t0 = time.perf_counter()
                first = ""
                for attempt in range(ATTEMPTS):
                    try:
                        r = await client.request(**request(env, body))
                    except httpx.HTTPError as exc:
                        out = Outcome(0, time.perf_counter() - t0, None, repr(exc))
                    else:
                        try:
                            parsed = r.json()
                        except ValueError:
                            parsed = None
                        out = Outcome(r.status_code, time.perf_counter() - t0, parsed)
                    if out.status and out.status < 500:
                        break
                    if attempt == 0:
                        first = out.error or f"{out.status} {(out.body or {}).get('error', {}).get('code', '')}"
                out.first_failure = first
                outcomes[k] = out

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k, e) for k, e in enumerate(envelopes)))
        wall = time.perf_counter() - t0
    return [o for o in outcomes if o is not None], wall


def server_problems(log: Path) -> list[str]:
    """The server's own error lines (tracebacks' last lines), counted: what a 5xx or a dropped upload was."""
    counts: dict[str, int] = {}
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            last = lines[j][:160] if j < len(lines) else "?"
            counts[last] = counts.get(last, 0) + 1
    return [f"{n} × {what}" for what, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def _sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")


def verify(envelopes: list[Envelope], outcomes: list[Outcome], world: C.World, *, db_url: str,
           platform_public: bytes, blob_dir: Path) -> dict[str, Any]:
    """Every receipt verified against its row and blob; every failure must carry a coded error."""
    from ggzy.sealing.errors import ReceiptInvalid
    from ggzy.sealing.receipt import verify_receipt

    eng = create_engine(_sync_url(db_url))
    with eng.connect() as conn:
        rows = {r.id: r for r in conn.execute(text(
            "SELECT id, bidder_org_id, sha256, size, receipt, status FROM bids WHERE tender_id = :t"),
            {"t": world.tender_id})}
    eng.dispose()
    accepted, refused, lost = 0, [], []
    seen: set[str] = set()
    for env, out in zip(envelopes, outcomes, strict=True):
        bidder = world.bidders[env.bidder]
        if out.status == 201 and out.body is not None:
            receipt = out.body.get("receipt") or {}
            problem = ""
            try:
                verify_receipt(receipt, platform_public)
            except ReceiptInvalid as exc:
                problem = f"receipt signature: {exc}"
            row = rows.get(receipt.get("bid_id", ""))
            if not problem and row is None:
                problem = "no bid row for the receipt"
            elif not problem:
                assert row is not None
                blob = blob_dir / row.sha256[:2] / row.sha256[2:4] / row.sha256
                if (row.sha256, row.size, row.bidder_org_id) != (env.sha256, env.size, bidder.org_id) or \
                        receipt.get("sha256") != env.sha256 or json.loads(row.receipt) != receipt:
                    problem = "row/receipt disagree with what was sent"
                elif not blob.is_file() or _file_sha256(blob) != env.sha256:
                    problem = "blob missing or altered"
            if problem:
                lost.append(f"bidder {env.bidder}: {problem}")
            else:
                accepted += 1
                seen.add(receipt["bid_id"])
        elif out.status >= 400 and isinstance(out.body, dict) and out.body.get("error", {}).get("code"):
            refused.append(f"{out.status} {out.body['error']['code']}")
        else:
            lost.append(f"bidder {env.bidder}: status {out.status} {out.error or out.body}")
    orphans = [r for r in rows if r not in seen]
    if orphans:
        lost.append(f"{len(orphans)} bid rows without a receipt a client holds")
    return {"accepted": accepted, "refused": refused, "lost": lost}


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-rush-"))
    db = C.fresh_database(tmp, args.postgres)
    result: dict[str, Any] = {"backend": db.backend}
    try:
        t0 = time.perf_counter()
        world = await C.make_world(db.url, bidders=args.bidders, now=datetime.now(UTC),
                                   max_bid_mib=max(1, math.ceil(args.mib * 1.1 + 0.1)))
        result["setup_s"], result["keysets"] = time.perf_counter() - t0, world.keyset_path
        env_dir = tmp / "envelopes"
        env_dir.mkdir()
        payload = C.random_file(tmp / "投标文件.pdf", int(args.mib * 1024 * 1024))
        t0 = time.perf_counter()
        jobs = [(i, b.keys, world.tender_id, world.lot_id, b.org_id, payload, env_dir)
                for i, b in enumerate(world.bidders)]
        with ProcessPoolExecutor(args.workers) as pool:
            envelopes = list(pool.map(seal_one, jobs, chunksize=4))
        result["seal_s"] = time.perf_counter() - t0
        result["bytes"] = sum(e.size for e in envelopes)

        # Raw baseline: same bytes, same client, same uvicorn.
        raw_dir = tmp / "raw"
        raw_dir.mkdir()
        port = C.free_port()
        env = {**C.server_env(tmp / "raw-data", db.url), "BENCH_RAW_DIR": str(raw_dir)}
        with C.running(C.uvicorn_app("_common:raw_app", port), port=port, env=env, log=tmp / "raw.log") as srv:
            raw, raw_wall = await fire(srv.url, envelopes, args.concurrency, lambda e, body: {
                "method": "PUT", "url": f"/raw/{e.bidder}", "content": body,
                "headers": {"content-type": "application/octet-stream"}})
        raw_ok = [o for o, e in zip(raw, envelopes, strict=True)
                  if o.status == 201 and o.body and o.body.get("sha256") == e.sha256]
        result["raw"] = {"wall": raw_wall, "ok": len(raw_ok), "lat": [o.latency for o in raw],
                         "retried": [o.first_failure for o in raw if o.first_failure],
                         "server": server_problems(tmp / "raw.log")}
        shutil.rmtree(raw_dir, ignore_errors=True)

        # The platform.
        data_dir = tmp / "data"
        port = C.free_port()
        with C.running(C.ggzy_serve(port), port=port, env=C.server_env(data_dir, db.url),
                       log=tmp / "ggzy.log") as srv:
            run_id = uuid.uuid4().hex[:8]
            ggzy, wall = await fire(srv.url, envelopes, args.concurrency, lambda e, body: {
                "method": "PUT", "url": f"/api/tenders/{world.tender_id}/lots/{world.lot_id}/bid", "content": body,
                "headers": {**world.bidders[e.bidder].headers, "content-type": "application/octet-stream",
                            "Idempotency-Key": f"rush-{run_id}-{e.bidder:05d}"}})
            async with httpx.AsyncClient(base_url=srv.url, timeout=30) as client:
                keys = (await client.get("/api/platform/keys")).json()["keys"]
        from ggzy.sealing.codec import b64d

        result["ggzy"] = {"wall": wall, "lat": [o.latency for o in ggzy],
                          "retried": [o.first_failure for o in ggzy if o.first_failure],
                          "server": server_problems(tmp / "ggzy.log")}
        result.update(verify(envelopes, ggzy, world, db_url=db.url, platform_public=b64d(keys[0]["public_key"]),
                             blob_dir=data_dir / "blobs"))
    finally:
        for name in ("raw.log", "ggzy.log"):  # kept for a post-mortem; small (access log lines)
            if (tmp / name).exists():
                args.logs.mkdir(parents=True, exist_ok=True)
                shutil.copy(tmp / name, args.logs / name)
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--mib", type=float, default=5.0, help="payload per bid in MiB (0.0625 = 64 KiB)")
    parser.add_argument("--concurrency", type=int, default=48, help="uploads in flight")
    parser.add_argument("--workers", type=int, default=2, help="processes sealing the envelopes (setup)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None,
                        help="PostgreSQL admin URL; a fresh database is created and dropped")
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "ggzy-bench-logs" / "rush",
                        help="where the server logs are kept after the run")
    args = parser.parse_args()
    r = asyncio.run(run(args))

    mb = r["bytes"] / 1e6
    raw, ggzy = r["raw"], r["ggzy"]
    print(f"deadline rush — {C.machine()}, database {r['backend']}, `ggzy serve` (uvicorn, 1 process)")
    print(f"setup {r['setup_s']:.1f} s (key sets via {r['keysets']}), sealing {args.bidders} × {args.mib:g} MiB"
          f" = {mb:,.0f} MB in {r['seal_s']:.1f} s with {args.workers} processes; concurrency {args.concurrency}")
    rows: list[tuple[str, ...]] = [("endpoint", "ok", "wall s", "MB/s", "p50 ms", "p99 ms")]
    for name, m, ok in (("raw (hash+write+fsync)", raw, raw["ok"]), ("ggzy PUT …/bid", ggzy, r["accepted"])):
        rows.append((name, f"{ok}/{args.bidders}", f"{m['wall']:.1f}", f"{mb / m['wall']:,.0f}",
                     f"{C.percentile(m['lat'], 50) * 1000:.0f}", f"{C.percentile(m['lat'], 99) * 1000:.0f}"))
    print(C.table(rows))
    ratio = raw["wall"] / ggzy["wall"]
    within = "within" if ggzy["wall"] <= WINDOW_S else "NOT within"
    print(f"throughput ratio ggzy / raw = {ratio:.2f} (goal ≥ 0.5); all uploads {within} the {WINDOW_S:.0f} s window")
    print(f"accepted {r['accepted']}, refused with a coded error {len(r['refused'])}, lost {len(r['lost'])}")
    for line in (r["refused"][:5] + r["lost"][:10]):
        print("  ", line)
    for name, m in (("raw", raw), ("ggzy", ggzy)):
        if m["retried"]:
            print(f"{name}: {len(m['retried'])} first attempts failed and were retried with the same key:",
                  "; ".join(sorted(set(m["retried"]))[:5]))
        for line in m["server"][:5]:
            print(f"{name} server error: {line}")
    print(f"server logs: {args.logs}")
    if r["lost"] or r["accepted"] + len(r["refused"]) != args.bidders:
        sys.exit(1)


if __name__ == "__main__":
    main()
