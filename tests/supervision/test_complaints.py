"""Complaints (投诉) to the supervisor of the tender's line: only after the objection (Bidding Regs Art.60 ¶2), within
10 days (Art.60); accepted within 3 working days, decided within 30 (Art.61), the project suspended meanwhile when
the supervisor orders it (Art.62); the decision published; the award waits while a complaint is open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.award.models import CandidateExclusion
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, NoticeKind, Project
from ggzy.supervision.models import Complaint, Suspension, SuspensionStatus
from ggzy.venue.models import DutyAlert
from tests.award.test_award import after_publicity
from tests.factories import query
from tests.opening.helpers import sweep
from tests.publicity.builders import Evaluated, bj, err, inbox_kinds
from tests.supervision.builders import audit_tags, fetch, reload


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await query(db, select(func.count()).select_from(model)))[0][0])


async def _objection(client: AsyncClient, e: Evaluated, headers: dict[str, str], *, answer: bool) -> str:
    r = await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "第一名的施工组织设计得分明显偏高"},
                          headers=headers)
    assert r.status_code == 201, r.text
    oid = str(r.json()["id"])
    if answer:
        r = await client.post(f"/api/objections/{oid}/answer", json={"answer": "评分符合评标办法，异议不成立",
                                                                     "upheld": False}, headers=e.agency)
        assert r.status_code == 200, r.text
    return oid


async def _duty_alerts(db: AsyncSession) -> list[str]:
    return [a.text for a in await fetch(db, select(DutyAlert).where(DutyAlert.kind == "complaint")
                                        .order_by(DutyAlert.at, DutyAlert.id))]


async def test_complaint_after_the_objection_accepted_within_3_working_days_decided_and_published_art60_61(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path)
    oid = await _objection(client, e, e.loser, answer=False)
    complain = f"/api/objections/{oid}/complaint"
    body = {"body": "招标人对异议的答复未说明理由，请求责令重新评审"}
    # The objection first (Art.60 ¶2): not while it waits for its answer; only the objector; in writing.
    err(await client.post(complain, json=body, headers=e.loser), 409, "complaint.objection_pending")
    clock.set(bj(2026, 3, 25, 10, 0))
    r = await client.post(f"/api/objections/{oid}/answer", json={"answer": "异议不成立", "upheld": False},
                          headers=e.agency)
    assert r.status_code == 200, r.text
    err(await client.post(complain, json=body, headers=e.cand_headers(2)), 403, "complaint.not_objector")
    err(await client.post(complain, json={"body": " "}, headers=e.loser), 422, "complaint.text_required")

    clock.set(bj(2026, 3, 26, 10, 0))  # Thursday
    r = await client.post(complain, json=body, headers=e.loser)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["status"] == "filed" and r.json()["line"] == "construction"
    assert r.json()["accept_due"] == "2026-03-31T16:00:00Z"  # 3 working days: Fri 27, Mon 30, Tue 31 March
    err(await client.post(complain, json=body, headers=e.loser), 409, "complaint.already_filed")
    assert "complaint:filed" in await inbox_kinds(db, e.supervisor_org_id)
    assert "complaint:filed" in await inbox_kinds(db, e.w.cast.tenderer_org.id)  # the respondent (被投诉人)
    assert len(await _duty_alerts(db)) == 1

    # Who sees it: the supervisor of the line, the complainant, the respondent; not another bidder or line.
    listed = f"/api/complaints/{cid}"
    for who, status in ((e.supervisor, 200), (e.loser, 200), (e.agency, 200), (e.cand_headers(1), 404),
                        (e.other_supervisor, 404)):
        assert (await client.get(listed, headers=who)).status_code == status
    assert [c["id"] for c in (await client.get("/api/complaints", headers=e.supervisor)).json()] == [cid]
    assert (await client.get("/api/complaints", headers=e.other_supervisor)).json() == []

    # An open complaint keeps the award waiting.
    clock.set(bj(2026, 3, 30, 9, 0))
    award = f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"
    err(await client.post(award, json={"candidate_id": e.candidates[0].id}, headers=e.agency), 409,
        "award.complaint_open")

    # Not accepted by 24:00 on 31 March: the supervisor and whoever is on duty are alerted, once.
    clock.set(bj(2026, 3, 31, 23, 59))
    await sweep(app, clock)
    assert "complaint:accept_overdue" not in await inbox_kinds(db, e.supervisor_org_id)
    clock.set(bj(2026, 4, 1, 0, 0))
    await sweep(app, clock)
    await sweep(app, clock)
    assert (await inbox_kinds(db, e.supervisor_org_id)).count("complaint:accept_overdue") == 1
    assert len(await _duty_alerts(db)) == 2

    # Only the line's supervisor handles it; it accepts (late, recorded) and suspends the project (Art.62).
    clock.set(bj(2026, 4, 1, 10, 0))
    await e.relogin(client)
    accept = f"/api/complaints/{cid}/accept"
    err(await client.post(accept, json={}, headers=e.other_supervisor), 403, "complaint.not_line_supervisor")
    err(await client.post(accept, json={}, headers=e.loser), 404, "complaint.not_found")
    err(await client.post(f"/api/complaints/{cid}/decide", json={"upheld": False, "decision": "驳回"},
                          headers=e.supervisor), 409, "complaint.bad_transition")
    r = await client.post(accept, json={"suspend": True, "note": "调取评标录像"}, headers=e.supervisor)
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    # 30 working days from the acceptance (Art.61), across Qingming (4-6 April) and Labour Day (1-5 May, 9 May works).
    assert r.json()["decide_due"] == "2026-05-18T16:00:00Z"
    (s,) = await fetch(db, select(Suspension).execution_options(populate_existing=True))
    assert s.status == SuspensionStatus.active and r.json()["suspension_id"] == s.id
    assert (await reload(db, Project, e.w.tender.project_id)).suspended_at is not None
    assert "suspension:ordered" in await audit_tags(db, s.id)
    err(await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "补充异议"},
                          headers=e.cand_headers(3)), 409, "supervision.suspended")
    err(await client.post(accept, json={}, headers=e.supervisor), 409, "complaint.bad_transition")

    # The decision: upheld, the first candidate disqualified; published; the suspension lifted.
    decide = f"/api/complaints/{cid}/decide"
    err(await client.post(decide, json={"upheld": True, "decision": "投诉成立"}, headers=e.supervisor), 422,
        "publicity.bad_remedy")
    err(await client.post(decide, json={"upheld": False, "decision": ""}, headers=e.supervisor), 422,
        "complaint.text_required")
    clock.set(bj(2026, 4, 20, 15, 0))
    r = await client.post(decide, headers=e.supervisor, json={
        "upheld": True, "decision": "经调取评标录像，第一中标候选人业绩证明材料不实，投诉成立",
        "remedy": "next_candidate", "candidate_id": e.candidates[0].id})
    assert r.status_code == 200 and r.json()["status"] == "decided" and r.json()["decision"] == "upheld", r.text
    (notice,) = await fetch(db, select(Notice).where(Notice.kind == NoticeKind.complaint_decision))
    names = {b.org.id: b.org.name for b in e.w.bidders}
    for needle in ("投诉处理决定", names[e.loser_org_id], "投诉成立", "业绩证明材料不实", "第六十一条",
                   "取消该中标候选人资格", body["body"]):
        assert needle in notice.body, needle
    assert r.json()["notice_id"] == notice.id
    assert (await client.get(f"/notices/{notice.id}", headers={"accept": "text/html"})).status_code == 200
    (s,) = await fetch(db, select(Suspension).execution_options(populate_existing=True))
    assert s.status == SuspensionStatus.ended
    (ex,) = await fetch(db, select(CandidateExclusion))
    assert ex.source == f"complaint:{cid}"
    assert "complaint:decided" in await inbox_kinds(db, e.loser_org_id)
    assert len(await _duty_alerts(db)) == 4  # filed, overdue, accepted, decided
    r = await client.post(award, json={"candidate_id": e.candidates[1].id}, headers=e.agency)
    assert r.status_code == 201, r.text


async def test_complaint_window_closes_10_days_after_the_answer_art60(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path)
    clock.set(bj(2026, 3, 25, 10, 0))
    late = await _objection(client, e, e.loser, answer=True)
    timely = await _objection(client, e, e.cand_headers(3), answer=True)
    body = {"body": "对异议答复不服"}
    clock.set(bj(2026, 4, 4, 23, 59))  # 10 days from the answer on 25 March: to 24:00 on 4 April
    await e.relogin(client)
    r = await client.post(f"/api/objections/{timely}/complaint", json=body, headers=e.cand_headers(3))
    assert r.status_code == 201, r.text
    # Acceptance: 3 working days after Saturday 4 April — Qingming (4-6 April) is off: 7, 8, 9 April.
    assert r.json()["accept_due"] == "2026-04-09T16:00:00Z"
    clock.set(bj(2026, 4, 5, 0, 0))
    counts = [await _count(db, m) for m in (Complaint, AuditEvent, DutyAlert)]
    r = await client.post(f"/api/objections/{late}/complaint", json=body, headers=e.loser)
    err(r, 409, "complaint.window_closed")
    assert r.json()["error"]["detail"]["until"].startswith("2026-04-04T16:00")
    assert [await _count(db, m) for m in (Complaint, AuditEvent, DutyAlert)] == counts


async def test_refused_complaint_needs_a_reason_and_frees_the_award_art61(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path)
    oid = await _objection(client, e, e.loser, answer=True)
    r = await client.post(f"/api/objections/{oid}/complaint", json={"body": "不服"}, headers=e.loser)
    assert r.status_code == 201, r.text
    refuse = f"/api/complaints/{r.json()['id']}/refuse"
    err(await client.post(refuse, json={"reason": ""}, headers=e.supervisor), 422, "complaint.text_required")
    r = await client.post(refuse, json={"reason": "投诉书未列明具体投诉事项及事实依据"}, headers=e.supervisor)
    assert r.status_code == 200 and r.json()["status"] == "refused", r.text
    assert "complaint:refused" in await inbox_kinds(db, e.loser_org_id)
    clock.set(bj(2026, 3, 30, 9, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.agency)
    assert r.status_code == 201, r.text
