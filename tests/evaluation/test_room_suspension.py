"""A suspension (暂停交易) during the evaluation: the chronograph does not expire a clarification while trading is
suspended, and on resumption its deadline moves by the suspension's length, like every running deadline
(DOMAIN.md, Emergency operation)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import ClarificationRequest, ClarificationStatus, Evaluation
from ggzy.kit.clock import FrozenClock
from tests.evaluation.builders import build_room, elect, start, view
from tests.opening.helpers import sweep
from tests.supervision.builders import audit_tags, fetch


async def test_suspension_moves_a_clarification_deadline_by_its_length(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    room = await build_room(app, client, db, clock, tmp_path)
    await start(client, room)
    await elect(client, room)
    entry = (await view(client, room, room.headers[0]))["lots"][0]["entries"][0]["id"]
    due = clock.now() + timedelta(minutes=30)
    r = await client.post(f"{room.url}/clarifications", headers=room.headers[1], json={
        "entry_id": entry, "question": "请澄清报价中的暂列金额", "deadline": due.isoformat()})
    assert r.status_code == 201, r.text

    r = await client.post("/api/suspensions", headers=room.centre,
                          json={"scope": "platform", "reason": "系统故障，暂停全部交易"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    (ev,) = await fetch(db, select(Evaluation).execution_options(populate_existing=True))
    assert ev.next_check_at is None  # paused
    clock.advance(timedelta(hours=2))
    await sweep(app, clock)  # well past the original deadline: nothing expires while suspended
    (c,) = await fetch(db, select(ClarificationRequest).execution_options(populate_existing=True))
    assert c.status == ClarificationStatus.open and c.deadline == due

    r = await client.post(f"/api/suspensions/{sid}/resume", headers=room.centre, json={"note": "故障已排除"})
    assert r.status_code == 200, r.text
    (c,) = await fetch(db, select(ClarificationRequest).execution_options(populate_existing=True))
    assert c.deadline == due + timedelta(hours=2) and c.status == ClarificationStatus.open
    (ev,) = await fetch(db, select(Evaluation).execution_options(populate_existing=True))
    assert ev.next_check_at == c.deadline
    assert "evaluation:deadlines_shifted" in await audit_tags(db, ev.id)
    clock.set(c.deadline)
    assert await sweep(app, clock) >= 1
    (c,) = await fetch(db, select(ClarificationRequest).execution_options(populate_existing=True))
    assert c.status == ClarificationStatus.expired
