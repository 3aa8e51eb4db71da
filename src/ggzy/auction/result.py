"""The result (竞价结果): the reserve is unsealed, the highest bid compared with it, the confirmation (成交确认书)
produced, the result or no-sale (流拍) announced and the deposits settled. Runs inside the transaction that found
the end due (a bid arriving late, or the chronograph)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import rules, state
from ggzy.auction.confirmation import BidLine, ConfirmationData, render_pdf
from ggzy.auction.errors import ResultNotReady
from ggzy.auction.events import money_out, publish
from ggzy.auction.models import (
    ApplicationStatus,
    AuctionBid,
    AuctionBidder,
    AuctionLot,
    AuctionStatus,
    DepositStatus,
)
from ggzy.auction.reserve import unseal
from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.kit.errors import Conflict, Forbidden
from ggzy.kit.money import fmt
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Organisation
from ggzy.project.models import Notice, NoticeKind, Project

S = AuctionStatus
AUCTIONEER = system_actor("auction")


def _secret(session: AsyncSession) -> str:
    return str(session.info.get("audit_key") or "")


async def _org_name(session: AsyncSession, org_id: str) -> str:
    org = await session.get(Organisation, org_id)
    return org.name if org else ""


async def confirmation_data(session: AsyncSession, lot: AuctionLot) -> ConfirmationData:
    if lot.status != S.sold or lot.winner_id is None or lot.final_price is None or lot.result_at is None:
        raise ResultNotReady()
    winner = await session.get(AuctionBidder, lot.winner_id)
    assert winner is not None
    rows = (await session.execute(
        select(AuctionBid, AuctionBidder.number).join(AuctionBidder, AuctionBidder.id == AuctionBid.bidder_id)
        .where(AuctionBid.lot_id == lot.id).order_by(AuctionBid.seq))).all()
    bids = tuple(BidLine(b.seq, str(n), b.amount, b.at, str(b.phase)) for b, n in rows)
    return ConfirmationData(
        lot_code=lot.code, lot_title=lot.title, land=lot.line == "land",
        seller=await _org_name(session, lot.seller_org_id),
        winner=await _org_name(session, winner.org_id), winner_number=winner.number or "", price=lot.final_price,
        deposit=lot.deposit, start_price=lot.start_price, result_at=lot.result_at, bids=bids,
    )


async def confirmation_pdf(session: AsyncSession, actor: Actor, lot: AuctionLot) -> bytes:
    """For the winner, the seller and the centre; rebuilt and checked against the hash kept at the result."""
    data = await confirmation_data(session, lot)
    winner = await session.get(AuctionBidder, lot.winner_id or "")
    allowed = actor.is_centre or actor.org_id in {lot.seller_org_id, winner.org_id if winner else None}
    if not allowed:
        raise Forbidden("auction.confirmation_forbidden", "成交确认书仅向竞得人、出让人和交易中心提供",
                        "The confirmation is for the winner, the seller and the centre only")
    pdf = render_pdf(data)
    if hashlib.sha256(pdf).hexdigest() != lot.confirmation_sha256:
        raise Conflict("auction.confirmation_mismatch", "成交确认书无法按原样重新生成，请联系交易中心",
                       "The confirmation cannot be reproduced as issued; contact the centre")
    return pdf


async def finish(session: AsyncSession, lot: AuctionLot, now: datetime) -> None:
    """The end is due: decide sold or 流拍, announce it, settle deposits. Every bid stays as it is."""
    reserve = None
    if lot.reserve_sealed is not None:
        assert lot.reserve_private_wrapped is not None and lot.reserve_commitment is not None
        reserve = unseal(_secret(session), lot.id, lot.reserve_private_wrapped, lot.reserve_sealed,
                         lot.reserve_commitment)
    verdict = rules.outcome(lot.current_price, reserve)
    before = {"status": str(lot.status), "price": lot.current_price, "bid_count": lot.bid_count}
    # The result's time is the moment the end fell due (not when a sweeper noticed), so it is reproducible.
    due = {S.timed: lot.ends_at, S.listing: lot.listing_end}.get(lot.status) or lot.listing_start
    state.transition_to(lot, S.sold if verdict == rules.Outcome.sold else S.unsold)
    lot.result_at = min(due, now)
    lot.reserve_revealed, lot.result_reason, lot.next_check_at = reserve, str(verdict), None
    approved = AuctionBidder.lot_id == lot.id, AuctionBidder.status == ApplicationStatus.approved
    await session.execute(update(AuctionBidder).where(*approved).values(deposit_status=DepositStatus.release))
    project = await session.get(Project, lot.project_id)
    assert project is not None
    if lot.status == S.sold:
        lot.winner_id, lot.final_price = lot.leader_id, lot.current_price
        await session.execute(update(AuctionBidder).where(AuctionBidder.id == lot.leader_id)
                              .values(deposit_status=DepositStatus.to_price))
        await session.flush()
        data = await confirmation_data(session, lot)
        lot.confirmation_sha256 = hashlib.sha256(render_pdf(data)).hexdigest()
        title, kind = f"{lot.title}成交公告", NoticeKind.result
        body = "\n".join([
            f"{lot.title}（编号 {lot.code}）网上交易已结束。", "",
            f"竞得人：{data.winner}（竞买号 {data.winner_number}）", f"成交价：人民币 {fmt(data.price)} 元",
            f"成交时间：{show(lot.result_at, '%Y-%m-%d %H:%M:%S')}（北京时间）",
            f"有效报价 {lot.bid_count} 次，全部报价记录见竞价结果。"])
    else:
        title, kind = f"{lot.title}流拍公告", NoticeKind.auction_failed
        why = "无有效报价" if verdict == rules.Outcome.no_bid else "最高报价低于底价"
        body = f"{lot.title}（编号 {lot.code}）网上交易已结束，{why}，本次交易流拍。\n\n有效报价 {lot.bid_count} 次。"
    notice = Notice(project_id=lot.project_id, tender_id=None, kind=kind, line=lot.line, region=project.region,
                    title=title, body=body, published_at=now, published_by="system:auction",
                    data={"lot_id": lot.id, "result": str(verdict), "price": str(lot.final_price or "") or None,
                          "bid_count": lot.bid_count})
    session.add(notice)
    await session.flush()
    lot.result_notice_id = notice.id
    await record(session, "auction:result", AUCTIONEER, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, before=before, now=now,
                 after={"status": str(lot.status), "reason": str(verdict), "price": lot.final_price,
                        "reserve": reserve, "notice_id": notice.id, "confirmation_sha256": lot.confirmation_sha256})
    orgs = list((await session.execute(select(AuctionBidder.org_id).where(*approved))).scalars())
    await notify_orgs(session, [*orgs, lot.seller_org_id], kind="auction.result", now=now, project_id=lot.project_id,
                      title_zh=title, title_en=f"{lot.title}: {'sold' if lot.status == S.sold else 'no sale'}",
                      link=f"/auctions/{lot.id}")
    from ggzy.fees.service import on_auction_sold  # fees reads auction's models: import late

    await on_auction_sold(session, lot, now)  # 交易服务费 on the final price (sold lots only), same transaction
    publish(session, lot, "auction:result", now, reserve=money_out(reserve))
