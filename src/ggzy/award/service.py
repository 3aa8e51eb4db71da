"""Use cases of the award (定标), the award notice (中标通知书) and the contract (合同): the only writer of awards.

Construction: after the candidate publicity ended with no open objection or complaint, the tenderer (or its
agency) confirms the winner per lot; the award notice PDF goes to the winner, the result to the other bidders,
the public result notice is published, in one transaction. Procurement: the purchaser confirms the winner in
the report's order (MOF 87 Art.68); the result notice with the committee's names and the award notice go out
together within 2 working days (Art.69), which opens the 质疑 window (publicity.service.open_result_window).
Rank 1 is required for state-funded construction (Bidding Regs Art.55) and in procurement, unless the better
candidates gave up (the reason is recorded). The contract is recorded within 30 days of the award notice
(Evaluation Rules Art.49): a reminder on day 25, a supervisor alert after day 30; a late contract is still
accepted and flagged. All lots contracted → tender contracted.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import jsonable, record
from ggzy.auth.actor import Actor, system_actor
from ggzy.award import rules
from ggzy.award.errors import (
    AlreadyAwarded,
    AwardNotFound,
    BadAwardTransition,
    BadContract,
    CandidateExcluded,
    CandidateNotFound,
    ComplaintOpen,
    ContractExists,
    ContractNotFound,
    LetterMismatch,
    LetterNotIssued,
    NotManager,
    NotReady,
    ObjectionOpen,
    PublicityRunning,
    RankOneRequired,
    ReasonRequired,
)
from ggzy.award.letter import LetterData, render_pdf
from ggzy.award.models import Award, AwardStatus, CandidateExclusion, Contract, ExclusionKind
from ggzy.kit.db import commit
from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project.models import Notice, NoticeKind, Project, TradingLine
from ggzy.publicity import content, parties
from ggzy.publicity import service as publicity
from ggzy.publicity.models import Publicity, PublicityStatus
from ggzy.publicity.rules import deadline, last_day, local_day, manages, rules_for, supervises
from ggzy.storage.blobstore import BlobStore
from ggzy.storage.upload import Upload
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.guard import ensure_trading_open
from ggzy.supervision.rules import shift_deadline
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Lot, Tender, TenderStatus
from ggzy.workdays.service import load_overrides

AWARDS = system_actor("award")
A = AwardStatus
READY = {
    TradingLine.construction: frozenset({TenderStatus.publicity, TenderStatus.awarded}),
    TradingLine.procurement: frozenset({TenderStatus.evaluated, TenderStatus.awarded}),
}
"""Tender statuses in which a lot may be awarded (awarded: a revoked award is replaced)."""
MAX_CONTRACT_AMOUNT = Decimal("1e13")


def desk_link(tender_id: str) -> str:
    return f"/workspace/tenders/{tender_id}/award"


def letter_link(award_id: str) -> str:
    return f"/awards/{award_id}/letter.pdf"


# ---------------------------------------------------------------- reads


async def _lots(session: AsyncSession, tender_id: str) -> list[Lot]:
    return list((await session.execute(select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number)))
                .scalars().all())


async def awards_of(session: AsyncSession, tender_id: str) -> list[Award]:
    stmt = select(Award).where(Award.tender_id == tender_id).order_by(Award.confirmed_at, Award.id)
    return list((await session.execute(stmt)).scalars().all())


async def exclusions_of(session: AsyncSession, tender_id: str) -> list[CandidateExclusion]:
    stmt = select(CandidateExclusion).where(CandidateExclusion.tender_id == tender_id).order_by(CandidateExclusion.at)
    return list((await session.execute(stmt)).scalars().all())


def _may_see_all(actor: Actor, tender: Tender) -> bool:
    return actor.is_centre or manages(actor, tender) or supervises(actor, tender)


@dataclass
class LotView:
    lot: Lot
    candidates: list[content.CandidateRow]
    live: Award | None
    history: list[Award]
    excluded: dict[str, CandidateExclusion]
    contract: Contract | None = None


@dataclass
class AwardView:
    tender: Tender
    publicity: Publicity | None
    lots: list[LotView]
    full: bool
    """Managers, centre, the line's supervisor: every lot and candidate. A bidder sees only its own awards."""
    can_award: bool = False
    blockers: list[str] = field(default_factory=list)
    """Why confirming is refused right now (codes), for the page."""
    ranked: bool = False


async def award_view(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> AwardView:
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    p = await publicity.latest_publicity(session, tender_id)
    full = _may_see_all(actor, tender)
    awards = await awards_of(session, tender_id)
    if not full:
        awards = [a for a in awards if actor.org_id is not None and a.bidder_org_id == actor.org_id
                  and a.status != A.confirmed]
    contracts = {c.award_id: c for c in (await session.execute(
        select(Contract).where(Contract.tender_id == tender_id))).scalars().all()}
    groups = {g.lot.id: g for g in (await content.lot_candidates(session, tender_id, p.evaluation_id))} if p else {}
    excl = await exclusions_of(session, tender_id)
    views: list[LotView] = []
    for lot in await _lots(session, tender_id):
        mine = [a for a in awards if a.lot_id == lot.id]
        if not full and not mine:
            continue
        live = next((a for a in mine if a.status in rules.LIVE), None)
        views.append(LotView(
            lot=lot, candidates=groups[lot.id].rows if full and lot.id in groups else [], live=live, history=mine,
            excluded={e.candidate_id: e for e in excl if e.lot_id == lot.id} if full else {},
            contract=contracts.get(live.id) if live else None))
    project = await session.get(Project, tender.project_id)
    out = AwardView(tender, p, views, full, ranked=rules.must_follow_ranking(
        tender.line, bool(project and project.state_funded)))
    if manages(actor, tender):
        out.blockers = await _blockers(session, tender, p, now)
        out.can_award = not out.blockers
    return out


async def _blockers(session: AsyncSession, tender: Tender, p: Publicity | None, now: datetime) -> list[str]:
    """Codes of the errors confirm_award would raise now for any lot (shown on the page, checked again there)."""
    out: list[str] = []
    if tender.status not in READY.get(TradingLine(tender.line), frozenset()) or p is None:
        out.append(NotReady.code)
    elif TradingLine(tender.line) == TradingLine.construction and (
            p.status not in (PublicityStatus.open, PublicityStatus.ended) or p.ends_at is None or now < p.ends_at):
        out.append(PublicityRunning.code)
    if await publicity.open_objections(session, tender.id):
        out.append(ObjectionOpen.code)
    if await publicity.open_complaints(session, tender.id):
        out.append(ComplaintOpen.code)
    return out


async def _not_paused(session: AsyncSession, tender_id: str) -> None:
    """An open objection or complaint pauses the process (Bidding Regs Art.54; docs/award.md)."""
    waiting = await publicity.open_objections(session, tender_id)
    if waiting:
        raise ObjectionOpen(detail={"objections": [o.id for o in waiting]})
    complaints = await publicity.open_complaints(session, tender_id)
    if complaints:
        raise ComplaintOpen(detail={"complaints": [c.id for c in complaints]})


# ---------------------------------------------------------------- confirm the winner


async def confirm_award(
    session: AsyncSession, actor: Actor, tender_id: str, lot_id: str, *, candidate_id: str, reason: str,
    now: datetime, blobs: BlobStore, reminder_day: int = rules.REMINDER_DAY,
) -> Award:
    """定标 for one lot. Construction issues the award notice at once; procurement schedules the result notice
    (publish_result) within 2 working days (MOF 87 Art.69)."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if not manages(actor, tender) or actor.user_id is None:
        raise NotManager()
    line = TradingLine(tender.line)
    p = await publicity.latest_publicity(session, tender_id, lock=True)
    if tender.status not in READY.get(line, frozenset()) or p is None or p.status == PublicityStatus.withdrawn:
        raise NotReady(detail={"tender_status": str(tender.status)})
    if line == TradingLine.construction and (p.ends_at is None or now < p.ends_at):
        raise PublicityRunning(detail={"ends_at": p.ends_at.isoformat() if p.ends_at else None})
    await _not_paused(session, tender_id)
    await ensure_trading_open(session, tender.project_id)
    lot = await session.get(Lot, lot_id)
    if lot is None or lot.tender_id != tender_id:
        raise CandidateNotFound(detail={"lot_id": lot_id})
    live = (await session.execute(lock_for_update(session, select(Award).where(
        Award.lot_id == lot_id, Award.status.in_(rules.LIVE))))).scalars().first()
    if live is not None:
        raise AlreadyAwarded(detail={"award_id": live.id})
    groups = {g.lot.id: g for g in await content.lot_candidates(session, tender_id, p.evaluation_id)}
    rows = groups[lot_id].rows if lot_id in groups else []
    chosen = next((r for r in rows if r.candidate_id == candidate_id), None)
    if chosen is None:
        raise CandidateNotFound(detail={"candidate_id": candidate_id})
    excluded = {e.candidate_id for e in await exclusions_of(session, tender_id) if e.lot_id == lot_id}
    project = await session.get(Project, tender.project_id)
    ranked = rules.must_follow_ranking(line, bool(project and project.state_funded))
    text = (reason or "").strip()[:4000]
    choice = rules.check_choice([_Ranked(r.candidate_id, r.rank) for r in rows], excluded, candidate_id,
                                ranked=ranked, reason=text)
    if choice.problem == "excluded":
        raise CandidateExcluded(detail={"candidate_id": candidate_id})
    if choice.problem == "rank_one_required":
        raise RankOneRequired(detail={"rank": chosen.rank, "state_funded": bool(project and project.state_funded),
                                      "line": str(line)})
    if choice.problem == "reason_required":
        raise ReasonRequired(detail={"rank": chosen.rank})
    for skipped in choice.skipped:
        session.add(CandidateExclusion(tender_id=tender_id, lot_id=lot_id, candidate_id=skipped,
                                       kind=ExclusionKind.gave_up, reason=text, source="award",
                                       recorded_by=actor.user_id, at=now))
    revision = int((await session.execute(select(func.count(Award.id)).where(Award.lot_id == lot_id)))
                   .scalar_one()) + 1
    award = Award(tender_id=tender_id, lot_id=lot_id, evaluation_id=p.evaluation_id, candidate_id=candidate_id,
                  bidder_org_id=chosen.bidder_org_id, rank=chosen.rank, price=chosen.price, status=A.confirmed,
                  reason=text, confirmed_by=actor.user_id, confirmed_at=now,
                  letter_no=rules.letter_no(tender.code, lot.number, revision))
    session.add(award)
    await session.flush()
    await record(session, "award:confirmed", actor, subject_type="award", subject_id=award.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender_id, "lot_id": lot_id, "candidate_id": candidate_id, "rank": chosen.rank,
                        "bidder_org_id": chosen.bidder_org_id, "price": chosen.price, "reason": text,
                        "ranked": ranked, "skipped_gave_up": list(choice.skipped),
                        "law": "MOF 87 Art.68" if line == TradingLine.procurement else "Bidding Regs Art.55"})
    if line == TradingLine.procurement:
        due = deadline(now, rules_for(line).result_publish or rules_for(line).publish, await load_overrides(session))
        award.publish_due, award.deadline_provisional, award.next_check_at = due.at, due.provisional, due.at
        p.next_check_at = None  # the purchaser confirmed: the Art.68 deadline is met
        await notify_orgs(
            session, parties.managers(tender), kind="award:confirmed", tender_id=tender_id,
            project_id=tender.project_id, now=now, link=desk_link(tender_id),
            title_zh=f"已确定中标人，待发布结果公告：{tender.title}", title_en=f"Winner confirmed: {tender.title}",
            body_zh=f"{tender.code} 标段 {lot.number} 已确定中标人 {chosen.bidder}。请于 {show(due.at)}（北京时间）前"
                    "发布中标结果公告并同时发出中标通知书（财政部87号令第六十九条）。",
            body_en=f"{tender.code} lot {lot.number}: winner {chosen.bidder}. Publish the result notice and send the "
                    f"award notice by {show(due.at)} (Beijing, MOF 87 Art.69).")
    else:
        await _issue(session, actor, tender, award, lot=lot, rows=rows, now=now, blobs=blobs, reminder_day=reminder_day)
    await commit(session)
    return award


@dataclass(frozen=True)
class _Ranked:
    id: str
    rank: int


async def publish_result(session: AsyncSession, actor: Actor, award_id: str, *, now: datetime, blobs: BlobStore,
                         reminder_day: int = rules.REMINDER_DAY) -> Award:
    """Procurement: the result notice (with the committee's names) and the award notice go out together."""
    found = await session.get(Award, award_id)
    if found is None:
        raise AwardNotFound()
    tender = await tender_docs.get_tender(session, found.tender_id, lock=True)
    if not manages(actor, tender):
        raise NotManager()
    award: Award = (await session.execute(lock_for_update(session, select(Award).where(Award.id == award_id)
                                                          .execution_options(populate_existing=True)))).scalars().one()
    if award.status != A.confirmed:
        raise BadAwardTransition(detail={"status": str(award.status)})
    await ensure_trading_open(session, tender.project_id)
    lot = await session.get(Lot, award.lot_id)
    assert lot is not None
    groups = {g.lot.id: g for g in await content.lot_candidates(session, tender.id, award.evaluation_id)}
    rows = groups[lot.id].rows if lot.id in groups else []
    await _issue(session, actor, tender, award, lot=lot, rows=rows, now=now, blobs=blobs, reminder_day=reminder_day)
    await commit(session)
    return award


async def _issue(session: AsyncSession, actor: Actor, tender: Tender, award: Award, *, lot: Lot,
                 rows: list[content.CandidateRow], now: datetime, blobs: BlobStore, reminder_day: int) -> None:
    """The award notice PDF to the winner, the result to the others, the public result notice."""
    procurement = TradingLine(tender.line) == TradingLine.procurement
    line_rules = rules_for(tender.line)
    winner = next(r for r in rows if r.candidate_id == award.candidate_id)
    others = [r for r in rows if r.candidate_id != award.candidate_id]
    tenderer, agency, contacts = await _contacts(session, tender, procurement)
    notice_end = window_end = None
    committee: list[tuple[str, str]] = []
    if procurement:
        notice_end, window_end = publicity.result_window_preview(now, tender.line, await load_overrides(session))
        committee = await content.committee_names(session, tender.id)
    project = await session.get(Project, tender.project_id)
    body = content.result_body(
        tender, tenderer=tenderer, agency=agency, lot=lot, winner=winner, others=others,
        confirmed_at=award.confirmed_at, procurement=procurement, committee=committee, rules=line_rules,
        notice_ends_at=notice_end, objection_ends_at=window_end,
        objection_link=publicity.desk_link(tender.id), contacts=contacts)
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.result, line=tender.line,
        region=project.region if project else "",
        title=f"{tender.title}{'（标段' + str(lot.number) + '）' if await _multi_lot(session, tender.id) else ''}"
              f"{'中标（成交）结果公告' if procurement else '中标结果公示'}",
        body=body,
        data=jsonable({
            "award_id": award.id, "lot_id": lot.id, "lot_number": lot.number, "winner": winner.bidder,
            "price": winner.price, "rank": winner.rank, "committee": [n for n, _ in committee],
            "notice_ends_at": notice_end, "objection_ends_at": window_end,
            "law": "MOF 87 Art.69" if procurement else "10号令 Art.6; E-Bidding Measures Art.41",
        }),
        published_at=now, published_by=actor.user_id or "",
    )
    session.add(notice)
    await session.flush()
    before = {"status": award.status}
    award.status, award.notified_at, award.result_notice_id = A.notified, now, notice.id
    award.contract_due = rules.contract_due(now)
    award.remind_at = rules.reminder_at(now, reminder_day)
    award.next_check_at = award.remind_at
    entry = await record(session, "award:notified", actor, subject_type="award", subject_id=award.id,
                         project_id=tender.project_id, before=before, now=now,
                         after={"status": award.status, "tender_id": tender.id, "lot_id": lot.id,
                                "letter_no": award.letter_no, "result_notice_id": notice.id,
                                "contract_due": award.contract_due, "remind_at": award.remind_at,
                                "committee_published": procurement,
                                "late": bool(award.publish_due and now >= award.publish_due),
                                "law": "Tendering Law Art.45; Evaluation Rules Art.49"})
    award.letter_audit_hash = entry.hash
    pdf = render_pdf(_letter_data(tender, lot, award, winner, tenderer=tenderer, agency=agency))
    award.letter_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    await _store(blobs, pdf)
    await record(session, "award:letter_pdf", actor, subject_type="award", subject_id=award.id,
                 project_id=tender.project_id, now=now,
                 after={"letter_pdf_sha256": award.letter_pdf_sha256, "letter_audit_hash": entry.hash})
    due_day = f"{last_day(award.contract_due):%Y年%m月%d日}"
    await notify_orgs(
        session, [award.bidder_org_id], kind="award:notice", tender_id=tender.id, project_id=tender.project_id,
        now=now, link=letter_link(award.id),
        title_zh=f"中标通知书：{tender.title}", title_en=f"Award notice: {tender.title}",
        body_zh=f"贵单位为 {tender.code} 标段 {lot.number}（{lot.name}）的中标人，中标价 {fmt(award.price)} 元"
                f"（{in_words(award.price)}）。请于 {due_day} 前与{'采购人' if procurement else '招标人'}"
                "签订书面合同。",
        body_en=f"You won {tender.code} lot {lot.number} ({lot.name}) at {fmt(award.price)} yuan. Sign the contract "
                f"by {last_day(award.contract_due):%Y-%m-%d}.")
    losers = [o for o in await parties.bidder_orgs(session, tender.id) if o != award.bidder_org_id]
    await notify_orgs(
        session, losers, kind="award:result", tender_id=tender.id, project_id=tender.project_id, now=now,
        link=f"/notices/{notice.id}",
        title_zh=f"中标结果通知：{tender.title}", title_en=f"Result: {tender.title}",
        body_zh=f"{tender.code} 标段 {lot.number} 的中标人为 {winner.bidder}，中标价 {fmt(award.price)} 元。"
                "感谢贵单位参与投标。",
        body_en=f"{tender.code} lot {lot.number} was awarded to {winner.bidder} at {fmt(award.price)} yuan. "
                "Thank you for bidding.")
    publicity._notice_event(session, notice)
    if procurement:
        await publicity.open_result_window(session, tender, notice, now)
    await _settle(session, actor, tender, now)


async def _multi_lot(session: AsyncSession, tender_id: str) -> bool:
    return int((await session.execute(select(func.count(Lot.id)).where(Lot.tender_id == tender_id)))
               .scalar_one()) > 1


async def _contacts(session: AsyncSession, tender: Tender, procurement: bool) -> tuple[str, str, list[str]]:
    tenderer = await parties.org(session, tender.tenderer_org_id)
    agency = await parties.org(session, tender.agency_org_id)
    labels = ["采购人", "采购代理机构"] if procurement else ["招标人", "招标代理机构"]
    return (tenderer.name if tenderer else ""), (agency.name if agency else ""), content.contacts_of(
        [tenderer, agency], labels)


def _letter_data(tender: Tender, lot: Lot, award: Award, winner: content.CandidateRow, *, tenderer: str,
                 agency: str) -> LetterData:
    assert award.notified_at is not None and award.contract_due is not None
    return LetterData(
        letter_no=award.letter_no, tender_title=tender.title, tender_code=tender.code,
        lot=f"标段 {lot.number}（{lot.name}）", procurement=TradingLine(tender.line) == TradingLine.procurement,
        winner=winner.bidder, tenderer=tenderer, agency=agency, price=award.price,
        duration_days=winner.duration_days, quality=winner.quality, project_lead=winner.project_lead,
        lead_certificate=winner.lead_certificate, issued_at=award.notified_at, contract_due=award.contract_due,
        audit_hash=award.letter_audit_hash or "")


async def _store(blobs: BlobStore, data: bytes) -> None:
    async def one() -> AsyncIterator[bytes]:
        yield data

    await blobs.put_stream(one(), len(data))


async def _lots_with_candidates(session: AsyncSession, tender: Tender, evaluation_id: str) -> set[str]:
    return {g.lot.id for g in await content.lot_candidates(session, tender.id, evaluation_id)}


async def _settle(session: AsyncSession, actor: Actor, tender: Tender, now: datetime) -> None:
    """Tender → awarded once every lot with candidates has its award notice; → contracted once every live
    award has its contract."""
    p = await publicity.latest_publicity(session, tender.id)
    if p is None:
        return
    needed = await _lots_with_candidates(session, tender, p.evaluation_id)
    awards = [a for a in await awards_of(session, tender.id) if a.status in rules.LIVE]
    issued = {a.lot_id for a in awards if a.status in (A.notified, A.contracted)}
    before = {"status": tender.status}
    if tender.status in (TenderStatus.publicity, TenderStatus.evaluated) and needed and needed <= issued:
        tender_state.transition_to(tender, TenderStatus.awarded)
        tender.updated_at = now
        await record(session, "tender:awarded", actor, subject_type="tender", subject_id=tender.id,
                     project_id=tender.project_id, before=before, now=now,
                     after={"status": tender.status, "awards": [a.id for a in awards]})
    contracted = {a.lot_id for a in awards if a.status == A.contracted}
    if tender.status == TenderStatus.awarded and needed and needed <= contracted:
        before = {"status": tender.status}
        tender_state.transition_to(tender, TenderStatus.contracted)
        tender.updated_at = now
        await record(session, "tender:contracted", actor, subject_type="tender", subject_id=tender.id,
                     project_id=tender.project_id, before=before, now=now,
                     after={"status": tender.status, "contracts": sorted(contracted)})


# ---------------------------------------------------------------- the letter


async def _readable_award(session: AsyncSession, actor: Actor, award_id: str) -> tuple[Award, Tender]:
    """The winner, the tender's managers, the centre and the line's supervisor; 404 for anyone else."""
    award = await session.get(Award, award_id)
    if award is None:
        raise AwardNotFound()
    tender = await tender_docs.get_tender(session, award.tender_id)
    if not (_may_see_all(actor, tender) or (actor.org_id is not None and actor.org_id == award.bidder_org_id
                                            and actor.role == Role.bidder)):
        raise AwardNotFound()
    return award, tender


async def letter_pdf(session: AsyncSession, actor: Actor, award_id: str, *, blobs: BlobStore) -> tuple[bytes, str]:
    """The 中标通知书 PDF; rebuilt and stored when the blob is missing, refused unless byte-identical."""
    award, tender = await _readable_award(session, actor, award_id)
    if not award.letter_pdf_sha256 or award.notified_at is None:
        raise LetterNotIssued()
    sha = award.letter_pdf_sha256
    if await blobs.exists(sha):
        return b"".join([c async for c in blobs.open(sha)]), sha
    lot = await session.get(Lot, award.lot_id)
    assert lot is not None
    groups = {g.lot.id: g for g in await content.lot_candidates(session, tender.id, award.evaluation_id)}
    winner = next(r for r in groups[lot.id].rows if r.candidate_id == award.candidate_id)
    tenderer, agency, _ = await _contacts(session, tender, TradingLine(tender.line) == TradingLine.procurement)
    pdf = render_pdf(_letter_data(tender, lot, award, winner, tenderer=tenderer, agency=agency))
    if hashlib.sha256(pdf).hexdigest() != sha:
        raise LetterMismatch()
    await _store(blobs, pdf)
    return pdf, sha


# ---------------------------------------------------------------- the contract


def parse_amount(raw: str | Decimal) -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise BadContract("award.bad_amount", "合同金额应为正数（元，最多两位小数）",
                          "The amount must be a positive number of yuan (two decimals at most)",
                          detail={"field": "amount"}) from None
    if not value.is_finite() or value <= 0 or value >= MAX_CONTRACT_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise BadContract("award.bad_amount", "合同金额应为正数（元，最多两位小数）",
                          "The amount must be a positive number of yuan (two decimals at most)",
                          detail={"field": "amount"})
    return value


def parse_signed_on(raw: str | date) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise BadContract("award.bad_signed_on", "签订日期格式应为 YYYY-MM-DD", "The signing date must be YYYY-MM-DD",
                          detail={"field": "signed_on"}) from None


async def _pdf_chunks(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Peek the first bytes: only a PDF is accepted, and nothing is stored otherwise."""
    first = b""
    async for chunk in chunks:
        first += chunk
        if len(first) >= 5:
            break
    if not first.startswith(b"%PDF-"):
        raise BadContract("award.contract_not_pdf", "请上传合同的 PDF 文件", "Upload the contract as a PDF file",
                          detail={"field": "file"})

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return rest()


async def record_contract(
    session: AsyncSession, actor: Actor, award_id: str, *, amount: str | Decimal, signed_on: str | date,
    upload: Upload, max_bytes: int, blobs: BlobStore, now: datetime,
) -> Contract:
    """合同备案: amount, signing date and the signed PDF. Within 30 days of the award notice (Evaluation Rules
    Art.49); later is still accepted, flagged late (the supervisor was alerted by the chronograph)."""
    award, tender = await _contract_checks(session, actor, award_id, now)
    value = parse_amount(amount)
    day = parse_signed_on(signed_on)
    assert award.notified_at is not None
    if day < local_day(award.notified_at) or day > local_day(now):
        raise BadContract("award.bad_signed_on", "签订日期应在中标通知书发出之日与今天之间",
                          "The signing date lies between the award notice and today", detail={"field": "signed_on"})
    from ggzy.tender.documents import clean_content_type, clean_filename

    filename = clean_filename(upload.filename)
    ctype = clean_content_type(upload.content_type)
    chunks = await _pdf_chunks(upload.chunks)
    # End the read transaction: on SQLite it holds the only write lock, which must not wait on a slow upload.
    await session.rollback()
    sha, size = await blobs.put_stream(chunks, max_bytes)
    award, tender = await _contract_checks(session, actor, award_id, now)
    late = award.contract_due is not None and now >= award.contract_due
    contract = Contract(award_id=award.id, tender_id=tender.id, lot_id=award.lot_id, amount=value, signed_on=day,
                        sha256=sha, filename=filename, content_type=ctype if ctype != "application/octet-stream"
                        else "application/pdf", size=size, late=late, recorded_by=actor.user_id or "",
                        recorded_at=now)
    session.add(contract)
    before = {"status": award.status}
    award.status, award.next_check_at = A.contracted, None
    await session.flush()
    procurement = TradingLine(tender.line) == TradingLine.procurement
    if procurement:
        contract.notice_id = (await _contract_notice(session, actor, tender, award, contract=contract, now=now)).id
    await record(session, "contract:recorded", actor, subject_type="award", subject_id=award.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"status": award.status, "contract_id": contract.id, "tender_id": tender.id,
                        "lot_id": award.lot_id, "amount": value, "signed_on": day.isoformat(), "sha256": sha,
                        "size": size, "late": late, "contract_due": award.contract_due, "notice_id": contract.notice_id,
                        "law": "Evaluation Rules Art.49" + ("; GP Regs Art.50" if procurement else "")})
    recipients = [award.bidder_org_id, *parties.managers(tender)]
    if late:
        recipients += await parties.supervisor_orgs(session, str(tender.line))
    await notify_orgs(
        session, recipients, kind="contract:recorded", tender_id=tender.id, project_id=tender.project_id, now=now,
        link=desk_link(tender.id),
        title_zh=f"合同已备案{'（逾期）' if late else ''}：{tender.title}",
        title_en=f"Contract recorded{' (late)' if late else ''}: {tender.title}",
        body_zh=f"{tender.code} 合同金额 {fmt(value)} 元，签订日期 {day:%Y年%m月%d日}"
                + (f"；已超过 {show(award.contract_due)} 的签约期限（《评标委员会和评标方法暂行规定》第四十九条）。"
                   if late else "。"),
        body_en=f"{tender.code}: contract of {fmt(value)} yuan signed on {day.isoformat()}"
                + (f"; after the deadline {show(award.contract_due)} (Evaluation Rules Art.49)." if late else "."))
    await _settle(session, actor, tender, now)
    from ggzy.fees.service import on_contract_recorded  # fees reads award's models: import late

    await on_contract_recorded(session, contract, now)  # 交易服务费 on the contract amount, same transaction
    await commit(session)
    return contract


async def _contract_checks(session: AsyncSession, actor: Actor, award_id: str, now: datetime) -> tuple[Award, Tender]:
    found = await session.get(Award, award_id)
    if found is None:
        raise AwardNotFound()
    tender = await tender_docs.get_tender(session, found.tender_id, lock=True)
    if not manages(actor, tender) or actor.user_id is None:
        raise NotManager()
    award = (await session.execute(lock_for_update(session, select(Award).where(Award.id == award_id)
                                                   .execution_options(populate_existing=True)))).scalars().one()
    if award.status == A.contracted:
        raise ContractExists()
    if award.status != A.notified:
        raise BadAwardTransition(detail={"status": str(award.status)})
    await _not_paused(session, tender.id)
    await ensure_trading_open(session, tender.project_id)
    return award, tender


async def _contract_notice(session: AsyncSession, actor: Actor, tender: Tender, award: Award, *, contract: Contract,
                           now: datetime) -> Notice:
    """合同公告 (GP Regs Art.50: within 2 working days of signing; published as it is recorded)."""
    lot = await session.get(Lot, award.lot_id)
    winner = await parties.org(session, award.bidder_org_id)
    tenderer = await parties.org(session, tender.tenderer_org_id)
    project = await session.get(Project, tender.project_id)
    body = "\n".join([
        f"{tender.title}（项目编号：{tender.code}）政府采购合同已经签订，现予公告（《中华人民共和国政府采购法实施条例》第五十条）。",
        "",
        f"采购人：{tenderer.name if tenderer else ''}",
        f"供应商：{winner.name if winner else ''}",
        f"标段（包）：{lot.number if lot else ''} {lot.name if lot else ''}",
        f"合同金额：{fmt(contract.amount)} 元（{in_words(contract.amount)}）",
        f"合同签订日期：{contract.signed_on:%Y年%m月%d日}",
        f"中标通知书编号：{award.letter_no}",
        f"合同文本 SHA-256：{contract.sha256}",
    ])
    notice = Notice(project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.contract, line=tender.line,
                    region=project.region if project else "", title=f"{tender.title}合同公告", body=body,
                    data=jsonable({"award_id": award.id, "contract_id": contract.id, "amount": contract.amount,
                                   "signed_on": contract.signed_on.isoformat(), "sha256": contract.sha256,
                                   "law": "GP Regs Art.50"}),
                    published_at=now, published_by=actor.user_id or "")
    session.add(notice)
    await session.flush()
    publicity._notice_event(session, notice)
    return notice


async def contract_of(session: AsyncSession, actor: Actor, award_id: str) -> Contract:
    """The contract record (file included) for the winner, the managers, the centre and the line's supervisor."""
    award, _tender = await _readable_award(session, actor, award_id)
    found = (await session.execute(select(Contract).where(Contract.award_id == award.id))).scalars().first()
    if found is None:
        raise ContractNotFound()
    return found


# ---------------------------------------------------------------- chronograph


async def sweep_award(session: AsyncSession, row: Award, now: datetime) -> None:
    """Procurement: the result notice overdue → supervisor alert. Notified: the reminder on day 25, the
    supervisor alert once the 30 days passed without a contract."""
    award = (await session.execute(lock_for_update(session, select(Award).where(Award.id == row.id)
                                                   .execution_options(populate_existing=True)))).scalars().one()
    award.next_check_at = None
    tender = await tender_docs.get_tender(session, award.tender_id)
    if award.status == A.confirmed and award.publish_due is not None and award.late_alerted_at is None:
        if now < award.publish_due:
            award.next_check_at = award.publish_due
            return
        award.late_alerted_at = now
        await record(session, "award:result_overdue", AWARDS, subject_type="award", subject_id=award.id,
                     project_id=tender.project_id, now=now,
                     after={"publish_due": award.publish_due, "law": "MOF 87 Art.69"})
        await _alert(session, tender, kind="award:result_overdue", now=now,
                     title_zh=f"逾期未发布中标结果公告：{tender.title}",
                     title_en=f"Result notice overdue: {tender.title}",
                     body_zh=f"{tender.code} 已确定中标人，应于 {show(award.publish_due)}（北京时间）前发布中标结果公告"
                             "（财政部87号令第六十九条），至今未发布。",
                     body_en=f"{tender.code}: the winner was confirmed; the result notice was due by "
                             f"{show(award.publish_due)} (Beijing, MOF 87 Art.69).")
        return
    if award.status != A.notified or award.contract_due is None:
        return
    if award.remind_at is not None and award.reminded_at is None and now < award.contract_due:
        if now < award.remind_at:
            award.next_check_at = award.remind_at
            return
        award.reminded_at = now
        await record(session, "award:contract_reminder", AWARDS, subject_type="award", subject_id=award.id,
                     project_id=tender.project_id, now=now, after={"contract_due": award.contract_due})
        await notify_orgs(
            session, parties.managers(tender), kind="award:contract_reminder", tender_id=tender.id,
            project_id=tender.project_id, now=now, link=desk_link(tender.id),
            title_zh=f"合同签订提醒：{tender.title}", title_en=f"Contract reminder: {tender.title}",
            body_zh=f"{tender.code} 中标通知书编号 {award.letter_no}："
                    f"请于 {last_day(award.contract_due):%Y年%m月%d日} 前签订书面合同并在平台备案"
                    "（《评标委员会和评标方法暂行规定》第四十九条）。",
            body_en=f"{tender.code} award {award.letter_no}: sign and record the contract by "
                    f"{last_day(award.contract_due):%Y-%m-%d} (Evaluation Rules Art.49).")
        award.next_check_at = award.contract_due
        return
    if now < award.contract_due:
        award.next_check_at = award.contract_due
        return
    if award.late_alerted_at is None:
        award.late_alerted_at = now
        await record(session, "award:contract_overdue", AWARDS, subject_type="award", subject_id=award.id,
                     project_id=tender.project_id, now=now,
                     after={"contract_due": award.contract_due, "law": "Evaluation Rules Art.49"})
        await _alert(session, tender, kind="award:contract_overdue", now=now,
                     title_zh=f"逾期未签订合同：{tender.title}", title_en=f"Contract overdue: {tender.title}",
                     body_zh=f"{tender.code}（中标通知书 {award.letter_no}）应于 {show(award.contract_due)}"
                             "（北京时间）前签订合同（《评标委员会和评标方法暂行规定》第四十九条），至今未备案。",
                     body_en=f"{tender.code} (award {award.letter_no}): the contract was due by "
                             f"{show(award.contract_due)} (Beijing, Evaluation Rules Art.49); none is recorded.")


async def _alert(session: AsyncSession, tender: Tender, *, kind: str, title_zh: str, title_en: str, body_zh: str,
                 body_en: str, now: datetime) -> None:
    recipients = [*await parties.supervisor_orgs(session, str(tender.line)), *parties.managers(tender)]
    await notify_orgs(session, recipients, kind=kind, tender_id=tender.id, project_id=tender.project_id, now=now,
                      link=desk_link(tender.id), title_zh=title_zh, title_en=title_en, body_zh=body_zh,
                      body_en=body_en)


# ---------------------------------------------------------------- suspension (暂停交易) moves running deadlines


@register_pause_hook
async def pause_awards(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    stmt = update(Award).where(Award.next_check_at.is_not(None))
    if project_id is not None:
        stmt = stmt.where(Award.tender_id.in_(select(Tender.id).where(Tender.project_id == project_id)))
    await session.execute(stmt.values(next_check_at=None))
    return []


@register_deadline_shifter
async def shift_awards(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    """The result-notice deadline and the contract's 30 days move by the suspension's length."""
    stmt = (select(Award, Tender.project_id).join(Tender, Tender.id == Award.tender_id)
            .where(Award.status.in_((A.confirmed, A.notified))))
    if window.project_id is not None:
        stmt = stmt.where(Tender.project_id == window.project_id)
    out: list[Affected] = []
    for award, project_id in (await session.execute(stmt)).all():
        delay = window.delay_for(project_id)
        before: dict[str, Any] = {"publish_due": award.publish_due, "contract_due": award.contract_due,
                                  "remind_at": award.remind_at}
        award.publish_due = shift_deadline(award.publish_due, window.started_at, delay)
        award.contract_due = shift_deadline(award.contract_due, window.started_at, delay)
        award.remind_at = shift_deadline(award.remind_at, window.started_at, delay)
        if window.still_suspended(project_id) or award.late_alerted_at is not None:
            award.next_check_at = None
        elif award.status == A.confirmed:
            award.next_check_at = award.publish_due
        else:
            award.next_check_at = award.remind_at if award.reminded_at is None else award.contract_due
        out.append(Affected("award", award.id, project_id, before,
                            {"publish_due": award.publish_due, "contract_due": award.contract_due,
                             "remind_at": award.remind_at, "next_check_at": award.next_check_at}))
    return out
