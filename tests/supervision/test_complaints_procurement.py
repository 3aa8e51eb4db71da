"""Procurement complaints: a 质疑 left unanswered for its 7 working days (GP Law Art.53) may go to the finance bureau
within 15 working days after the answer period (GP Law Art.55); acceptance within 5 working days (MOF 94 Art.21);
the decision within 30 working days of receipt (GP Law Art.56), the supervisor alerted when it is late."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from tests.opening.helpers import sweep
from tests.publicity.builders import bj, err, evaluated, inbox_kinds


async def test_unanswered_challenge_complaint_within_15_working_days_gp_law_art55_56(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path, line=TradingLine.procurement)
    clock.set(bj(2026, 3, 24, 10, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.agency)
    assert (await client.post(f"/api/awards/{r.json()['id']}/publish-result", headers=e.agency)).status_code == 200
    clock.set(bj(2026, 3, 27, 10, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "中标供应商业绩不实"},
                          headers=e.loser)
    assert r.status_code == 201 and r.json()["answer_due"] == "2026-04-08T16:00:00Z", r.text  # 7 working days
    complain = f"/api/objections/{r.json()['id']}/complaint"
    body = {"body": "采购人逾期未答复质疑"}

    # Not answered: the complaint opens when the answer period ends, and runs 15 working days (to 29 April).
    clock.set(bj(2026, 4, 8, 23, 59))
    await e.relogin(client)
    err(await client.post(complain, json=body, headers=e.loser), 409, "complaint.objection_pending")
    clock.set(bj(2026, 4, 30, 0, 0))
    err(await client.post(complain, json=body, headers=e.loser), 409, "complaint.window_closed")
    clock.set(bj(2026, 4, 29, 23, 0))
    r = await client.post(complain, json=body, headers=e.loser)
    assert r.status_code == 201, r.text
    # Acceptance within 5 working days (MOF 94 Art.21): 30 April, 6-8 May and the make-up Saturday 9 May.
    assert r.json()["accept_due"] == "2026-05-09T16:00:00Z"
    cid = r.json()["id"]
    err(await client.post(f"/api/complaints/{cid}/accept", json={}, headers=e.other_supervisor), 403,
        "complaint.not_line_supervisor")
    clock.set(bj(2026, 5, 6, 10, 0))
    r = await client.post(f"/api/complaints/{cid}/accept", json={}, headers=e.supervisor)
    assert r.status_code == 200 and r.json()["suspension_id"] is None, r.text
    # 30 working days from the receipt on 29 April (GP Law Art.56), not from the acceptance.
    assert r.json()["decide_due"] == "2026-06-12T16:00:00Z"

    clock.set(bj(2026, 6, 12, 23, 59))
    await sweep(app, clock)
    assert "complaint:decide_overdue" not in await inbox_kinds(db, e.supervisor_org_id)
    clock.set(bj(2026, 6, 13, 0, 0))
    await sweep(app, clock)
    assert "complaint:decide_overdue" in await inbox_kinds(db, e.supervisor_org_id)
    await e.relogin(client)
    r = await client.post(f"/api/complaints/{cid}/decide", headers=e.supervisor,
                          json={"upheld": False, "decision": "质疑答复逾期不影响中标结果，驳回投诉"})
    assert r.status_code == 200 and r.json()["decision"] == "dismissed", r.text
