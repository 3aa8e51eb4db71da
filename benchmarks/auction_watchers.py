"""Benchmark: one lot's timed bidding (限时竞价) with 500 watchers and 50 bidders bidding as fast as allowed.

    .venv/bin/python benchmarks/auction_watchers.py [--watchers 500] [--bidders 50] [--seconds 20]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]

Setup (not measured): a fresh database, `--bidders` verified bidder organisations with API tokens (_common's
make_world), an admitted property project and a live-auction lot (拍卖) created, announced, every bidder applied and
approved through the auction services; once its start has passed, the chronograph's own sweep puts the lot in
timed bidding. Then the platform starts as a subprocess (the app `ggzy serve` runs, under the same uvicorn
settings, plus two bench-only things, see `bench_app`) and `--watchers` server-sent-event streams open on the
lot's public channel `auction:{lot}`.

Measured, in one run:
- bids: `--bidders` bidders (a separate process, one connection each) POST /api/auctions/{lot}/bids for
  `--seconds`, each always offering the next minimum it last saw (its own accepted amount + the increment, or the
  `minimum` of the 409 auction.outbid it got). Outbid 409s are expected and counted, never errors.
- bare: afterwards, the same number of bare messages — a copy of the last bid event's data, so of the same size —
  published to the same channel and the same watchers through the same broker by a bench-only route with no
  business logic, on the same schedule (the gaps between the bids' commits are replayed), from the same process.

A bid's acceptance is the moment its transaction committed: the bench app wraps the broker so that every publish
carries `bench_t` = time.time() (publish_after_commit runs right after the commit); the bare route goes through
the same wrapper. Watchers stamp arrival with time.time() too: both ends are on one machine, so the two wall
clocks (UTC) are the same clock. The event's own `server_time` (the bid's time, read under the lot lock, before
the audit entry and the commit) is reported as well. "all watchers" = the latency until the last watcher had it.

Every watcher must receive each of the channel's events (seq 1 .. the last seq the server handed out) exactly
once and in order; lost, duplicated or out-of-order events make the run exit non-zero. The watchers share one
client process on the same machine, so latencies include the client's own parsing (the same for both phases).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

START_PRICE = Decimal("1000000")
INCREMENT = Decimal("1000")
BID_EVENT = "auction:bid"
BARE_EVENT = "bench:bare"


# ---------------------------------------------------------------- the server side (bench-only)


class StampingBroker:
    """Bench-only broker wrapper: every published event carries `bench_t`, the wall-clock time of its publish.

    The platform publishes after the commit (realtime.broker.publish_after_commit), so for a bid this is the
    moment its transaction committed. Subscribing is untouched."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def publish(self, channel: str, type_: str, data: dict[str, Any]) -> Any:
        return await self.inner.publish(channel, type_, {**data, "bench_t": time.time()})

    def subscribe(self, channel: str, last_seq: int = 0) -> Any:
        return self.inner.subscribe(channel, last_seq)

    async def close(self) -> None:
        await self.inner.close()


def bench_app() -> Any:
    """_common.bench_app (the app `ggzy serve` runs + /bench/publish) with the stamping broker and POST /bench/bare,
    which publishes the given data to the given channel through that same broker and nothing else.

    Served with `uvicorn auction_watchers:bench_app --factory`."""
    from fastapi import Body

    from ggzy.realtime.broker import make_broker

    app = C.bench_app()
    app.state.broker = StampingBroker(make_broker(app.state.settings.redis_url))  # start_broker keeps it

    @app.post("/bench/bare", include_in_schema=False)  # type: ignore[untyped-decorator]
    async def _bare(channel: str, data: dict[str, Any] = Body(...)) -> dict[str, int]:
        ev = await app.state.broker.publish(channel, BARE_EVENT, data)
        return {"seq": ev.seq}

    return app


# ---------------------------------------------------------------- setup


@dataclass
class Lot:
    lot_id: str
    tokens: list[str]


async def make_lot(database_url: str, *, bidders: int) -> Lot:
    """A live auction (timed bidding from its start) with `bidders` approved bidders, in timed bidding."""
    from sqlalchemy import select

    from ggzy.auction import service as auction_service
    from ggzy.auction.models import AuctionLot, AuctionMode, AuctionStatus
    from ggzy.auction.schemas import LotCreate
    from ggzy.auth.service import actor_for
    from ggzy.chronograph import runner
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.party.models import Organisation, OrgKind, User
    from ggzy.project import service as project_service
    from ggzy.project.models import TradingLine
    from ggzy.project.schemas import ProjectApply

    now = datetime.now(UTC)
    world = await C.make_world(database_url, bidders=bidders, now=now, keys=False)
    engine = make_engine(database_url)
    maker = make_sessionmaker(engine, audit_key=C.SECRET)
    try:
        async with maker() as s:
            rows = (await s.execute(select(User, Organisation).join(Organisation, User.organisation_id
                                                                    == Organisation.id))).all()
            actors = {u.id: actor_for(u, o, "127.0.0.1") for u, o in rows}
            centre = next(actors[u.id] for u, o in rows if o.kind == OrgKind.centre)
            seller_u = next(u for u, o in rows if o.kind == OrgKind.tenderer)
            seller = actors[seller_u.id]
            project = await project_service.apply_project(s, seller, ProjectApply(
                name="基准测试国有产权转让", line=TradingLine.property, region="青山区", amount=START_PRICE), now=now)
            await project_service.admit_project(s, centre, project.id, now=now)
            start = now + timedelta(seconds=1)  # every setup step runs at `now`, before the start
            lot = await auction_service.create_lot(s, centre, LotCreate(
                project_id=project.id, title="基准测试标的", mode=AuctionMode.live, start_price=str(START_PRICE),
                increment=str(INCREMENT), deposit="100000", listing_days=0, listing_start=start,
                reserve_officer_id=seller_u.id), now=now)
            await auction_service.publish_announcement(s, centre, lot.id, now=now)
            for b in world.bidders:
                app = await auction_service.apply(s, actors[b.user_id], lot.id, now=now)
                await auction_service.approve(s, centre, lot.id, app.id, f"BK{app.id[:10]}", now=now)
        await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.01)
        await runner.sweep_once(maker, SystemClock())  # announced → timed, as the chronograph would
        async with maker() as s:
            status = (await s.execute(select(AuctionLot.status).where(AuctionLot.id == lot.id))).scalar_one()
        if status != AuctionStatus.timed:
            raise RuntimeError(f"the lot is {status}, not in timed bidding")
        return Lot(lot.id, [b.token for b in world.bidders])
    finally:
        await engine.dispose()


# ---------------------------------------------------------------- bidders and the bare publisher (own process)


@dataclass
class Storm:
    accepted: int = 0
    outbid: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    accept_rtt: list[float] = field(default_factory=list)
    """HTTP round trip of each accepted bid, seconds."""
    seconds: float = 0.0


def bid_storm(base: str, lot_id: str, tokens: list[str], seconds: float) -> Storm:
    """Every bidder bids the next minimum it last saw, back to back, for `seconds` (runs in its own process)."""
    out = Storm()

    async def bidder(client: httpx.AsyncClient, token: str, stop: float) -> None:
        minimum = START_PRICE
        headers = {"Authorization": f"Bearer {token}"}
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            r = await client.post(f"/api/auctions/{lot_id}/bids", json={"amount": f"{minimum:.2f}"}, headers=headers)
            error = r.json().get("error", {}) if r.status_code >= 400 else {}
            if r.status_code == 201:
                out.accepted += 1
                out.accept_rtt.append(time.perf_counter() - t0)
                minimum = Decimal(r.json()["amount"]) + INCREMENT
            elif r.status_code == 409 and error.get("code") == "auction.outbid":
                out.outbid += 1
                minimum = Decimal(error["detail"]["minimum"])
            else:
                out.errors[f"{r.status_code} {error.get('code', r.text[:80])}"] += 1
                await asyncio.sleep(0.05)  # do not spin on a broken lot

    async def main() -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
            t0 = time.perf_counter()
            await asyncio.gather(*(bidder(client, t, t0 + seconds) for t in tokens))
            out.seconds = time.perf_counter() - t0

    asyncio.run(main())
    return out


def bare_replay(base: str, channel: str, data: dict[str, Any], offsets: list[float]) -> int:
    """POST /bench/bare once per offset (seconds after the first), on that schedule; returns the last seq."""

    async def main() -> int:
        seq = 0
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            t0 = time.perf_counter()
            for i, offset in enumerate(offsets):
                if (wait := t0 + offset - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                r = await client.post("/bench/bare", params={"channel": channel}, json={**data, "i": i})
                r.raise_for_status()
                seq = int(r.json()["seq"])
        return seq

    return asyncio.run(main())


def _ready() -> None:
    """Fork the worker process before anything is timed."""


# ---------------------------------------------------------------- watchers


@dataclass
class Seen:
    seq: int
    type: str
    arrived: float
    sent: float
    """bench_t: the publish (= commit) time."""
    server_time: float | None


class Watcher:
    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.seen: list[Seen] = []
        self.data: dict[str, Any] = {}
        """The last event's data."""
        self.error: str | None = None

    async def watch(self, client: httpx.AsyncClient, path: str) -> None:
        try:
            async with client.stream("GET", path, headers={"accept": "text/event-stream"}) as r:
                if r.status_code != 200:
                    self.error = f"HTTP {r.status_code}"
                    return
                self.connected.set()
                seq, type_ = 0, "message"
                async for line in r.aiter_lines():
                    if line.startswith("id:"):
                        seq = int(line[3:])
                    elif line.startswith("event:"):
                        type_ = line[6:].strip()
                    elif line.startswith("data:"):
                        now = time.time()
                        data = self.data = json.loads(line[5:])
                        st = data.get("server_time")
                        self.seen.append(Seen(seq, type_, now, float(data["bench_t"]),
                                              datetime.fromisoformat(st).timestamp() if st else None))
        except (httpx.HTTPError, asyncio.CancelledError) as exc:
            if not isinstance(exc, asyncio.CancelledError):
                self.error = repr(exc)
        finally:
            self.connected.set()

    def check(self, last: int) -> tuple[int, int, int]:
        """(lost, duplicated, out of order) against the channel's seqs 1..last."""
        seqs = [s.seq for s in self.seen]
        lost = len(set(range(1, last + 1)) - set(seqs))
        duplicated = len(seqs) - len(set(seqs))
        out_of_order = sum(1 for a, b in itertools.pairwise(seqs) if b < a)
        return lost, duplicated, out_of_order


# ---------------------------------------------------------------- the run


@dataclass
class Phase:
    events: int
    pairs: list[float]
    """Commit → arrival, every (event, watcher)."""
    last: list[float]
    """Per event: commit → arrival at the last watcher."""
    bid_last: list[float] = field(default_factory=list)
    """Per event: the bid's server_time → arrival at the last watcher (bids only)."""
    server_cpu: float = 0.0


def _phase(watchers: list[Watcher], type_: str, cpu: float) -> Phase:
    by_seq: dict[int, list[Seen]] = {}
    for w in watchers:
        for s in w.seen:
            if s.type == type_:
                by_seq.setdefault(s.seq, []).append(s)
    pairs = [s.arrived - s.sent for seen in by_seq.values() for s in seen]
    last = [max(s.arrived for s in seen) - seen[0].sent for seen in by_seq.values()]
    bid_last = [max(s.arrived for s in seen) - seen[0].server_time for seen in by_seq.values()
                if seen[0].server_time is not None]
    return Phase(len(by_seq), pairs, last, bid_last, cpu)


@dataclass
class Result:
    backend: str
    connect_s: float
    refused: list[str]
    storm: Storm
    bid_count: int
    last_seq: int
    bids: Phase
    bare: Phase
    lost: int
    duplicated: int
    out_of_order: int
    bad_watchers: int


async def _wait_for(watchers: list[Watcher], seq: int) -> None:
    """Until every live watcher has seen `seq` (at most 60 s)."""
    until = time.monotonic() + 60
    while time.monotonic() < until and any(  # noqa: ASYNC110 - bounded poll
            not w.error and (not w.seen or w.seen[-1].seq < seq) for w in watchers):
        await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> Result:
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-auction-"))
    db = C.fresh_database(tmp, args.postgres)
    pool = ProcessPoolExecutor(1)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(pool, _ready)
        lot = await make_lot(db.url, bidders=args.bidders)
        channel = f"auction:{lot.lot_id}"
        port = C.free_port()
        cmd = [*C.uvicorn_app("auction_watchers:bench_app", port), "--factory"]
        env = C.server_env(tmp, db.url, args.redis or "")
        with C.running(cmd, port=port, env=env, log=tmp / "server.log") as server:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            watchers = [Watcher() for _ in range(args.watchers)]
            async with httpx.AsyncClient(base_url=server.url, limits=limits,
                                         timeout=httpx.Timeout(60, read=None)) as client:
                t0 = time.perf_counter()
                tasks = []
                for j, w in enumerate(watchers):
                    tasks.append(asyncio.create_task(w.watch(client, f"/api/realtime/{channel}")))
                    if j % 100 == 99:  # ramp up in steps, as in hall_watchers
                        await asyncio.gather(*(x.connected.wait() for x in watchers[:j + 1]))
                await asyncio.gather(*(w.connected.wait() for w in watchers))
                connect_s = time.perf_counter() - t0
                refused = [w.error for w in watchers if w.error]

                cpu0 = C.cpu_seconds(server.proc.pid)
                storm = await loop.run_in_executor(pool, bid_storm, server.url, lot.lot_id, lot.tokens, args.seconds)
                state = (await client.get(f"/api/auctions/{lot.lot_id}")).json()
                bid_count = int(state["bid_count"])
                await _wait_for(watchers, bid_count)
                cpu1 = C.cpu_seconds(server.proc.pid)

                sent = sorted({s.seq: s.sent for w in watchers for s in w.seen if s.type == BID_EVENT}.items())
                template = {k: v for k, v in next((w.data for w in watchers if w.data), {}).items() if k != "bench_t"}
                offsets = [t - sent[0][1] for _, t in sent]
                last_seq = bid_count
                if offsets:
                    last_seq = await loop.run_in_executor(pool, bare_replay, server.url, channel, template, offsets)
                    await _wait_for(watchers, last_seq)
                cpu2 = C.cpu_seconds(server.proc.pid)
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        pool.shutdown()
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)

    ok = [w for w in watchers if not w.error]
    checks = [w.check(last_seq) for w in ok]
    lost, dup, ooo = (sum(c[i] for c in checks) for i in range(3))
    bad = sum(1 for c in checks if any(c))
    return Result(db.backend, connect_s, [e for e in refused if e], storm, bid_count, last_seq,
                  _phase(ok, BID_EVENT, cpu1 - cpu0), _phase(ok, BARE_EVENT, cpu2 - cpu1), lost, dup, ooo, bad)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--bidders", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the bidders bid")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None,
                        help="PostgreSQL admin URL; a fresh database is created and dropped")
    parser.add_argument("--redis", metavar="URL", default=None, help="fan out through Redis (GGZY_REDIS_URL)")
    args = parser.parse_args()
    r = asyncio.run(run(args))

    ms = 1000.0
    s = r.storm
    print(f"auction watchers — {C.machine()}, database {r.backend}, broker {'redis' if args.redis else 'memory'}")
    print(f"watchers {args.watchers} (connected in {r.connect_s:.1f} s, refused {len(r.refused)}),"
          f" bidders {args.bidders} for {s.seconds:.1f} s")
    errors = sum(s.errors.values())
    tried = s.accepted + s.outbid + sum(s.errors.values())
    print(f"bid requests {tried} ({tried / max(s.seconds, 1e-9):.1f}/s)")
    print(f"bids: accepted {s.accepted} ({s.accepted / max(s.seconds, 1e-9):.1f}/s), outbid 409 {s.outbid},"
          f" errors {errors}{' ' + str(dict(s.errors)) if errors else ''}; lot bid_count {r.bid_count},"
          f" bid events {r.bids.events}; accepted bid round trip p50"
          f" {C.percentile(s.accept_rtt, 50) * ms:.1f} ms, p99 {C.percentile(s.accept_rtt, 99) * ms:.1f} ms")
    print(f"bare messages {r.bare.events}; channel last seq {r.last_seq}")
    print(f"server CPU per 1,000 deliveries: bids {r.bids.server_cpu / max(1, len(r.bids.pairs)) * 1e6:.0f} ms"
          f" (incl. the bids' own work), bare {r.bare.server_cpu / max(1, len(r.bare.pairs)) * 1e6:.0f} ms")

    def row(name: str, values: list[float]) -> tuple[str, ...]:
        return (name, f"{C.percentile(values, 50) * ms:.1f}", f"{C.percentile(values, 99) * ms:.1f}",
                f"{max(values, default=float('nan')) * ms:.1f}")

    print(C.table([
        ("latency", "p50 ms", "p99 ms", "max ms"),
        row("bid commit → all watchers", r.bids.last),
        row("bare publish → all watchers", r.bare.last),
        row("bid commit → each watcher", r.bids.pairs),
        row("bare publish → each watcher", r.bare.pairs),
        row("bid server_time → all watchers", r.bids.bid_last),
    ]))
    ratio = C.percentile(r.bids.last, 99) / C.percentile(r.bare.last, 99)
    print(f"ratio p99 bids / bare {ratio:.2f} (goal ≤ 2.0{'' if ratio <= 2.0 else ', MISSED'})")
    print(f"lost {r.lost}, duplicated {r.duplicated}, out of order {r.out_of_order}"
          f" ({r.bad_watchers} of {args.watchers - len(r.refused)} watchers affected)")
    if r.refused or r.lost or r.duplicated or r.out_of_order or errors or r.bids.events != r.bid_count \
            or r.bid_count != s.accepted:
        print(f"PROBLEM: refused {r.refused[:3]}, bidder errors {dict(s.errors)}, accepted {s.accepted} vs"
              f" lot bid_count {r.bid_count} vs bid events {r.bids.events}")
        sys.exit(1)


if __name__ == "__main__":
    main()
