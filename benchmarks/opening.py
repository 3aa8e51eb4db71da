"""Benchmark: verify and decrypt sealed bids at the opening, against the raw crypto floor in the same run.

    .venv/bin/python benchmarks/opening.py [--bids 1000] [--mib 5] [--workers 2] [--keep]
    .venv/bin/python benchmarks/opening.py --service [--postgres ADMIN_URL] [--bids 1000] [--mib 5]

Seals `--bids` envelopes of `--mib` MiB (each to its own bidder's key set, in a process pool), then opens each
one twice, alternating so page cache and CPU state treat both alike:
- ggzy: `sealing.envelope.open_bid` — SHA-256 of the envelope, header checks, AES-256-GCM per record, the
  package reader (manifest, Ed25519 signature, per-file SHA-256 digests) and the opening sheet checks;
- raw: the floor any opener pays on the same file: SHA-256 of every byte and AES-256-GCM decrypt of every
  record (hashlib + cryptography's AESGCM over the same 1 MiB records), nothing else.
Goal: ggzy ≤ 2.0 × raw. Both read files from a temp dir (deleted afterwards unless --keep).

The data keys are unwrapped beforehand: at the opening the bidder's browser unwraps its own key and posts it,
so the server's decrypt path starts from the data key.

--service measures the opening service end to end instead of the library call: a published tender with
`--bids` bidders (key sets through the bid service), every bid submitted through bid.service.submit_bid, the
deadline passed (tender.tasks.close_bidding → the opening starts), the bidder list published, then each
bidder's `opening.service.decrypt_entry` (read the bid and key set, open_bid in a worker thread, the writing
transaction with the audit entry) against the same raw pass over the stored blob. SQLite file by default,
a fresh PostgreSQL database with --postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

from ggzy.kit.ids import new_id
from ggzy.sealing import envelope, keys
from ggzy.sealing.codec import b64d, b64e


@dataclass
class Sealed:
    path: Path
    sha256: str
    data_key: bytes
    sign_public: bytes


def seal_one(job: tuple[int, Path, Path, str, str]) -> Sealed:
    """One bidder seals one bid on its own machine (runs in a worker process)."""
    i, out_dir, payload, tender_id, lot_id = job
    ks = keys.generate()
    bidder = new_id()
    out = out_dir / f"bid-{i:05d}.ggzyenv"
    info = envelope.seal_bid(out, keys=ks, tender_id=tender_id, lot_id=lot_id, bidder_org_id=bidder,
                             sheet=C.sheet(lot_id, i), files=[payload])
    data_key = envelope.unwrap_data_key(info.header, enc_private=ks.enc_private)
    return Sealed(out, info.sha256, data_key, ks.sign_public)


def raw_open(path: Path, data_key: bytes) -> str:
    """SHA-256 + AES-256-GCM over the same records; only the framing needed to find them is parsed."""
    digest = hashlib.sha256()
    aead = AESGCM(data_key)
    with open(path, "rb") as f:
        prefix = f.read(12)
        digest.update(prefix)
        (n,) = struct.unpack(">I", prefix[8:])
        header_bytes = f.read(n)
        digest.update(header_bytes)
        header = json.loads(header_bytes)
        aad = hashlib.sha256(header_bytes).digest()
        nonce7 = b64d(header["nonce_prefix"])
        buf = bytearray(header["chunk_size"] + 16)
        view = memoryview(buf)
        index = 0
        while True:
            word_raw = f.read(4)
            digest.update(word_raw)
            (word,) = struct.unpack(">I", word_raw)
            final, length = bool(word >> 31), word & 0x7FFFFFFF
            got = f.readinto(view[:length])
            assert got == length
            ct = view[:length]
            digest.update(ct)
            aead.decrypt(nonce7 + struct.pack(">IB", index, final), ct, aad)
            index += 1
            if final:
                break
    return digest.hexdigest()


def library_open(s: Sealed) -> None:
    opened = envelope.open_bid(s.path, s.data_key, expected_sha256=s.sha256, sign_public=s.sign_public)
    if opened.problems or not opened.signature_ok or not opened.sha256_ok:
        raise SystemExit(f"{s.path.name}: unexpected findings {opened.problems}")


async def service_path(args: argparse.Namespace, tmp: Path, payload: Path) -> dict[str, Any]:
    """Seal, submit, close and decrypt through the services; times decrypt_entry against raw_open per bid."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from ggzy.auth.service import actor_for
    from ggzy.bid import service as bid_service
    from ggzy.kit.clock import FrozenClock
    from ggzy.kit.db import commit, make_engine, make_sessionmaker
    from ggzy.opening import service as opening_service
    from ggzy.opening.models import OpeningEntry
    from ggzy.party.models import Organisation, User
    from ggzy.sealing.receipt import PlatformKey
    from ggzy.storage.blobstore import LocalBlobStore
    from ggzy.tender.models import Tender
    from ggzy.tender.tasks import close_bidding

    db = C.fresh_database(tmp, args.postgres)
    try:
        clock = FrozenClock(datetime.now(UTC))
        world = await C.make_world(db.url, bidders=args.bids, now=clock.now(),
                                   max_bid_mib=max(1, int(args.mib * 1.1) + 1))
        out_dir = tmp / "envelopes"
        out_dir.mkdir()
        t0 = time.perf_counter()
        jobs = [(i, b.keys, world.tender_id, world.lot_id, b.org_id, payload, out_dir)
                for i, b in enumerate(world.bidders)]
        with ProcessPoolExecutor(args.workers) as pool:
            infos = list(pool.map(_seal_for, jobs, chunksize=4))
        seal_s = time.perf_counter() - t0
        blobs = LocalBlobStore(tmp / "blobs")
        platform_key = PlatformKey.load_or_create(tmp / "platform-signing-key.pem")
        engine = make_engine(db.url)
        maker = make_sessionmaker(engine, audit_key=C.SECRET)
        try:
            async with maker() as s:
                users = {u.id: u for u in (await s.execute(select(User))).scalars()}
                orgs = {o.id: o for o in (await s.execute(select(Organisation))).scalars()}
            actors = {b.org_id: actor_for(users[b.user_id], orgs[b.org_id], "127.0.0.1") for b in world.bidders}
            agency = actor_for(users[world.agency_user_id], orgs[world.agency_org_id], "127.0.0.1")
            t0 = time.perf_counter()
            for b, (path, _sha, _header) in zip(world.bidders, infos, strict=True):
                async with maker() as s:
                    await bid_service.submit_bid(
                        s, actors[b.org_id], blobs=blobs, platform_key=platform_key, clock=clock,
                        tender_id=world.tender_id, lot_id=world.lot_id, idempotency_key=f"bench-{b.org_id}",
                        chunks=_file_chunks(path), declared_size=path.stat().st_size)
                path.unlink()  # the stored blob is the copy that counts; halve the disk use
            submit_s = time.perf_counter() - t0
            clock.set(world.bid_deadline + timedelta(seconds=1))
            async with maker() as s:
                tender = await s.get(Tender, world.tender_id)
                assert tender is not None
                await close_bidding(s, tender, clock.now())
                await commit(s)
            async with maker() as s:
                await opening_service.publish_bidders(s, agency, world.tender_id, now=clock.now())
            async with maker() as s:
                entries = {e.bidder_org_id: e.id for e in (await s.execute(select(OpeningEntry))).scalars()}
            ggzy_s = raw_s = 0.0
            total = 0
            for b, (_path, sha, header) in zip(world.bidders, infos, strict=True):
                data_key = envelope.unwrap_data_key(header, enc_private=b.keys.enc_private)  # the browser's job
                blob = blobs.path_for(sha)
                total += blob.stat().st_size
                t = time.perf_counter()
                assert raw_open(blob, data_key) == sha
                raw_s += time.perf_counter() - t
                async with maker() as s:
                    t = time.perf_counter()
                    entry = await opening_service.decrypt_entry(
                        s, actors[b.org_id], world.tender_id, entries[b.org_id], b64e(data_key), clock=clock,
                        blobs=blobs)
                    ggzy_s += time.perf_counter() - t
                    if str(entry.decrypt_status) != "decrypted":
                        raise SystemExit(f"entry {entry.id}: {entry.decrypt_status} {entry.failure_reason}")
        finally:
            await engine.dispose()
    finally:
        db.drop()
    return {"backend": db.backend, "seal_s": seal_s, "submit_s": submit_s, "ggzy_s": ggzy_s, "raw_s": raw_s,
            "total": total, "keysets": world.keyset_path}


def _seal_for(job: tuple[int, Any, str, str, str, Path, Path]) -> tuple[Path, str, dict[str, Any]]:
    i, ks, tender_id, lot_id, org_id, payload, out_dir = job
    out = out_dir / f"bid-{i:05d}.ggzyenv"
    info = envelope.seal_bid(out, keys=ks, tender_id=tender_id, lot_id=lot_id, bidder_org_id=org_id,
                             sheet=C.sheet(lot_id, i), files=[payload])
    return out, info.sha256, info.header


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with open(path, "rb") as f:  # noqa: ASYNC230 - page-cached reads in a setup phase
        while chunk := f.read(64 * 1024):
            yield chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bids", type=int, default=1000)
    parser.add_argument("--mib", type=float, default=5.0, help="payload size per bid in MiB (0.0625 = 64 KiB)")
    parser.add_argument("--workers", type=int, default=2, help="processes sealing the envelopes")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--service", action="store_true", help="the opening service end to end (see above)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None,
                        help="with --service: PostgreSQL admin URL; a fresh database is created and dropped")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-opening-"))
    try:
        payload = C.random_file(tmp / "投标文件.pdf", int(args.mib * 1024 * 1024))
        if args.service or args.postgres:
            r = asyncio.run(service_path(args, tmp, payload))
            mb = r["total"] / 1e6
            print(f"opening — {C.machine()}, opening service end to end (decrypt_entry), database {r['backend']}")
            print(f"bids {args.bids} × {args.mib:g} MiB = {mb:,.0f} MB; sealed in {r['seal_s']:.1f} s, submitted"
                  f" through bid.service in {r['submit_s']:.1f} s; key sets via {r['keysets']}")
            rows: list[tuple[str, ...]] = [("pass", "seconds", "MB/s", "ms per bid")]
            for name, secs in (("decrypt_entry (service, DB, audit)", r["ggzy_s"]),
                               ("raw SHA-256 + AES-256-GCM", r["raw_s"])):
                rows.append((name, f"{secs:.2f}", f"{mb / secs:,.0f}", f"{secs / args.bids * 1000:.1f}"))
            print(C.table(rows))
            print(f"ratio decrypt_entry / raw = {r['ggzy_s'] / r['raw_s']:.2f}  (goal ≤ 2.0)")
            return
        tender_id, lot_id = new_id(), new_id()
        t0 = time.perf_counter()
        jobs = [(i, tmp, payload, tender_id, lot_id) for i in range(args.bids)]
        with ProcessPoolExecutor(args.workers) as pool:
            sealed = list(pool.map(seal_one, jobs, chunksize=8))
        seal_s = time.perf_counter() - t0
        total = sum(s.path.stat().st_size for s in sealed)

        ggzy_s = raw_s = 0.0
        for s in sealed:
            t = time.perf_counter()
            sha = raw_open(s.path, s.data_key)
            raw_s += time.perf_counter() - t
            assert sha == s.sha256
            t = time.perf_counter()
            library_open(s)
            ggzy_s += time.perf_counter() - t
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    mb = total / 1e6
    print(f"opening — {C.machine()}, library path (sealing.envelope.open_bid), files in a temp dir")
    print(f"bids {args.bids} × {args.mib:g} MiB = {mb:,.0f} MB; sealed in {seal_s:.1f} s with {args.workers}"
          f" processes ({mb / seal_s:,.0f} MB/s)")
    rows = [("pass", "seconds", "MB/s", "ms per bid")]
    for name, secs in (("open_bid (verify + decrypt + package)", ggzy_s), ("raw SHA-256 + AES-256-GCM", raw_s)):
        rows.append((name, f"{secs:.2f}", f"{mb / secs:,.0f}", f"{secs / args.bids * 1000:.1f}"))
    print(C.table(rows))
    ratio = ggzy_s / raw_s
    print(f"ratio open_bid / raw = {ratio:.2f}  (goal ≤ 2.0)")


if __name__ == "__main__":
    main()
