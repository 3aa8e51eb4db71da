"""Re-evaluation (重新评审): an upheld objection sends the tender back to the committee (Bidding Regs Art.54), and
the same committee meets again in a new round; the first round's report and candidates stay as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import Candidate, Evaluation, EvaluationStatus
from ggzy.kit.clock import FrozenClock
from ggzy.publicity.models import Publicity
from ggzy.tender.models import Tender, TenderStatus
from tests.award.test_award import after_publicity
from tests.publicity.builders import committee_reports, err
from tests.supervision.builders import fetch, reload


async def test_upheld_objection_opens_a_second_round_with_the_same_committee_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path)
    room = e.room
    # While the publicity runs, the evaluation cannot be started again.
    err(await client.post(room.url, headers=room.centre), 409, "evaluation.already_started")
    r = await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "第一中标候选人业绩不实"},
                          headers=e.loser)
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/objections/{r.json()['id']}/answer", headers=e.agency, json={
        "answer": "经核查，评标委员会对业绩的认定有误，异议成立，由原评标委员会重新评审", "upheld": True,
        "remedy": "reevaluate"})
    assert r.status_code == 200, r.text
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.evaluating
    first = (await fetch(db, select(Evaluation)))[0]

    await committee_reports(client, room)  # round 2: the same committee, from the chair's election to the signatures
    rounds = await fetch(db, select(Evaluation).order_by(Evaluation.round).execution_options(populate_existing=True))
    assert [(ev.round, ev.status, ev.draw_id) for ev in rounds] == [
        (1, EvaluationStatus.reported, first.draw_id), (2, EvaluationStatus.reported, first.draw_id)]
    err(await client.post(room.url, headers=room.centre), 409, "evaluation.already_started")
    # New candidates and a new publicity round; the first round's stay as they were.
    cands = await fetch(db, select(Candidate.evaluation_id).distinct())
    assert set(cands) == {ev.id for ev in rounds}
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.evaluated
    pubs = await fetch(db, select(Publicity).order_by(Publicity.round))
    assert [(p.round, p.evaluation_id) for p in pubs] == [(1, rounds[0].id), (2, rounds[1].id)]
