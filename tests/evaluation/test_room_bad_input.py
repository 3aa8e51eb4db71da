"""Bad input in the evaluation room: a clear 4xx with a stable code, and nothing changed.

Out-of-bounds scores, a second vote, a fail without its reason, review closed early or by a non-chair, rejecting all
with 3 valid bids (Evaluation Rules Art.27), an incomplete or resubmitted sheet, a second submission by the chair,
a clarification answered after its deadline, a second or late report confirmation (Art.43)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.evaluation.models import Candidate, ClarificationRequest, ClarificationStatus, Score
from ggzy.evaluation.rules import CONFIRM_MINUTES
from ggzy.kit.clock import FrozenClock
from tests.evaluation.builders import build_room, close_review, put_scores, review_all, start, view
from tests.opening.helpers import sweep
from tests.supervision.builders import fetch


def _err(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await fetch(db, select(func.count()).select_from(model)))[0])


async def test_bad_input_is_refused_with_a_stable_code_and_changes_nothing(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    room = await build_room(app, client, db, clock, tmp_path)
    url, hd = room.url, room.headers
    await start(client, room)

    # The chair vote: once per member, only for members of this committee (Evaluation Rules Art.9).
    _err(await client.post(f"{url}/chair-votes", json={"member_id": "0" * 32}, headers=hd[0]), 422,
         "evaluation.not_a_candidate")
    assert (await client.post(f"{url}/chair-votes", json={"member_id": room.members[0]}, headers=hd[0])).is_success
    _err(await client.post(f"{url}/chair-votes", json={"member_id": room.members[1]}, headers=hd[0]), 409,
         "evaluation.already_voted")
    for i in (1, 2):
        assert (await client.post(f"{url}/chair-votes", json={"member_id": room.members[0]}, headers=hd[i])).is_success
    _err(await client.post(f"{url}/chair-votes", json={"member_id": room.members[0]}, headers=hd[3]), 409,
         "evaluation.bad_transition")

    # Review: a fail needs its reason; only the chair closes, and only once everyone judged every bid.
    entry = room.entry_of(0)
    _err(await client.put(f"{url}/entries/{entry}/opinion", json={"passed": False, "reason": "  "}, headers=hd[1]),
         422, "evaluation.reason_required")
    _err(await client.post(f"{url}/close-review", headers=hd[1]), 403, "evaluation.not_chair")
    _err(await client.post(f"{url}/close-review", headers=hd[0]), 409, "evaluation.review_incomplete")
    # Scoring has not started: a score is refused by stage.
    _err(await put_scores(client, room, 1, {(entry, "x"): "1"}), 409, "evaluation.bad_transition")
    await review_all(client, room, fail={room.entry_of(1): 2})  # 3 of 5 pass bidder 2's bid: it passes
    await close_review(client, room)
    v = await view(client, room, hd[0])
    assert v["status"] == "scoring"
    assert all(e["conclusion"]["passed"] for lot in v["lots"] for e in lot["entries"])
    lot_id = v["lots"][0]["lot_id"]
    # 4 valid bids: rejecting them all is not the committee's choice (Evaluation Rules Art.27).
    _err(await client.post(f"{url}/lots/{lot_id}/reject-all", json={"reason": "报价普遍偏高"}, headers=hd[0]), 409,
         "evaluation.reject_all_not_allowed")

    criteria = v["criteria"]
    assert criteria, "the tender's plan scores at least one criterion by hand"
    first, top = criteria[0]["id"], criteria[0]["max"]
    entries = [e["id"] for e in v["lots"][0]["entries"]]

    # A score out of bounds refuses the whole request: the valid cell sent with it is not saved either.
    for bad in (str(int(float(top)) + 1), "-1", "3.333", "abc"):
        r = await put_scores(client, room, 1, {(entries[0], first): "1", (entries[1], first): bad})
        _err(r, 422, "evaluation.score_out_of_bounds")
        assert r.json()["error"]["detail"]["max"] == top
    r = await client.put(f"{url}/scores", json={"scores": [{"entry_id": entries[0], "criterion_id": first,
                                                            "score": 12.5}]}, headers=hd[1])
    _err(r, 422, "request.invalid")  # a float is refused like money is
    _err(await put_scores(client, room, 1, {(entries[0], "price"): "1"}), 422, "evaluation.criterion_not_found")
    r = await client.put(f"{url}/scores", json={"scores": [{"entry_id": entries[0], "criterion_id": first,
                                                            "score": "1"}]}, headers=room.outsider_headers)
    _err(r, 403, "evaluation.not_a_member")
    assert await _count(db, Score) == 0

    # A clarification: the deadline must be ahead and within 7 days; an answer after the deadline is 409.
    ask = {"entry_id": entries[2], "question": "请澄清报价中的暂列金额"}
    for when in (clock.now() - timedelta(minutes=1), clock.now() + timedelta(days=8)):
        _err(await client.post(f"{url}/clarifications", json={**ask, "deadline": when.isoformat()}, headers=hd[2]),
             422, "evaluation.deadline_invalid")
    r = await client.post(f"{url}/clarifications", json={**ask, "deadline": (clock.now() + timedelta(minutes=30))
                                                         .isoformat()}, headers=hd[2])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    bidder = next(i for i in range(4) if room.entry_of(i) == entries[2])
    clock.advance(timedelta(minutes=30))
    _err(await client.post(f"{url}/clarifications/{cid}/answer", json={"answer": "暂列金额为10万元"},
                           headers=room.bidder_headers(bidder)), 409, "evaluation.clarification_closed")
    assert await sweep(app, clock) == 1  # the chronograph marks it expired
    (c,) = await fetch(db, select(ClarificationRequest).execution_options(populate_existing=True))
    assert c.status == ClarificationStatus.expired and c.answer == ""

    # Sheets: complete before submitting, unchangeable after.
    full = {(e, k["id"]): "5" for e in entries for k in criteria}
    assert (await put_scores(client, room, 1, {(entries[0], first): "5"})).is_success
    _err(await client.post(f"{url}/sheet/submit", headers=hd[1]), 409, "evaluation.sheet_incomplete")
    for i in range(5):
        assert (await put_scores(client, room, i, full)).is_success
    _err(await client.post(f"{url}/submit", headers=hd[0]), 409, "evaluation.members_pending")
    for i in range(5):
        assert (await client.post(f"{url}/sheet/submit", headers=hd[i])).is_success
    _err(await put_scores(client, room, 1, {(entries[0], first): "6"}), 409, "evaluation.sheet_submitted")
    _err(await client.post(f"{url}/sheet/submit", headers=hd[1]), 409, "evaluation.sheet_submitted")

    # The chair submits once; a second submission is 409 and changes nothing.
    _err(await client.post(f"{url}/submit", headers=hd[1]), 403, "evaluation.not_chair")
    r = await client.post(f"{url}/submit", headers=hd[0])
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    candidates = await _count(db, Candidate)
    events = await _count(db, AuditEvent)
    assert 1 <= candidates <= 3
    _err(await client.post(f"{url}/submit", headers=hd[0]), 409, "evaluation.already_submitted")
    assert await _count(db, Candidate) == candidates and await _count(db, AuditEvent) == events

    # The report: one confirmation per member; after the deadline silence is agreement (Evaluation Rules Art.43).
    assert (await client.post(f"{url}/report/confirm", json={}, headers=hd[1])).is_success
    _err(await client.post(f"{url}/report/confirm", json={}, headers=hd[1]), 409, "evaluation.already_confirmed")
    _err(await client.put(f"{url}/dissent", json={"body": "改主意了"}, headers=hd[1]), 409,
         "evaluation.already_confirmed")
    clock.advance(timedelta(minutes=CONFIRM_MINUTES))
    _err(await client.post(f"{url}/report/confirm", json={}, headers=hd[2]), 409, "evaluation.confirm_closed")
    assert await sweep(app, clock) == 1
    v = await view(client, room, room.supervisor_headers)
    assert v["status"] == "reported" and v["progress"]["confirmed"] == 5
    # The chronograph made the report final without the blob store: the PDF is rebuilt on the first read, byte
    # for byte (its SHA-256 was fixed when the report became final).
    r = await client.get(f"/tenders/{room.tender_id}/evaluation/report.pdf", headers=hd[4])
    assert r.status_code == 200 and r.headers["x-content-sha256"] == v["report_pdf_sha256"]
    assert hashlib.sha256(r.content).hexdigest() == v["report_pdf_sha256"]
    assert r.content.startswith(b"%PDF")
