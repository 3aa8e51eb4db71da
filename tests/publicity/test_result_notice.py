"""Procurement: the purchaser confirms the winner in the report's order (MOF 87 Art.68); the result notice, naming the
committee, goes out within 2 working days (MOF 87 Art.69) and runs 1 working day, then 7 working days for 质疑
(GP Law Art.52) — counted on the Chinese holiday calendar, make-up working days (调休) included."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.award.models import Award, AwardStatus
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.publicity.models import PublicityKind, PublicityStatus
from ggzy.tender.models import Tender, TenderStatus
from tests.opening.helpers import sweep
from tests.publicity.builders import bj, err, evaluated, inbox_kinds, publicity_of
from tests.supervision.builders import fetch, reload


async def test_result_notice_within_2_working_days_names_the_experts_across_labour_day_mof87_art69(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path, line=TradingLine.procurement)
    p = await publicity_of(db, e.tender_id)
    # Report on Monday 23 March: the purchaser confirms within 5 working days (MOF 87 Art.68) — by Monday 30 March.
    assert p.kind == PublicityKind.result and p.publish_due == bj(2026, 3, 31, 0, 0)
    err(await client.post(f"/api/tenders/{e.tender_id}/publicity", json={}, headers=e.agency), 409,
        "publicity.wrong_line")

    # Procurement follows the report's order (MOF 87 Art.68): rank 2 without a reason is refused.
    url = f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"
    clock.set(bj(2026, 4, 30, 15, 0))  # Thursday before the Labour Day holiday (1-5 May; Saturday 9 May works)
    await e.relogin(client)
    err(await client.post(url, json={"candidate_id": e.candidates[1].id}, headers=e.agency), 409,
        "award.rank_one_required")
    r = await client.post(url, json={"candidate_id": e.candidates[0].id}, headers=e.agency)
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    award_id = r.json()["id"]
    # 2 working days after 30 April: 6 and 7 May (1-5 May are the holiday), not 4 May as weekends alone would give.
    assert r.json()["publish_due"] == "2026-05-07T16:00:00Z"
    assert r.json()["letter_pdf_sha256"] is None  # the award notice goes out with the result notice

    clock.set(bj(2026, 5, 8, 10, 0))
    err(await client.post(f"/api/awards/{award_id}/publish-result", headers=e.loser), 403, "award.not_manager")
    r = await client.post(f"/api/awards/{award_id}/publish-result", headers=e.agency)
    assert r.status_code == 200 and r.json()["status"] == "notified", r.text
    err(await client.post(f"/api/awards/{award_id}/publish-result", headers=e.agency), 409, "award.bad_transition")

    # The notice period is 1 working day: Saturday 9 May, a make-up working day (调休); the 质疑 window then runs
    # 7 working days from the end of that period: 11-15, 18, 19 May.
    p = await publicity_of(db, e.tender_id)
    assert p.status == PublicityStatus.open
    assert p.notice_ends_at == bj(2026, 5, 10, 0, 0) and p.ends_at == bj(2026, 5, 20, 0, 0)
    assert p.deadline_provisional is False
    (notice,) = await fetch(db, select(Notice).where(Notice.kind == NoticeKind.result))
    assert "评审专家" in notice.body and notice.data["committee"] == e.room.names
    for name in e.room.names:
        assert name in notice.body
    for needle in ("中标（成交）供应商", "2026年05月09日 24:00", "2026年05月19日 24:00", "第六十九条", "第五十二条"):
        assert needle in notice.body, needle
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.awarded
    assert "award:notice" in await inbox_kinds(db, e.candidates[0].bidder_org_id)
    assert "award:result" in await inbox_kinds(db, e.loser_org_id)

    # 质疑 inside the window (the last minute of 19 May) and after it.
    objections = f"/api/tenders/{e.tender_id}/objections"
    clock.set(bj(2026, 5, 19, 23, 59))
    r = await client.post(objections, json={"body": "中标供应商不满足资格条件"}, headers=e.loser)
    assert r.status_code == 201, r.text
    assert r.json()["answer_due"] == "2026-05-28T16:00:00Z"  # 7 working days to answer (GP Law Art.53)
    clock.set(bj(2026, 5, 20, 0, 0))
    err(await client.post(objections, json={"body": "补充质疑"}, headers=e.cand_headers(2)), 409,
        "publicity.window_closed")


async def test_a_result_notice_not_published_in_2_working_days_alerts_the_supervisor_mof87_art69(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path, line=TradingLine.procurement)
    clock.set(bj(2026, 3, 24, 10, 0))  # Tuesday
    r = await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.tenderer)
    assert r.status_code == 201, r.text
    assert r.json()["publish_due"] == "2026-03-26T16:00:00Z"  # Wednesday and Thursday
    clock.set(bj(2026, 3, 27, 0, 0))
    await sweep(app, clock)
    assert "award:result_overdue" in await inbox_kinds(db, e.supervisor_org_id)
    # Still possible afterwards, flagged late; the award notice PDF is then issued.
    r = await client.post(f"/api/awards/{r.json()['id']}/publish-result", headers=e.tenderer)
    assert r.status_code == 200, r.text
    (award,) = await fetch(db, select(Award).execution_options(populate_existing=True))
    assert award.status == AwardStatus.notified and award.letter_pdf_sha256
    r = await client.get(f"/api/awards/{award.id}/letter.pdf", headers=e.cand_headers(1))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(r.content)
    text = (await asyncio.to_thread(subprocess.run, ["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                                    text=True)).stdout
    assert "采购人" in text and "政府采购法" in "".join(text.split())
