"""Use cases before the bidding: create a lot, publish its announcement, applications and their approval with an
anonymous bidder number (竞买号), the sealed reserve (底价) entered under a supervisor's eye, and the wish to go on
to timed bidding. Bids, the countdown and the result are in auction.bidding and auction.result.

Every write is one transaction: it locks the lot row, re-checks status and time at the server clock, appends its
audit event and commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import rules, state
from ggzy.auction.errors import (
    AlreadyApplied,
    AlreadyDecided,
    ApplicationNotFound,
    ApplicationsClosed,
    BadTerms,
    BadTransition,
    BidderOnly,
    CentreOnly,
    LotNotFound,
    NotApproved,
    NotBidding,
    ReferenceRequired,
    ReserveAlreadyEntered,
    WitnessRequired,
)
from ggzy.auction.models import (
    ApplicationStatus,
    AuctionBidder,
    AuctionLot,
    AuctionMode,
    AuctionStatus,
    DepositStatus,
)
from ggzy.auction.reserve import new_lot_key, seal
from ggzy.auction.schemas import LotCreate
from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.auth.passwords import verify_password
from ggzy.kit.db import commit
from ggzy.kit.errors import DomainError
from ggzy.kit.ids import new_id
from ggzy.kit.money import fmt
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation, OrgKind, Role, User
from ggzy.project.models import AUCTION_LINES, LINE_LABELS, Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.supervision.guard import ensure_trading_open
from ggzy.workdays.service import load_overrides

S = AuctionStatus
OPEN_FOR_APPLICATIONS = frozenset({S.announced, S.listing})


def snapshot(lot: AuctionLot) -> dict[str, Any]:
    """What the audit chain keeps of a lot (never the reserve, only its commitment)."""
    return {
        "status": str(lot.status), "code": lot.code, "mode": str(lot.mode), "start_price": lot.start_price,
        "increment": lot.increment, "deposit": lot.deposit, "listing_start": lot.listing_start,
        "listing_end": lot.listing_end, "current_price": lot.current_price, "bid_count": lot.bid_count,
        "ends_at": lot.ends_at,
    }


def require_centre(actor: Actor) -> None:
    if not actor.is_centre:
        raise CentreOnly()


def _session_secret(session: AsyncSession) -> str:
    key = session.info.get("audit_key")
    if not key:
        raise RuntimeError("session has no server secret: create it with kit.db.make_sessionmaker")
    return str(key)


async def load_lot(session: AsyncSession, lot_id: str, *, lock: bool = False) -> AuctionLot:
    stmt = select(AuctionLot).where(AuctionLot.id == lot_id)
    if lock:
        # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
        stmt = stmt.with_for_update()
    lot = (await session.execute(stmt)).scalars().first()
    if lot is None:
        raise LotNotFound()
    return lot


def _bad_terms(violations: list[rules.Violation]) -> None:
    if violations:
        v = violations[0]
        raise BadTerms(message_zh=v.zh, message_en=v.en,
                       detail={"violations": [{"code": x.code, "zh": x.zh, "en": x.en} for x in violations]})


async def create_lot(session: AsyncSession, actor: Actor, data: LotCreate, *, now: datetime) -> AuctionLot:
    """Centre staff create a lot for the seller of an admitted land or property project."""
    require_centre(actor)
    project = await session.get(Project, data.project_id)
    if project is None:
        raise DomainError("auction.project_not_found", "找不到该项目", "Project not found", status=404)
    if project.status != ProjectStatus.admitted or project.line not in AUCTION_LINES:
        raise BadTerms(message_zh="只有已进场的国有土地或国有产权项目可以设立拍卖标的",
                       message_en="Only an admitted land or property project can have auction lots")
    start_price = rules.parse_amount(data.start_price)
    increment = rules.parse_amount(data.increment)
    deposit = rules.parse_amount(data.deposit)
    live = data.mode == AuctionMode.live
    listing_days = 0 if live else data.listing_days
    _bad_terms(rules.check_terms(line=project.line, live=live, listing_days=listing_days,
                                 first_listing=data.first_listing, start_price=start_price, increment=increment,
                                 deposit=deposit, countdown_seconds=data.countdown_seconds))
    officer = await session.get(User, data.reserve_officer_id)
    officer_org = await session.get(Organisation, officer.organisation_id) if officer else None
    if officer is None or officer_org is None or not (
            officer_org.kind == OrgKind.centre or officer_org.id == project.tenderer_org_id):
        raise BadTerms(message_zh="底价录入人须为交易中心或出让方的用户",
                       message_en="The reserve officer must be a user of the centre or of the seller")
    start = data.listing_start
    period = rules.listing_period_end(start, listing_days, await load_overrides(session)) if not live \
        else rules.Period(start, False)
    count = (await session.execute(select(func.count(AuctionLot.id))
                                   .where(AuctionLot.project_id == project.id))).scalar_one()
    lot_id = new_id()
    public, wrapped = new_lot_key(_session_secret(session), lot_id)
    lot = AuctionLot(
        id=lot_id, project_id=project.id, code=f"{project.code}-P{int(count) + 1}", title=data.title,
        line=str(project.line), seller_org_id=project.tenderer_org_id, description=data.description,
        documents=[d.model_dump() for d in data.documents], mode=data.mode, start_price=start_price,
        increment=increment, deposit=deposit, listing_days=listing_days, first_listing=data.first_listing,
        countdown_seconds=data.countdown_seconds, listing_start=start, listing_end=period.end,
        listing_end_provisional=period.provisional, status=S.draft, created_by=actor.user_id or "", created_at=now,
        reserve_officer_id=officer.id, reserve_public_key=public, reserve_private_wrapped=wrapped, bid_count=0,
    )
    session.add(lot)
    await session.flush()
    await record(session, "auction:created", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=project.id, after=snapshot(lot), now=now)
    await commit(session)
    return lot


def _announcement_body(lot: AuctionLot, project: Project) -> str:
    line_zh = LINE_LABELS[TradingLine(lot.line)][0]
    mode_zh = "挂牌出让（挂牌期满两家以上竞买人要求继续报价的，进入限时竞价）" if lot.mode == AuctionMode.listing \
        else "网上拍卖（限时竞价）"
    lines = [
        f"{project.name}：{lot.title}（编号 {lot.code}，{line_zh}）", f"交易方式：{mode_zh}",
        f"起始价：{fmt(lot.start_price)} 元；加价幅度：{fmt(lot.increment)} 元；竞买保证金：{fmt(lot.deposit)} 元",
        f"挂牌（竞价）开始：{show(lot.listing_start)}；挂牌截止：{show(lot.listing_end)}（北京时间）",
        f"限时竞价倒计时：{lot.countdown_seconds // 60} 分 {lot.countdown_seconds % 60} 秒，每次有效报价后重新计时",
        "竞买人以竞买号参加竞价，保证金到账并经交易中心审核后取得竞买资格；报价一经提交不得撤回。",
    ]
    if lot.description:
        lines.append(lot.description)
    return "\n\n".join(lines)


async def publish_announcement(session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime) -> AuctionLot:
    """The announcement (出让公告): land at least 20 days before the listing starts (Land Order Art.10)."""
    require_centre(actor)
    lot = await load_lot(session, lot_id, lock=True)
    if lot.status != S.draft:
        raise BadTransition(detail={"from": str(lot.status), "to": "announced"})
    bad = rules.check_announcement(lot.line, now, lot.listing_start)
    if bad is not None:
        _bad_terms([bad])
    project = await session.get(Project, lot.project_id)
    assert project is not None
    before = snapshot(lot)
    state.transition_to(lot, S.announced)
    notice = Notice(
        project_id=lot.project_id, tender_id=None, kind=NoticeKind.auction_announcement, line=lot.line,
        region=project.region, title=f"{lot.title}出让公告" if lot.line == "land" else f"{lot.title}转让公告",
        body=_announcement_body(lot, project),
        data={"lot_id": lot.id, "lot_code": lot.code, "start_price": str(lot.start_price),
              "increment": str(lot.increment), "deposit": str(lot.deposit), "mode": str(lot.mode),
              "listing_start": lot.listing_start.isoformat(), "listing_end": lot.listing_end.isoformat()},
        published_at=now, published_by=actor.user_id or "",
    )
    session.add(notice)
    await session.flush()
    lot.announced_at, lot.announcement_id, lot.next_check_at = now, notice.id, lot.listing_start
    await record(session, "auction:announced", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, before=before, after={**snapshot(lot), "notice_id": notice.id}, now=now)
    await commit(session)
    return lot


def _accepting_applications(lot: AuctionLot, now: datetime) -> None:
    if lot.status not in OPEN_FOR_APPLICATIONS or now >= lot.listing_end:
        raise ApplicationsClosed()


async def apply(session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime) -> AuctionBidder:
    """A verified bidder applies to take part (竞买申请); approval waits for the deposit."""
    if actor.role != Role.bidder or not actor.org_verified or actor.org_id is None:
        raise BidderOnly()
    lot = await load_lot(session, lot_id, lock=True)
    await ensure_trading_open(session, lot.project_id)
    _accepting_applications(lot, now)
    found = (await session.execute(select(AuctionBidder.id).where(
        AuctionBidder.lot_id == lot.id, AuctionBidder.org_id == actor.org_id))).first()
    if found is not None:
        raise AlreadyApplied()
    app = AuctionBidder(lot_id=lot.id, org_id=actor.org_id, applied_by=actor.user_id or "", applied_at=now,
                        status=ApplicationStatus.applied, deposit_status=DepositStatus.unpaid)
    session.add(app)
    await session.flush()
    await record(session, "auction:applied", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, after={"application_id": app.id}, now=now)
    await commit(session)
    return app


async def _application(session: AsyncSession, lot_id: str, application_id: str) -> AuctionBidder:
    app = (await session.execute(select(AuctionBidder).where(
        AuctionBidder.id == application_id, AuctionBidder.lot_id == lot_id))).scalars().first()
    if app is None:
        raise ApplicationNotFound()
    return app


async def _new_number(session: AsyncSession, lot_id: str) -> str:
    """A random 6-digit 竞买号, unique within the lot, revealing nothing about the order of applications."""
    used = set((await session.execute(select(AuctionBidder.number).where(
        AuctionBidder.lot_id == lot_id, AuctionBidder.number.is_not(None)))).scalars())
    while True:
        number = f"{secrets.randbelow(900000) + 100000}"
        if number not in used:
            return number


async def approve(session: AsyncSession, actor: Actor, lot_id: str, application_id: str, bank_reference: str, *,
                  now: datetime) -> AuctionBidder:
    """Centre staff confirm the deposit by hand with the bank reference; the bidder gets its number."""
    require_centre(actor)
    reference = bank_reference.strip()
    if not reference:
        raise ReferenceRequired()
    lot = await load_lot(session, lot_id, lock=True)
    _accepting_applications(lot, now)
    app = await _application(session, lot.id, application_id)
    if app.status != ApplicationStatus.applied:
        raise AlreadyDecided()
    app.status, app.deposit_status, app.deposit_reference = ApplicationStatus.approved, DepositStatus.held, reference
    app.decided_at, app.decided_by, app.number = now, actor.user_id, await _new_number(session, lot.id)
    await session.flush()
    await record(session, "auction:approved", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, after={"application_id": app.id, "bank_reference": reference}, now=now)
    await notify_orgs(session, [app.org_id], kind="auction.approved", now=now, project_id=lot.project_id,
                      title_zh=f"{lot.title}：竞买资格已确认，竞买号 {app.number}",
                      title_en=f"{lot.title}: you may bid; your bidder number is {app.number}",
                      link=f"/auctions/{lot.id}")
    await commit(session)
    return app


async def reject(session: AsyncSession, actor: Actor, lot_id: str, application_id: str, reason: str, *,
                 now: datetime) -> AuctionBidder:
    require_centre(actor)
    lot = await load_lot(session, lot_id, lock=True)
    app = await _application(session, lot.id, application_id)
    if app.status != ApplicationStatus.applied:
        raise AlreadyDecided()
    app.status, app.reject_reason, app.decided_at, app.decided_by = ApplicationStatus.rejected, reason, now, \
        actor.user_id
    await record(session, "auction:rejected", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, after={"application_id": app.id, "reason": reason}, now=now)
    await notify_orgs(session, [app.org_id], kind="auction.rejected", now=now, project_id=lot.project_id,
                      title_zh=f"{lot.title}：竞买申请未通过", title_en=f"{lot.title}: application refused",
                      body_zh=reason, link=f"/auctions/{lot.id}")
    await commit(session)
    return app


async def _witness(session: AsyncSession, lot: AuctionLot, username: str, password: str) -> User:
    """The supervisor present at the entry proves it with their own password (re-authentication)."""
    row = (await session.execute(select(User, Organisation).join(Organisation, User.organisation_id == Organisation.id)
                                 .where(User.username == username.strip()))).first()
    user, org = (row[0], row[1]) if row else (None, None)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or org is None or not ok or user.role != Role.supervisor or not user.is_active \
            or lot.line not in (org.supervised_lines or []):
        raise WitnessRequired()
    return user


async def enter_reserve(session: AsyncSession, actor: Actor, lot_id: str, amount_raw: object, *,
                        witness_username: str, witness_password: str, now: datetime) -> AuctionLot:
    """The designated person enters the reserve once, before timed bidding, with a supervisor of the line present.

    It is sealed at once (auction.reserve); the lot and the audit chain keep only the commitment."""
    amount = rules.parse_amount(amount_raw)
    lot = await load_lot(session, lot_id, lock=True)
    if actor.user_id is None or actor.user_id != lot.reserve_officer_id:
        raise DomainError("auction.not_reserve_officer", "只有指定人员可以录入底价",
                          "Only the designated person may enter the reserve", status=403)
    if lot.reserve_sealed is not None:
        raise ReserveAlreadyEntered()
    if lot.status not in OPEN_FOR_APPLICATIONS or now >= lot.listing_end:
        raise NotBidding(message_zh="底价须在挂牌截止（竞价开始）前录入",
                         message_en="The reserve must be entered before the listing ends (bidding starts)")
    witness = await _witness(session, lot, witness_username, witness_password)
    assert lot.reserve_public_key is not None
    lot.reserve_sealed, lot.reserve_commitment = seal(lot.reserve_public_key, lot.id, amount)
    lot.reserve_entered_at, lot.reserve_entered_by, lot.reserve_witness_id = now, actor.user_id, witness.id
    await record(session, "auction:reserve_entered", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, now=now,
                 after={"commitment": lot.reserve_commitment, "witness_user_id": witness.id})
    await commit(session)
    return lot


async def my_application(session: AsyncSession, actor: Actor, lot_id: str) -> AuctionBidder | None:
    if actor.org_id is None:
        return None
    return (await session.execute(select(AuctionBidder).where(
        AuctionBidder.lot_id == lot_id, AuctionBidder.org_id == actor.org_id))).scalars().first()


async def declare_continue(session: AsyncSession, actor: Actor, lot_id: str, *, now: datetime) -> AuctionBidder:
    """An approved bidder says during the listing that it wants to go on to timed bidding (Land Order Art.20)."""
    lot = await load_lot(session, lot_id, lock=True)
    await ensure_trading_open(session, lot.project_id)
    app = await my_application(session, actor, lot.id)
    if app is None or app.status != ApplicationStatus.approved:
        raise NotApproved()
    if lot.mode != AuctionMode.listing or lot.status not in OPEN_FOR_APPLICATIONS or now >= lot.listing_end:
        raise NotBidding()
    if app.continues_at is None:
        app.continues_at = now
        await record(session, "auction:continues", actor, subject_type="auction_lot", subject_id=lot.id,
                     project_id=lot.project_id, after={"number": app.number}, now=now)
    await commit(session)
    return app


async def list_lots(session: AsyncSession, *, limit: int = 100) -> list[AuctionLot]:
    """Published lots, newest first (public)."""
    stmt = (select(AuctionLot).where(AuctionLot.status != S.draft)
            .order_by(AuctionLot.listing_start.desc(), AuctionLot.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def get_lot(session: AsyncSession, actor: Actor, lot_id: str) -> AuctionLot:
    """Drafts are seen by the centre only."""
    lot = await load_lot(session, lot_id)
    if lot.status == S.draft and not actor.is_centre:
        raise LotNotFound()
    return lot


async def applications(session: AsyncSession, actor: Actor, lot_id: str) -> list[tuple[AuctionBidder, str]]:
    """(application, organisation name): the mapping of numbers to names, for the centre only."""
    require_centre(actor)
    rows = (await session.execute(
        select(AuctionBidder, Organisation.name).join(Organisation, Organisation.id == AuctionBidder.org_id)
        .where(AuctionBidder.lot_id == lot_id).order_by(AuctionBidder.applied_at, AuctionBidder.id))).all()
    return [(r[0], str(r[1])) for r in rows]
