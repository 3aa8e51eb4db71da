"""Objections (异议) during the candidate publicity: only a bidder, only inside the window; an open objection pauses the
process until the tenderer answers (Bidding Regs Art.54); after the window: a clear 409 and nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.award.models import Award
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification
from ggzy.publicity.models import Objection, ObjectionStatus
from tests.factories import query
from tests.opening.helpers import sweep
from tests.publicity.builders import Evaluated, bj, err, evaluated, inbox_kinds
from tests.supervision.builders import fetch


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await query(db, select(func.count()).select_from(model)))[0][0])


async def published(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path,
                    **over: Any) -> Evaluated:
    """Report on Monday 23 March; candidates published on Tuesday 24 March 09:00 until 24:00 on Friday 27 March."""
    e = await evaluated(app, client, db, clock, tmp, **over)
    clock.set(bj(2026, 3, 24, 9, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/publicity", json={}, headers=e.agency)
    assert r.status_code == 201 and r.json()["ends_at"].startswith("2026-03-27T16:00"), r.text
    return e


def award_url(e: Evaluated) -> str:
    return f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"


async def test_an_objection_pauses_the_award_until_it_is_answered_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await published(app, client, db, clock, tmp_path)
    objections = f"/api/tenders/{e.tender_id}/objections"
    # Only a bidder of this tender objects, in writing.
    err(await client.post(objections, json={"body": "第一名业绩造假"}, headers=e.agency), 403, "publicity.not_a_bidder")
    err(await client.post(objections, json={"body": "   "}, headers=e.loser), 422, "publicity.text_required")
    err(await client.post(objections, json={"body": "x", "lot_id": "nope"}, headers=e.loser), 422, "publicity.bad_lot")
    clock.set(bj(2026, 3, 26, 15, 0))
    r = await client.post(objections, json={"body": "第一中标候选人项目负责人在建项目未完工", "lot_id": e.lot_id},
                          headers=e.loser)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["status"] == "open"
    assert r.json()["answer_due"].startswith("2026-03-29T16:00")  # 3 days from receipt (Art.54)
    assert "objection:filed" in await inbox_kinds(db, e.w.cast.agency_org.id)

    # Who sees it: the objector and the managers; another bidder does not.
    assert [o["id"] for o in (await client.get(objections, headers=e.loser)).json()] == [oid]
    assert [o["id"] for o in (await client.get(objections, headers=e.agency)).json()] == [oid]
    assert (await client.get(objections, headers=e.cand_headers(1))).json() == []
    assert [o["id"] for o in (await client.get(objections, headers=e.supervisor)).json()] == [oid]

    # The window ends on time; the award waits for the answer (the process is paused), and writes nothing.
    clock.set(bj(2026, 3, 28, 9, 0))
    await sweep(app, clock)
    assert "publicity:ended" in await inbox_kinds(db, e.w.cast.agency_org.id)
    first = {"candidate_id": e.candidates[0].id}
    err(await client.post(award_url(e), json=first, headers=e.agency), 409, "award.objection_open")
    assert await _count(db, Award) == 0
    view = (await client.get(f"/api/tenders/{e.tender_id}/award", headers=e.agency)).json()
    assert view["blockers"] == ["award.objection_open"] and view["can_award"] is False

    # The answer (dismissed) resumes the process; the bidder is told how to complain.
    answer = f"/api/objections/{oid}/answer"
    err(await client.post(answer, json={"answer": "经核查，不成立", "upheld": False}, headers=e.loser), 403,
        "publicity.not_manager")
    err(await client.post(answer, json={"answer": "成立", "upheld": True}, headers=e.agency), 422,
        "publicity.bad_remedy")
    err(await client.post(answer, json={"answer": "", "upheld": False}, headers=e.agency), 422,
        "publicity.text_required")
    r = await client.post(answer, json={"answer": "经核查，该项目已竣工验收，异议不成立", "upheld": False},
                          headers=e.agency)
    assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text
    assert r.json()["answered_late"] is False
    err(await client.post(answer, json={"answer": "再答复", "upheld": False}, headers=e.agency), 409,
        "publicity.already_answered")
    assert "objection:answered" in await inbox_kinds(db, e.loser_org_id)
    r = await client.post(award_url(e), json=first, headers=e.agency)
    assert r.status_code == 201, r.text


async def test_an_objection_after_the_window_is_refused_and_changes_nothing_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await published(app, client, db, clock, tmp_path)
    objections = f"/api/tenders/{e.tender_id}/objections"
    clock.set(bj(2026, 3, 27, 23, 59))  # the last minute of the window
    r = await client.post(objections, json={"body": "报价计算有误"}, headers=e.loser)
    assert r.status_code == 201, r.text
    before = [await _count(db, m) for m in (Objection, AuditEvent, Notification)]
    clock.set(bj(2026, 3, 28, 0, 0))  # 24:00 of the last day: over
    r = await client.post(objections, json={"body": "报价计算有误（补充）"}, headers=e.cand_headers(3))
    err(r, 409, "publicity.window_closed")
    assert r.json()["error"]["message"] == "已超过异议（质疑）期限，不予受理"
    assert r.json()["error"]["detail"]["ends_at"].startswith("2026-03-27T16:00")
    assert [await _count(db, m) for m in (Objection, AuditEvent, Notification)] == before


async def test_an_unanswered_objection_alerts_the_supervisor_and_the_objector_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await published(app, client, db, clock, tmp_path)
    r = await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "评分有误"}, headers=e.loser)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    clock.set(bj(2026, 3, 27, 23, 59))  # answer due by 24:00 on 27 March (3 days after the 24th)
    await sweep(app, clock)
    assert "objection:overdue" not in await inbox_kinds(db, e.supervisor_org_id)
    clock.set(bj(2026, 3, 28, 0, 0))
    await sweep(app, clock)
    assert "objection:overdue" in await inbox_kinds(db, e.supervisor_org_id)
    await sweep(app, clock)
    assert (await inbox_kinds(db, e.supervisor_org_id)).count("objection:overdue") == 1
    # A late answer is still accepted, flagged.
    r = await client.post(f"/api/objections/{oid}/answer", json={"answer": "不成立", "upheld": False},
                          headers=e.tenderer)
    assert r.status_code == 200 and r.json()["answered_late"] is True, r.text
    (o,) = await fetch(db, select(Objection).execution_options(populate_existing=True))
    assert o.status == ObjectionStatus.dismissed and o.late_alerted_at is not None
