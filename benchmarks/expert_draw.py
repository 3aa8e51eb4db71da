"""Benchmark: draw a 7-member committee from a pool of 100,000 experts with avoidance, against scanning the pool.

    .venv/bin/python benchmarks/expert_draw.py [--experts 100000] [--repeat 5] [--postgres ADMIN_URL]

Setup (not timed): a tender past its bid deadline with 30 bidders, and a pool bulk-inserted as rows — 1 to 2
specialties each, 12 regions, and the awkward cases avoidance must catch: staff of bidders (current and past
employers), declared relatives and interests, penalties, unavailability, junior titles, suspended experts.
Timed: `draw_service.perform_draw` (load the candidates, eligibility + avoidance, the snapshot and its SHA-256 and
blob, the deterministic draw, seating and notifying 7 seats + reserves, audit, commit), once per fresh request.
Baseline, same run and engine: SELECT every expert row with the columns the draw reads — the floor any draw that
looks at the whole pool pays. Printed: median times and the ratio draw / scan.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

from ggzy.auth.actor import Actor
from ggzy.bid.models import Bid, BidStatus, KeySet
from ggzy.expert import draw_service
from ggzy.expert.models import (
    DrawStatus,
    Expert,
    ExpertDeclaration,
    ExpertDraw,
    ExpertEmployment,
    ExpertPenalty,
    ExpertSpecialty,
    ExpertUnavailability,
)
from ggzy.expert.schemas import DrawRequestIn
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import make_engine, make_sessionmaker
from ggzy.kit.ids import new_id
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.storage.blobstore import LocalBlobStore
from ggzy.tender.models import Tender, TenderStatus

BATCH = 2000
CODES = [f"A08{i:02d}{j:02d}" for i in range(1, 11) for j in range(1, 5)]
"""40 leaf specialties under 10 groups (A0801 … A0810); the request asks for two groups."""
REGIONS = [f"33{c:02d}{d:02d}" for c in range(1, 5) for d in range(1, 4)]
SCAN_COLUMNS = (Expert.id, Expert.status, Expert.senior_title, Expert.years_in_field, Expert.years_as_of,
                Expert.region, Expert.employer, Expert.employer_credit_code, Expert.user_id)


async def populate(url: str, experts: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    world = await _common.make_world(url, bidders=30, now=now, keys=False)
    engine = make_engine(url)
    maker = make_sessionmaker(engine, audit_key=_common.SECRET)
    async with maker() as s:
        bidder_names = dict((await s.execute(select(Organisation.id, Organisation.name).where(
            Organisation.id.in_([b.org_id for b in world.bidders])))).all())
        for i, b in enumerate(world.bidders):
            ks = KeySet(org_id=b.org_id, suite="x25519-aes256gcm", enc_public="-", enc_key_id=new_id(),
                        sign_public="-", sign_key_id=new_id(), created_by=b.user_id, created_at=now)
            s.add(ks)
            await s.flush()
            s.add(Bid(tender_id=world.tender_id, lot_id=world.lot_id, bidder_org_id=b.org_id, submitted_by=b.user_id,
                      status=BidStatus.active, suite=ks.suite, key_set_id=ks.id, sha256=f"{i:064x}", size=1,
                      header="{}", idempotency_key=f"b{i}", received_at=now, receipt="{}"))
        await s.execute(update(Tender).where(Tender.id == world.tender_id).values(status=TenderStatus.opened))
        centre = (await s.execute(select(User).where(User.role == Role.centre_staff))).scalars().first()
        assert centre is not None
        await s.commit()

        names = list(bidder_names.values())
        rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (Expert, ExpertSpecialty, ExpertEmployment,
                                                                 ExpertDeclaration, ExpertPenalty,
                                                                 ExpertUnavailability)}
        eval_at = now + timedelta(days=3)
        for i in range(experts):
            eid = new_id()
            roll = rng.random()
            employer = rng.choice(names) if roll < 0.01 else f"第{i % 5000}建筑设计研究院"
            rows[Expert].append({
                "id": eid, "user_id": None, "name": f"专家{i:06d}", "id_number": f"{i:018d}",
                "phone": f"139{i:08d}", "employer": employer, "employer_credit_code": "", "title": "高级工程师",
                "senior_title": rng.random() < 0.85, "years_in_field": rng.randint(3, 30),
                "years_as_of": date(2025, 1, 1), "region": rng.choice(REGIONS),
                "status": "active" if rng.random() < 0.97 else "suspended", "note": "", "created_at": now,
                "updated_at": now})
            for code in rng.sample(CODES, rng.choice((1, 1, 2))):
                rows[ExpertSpecialty].append({"id": new_id(), "expert_id": eid, "code": code})
            if rng.random() < 0.05:
                past = rng.choice(names) if rng.random() < 0.2 else f"第{i % 700}工程咨询公司"
                rows[ExpertEmployment].append({"id": new_id(), "expert_id": eid, "org_name": past,
                                               "org_credit_code": "", "start": date(2015, 1, 1),
                                               "end": date(2023 + rng.randint(0, 2), 6, 30)})
            if rng.random() < 0.005:
                rows[ExpertDeclaration].append({
                    "id": new_id(), "expert_id": eid, "kind": rng.choice(("relative", "interest")),
                    "org_name": rng.choice(names), "org_credit_code": "", "detail": "", "declared_at": now,
                    "withdrawn_at": None})
            if rng.random() < 0.003:
                rows[ExpertPenalty].append({"id": new_id(), "expert_id": eid, "decided_on": date(2020, 1, 1),
                                            "until": None, "authority": "", "reason": "评标打分畸高"})
            if rng.random() < 0.01:
                rows[ExpertUnavailability].append({"id": new_id(), "expert_id": eid, "start": eval_at - timedelta(
                    days=1), "end": eval_at + timedelta(days=1), "reason": "出差"})
        for model, batch in rows.items():
            for j in range(0, len(batch), BATCH):
                await s.execute(insert(model), batch[j:j + BATCH])
        await s.commit()
    await engine.dispose()
    agency = Actor(user_id=world.agency_user_id, org_id=world.agency_org_id, role=Role.agency,
                   org_kind=OrgKind.agency)
    staff = Actor(user_id=centre.id, org_id=centre.organisation_id, role=Role.centre_staff, org_kind=OrgKind.centre)
    return {"tender_id": world.tender_id, "agency": agency, "centre": staff, "eval_at": eval_at,
            "rows": {m.__tablename__: len(v) for m, v in rows.items()}}


async def measure(url: str, ctx: dict[str, Any], repeat: int, blob_dir: Path, now: datetime) -> dict[str, Any]:
    engine = make_engine(url)
    maker = make_sessionmaker(engine, audit_key=_common.SECRET)
    blobs = LocalBlobStore(blob_dir)
    clock = FrozenClock(now)
    body = DrawRequestIn.model_validate({
        "size": 7, "specialties": [{"code": "A0801", "count": 4}, {"code": "A0802", "count": 3}],
        "regions": ["330100", "330200", "330300"], "evaluation_at": ctx["eval_at"].isoformat(),
        "venue": "room", "room": "第3评标室"})
    draw_times: list[float] = []
    scan_times: list[float] = []
    last: dict[str, Any] = {}
    try:
        for _ in range(repeat):
            clock.advance(minutes=1)
            async with maker() as s:
                draw = await draw_service.request_draw(s, ctx["agency"], ctx["tender_id"], body, now=clock.now())
            async with maker() as s:
                start = time.perf_counter()
                await draw_service.perform_draw(s, ctx["centre"], draw.id, now=clock.now(), blobs=blobs)
                draw_times.append(time.perf_counter() - start)
                rnd = (await s.execute(select(draw_service.DrawRound).where(
                    draw_service.DrawRound.draw_id == draw.id))).scalars().one()
                last = {"pool_size": rnd.pool_size, "excluded": rnd.excluded, "picked": len(rnd.picked)}
                # Make room for the next request (one live draw per tender).
                await s.execute(update(ExpertDraw).where(ExpertDraw.id == draw.id).values(
                    status=DrawStatus.cancelled, next_check_at=None))
                await s.commit()
            async with maker() as s:
                start = time.perf_counter()
                rows = (await s.execute(select(*SCAN_COLUMNS))).all()
                scan_times.append(time.perf_counter() - start)
                last["scanned"] = len(rows)
    finally:
        await engine.dispose()
    return {"draw": draw_times, "scan": scan_times, **last}


async def main(experts: int, repeat: int, postgres: str | None, seed: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-expert-draw-"))
    db = _common.fresh_database(tmp, postgres)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    try:
        t0 = time.perf_counter()
        ctx = await populate(db.url, experts, now, random.Random(seed))
        setup_s = time.perf_counter() - t0
        out = await measure(db.url, ctx, repeat, tmp / "blobs", now + timedelta(hours=1))
    finally:
        db.drop()
    draw_med, scan_med = statistics.median(out["draw"]), statistics.median(out["scan"])
    print(f"database: {db.backend}  machine: {_common.machine()}")
    print(f"pool: {experts} experts ({ctx['rows']['expert_specialties']} specialties, "
          f"{ctx['rows']['expert_employments']} past employments, {ctx['rows']['expert_declarations']} "
          f"declarations, {ctx['rows']['expert_penalties']} penalties); setup {setup_s:.1f} s (not timed)")
    print(f"request: 7 seats (A0801×4, A0802×3) + 2 reserves each, 3 regions; eligible {out['pool_size']}, "
          f"picked {out['picked']}; left out by ground: {out['excluded']}")
    print(_common.table([
        ("measure", "median s", "min s", "runs"),
        ("draw (perform_draw)", f"{draw_med:.3f}", f"{min(out['draw']):.3f}", str(len(out["draw"]))),
        ("scan (SELECT all experts)", f"{scan_med:.3f}", f"{min(out['scan']):.3f}", str(len(out["scan"]))),
    ]))
    print(f"scanned {out['scanned']} rows; ratio draw / scan = {draw_med / scan_med:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=None, help="admin URL; a fresh database is created and dropped")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the synthetic pool (not of the draw)")
    args = parser.parse_args()
    asyncio.run(main(args.experts, args.repeat, args.postgres, args.seed))
