"""Benchmark: audit chain append and verify, against baselines measured in the same run.

    .venv/bin/python benchmarks/audit_chain.py [--events 20000] [--database-url URL]

Baselines: appending = inserting the same rows without hashing or reading the previous entry;
verifying = hashing the same canonical bytes in a bare loop (the floor any verifier must pay).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

import ggzy.models  # noqa: F401
from ggzy.audit.models import AuditEvent, AuditHead
from ggzy.audit.service import canonical, entry_body, iter_events, record, verify_chain
from ggzy.auth.actor import system_actor
from ggzy.kit.db import Base, make_engine, make_sessionmaker

BATCH = 500


def _reset_chain(conn: Any) -> None:
    """Empty the chain and its signed head, so the next measurement starts from the genesis entry."""
    for table in (AuditEvent.__table__, AuditHead.__table__):
        table.drop(conn)
        table.create(conn)


async def main(events: int, url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    maker = make_sessionmaker(engine, audit_key="bench")
    actor = system_actor("bench")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    start = time.perf_counter()
    async with maker() as session:
        for i in range(events):
            await record(session, "bench:event", actor, subject_type="bench", subject_id=str(i),
                         now=t0 + timedelta(milliseconds=i), after={"i": i, "note": "投标文件已接收"})
            if i % BATCH == BATCH - 1:
                await session.commit()
        await session.commit()
    append_s = time.perf_counter() - start

    # Baseline: the same number of rows inserted in the same batches, no chain bookkeeping.
    async with engine.begin() as conn:
        await conn.run_sync(_reset_chain)
    start = time.perf_counter()
    async with maker() as session:
        rows = [
            {"seq": i + 1, "tag": "bench:event", "occurred_at": t0, "subject_type": "bench", "subject_id": str(i),
             "prev_hash": "0" * 64, "hash": f"{i:064x}", "after": {"i": i}, "ip": "", "actor_role": ""}
            for i in range(events)
        ]
        for j in range(0, events, BATCH):
            await session.execute(insert(AuditEvent), rows[j:j + BATCH])
            await session.commit()
    insert_s = time.perf_counter() - start

    # Rebuild the real chain for the verify measurements.
    async with engine.begin() as conn:
        await conn.run_sync(_reset_chain)
    async with maker() as session:
        for i in range(events):
            await record(session, "bench:event", actor, subject_type="bench", subject_id=str(i),
                         now=t0 + timedelta(milliseconds=i), after={"i": i, "note": "投标文件已接收"})
            if i % BATCH == BATCH - 1:
                await session.commit()
        await session.commit()

    async with maker() as session:
        start = time.perf_counter()
        result = await verify_chain(session)
        verify_s = time.perf_counter() - start
        assert result.ok and result.checked == events, result
        bodies = [canonical(entry_body(ev)) async for ev in iter_events(session)]
    start = time.perf_counter()
    prev = b"0" * 64
    for body in bodies:
        prev = hashlib.sha256(prev + body).hexdigest().encode()
    hash_s = time.perf_counter() - start
    await engine.dispose()

    print(f"database: {engine.url.get_backend_name()}  events: {events}")
    print(f"append : {events / append_s:10.0f} events/s   plain insert baseline {events / insert_s:10.0f} rows/s"
          f"   ratio {insert_s / append_s:.2f}")
    print(f"verify : {events / verify_s:10.0f} events/s   bare SHA-256 chain     {events / hash_s:10.0f} entries/s"
          f"   ratio {hash_s / verify_s:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.database_url))
