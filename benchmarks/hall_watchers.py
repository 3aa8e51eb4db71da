"""Benchmark: "a hall with 1,000 watchers stays responsive" (the remote opening hall, 不见面开标).

    .venv/bin/python benchmarks/hall_watchers.py [--watchers 1000] [--events 30] [--interval 0.2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]

Starts the platform as a subprocess (the app `ggzy serve` runs, under the same uvicorn settings, plus one
bench-only route that publishes through the app's broker — in-process, or Redis with --redis), opens
`--watchers` server-sent-event streams to the hall channel `opening:{tender}` (the public `notices` channel if
the opening domain has not registered its channel) with httpx streaming, publishes `--events` events and
reports the delivery latency to every watcher, and the response time of ordinary pages (/ and /notices)
with the watchers connected, as a ratio against the same requests with no watcher (measured in the same run).

Pages are timed from a separate process so the watchers' event parsing does not sit in their measurement.
The watchers share one client process on the same machine, so the latency includes the client's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

PAGES = ("/", "/notices")


def probe_pages(base: str, rounds: int) -> dict[str, list[float]]:
    """Time `rounds` sequential GETs of each page (seconds), in its own process and connection."""
    out: dict[str, list[float]] = {p: [] for p in PAGES}
    with httpx.Client(base_url=base, timeout=60, headers={"accept": "text/html"}) as client:
        for p in PAGES:
            client.get(p).raise_for_status()  # warm: templates compiled, connection open
        for _ in range(rounds):
            for p in PAGES:
                t0 = time.perf_counter()
                r = client.get(p)
                out[p].append(time.perf_counter() - t0)
                r.raise_for_status()
    return out


class Watcher:
    def __init__(self, run: str) -> None:
        self.run = run
        self.connected = asyncio.Event()
        self.latency: dict[int, float] = {}
        self.error: str | None = None

    async def watch(self, client: httpx.AsyncClient, path: str) -> None:
        try:
            async with client.stream("GET", path, headers={"accept": "text/event-stream"}) as r:
                if r.status_code != 200:
                    self.error = f"HTTP {r.status_code}"
                    return
                self.connected.set()
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # id:, event:, blank separators and ping comments
                    now = time.time()
                    data = json.loads(line[5:])
                    if data.get("run") == self.run:
                        self.latency[int(data["i"])] = now - float(data["t"])
        except (httpx.HTTPError, asyncio.CancelledError) as exc:
            if not isinstance(exc, asyncio.CancelledError):
                self.error = repr(exc)
        finally:
            self.connected.set()


async def _hall_channel(base: str, tender_id: str) -> str:
    """The hall's own channel when the server knows it, else the public notices channel."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client, \
            client.stream("GET", f"/api/realtime/opening:{tender_id}") as r:
        return f"opening:{tender_id}" if r.status_code == 200 else "notices"


@dataclass
class Result:
    backend: str
    channel: str
    connect_s: float
    refused: list[str]
    pairs: list[float]
    """Latency of every (event, watcher) delivery, seconds."""
    last: list[float]
    """Per event: latency until the last watcher had it."""
    missing: int
    idle: dict[str, list[float]]
    loaded: dict[str, list[float]]
    during: dict[str, list[float]]
    server_cpu: float
    """CPU seconds the server used from the first publish until the last delivery (incl. the page probes)."""
    client_cpu: float
    fan_s: float


async def run(args: argparse.Namespace) -> Result:
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-hall-"))
    db = C.fresh_database(tmp, args.postgres)
    pool = ProcessPoolExecutor(1)
    loop = asyncio.get_running_loop()
    try:
        world = await C.make_world(db.url, bidders=0, now=datetime.now(UTC), keys=False)
        port = C.free_port()
        cmd = [*C.uvicorn_app("_common:bench_app", port), "--factory"]
        env = C.server_env(tmp, db.url, args.redis or "")
        with C.running(cmd, port=port, env=env, log=tmp / "server.log") as server:
            channel = await _hall_channel(server.url, world.tender_id)
            idle = await loop.run_in_executor(pool, probe_pages, server.url, args.rounds)

            run_id = uuid.uuid4().hex
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            watchers = [Watcher(run_id) for _ in range(args.watchers)]
            async with httpx.AsyncClient(base_url=server.url, limits=limits,
                                         timeout=httpx.Timeout(60, read=None)) as client:
                t0 = time.perf_counter()
                tasks = []
                for j, w in enumerate(watchers):
                    tasks.append(asyncio.create_task(w.watch(client, f"/api/realtime/{channel}")))
                    if j % 100 == 99:  # ramp up in steps: a burst of 1,000 SYNs is not what a hall sees
                        await asyncio.gather(*(x.connected.wait() for x in watchers[:j + 1]))
                await asyncio.gather(*(w.connected.wait() for w in watchers))
                connect_s = time.perf_counter() - t0
                refused = [w.error for w in watchers if w.error]

                loaded_idle = await loop.run_in_executor(pool, probe_pages, server.url, args.rounds)

                async def publish() -> None:
                    async with httpx.AsyncClient(base_url=server.url, timeout=60) as pub:
                        for i in range(args.events):
                            (await pub.post("/bench/publish",
                                            params={"channel": channel, "i": i, "run": run_id})).raise_for_status()
                            await asyncio.sleep(args.interval)

                probe = loop.run_in_executor(pool, probe_pages, server.url, args.rounds)
                cpu0, own0, t_fan = C.cpu_seconds(server.proc.pid), time.process_time(), time.perf_counter()
                await publish()
                during = await probe
                # Wait (bounded) for the last deliveries, then hang up every watcher.
                wait_until = time.monotonic() + 30
                while time.monotonic() < wait_until and any(  # noqa: ASYNC110 - bounded poll
                        len(w.latency) < args.events for w in watchers if not w.error):
                    await asyncio.sleep(0.05)
                # CPU seconds, not shares of the wall clock: the machine may be shared, CPU time per delivery is not.
                server_cpu = C.cpu_seconds(server.proc.pid) - cpu0
                client_cpu = time.process_time() - own0
                fan_s = time.perf_counter() - t_fan
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        pool.shutdown()
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)

    ok = [w for w in watchers if not w.error]
    pairs = [v for w in ok for v in w.latency.values()]
    per_event_last = [max(w.latency[i] for w in ok if i in w.latency) for i in range(args.events)
                      if any(i in w.latency for w in ok)]
    missing = sum(args.events - len(w.latency) for w in ok)
    return Result(db.backend, channel.split(":")[0], connect_s, [e for e in refused if e], pairs, per_event_last,
                  missing, idle, loaded_idle, during, server_cpu, client_cpu, fan_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between published events")
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per page and phase")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None,
                        help="PostgreSQL admin URL; a fresh database is created and dropped")
    parser.add_argument("--redis", metavar="URL", default=None, help="fan out through Redis (GGZY_REDIS_URL)")
    args = parser.parse_args()
    r = asyncio.run(run(args))

    ms = 1000.0
    print(f"hall watchers — {C.machine()}, database {r.backend}, broker {'redis' if args.redis else 'memory'},"
          f" channel {r.channel}")
    print(f"watchers {args.watchers} (connected in {r.connect_s:.1f} s, refused {len(r.refused)}),"
          f" events {args.events} every {args.interval} s, undelivered {r.missing}")
    n = max(1, len(r.pairs))
    print(f"fan-out {r.fan_s:.1f} s; CPU per 1,000 deliveries: server {r.server_cpu / n * 1e6:.0f} ms, watchers'"
          f" client {r.client_cpu / n * 1e6:.0f} ms (CPU time: meaningful even on a shared machine)")
    print(C.table([
        ("delivery latency", "p50 ms", "p99 ms", "max ms"),
        ("each watcher", f"{C.percentile(r.pairs, 50) * ms:.1f}", f"{C.percentile(r.pairs, 99) * ms:.1f}",
         f"{max(r.pairs, default=float('nan')) * ms:.1f}"),
        ("last watcher / event", f"{C.percentile(r.last, 50) * ms:.1f}", f"{C.percentile(r.last, 99) * ms:.1f}",
         f"{max(r.last, default=float('nan')) * ms:.1f}"),
    ]))
    rows: list[tuple[str, ...]] = [("page", "0 watchers p50 ms", "connected p50 ms", "ratio",
                                    "during fan-out p50 ms", "ratio", "during p99 ms")]
    for p in PAGES:
        idle, loaded, during = statistics.median(r.idle[p]), statistics.median(r.loaded[p]), r.during[p]
        rows.append((p, f"{idle * ms:.1f}", f"{loaded * ms:.1f}", f"{loaded / idle:.2f}",
                     f"{statistics.median(during) * ms:.1f}", f"{statistics.median(during) / idle:.2f}",
                     f"{C.percentile(during, 99) * ms:.1f}"))
    print(C.table(rows))
    if r.refused or r.missing:
        print(f"PROBLEM: refused {r.refused[:3]}, undelivered {r.missing}")
        sys.exit(1)

if __name__ == "__main__":
    main()
