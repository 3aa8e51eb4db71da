"""The award (定标) of a construction tender after its publicity: rank 1 where state funds require it (Bidding Regs
Art.55), a reason otherwise; the award notice (中标通知书) PDF to the winner, the result to the others."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from PIL import Image, ImageStat
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.award.models import Award, CandidateExclusion, ExclusionKind
from ggzy.kit.clock import FrozenClock
from ggzy.kit.money import fmt, in_words
from ggzy.project.models import Notice, NoticeKind
from ggzy.tender.models import Tender, TenderStatus
from tests.factories import query
from tests.publicity.builders import Evaluated, bj, err, evaluated, inbox_kinds
from tests.supervision.builders import audit_tags, fetch, reload

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await query(db, select(func.count()).select_from(model)))[0][0])


async def after_publicity(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path,
                          **over: Any) -> Evaluated:
    """Candidates published on 24 March, window over at 24:00 on 27 March; the clock on 30 March."""
    e = await evaluated(app, client, db, clock, tmp, **over)
    clock.set(bj(2026, 3, 24, 9, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/publicity", json={}, headers=e.agency)
    assert r.status_code == 201, r.text
    return e


def url(e: Evaluated) -> str:
    return f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"


async def test_state_funded_construction_must_award_rank_one_unless_it_gave_up_art55(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path, state_funded=True)
    second = {"candidate_id": e.candidates[1].id}
    # Not before the publicity ends (Bidding Regs Art.54).
    clock.set(bj(2026, 3, 27, 23, 0))
    err(await client.post(url(e), json=second, headers=e.agency), 409, "award.publicity_running")
    clock.set(bj(2026, 3, 30, 10, 0))
    events = await _count(db, AuditEvent)
    r = await client.post(url(e), json=second, headers=e.agency)
    err(r, 409, "award.rank_one_required")
    assert r.json()["error"]["detail"] == {"rank": 2, "state_funded": True, "line": "construction"}
    assert (await _count(db, Award), await _count(db, CandidateExclusion), await _count(db, AuditEvent)) == (
        0, 0, events)
    err(await client.post(url(e), json={"candidate_id": "nope"}, headers=e.agency), 422, "award.candidate_not_found")
    err(await client.post(url(e), json={"candidate_id": e.candidates[0].id}, headers=e.loser), 403,
        "award.not_manager")
    # Rank 1 gave up (the reason is recorded): rank 2 may be awarded, rank 1 is excluded from then on.
    r = await client.post(url(e), json={**second, "reason": "第一中标候选人书面放弃中标"}, headers=e.agency)
    assert r.status_code == 201 and r.json()["rank"] == 2, r.text
    (ex,) = await fetch(db, select(CandidateExclusion))
    assert ex.candidate_id == e.candidates[0].id and ex.kind == ExclusionKind.gave_up
    err(await client.post(url(e), json=second, headers=e.agency), 409, "award.already_awarded")


async def test_award_notice_pdf_to_the_winner_and_the_result_to_the_others_art55(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """Not state-funded: any candidate, with a reason when not rank 1 (Bidding Regs Art.55 binds state funds only);
    the award notice goes out at once (Tendering Law Art.45) with 30 days for the contract (Evaluation Rules
    Art.49)."""
    e = await after_publicity(app, client, db, clock, tmp_path)
    clock.set(bj(2026, 3, 30, 10, 0))
    err(await client.post(url(e), json={"candidate_id": e.candidates[1].id}, headers=e.agency), 422,
        "award.reason_required")
    r = await client.post(url(e), json={"candidate_id": e.candidates[0].id}, headers=e.tenderer)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "notified" and a["rank"] == 1 and a["letter_no"].startswith("ZBTZ-")
    assert a["contract_due"] == "2026-04-29T16:00:00Z"  # 30 days after 30 March, to 24:00
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.awarded
    winner = e.candidates[0].bidder_org_id
    assert "award:notice" in await inbox_kinds(db, winner)
    assert "award:result" in await inbox_kinds(db, e.loser_org_id)
    assert "award:notice" not in await inbox_kinds(db, e.loser_org_id)
    (notice,) = await fetch(db, select(Notice).where(Notice.kind == NoticeKind.result))
    assert notice.title.endswith("中标结果公示") and notice.data["award_id"] == a["id"]
    for tag in ("award:confirmed", "award:notified", "award:letter_pdf", "tender:awarded"):
        assert tag in await audit_tags(db), tag

    # The PDF: for the winner and the managers; a losing bidder gets 404.
    letter = f"/api/awards/{a['id']}/letter.pdf"
    assert (await client.get(letter, headers=e.loser)).status_code == 404
    assert (await client.get(letter)).status_code == 401
    r = await client.get(letter, headers=e.cand_headers(1))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-sha256"] == a["letter_pdf_sha256"]
    assert (await client.get(letter, headers=e.agency)).content == r.content
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(r.content)
    flat = "".join((await asyncio.to_thread(subprocess.run, ["pdftotext", str(pdf), "-"], capture_output=True,
                                            check=True, text=True)).stdout.split())
    (award,) = await fetch(db, select(Award))
    names = {b.org.id: b.org.name for b in e.w.bidders}
    for needle in ("中标通知书", names[winner], a["letter_no"], fmt(award.price), in_words(award.price),
                   "2026年4月29日", "评标委员会和评标方法暂行规定", award.letter_audit_hash or "missing"):
        assert "".join(needle.split()) in flat, needle
    # Rendered, it is a page with ink on it (not blank); the PNG is kept for a human to look at.
    ARTIFACTS.mkdir(exist_ok=True)
    await asyncio.to_thread(subprocess.run, ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                                             str(ARTIFACTS / "award-letter")], check=True)
    png = next(ARTIFACTS.glob("award-letter*.png"))
    with Image.open(png) as img:
        gray = img.convert("L")
        dark = sum(gray.histogram()[:128]) / (gray.width * gray.height)
        assert ImageStat.Stat(gray).stddev[0] > 20 and 0.01 < dark < 0.5, dark
