"""The opening, expert-draw and evaluation sections: a tender opened in the hall with real sealed bids, a draw and an
evaluation on record, then terminated by the centre — its archive carries all of it, and no key material."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.archive.verify import verify_archive
from ggzy.evaluation.models import Candidate, Dissent, Evaluation, EvaluationStatus
from ggzy.expert.models import CommitteeMember, DrawRound, DrawStatus, Expert, ExpertDraw, MemberStatus
from ggzy.kit.clock import FrozenClock
from ggzy.sealing.codec import canonical_json
from ggzy.tender.models import TenderStatus
from tests.archive.helpers import Closed, download, names, read
from tests.opening.helpers import decrypt, entries_of, open_hall, opening_of


async def _blob(app: Any, data: bytes) -> str:
    async def one() -> Any:
        yield data

    sha, _ = await app.state.blobs.put_stream(one(), 1 << 20)
    return str(sha)


async def test_opening_draw_and_evaluation_go_into_the_archive(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3)
    w = h.w
    for b in w.bidders:
        assert (await client.post(f"{h.url}/sign-in", headers=b.headers)).status_code == 201
    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    for b in w.bidders:
        assert (await decrypt(client, h, b)).status_code == 200
    assert (await client.post(f"{h.url}/close-announcing", headers=h.host)).status_code == 200
    for b in w.bidders:
        assert (await client.post(f"{h.url}/confirm", headers=b.headers)).status_code == 200
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.record_pdf_sha256
    entries = await entries_of(db, opening.id)

    # The draw and the evaluation as their domains record them (rows only: their services are not needed here).
    now = clock.now()
    expert = Expert(name="李工", id_number="110101198001011234", phone="13800000000", employer="某设计院",
                    title="高级工程师", senior_title=True, years_in_field=12, years_as_of=date(2026, 1, 1),
                    region="330100", created_at=now, updated_at=now)
    snapshot1, snapshot2 = canonical_json({"A08": ["e1", "e2"]}), canonical_json({"A08": []})
    seeds = ["ab" * 32, "cd" * 32]
    draws = [ExpertDraw(tender_id=w.tender.id, requested_by=w.cast.centre_user.id, request={"size": 5},
                        request_sha256="0" * 64, status=st, seed=s,
                        seed_commitment=hashlib.sha256(bytes.fromhex(s)).hexdigest(),
                        revealed_at=now if st == DrawStatus.decided else None, requested_at=now + timedelta(seconds=i))
             for i, (s, st) in enumerate(zip(seeds, (DrawStatus.decided, DrawStatus.cancelled), strict=True))]
    db.add_all([expert, *draws])
    await db.flush()
    db.add_all([
        DrawRound(draw_id=draws[0].id, number=1, pool_sha256=await _blob(app, snapshot1), pool_size=1,
                  wanted=[{"code": "A08", "count": 1}], picked=[{"expert_id": expert.id}], drawn_at=now),
        DrawRound(draw_id=draws[0].id, number=2, pool_sha256=hashlib.sha256(snapshot2).hexdigest(), pool_size=0,
                  wanted=[], picked=[], drawn_at=now, snapshot=snapshot2.decode()),
    ])
    member = CommitteeMember(draw_id=draws[0].id, tender_id=w.tender.id, expert_id=expert.id, position=1,
                             status=MemberStatus.accepted)
    report = b"%PDF-1.7 evaluation report"
    evaluation = Evaluation(tender_id=w.tender.id, draw_id=draws[0].id, status=EvaluationStatus.reported,
                            opened_at=now, report_pdf_sha256=await _blob(app, report))
    db.add_all([member, evaluation])
    await db.flush()
    db.add(Candidate(evaluation_id=evaluation.id, tender_id=w.tender.id, lot_id=entries[0].lot_id,
                     entry_id=entries[0].id, bidder_org_id=entries[0].bidder_org_id, rank=1,
                     price=Decimal("948000.50")))
    # A table keyed by evaluation_id only: taken by following its foreign key (sections.dump_domain).
    db.add(Dissent(evaluation_id=evaluation.id, member_id=member.id, body="价格分计算有误", at=now))
    await db.commit()

    r = await client.post(f"/api/tenders/{w.tender.id}/cancel", json={"reason": "上级决定终止"}, headers=h.centre)
    assert r.status_code == 200 and r.json()["status"] == TenderStatus.cancelled, r.text
    r = await client.post(f"/api/tenders/{w.tender.id}/archive", headers=h.centre)
    assert r.status_code == 201, r.text
    zip_path = await download(client, Closed(w, h.centre, h.host), h.centre, tmp_path / "a.zip")
    assert verify_archive(zip_path, app.state.platform_key.public_raw).ok
    files = set(names(zip_path))

    pdf = read(zip_path, "opening/record.pdf")
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == opening.record_pdf_sha256
    rows = json.loads(read(zip_path, "opening/entries.json"))
    assert len(rows) == 3 and all("data_key" not in e and e["price"] for e in rows)  # never a data key
    assert len(json.loads(read(zip_path, "opening/signins.json"))) == 3
    assert any(n.endswith("-opening_record.txt") for n in files)

    d1, d2 = (f"draws/{i}-{d.id}" for i, d in enumerate(draws, start=1))
    assert json.loads(read(zip_path, f"{d1}/draw.json"))["seed"] == seeds[0]
    unrevealed = json.loads(read(zip_path, f"{d2}/draw.json"))
    assert unrevealed["seed"] is None and unrevealed["seed_commitment"]  # the seed only once revealed
    assert not [n for n in files if seeds[1].encode() in read(zip_path, n)]
    rounds = json.loads(read(zip_path, f"{d1}/rounds.json"))
    assert [read(zip_path, x["snapshot_path"]) for x in rounds] == [snapshot1, snapshot2]
    assert all("snapshot" not in x for x in rounds)
    (seat,) = json.loads(read(zip_path, f"{d1}/committee.json"))
    assert seat["expert_name"] == "李工" and "110101198001011234" not in json.dumps(seat)

    assert read(zip_path, "evaluation/report.pdf") == report
    assert json.loads(read(zip_path, "evaluation/evaluations.json"))[0]["status"] == "reported"
    (cand,) = json.loads(read(zip_path, "evaluation/candidates.json"))
    assert cand["price"] == "948000.50" and cand["rank"] == 1  # money stays an exact string
    assert json.loads(read(zip_path, "evaluation/evaluation_dissents.json"))[0]["body"] == "价格分计算有误"
    parties = {p["id"] for p in json.loads(read(zip_path, "parties.json"))}
    assert {b.org.id for b in w.bidders} <= parties
