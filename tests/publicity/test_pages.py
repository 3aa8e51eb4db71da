"""The desks as pages (server-rendered forms, post → redirect): publicity, objections and complaints, the award and the
contract upload, the supervisor's complaint desk; a refused form re-renders with its message (Chinese first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.award.models import Award, AwardStatus
from ggzy.kit.clock import FrozenClock
from ggzy.publicity.models import Objection
from ggzy.supervision.models import Complaint, ComplaintStatus
from ggzy.tender.models import Tender, TenderStatus
from tests.publicity.builders import bj, evaluated
from tests.supervision.builders import fetch, reload

HTML = {"accept": "text/html"}


def _h(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, **HTML}


async def test_desks_walk_publish_object_answer_complain_award_contract_as_forms_art54_art60(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path)
    desk = f"/workspace/tenders/{e.tender_id}/publicity"
    clock.set(bj(2026, 3, 24, 9, 0))

    r = await client.get(desk, headers=_h(e.agency))
    assert r.status_code == 200 and 'data-testid="publish"' in r.text and "待公示" in r.text
    r = await client.get(desk, headers=_h(e.loser))
    assert r.status_code == 200 and 'data-testid="publish"' not in r.text and 'data-testid="candidates"' not in r.text
    # A window under 3 days: the desk again, with the message and a 422.
    r = await client.post(f"{desk}/publish", data={"window_days": "2"}, headers=_h(e.agency))
    assert r.status_code == 422 and 'data-code="publicity.bad_window"' in r.text and "不得少于3日" in r.text
    r = await client.post(f"{desk}/publish", data={"window_days": "3"}, headers=_h(e.agency))
    assert r.status_code == 303 and r.headers["location"].endswith("?done=published")
    r = await client.get(r.headers["location"], headers=_h(e.loser))
    assert 'data-testid="object"' in r.text and 'data-testid="candidates"' in r.text
    assert "2026-03-27 24:00" in r.text

    r = await client.post(f"{desk}/objections", data={"body": "第一名报价低于成本"}, headers=_h(e.loser))
    assert r.status_code == 303, r.text
    (o,) = await fetch(db, select(Objection))
    r = await client.get(desk, headers=_h(e.agency))
    assert 'data-testid="answer-form"' in r.text and "第一名报价低于成本" in r.text
    r = await client.get(desk, headers=_h(e.cand_headers(1)))
    assert "第一名报价低于成本" not in r.text  # another bidder does not see it
    r = await client.post(f"{desk}/objections/{o.id}/answer", headers=_h(e.agency),
                          data={"answer": "经核查报价不低于成本", "outcome": "dismissed"})
    assert r.status_code == 303, r.text
    r = await client.get(desk, headers=_h(e.loser))
    assert 'data-testid="complaint-form"' in r.text and "经核查报价不低于成本" in r.text
    r = await client.post(f"{desk}/objections/{o.id}/complaint", data={"body": "答复未附成本分析"},
                          headers=_h(e.loser))
    assert r.status_code == 303, r.text
    r = await client.get(desk, headers=_h(e.loser))
    assert 'data-testid="complaint-status"' in r.text and "待受理" in r.text

    # The supervisor's desk: the complaint of its line, accepted then dismissed.
    sdesk = "/workspace/supervision/complaints"
    r = await client.get(sdesk, headers=_h(e.supervisor))
    assert r.status_code == 200 and "答复未附成本分析" in r.text and 'data-testid="accept-form"' in r.text
    r = await client.get(sdesk, headers=_h(e.other_supervisor))
    assert r.status_code == 200 and 'data-testid="no-complaints"' in r.text
    assert (await client.get(sdesk, headers=_h(e.loser))).status_code == 403
    (c,) = await fetch(db, select(Complaint))
    r = await client.post(f"{sdesk}/{c.id}/accept", data={"note": ""}, headers=_h(e.supervisor))
    assert r.status_code == 303, r.text
    r = await client.post(f"{sdesk}/{c.id}/decide", data={"outcome": "upheld", "decision": "成立",
                                                         "remedy": "next_candidate"}, headers=_h(e.supervisor))
    assert r.status_code == 422 and 'data-code="publicity.bad_remedy"' in r.text
    r = await client.post(f"{sdesk}/{c.id}/decide", headers=_h(e.supervisor),
                          data={"outcome": "dismissed", "decision": "报价经复核不低于成本，驳回"})
    assert r.status_code == 303, r.text
    (c,) = await fetch(db, select(Complaint).execution_options(populate_existing=True))
    assert c.status == ComplaintStatus.decided and c.notice_id

    # The award desk: confirm rank 1, then the contract as a multipart form.
    clock.set(bj(2026, 3, 30, 10, 0))
    adesk = f"/workspace/tenders/{e.tender_id}/award"
    r = await client.get(adesk, headers=_h(e.agency))
    assert r.status_code == 200 and 'data-testid="confirm-form"' in r.text
    r = await client.post(f"{adesk}/lots/{e.lot_id}/confirm", data={"candidate_id": e.candidates[2].id},
                          headers=_h(e.agency))
    assert r.status_code == 422 and 'data-code="award.reason_required"' in r.text
    r = await client.post(f"{adesk}/lots/{e.lot_id}/confirm", data={"candidate_id": e.candidates[0].id},
                          headers=_h(e.agency))
    assert r.status_code == 303 and r.headers["location"].endswith("?done=notified"), r.text
    (a,) = await fetch(db, select(Award))
    r = await client.get(adesk, headers=_h(e.cand_headers(1)))
    assert 'data-testid="letter-link"' in r.text and 'data-testid="confirm-form"' not in r.text
    r = await client.get(adesk, headers=_h(e.loser))
    assert 'data-testid="no-award"' in r.text
    assert (await client.get(f"/awards/{a.id}/letter.pdf", headers=e.cand_headers(1))).content.startswith(b"%PDF")
    r = await client.post(f"{adesk}/{a.id}/contract", headers=_h(e.agency),
                          data={"amount": "948000.50", "signed_on": "2026-03-30"},
                          files={"file": ("合同.pdf", b"%PDF-1.7 contract", "application/pdf")})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=contracted"), r.text
    (a,) = await fetch(db, select(Award).execution_options(populate_existing=True))
    assert a.status == AwardStatus.contracted
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.contracted
    r = await client.get(f"{adesk}?lang=en", headers=_h(e.agency))
    assert "Contract recorded" in r.text and "Award &amp; contract" in r.text
    assert (await client.get(f"/awards/{a.id}/contract.pdf", headers=e.agency)).content == b"%PDF-1.7 contract"
    r = await client.get(f"/workspace/tenders/{e.tender_id}", headers=_h(e.agency))
    assert 'data-testid="publicity-link"' in r.text and 'data-testid="award-link"' in r.text
