"""Loads what is public about a tender or an auction lot and hands it to the pure builders (read only).

Access control lives in these queries: only published tenders and announced lots have an ocid at all, only notices
whose publication time has come count, and the opening's entries (bidders, prices) are read only once the opening
record is published (E-Bidding Measures Art.21/32); an auction's bids only with its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionBid, AuctionBidder, AuctionLot, AuctionStatus
from ggzy.award.models import Award, Contract
from ggzy.config import Settings
from ggzy.evaluation.models import Candidate
from ggzy.ocds import build_auction, build_tender, compile, rules
from ggzy.ocds.errors import ProcessNotFound
from ggzy.opening.models import Opening, OpeningEntry, OpeningStatus
from ggzy.party.models import Organisation, User
from ggzy.project.models import Notice, Project
from ggzy.supervision.models import Complaint
from ggzy.tender.models import Lot, Tender

MAX_PER_PAGE = 100


async def _orgs(session: AsyncSession, ids: set[str | None]) -> dict[str, Organisation]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(select(Organisation).where(Organisation.id.in_(wanted)))
    return {o.id: o for o in rows.scalars()}


async def _tender_facts(session: AsyncSession, tender: Tender, settings: Settings, now: datetime
                        ) -> build_tender.TenderFacts:
    project = await session.get(Project, tender.project_id)
    if project is None:
        raise ProcessNotFound()
    lots = list((await session.execute(select(Lot).where(Lot.tender_id == tender.id).order_by(Lot.number))).scalars())
    notices = list((await session.execute(
        select(Notice).where(Notice.tender_id == tender.id, Notice.published_at <= now)
        .order_by(Notice.published_at, Notice.id))).scalars())
    opening = (await session.execute(select(Opening).where(Opening.tender_id == tender.id))).scalars().first()
    public_record = {n.id for n in notices}
    if opening is None or opening.status != OpeningStatus.closed or opening.record_notice_id not in public_record:
        opening, entries = None, []
    else:
        entries = list((await session.execute(
            select(OpeningEntry).join(Lot, Lot.id == OpeningEntry.lot_id).where(OpeningEntry.opening_id == opening.id)
            .order_by(Lot.number, OpeningEntry.id))).scalars())
    awards = list((await session.execute(
        select(Award).where(Award.tender_id == tender.id, Award.result_notice_id.in_(public_record))
        .order_by(Award.confirmed_at, Award.id))).scalars()) if public_record else []
    award_entries: dict[str, str] = {}
    contracts: list[Contract] = []
    if awards:
        by_candidate = {a.candidate_id: a.id for a in awards}
        for cid, entry_id in (await session.execute(
                select(Candidate.id, Candidate.entry_id).where(Candidate.id.in_(by_candidate)))).tuples():
            award_entries[by_candidate[cid]] = entry_id
        contracts = list((await session.execute(
            select(Contract).where(Contract.award_id.in_([a.id for a in awards]), Contract.recorded_at <= now)
            .order_by(Contract.recorded_at, Contract.id))).scalars())
    reviewers = {notice_id: org_id for notice_id, org_id in (await session.execute(
        select(Complaint.notice_id, User.organisation_id).join(User, User.id == Complaint.handled_by)
        .where(Complaint.tender_id == tender.id, Complaint.notice_id.is_not(None)))).tuples() if notice_id}
    orgs = await _orgs(session, {tender.tenderer_org_id, tender.agency_org_id, *(e.bidder_org_id for e in entries),
                                 *(a.bidder_org_id for a in awards), *reviewers.values()})
    return build_tender.TenderFacts(
        prefix=settings.ocds_prefix, base_url=settings.base_url, tender=tender, project=project, lots=lots, orgs=orgs,
        notices=notices, opening=opening, entries=entries, awards=awards, award_entries=award_entries,
        contracts=contracts, review_bodies=reviewers)


async def _auction_facts(session: AsyncSession, lot: AuctionLot, settings: Settings, now: datetime
                         ) -> build_auction.AuctionFacts:
    ids = [i for i in (lot.announcement_id, lot.result_notice_id) if i]
    notices = list((await session.execute(
        select(Notice).where(Notice.id.in_(ids), Notice.published_at <= now)
        .order_by(Notice.published_at, Notice.id))).scalars())
    bids: list[AuctionBid] = []
    bidders: dict[str, AuctionBidder] = {}
    finished = lot.status in (AuctionStatus.sold, AuctionStatus.unsold)
    if finished and lot.result_notice_id in {n.id for n in notices}:
        bids = list((await session.execute(
            select(AuctionBid).where(AuctionBid.lot_id == lot.id).order_by(AuctionBid.seq))).scalars())
        bidders = {b.id: b for b in (await session.execute(
            select(AuctionBidder).where(AuctionBidder.lot_id == lot.id))).scalars()}
    winner = bidders.get(lot.winner_id or "")
    orgs = await _orgs(session, {lot.seller_org_id, winner.org_id if winner else None})
    return build_auction.AuctionFacts(prefix=settings.ocds_prefix, base_url=settings.base_url, lot=lot, orgs=orgs,
                                      notices=notices, bids=bids, bidders=bidders)


async def _process_releases(session: AsyncSession, kind: str, code: str, settings: Settings, now: datetime
                            ) -> list[dict[str, Any]]:
    if kind == "tender":
        tender = (await session.execute(select(Tender).where(
            Tender.code == code, Tender.published_at.is_not(None), Tender.published_at <= now))).scalars().first()
        if tender is not None:
            return build_tender.build(await _tender_facts(session, tender, settings, now))
    else:
        lot = (await session.execute(select(AuctionLot).where(
            AuctionLot.code == code, AuctionLot.announced_at.is_not(None), AuctionLot.announced_at <= now))
        ).scalars().first()
        if lot is not None:
            return build_auction.build(await _auction_facts(session, lot, settings, now))
    return []


async def releases(session: AsyncSession, ocid: str, *, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Every release of the process `ocid`, oldest first; 404 unless it is a published tender or announced lot."""
    code = rules.code_of(settings.ocds_prefix, ocid)
    if code is not None:
        for kind in ("tender", "auction"):
            found = await _process_releases(session, kind, code, settings, now)
            if found:
                return found
    raise ProcessNotFound(detail={"ocid": ocid})


def _api(settings: Settings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}/api/ocds/{path}"


async def release_package(session: AsyncSession, ocid: str, *, settings: Settings, now: datetime) -> dict[str, Any]:
    found = await releases(session, ocid, settings=settings, now=now)
    return compile.release_package(found, uri=_api(settings, f"releases/{ocid}"), published=rules.when(now),
                                   publisher=settings.ocds_publisher, base_url=settings.base_url)


async def record_package(session: AsyncSession, ocid: str, *, settings: Settings, now: datetime) -> dict[str, Any]:
    found = await releases(session, ocid, settings=settings, now=now)
    return compile.record_package([compile.record(found)], uri=_api(settings, f"records/{ocid}"),
                                  published=rules.when(now), publisher=settings.ocds_publisher,
                                  base_url=settings.base_url)


@dataclass(frozen=True, slots=True)
class ProcessRef:
    kind: str
    """"tender" or "auction"."""
    code: str
    first_published: datetime


async def processes(session: AsyncSession, *, page: int, per_page: int, now: datetime) -> tuple[list[ProcessRef], int]:
    """Published tenders and announced lots, oldest first (stable: by first publication, then code)."""
    tenders = select(literal("tender").label("kind"), Tender.code.label("code"),
                     Tender.published_at.label("at")).where(Tender.published_at.is_not(None),
                                                             Tender.published_at <= now)
    lots = select(literal("auction").label("kind"), AuctionLot.code.label("code"),
                  AuctionLot.announced_at.label("at")).where(AuctionLot.announced_at.is_not(None),
                                                             AuctionLot.announced_at <= now)
    both = union_all(tenders, lots).subquery()
    total = int((await session.execute(select(func.count()).select_from(both))).scalar_one())
    rows = (await session.execute(select(both.c.kind, both.c.code, both.c.at).order_by(both.c.at, both.c.code)
                                  .offset((page - 1) * per_page).limit(per_page))).all()
    return [ProcessRef(str(k), str(c), at) for k, c, at in rows], total


async def release_page(session: AsyncSession, *, page: int, per_page: int, settings: Settings,
                       now: datetime) -> dict[str, Any]:
    """One page of the release listing: every release of `per_page` processes, with links to the next and
    previous pages (`links`, as OCDS's guidance on paginated packages names them)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    refs, total = await processes(session, page=page, per_page=per_page, now=now)
    found: list[dict[str, Any]] = []
    for ref in refs:
        found += await _process_releases(session, ref.kind, ref.code, settings, now)
    url = _api(settings, "releases")
    package = compile.release_package(found, uri=f"{url}?page={page}&per_page={per_page}",
                                      published=rules.when(now), publisher=settings.ocds_publisher,
                                      base_url=settings.base_url)
    links = {}
    if page * per_page < total:
        links["next"] = f"{url}?page={page + 1}&per_page={per_page}"
    if page > 1:
        links["prev"] = f"{url}?page={page - 1}&per_page={per_page}"
    if links:
        package["links"] = links
    return package
