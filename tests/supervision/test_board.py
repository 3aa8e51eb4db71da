"""The regulators' board (监督看板, issue 6 part 6): a supervisor sees every running project of its own line in its
stage, live, and nothing about bids before the opening (E-Bidding Measures Art.21)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import commit
from ggzy.kit.errors import Forbidden
from ggzy.project.models import TradingLine
from ggzy.realtime.channels import ensure_can_listen
from ggzy.tender.models import TenderStatus
from tests.supervision.builders import make_cast, make_project, make_tender
from tests.tender.qa_helpers import quick_bearer


async def test_each_supervisor_sees_only_its_line_and_nothing_about_bids_before_the_opening_art21(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    now = clock.now()
    cast = await make_cast(db, now)
    construction = await make_tender(db, await make_project(db, cast, now=now), cast, now=now,
                                     bid_deadline=now + timedelta(days=20))
    procurement = await make_tender(db, await make_project(db, cast, now=now, line=TradingLine.procurement), cast,
                                    now=now, bid_deadline=now + timedelta(days=20), status=TenderStatus.evaluating)
    csup = await quick_bearer(db, cast.construction_sup_user, now)
    psup = await quick_bearer(db, cast.procurement_sup_user, now)
    centre = await quick_bearer(db, cast.centre_user, now)

    r = await client.get("/api/supervision/board", headers=csup)
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["tenders"]] == [construction.id] and r.json()["lines"] == ["construction"]
    row = r.json()["tenders"][0]
    assert row["status"] == "published" and row["opening_status"] is None
    assert not any("bid" in k and k != "bid_deadline" for k in row), row  # no bid count, no bidder
    r = await client.get("/api/supervision/board", headers=psup)
    assert [(x["id"], x["status"]) for x in r.json()["tenders"]] == [(procurement.id, "evaluating")]
    r = await client.get("/api/supervision/board", headers=centre)
    assert {x["id"] for x in r.json()["tenders"]} == {construction.id, procurement.id}
    for outsider in (cast.bidder_user, cast.agency_user):
        r = await client.get("/api/supervision/board", headers=await quick_bearer(db, outsider, now))
        assert r.status_code == 403 and r.json()["error"]["code"] == "supervision.board_forbidden"

    page = await client.get("/workspace/supervision/board", headers=csup)
    assert page.status_code == 200 and construction.code in page.text and procurement.code not in page.text
    assert 'data-lines="construction"' in page.text
    # Each line's live channel is for that line's supervisors and the centre only.
    for actor, allowed in ((cast.construction_sup_actor, True), (cast.procurement_sup_actor, False),
                           (cast.centre_actor, True), (cast.agency_actor, False)):
        try:
            await ensure_can_listen(db, actor, "supervision:construction")
        except Forbidden:
            assert not allowed
        else:
            assert allowed


async def test_stage_changes_go_live_on_the_line_channel_but_bids_downloads_and_questions_never_do(
        app: Any, db: AsyncSession, clock: FrozenClock) -> None:
    now = clock.now()
    cast = await make_cast(db, now)
    tender = await make_tender(db, await make_project(db, cast, now=now), cast, now=now,
                               bid_deadline=now + timedelta(days=20))
    broker = app.state.broker
    channel = "supervision:construction"
    before = broker._seq[channel]
    for tag in ("bid:submitted", "tender:document_downloaded", "tender:question_asked", "auction:applied",
                "tender:published", "opening:started"):
        async with app.state.sessionmaker() as s:
            await record(s, tag, cast.centre_actor, subject_type="tender", subject_id=tender.id,
                         project_id=tender.project_id, now=now)
            await commit(s)
    assert broker._seq[channel] == before + 2
    events = list(broker._buffer[channel])[-2:]
    assert [e.data["tag"] for e in events] == ["tender:published", "opening:started"]
    assert all(set(e.data) == {"project_id", "tag", "at"} for e in events)
    assert broker._seq["supervision:procurement"] == 0
