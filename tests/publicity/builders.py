"""Builders for publicity, award and complaint tests: a tender taken to `evaluated` through the real services and API
— published (tests/bid/helpers), real sealed bids opened in the hall (tests/opening/helpers), a seated committee
(tests/evaluation/builders) that reviews, scores, submits and signs its report — so the publicity domain takes over
exactly as it does in production (publicity.service.on_report_final in the report's transaction)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import Candidate
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project import service as project_service
from ggzy.project.models import TradingLine
from ggzy.project.schemas import ProjectApply
from ggzy.publicity.models import Publicity
from ggzy.tender import service as tender_service
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.schemas import TenderCreate
from tests.bid.helpers import BidWorld, make_bidder
from tests.evaluation.builders import Room, close_review, elect, review_all, seat_committee, start, view
from tests.factories import bearer
from tests.opening.helpers import Hall, decrypt, submit_all, sweep
from tests.supervision.builders import fetch, reload
from tests.tender.helpers import cast, tender_payload

_n = itertools.count(1)
QUALIFICATION = "房屋建筑工程施工总承包二级；安全生产许可证"


def bj(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """A Beijing wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Evaluated:
    """A tender whose evaluation report is final (tender `evaluated`), with everyone's logins."""

    room: Room
    agency: dict[str, str]
    tenderer: dict[str, str]
    centre: dict[str, str]
    supervisor: dict[str, str]
    """A supervisor of the tender's line."""
    other_supervisor: dict[str, str]
    """A supervisor of the other line: not this tender's regulator."""
    supervisor_org_id: str
    candidates: list[Candidate]
    """The report's candidates (one lot), best first."""
    logins: list[tuple[User, dict[str, str]]] = field(default_factory=list)
    """Each user with its headers dict, for relogin()."""

    async def relogin(self, client: AsyncClient) -> None:
        """Fresh API tokens for everyone (in the same dicts) after the clock jumped past their lifetime."""
        for user, headers in self.logins:
            headers.update(await bearer(client, user))

    @property
    def tender_id(self) -> str:
        return self.room.tender_id

    @property
    def w(self) -> BidWorld:
        return self.room.hall.w

    @property
    def lot_id(self) -> str:
        return self.w.lot.id

    def bidder(self, org_id: str) -> dict[str, str]:
        """Bearer headers of the bidder organisation `org_id`."""
        return next(b.headers for b in self.w.bidders if b.org.id == org_id)

    def cand_headers(self, rank: int) -> dict[str, str]:
        return self.bidder(self.candidates[rank - 1].bidder_org_id)

    @property
    def loser_org_id(self) -> str:
        """A bidder that is no candidate."""
        ids = {c.bidder_org_id for c in self.candidates}
        return next(b.org.id for b in self.w.bidders if b.org.id not in ids)

    @property
    def loser(self) -> dict[str, str]:
        return self.bidder(self.loser_org_id)


async def _world(db: AsyncSession, client: AsyncClient, now: datetime, *, line: TradingLine, bidders: int,
                 state_funded: bool, **over: Any) -> BidWorld:
    """A tender of `line` published through the tender service (tests/bid/helpers.make_world, any line)."""
    c = await cast(db, now)
    data = ProjectApply(name=f"公示测试项目-{line.value}-{next(_n)}", line=line, region="青山区",
                        tenderer_org_id=c.tenderer_org.id, amount=Decimal("1000000.00"), state_funded=state_funded)
    project = await project_service.apply_project(db, c.agency, data, now=now)
    project = await project_service.admit_project(db, c.centre, project.id, now=now)
    payload = tender_payload(project, now, **over)
    created = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
    published = await tender_service.publish_announcement(db, c.agency, created.tender.id, now=now)
    bs = [await make_bidder(db, now) for _ in range(bidders)]
    for b in bs:
        b.headers = await bearer(client, b.user)
    return BidWorld(c, published.tender, published.lots, bs, [])


async def _opened(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path, *,
                  w: BidWorld) -> Hall:
    """Every bidder bids, signs in, decrypts; 唱标 closes and everyone confirms (tests/evaluation/builders.opened)."""
    headers = await submit_all(client, tmp, w, w.bidders)
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)
    await sweep(app, clock)
    h = Hall(w, await bearer(client, w.cast.agency_user), await bearer(client, w.cast.centre_user), headers)
    for b in w.bidders:
        assert (await client.post(f"{h.url}/sign-in", headers=b.headers)).status_code == 201
    assert (await client.post(f"{h.url}/publish-bidders", headers=h.host)).status_code == 200
    for b in w.bidders:
        r = await decrypt(client, h, b)
        assert r.status_code == 200, r.text
    assert (await client.post(f"{h.url}/close-announcing", headers=h.host)).status_code == 200
    for b in w.bidders:
        assert (await client.post(f"{h.url}/confirm", headers=b.headers)).status_code == 200
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.opened
    clock.advance(timedelta(minutes=60))
    return h


async def committee_reports(client: AsyncClient, room: Room) -> None:
    """The committee passes every bid, scores every criterion at its maximum less a seat-dependent step, submits and
    signs: 1-3 candidates per lot (Bidding Regs Art.53), the report final (Evaluation Rules Art.43)."""
    await start(client, room)
    await elect(client, room)
    await review_all(client, room)
    await close_review(client, room)
    v = await view(client, room, room.headers[0])
    entries = [e["id"] for lot in v["lots"] for e in lot["entries"]]
    for seat, hd in enumerate(room.headers):
        cells = {(e, c["id"]): str(Decimal(c["max"]) - (i + seat) % 3) for i, e in enumerate(entries)
                 for c in v["criteria"]}
        if cells:
            body = {"scores": [{"entry_id": e, "criterion_id": k, "score": s} for (e, k), s in cells.items()]}
            r = await client.put(f"{room.url}/scores", json=body, headers=hd)
            assert r.status_code == 200, r.text
        r = await client.post(f"{room.url}/sheet/submit", headers=hd)
        assert r.status_code == 200, r.text
    r = await client.post(f"{room.url}/submit", headers=room.headers[0])
    assert r.status_code == 200, r.text
    for hd in room.headers:
        r = await client.post(f"{room.url}/report/confirm", json={}, headers=hd)
        assert r.status_code == 200, r.text


async def evaluated(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path, *,
                    line: TradingLine = TradingLine.construction, bidders: int = 4, state_funded: bool = False,
                    **over: Any) -> Evaluated:
    """A tender of `line` through bidding, the opening hall and the evaluation room: its report is final now."""
    from tests.opening import helpers as opening_helpers

    if line == TradingLine.procurement:
        over.setdefault("evaluation_method", "lowest_price")
    w = await _world(db, client, clock.now(), line=line, bidders=bidders, state_funded=state_funded, **over)
    sheet = opening_helpers.SHEET
    opening_helpers.SHEET = {**sheet, "qualification": QUALIFICATION}  # sheet_for() reads the module's SHEET
    try:
        h = await _opened(app, client, db, clock, tmp, w=w)
    finally:
        opening_helpers.SHEET = sheet
    room = await seat_committee(db, client, h, clock)
    await committee_reports(client, room)
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.evaluated
    cands = await fetch(db, select(Candidate).where(Candidate.tender_id == w.tender.id).order_by(Candidate.rank)
                        .execution_options(populate_existing=True))
    sups = await fetch(db, select(Organisation).where(Organisation.kind == OrgKind.supervisor))
    mine = next(o for o in sups if line.value in (o.supervised_lines or ()))
    sup_users = {u.organisation_id: u for u in await fetch(db, select(User).where(
        User.organisation_id.in_([o.id for o in sups])))}
    other = next(o for o in sups if o.id != mine.id)
    mine_h, other_h = await bearer(client, sup_users[mine.id]), await bearer(client, sup_users[other.id])
    e = Evaluated(room, h.host, await bearer(client, w.cast.tenderer_user), h.centre, mine_h, other_h, mine.id, cands)
    e.logins = [(w.cast.agency_user, e.agency), (w.cast.tenderer_user, e.tenderer), (w.cast.centre_user, e.centre),
                (sup_users[mine.id], mine_h), (sup_users[other.id], other_h), *((b.user, b.headers) for b in w.bidders)]
    return e


# ---------------------------------------------------------------- reading back


async def publicity_of(db: AsyncSession, tender_id: str) -> Publicity:
    rows = await fetch(db, select(Publicity).where(Publicity.tender_id == tender_id).order_by(Publicity.round.desc())
                       .execution_options(populate_existing=True))
    return rows[0]


async def inbox_kinds(db: AsyncSession, org_id: str) -> list[str]:
    rows = await fetch(db, select(Notification).where(Notification.org_id == org_id)
                       .order_by(Notification.created_at, Notification.id))
    return [n.kind for n in rows]


def err(r: Response, status: int, code: str) -> None:
    assert r.status_code == status and r.json()["error"]["code"] == code, (r.status_code, r.text)
