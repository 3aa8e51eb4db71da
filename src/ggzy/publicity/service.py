"""Use cases of candidate publicity (中标候选人公示) and objections (异议 / 质疑): the only writer of publicity rows.

- `on_report_final` (called by the evaluation service in its finalising transaction) schedules the next step:
  construction must publish the candidates within 3 days (Bidding Regs Art.54), procurement must confirm the
  winner within 5 working days (MOF 87 Art.68).
- The agency (or the tenderer) publishes the candidates with one action: the public notice, a window of at
  least 3 days, the bidders told.
- A bidder of the tender objects only inside the window (construction: the publicity; procurement: 7 working
  days from the end of the result notice's period). An open objection PAUSES the process: the award is
  blocked until it is answered (award.service checks it in its own transaction); the window itself is not
  extended (docs/award.md says why).
- The chronograph closes windows and alerts the line's supervisor when a deadline passes unmet.

Every write locks the tender row first, re-checks its clock inside the transaction and records an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import jsonable, record
from ggzy.auth.actor import Actor, system_actor
from ggzy.award.remedies import apply_remedy, check_remedy
from ggzy.evaluation.models import Evaluation
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project.models import Notice, NoticeKind, Project, TradingLine
from ggzy.publicity import content, parties
from ggzy.publicity.errors import (
    AlreadyAnswered,
    AlreadyPublished,
    BadRemedy,
    BadWindow,
    LotNotInTender,
    NotABidder,
    NotManager,
    NotPublished,
    ObjectionNotFound,
    PublicityNotFound,
    TextRequired,
    WindowClosed,
    WrongLine,
)
from ggzy.publicity.models import Objection, ObjectionStatus, Publicity, PublicityKind, PublicityStatus, Remedy
from ggzy.publicity.rules import (
    MAX_TEXT,
    Period,
    complaint_deadline,
    deadline,
    following,
    in_window,
    last_day,
    manages,
    rules_for,
    supervises,
    window_days_problem,
)
from ggzy.realtime.broker import publish_after_commit
from ggzy.realtime.channels import NOTICES
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.guard import ensure_trading_open
from ggzy.supervision.models import Complaint, ComplaintStatus
from ggzy.supervision.rules import shift_deadline
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Lot, Tender, TenderStatus
from ggzy.workdays.service import load_overrides

PUBLICITY = system_actor("publicity")
"""The platform acting when a report becomes final and when a deadline passes (`system:publicity`)."""
P = PublicityStatus
OPEN_COMPLAINTS = (ComplaintStatus.filed, ComplaintStatus.accepted)


def desk_link(tender_id: str) -> str:
    return f"/workspace/tenders/{tender_id}/publicity"


# ---------------------------------------------------------------- reads


async def latest_publicity(session: AsyncSession, tender_id: str, *, lock: bool = False) -> Publicity | None:
    stmt = select(Publicity).where(Publicity.tender_id == tender_id).order_by(Publicity.round.desc()).limit(1)
    if lock:
        stmt = lock_for_update(session, stmt)
    return (await session.execute(stmt)).scalars().first()


async def open_objections(session: AsyncSession, tender_id: str) -> list[Objection]:
    stmt = select(Objection).where(Objection.tender_id == tender_id, Objection.status == ObjectionStatus.open)
    return list((await session.execute(stmt.order_by(Objection.filed_at))).scalars().all())


async def open_complaints(session: AsyncSession, tender_id: str) -> list[Complaint]:
    stmt = select(Complaint).where(Complaint.tender_id == tender_id, Complaint.status.in_(OPEN_COMPLAINTS))
    return list((await session.execute(stmt.order_by(Complaint.filed_at))).scalars().all())


def _objections_visible(actor: Actor, tender: Tender) -> Any:
    """Access control in the query: the objector sees its own; the managers, the centre and the line's supervisor
    see all; everyone else none (objections are not public; their outcome shows in the notices)."""
    if actor.is_centre or manages(actor, tender) or supervises(actor, tender):
        return True
    if actor.role == Role.bidder and actor.org_id is not None:
        return Objection.bidder_org_id == actor.org_id
    return False


async def list_objections(session: AsyncSession, actor: Actor, tender_id: str) -> list[Objection]:
    tender = await tender_docs.get_tender(session, tender_id)
    cond = _objections_visible(actor, tender)
    if cond is False:
        return []
    stmt = select(Objection).where(Objection.tender_id == tender_id, cond).order_by(Objection.filed_at, Objection.id)
    return list((await session.execute(stmt)).scalars().all())


async def get_objection(session: AsyncSession, actor: Actor, objection_id: str) -> tuple[Objection, Tender]:
    """One objection the caller may see (404 otherwise, so its existence is not revealed)."""
    found = await session.get(Objection, objection_id)
    if found is None:
        raise ObjectionNotFound()
    tender = await tender_docs.get_tender(session, found.tender_id)
    cond = _objections_visible(actor, tender)
    if cond is False or (cond is not True and found.bidder_org_id != actor.org_id):
        raise ObjectionNotFound()
    return found, tender


@dataclass
class PublicityView:
    tender: Tender
    publicity: Publicity | None
    objections: list[Objection]
    lots: list[Lot]
    can_publish: bool = False
    can_object: bool = False
    can_answer: bool = False
    is_bidder: bool = False
    open_complaints: int = 0
    bidders: dict[str, str] = field(default_factory=dict)


async def view(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> PublicityView:
    """What the desk shows this caller: the window for everyone, objections as _objections_visible allows."""
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    p = await latest_publicity(session, tender_id)
    objs = await list_objections(session, actor, tender_id)
    lots = list((await session.execute(select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number)))
                .scalars().all())
    bidder = actor.role == Role.bidder and await parties.is_bidder(session, tender_id, actor.org_id)
    names = await parties_names(session, [o.bidder_org_id for o in objs])
    return PublicityView(
        tender=tender, publicity=p, objections=objs, lots=lots,
        can_publish=bool(p and p.status == P.due and p.kind == PublicityKind.candidates and manages(actor, tender)
                         and tender.status == TenderStatus.evaluated),
        can_object=bool(p and bidder and p.status in (P.open, P.ended) and in_window(p.published_at, p.ends_at, now)),
        can_answer=manages(actor, tender), is_bidder=bidder,
        open_complaints=len(await open_complaints(session, tender_id)), bidders=names,
    )


async def parties_names(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    from ggzy.project.service import org_names

    return await org_names(session, ids)


# ---------------------------------------------------------------- the report is final (evaluation hand-over)


async def on_report_final(session: AsyncSession, tender: Tender, evaluation: Evaluation, now: datetime) -> Publicity:
    """In the evaluation's finalising transaction: schedule publication (construction, within 3 days, Bidding
    Regs Art.54) or the purchaser's confirmation (procurement, within 5 working days, MOF 87 Art.68)."""
    rules = rules_for(tender.line)
    previous = await latest_publicity(session, tender.id)
    due = deadline(now, rules.publish, await load_overrides(session))
    procurement = TradingLine(tender.line) == TradingLine.procurement
    p = Publicity(
        tender_id=tender.id, evaluation_id=evaluation.id, round=(previous.round + 1) if previous else 1,
        kind=PublicityKind.result if procurement else PublicityKind.candidates, status=P.due, report_at=now,
        publish_due=due.at, deadline_provisional=due.provisional, next_check_at=due.at, created_at=now,
    )
    session.add(p)
    await session.flush()
    await record(session, "publicity:scheduled", PUBLICITY, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, now=now,
                 after={"publicity_id": p.id, "evaluation_id": evaluation.id, "round": p.round, "kind": p.kind,
                        "publish_due": p.publish_due, "provisional": p.deadline_provisional,
                        "law": rules.publish.law_en})
    if procurement:
        zh = (f"{tender.code} 评审结束。采购人应当自收到评审报告之日起{rules.publish.words_zh}内（{show(due.at)} 前），"
              f"在评审报告推荐的中标候选人中按顺序确定中标人（{rules.publish.law_zh}）。")
        en = (f"{tender.code}: evaluation over. The purchaser confirms the winner, in the report's order, within "
              f"{rules.publish.words_en} (by {show(due.at)}, {rules.publish.law_en}).")
        link = f"/workspace/tenders/{tender.id}/award"
    else:
        zh = (f"{tender.code} 评标结束。请于 {show(due.at)}（北京时间）前发布中标候选人公示，公示期不少于3日"
              f"（{rules.publish.law_zh}）。")
        en = (f"{tender.code}: evaluation over. Publish the candidates by {show(due.at)} (Beijing); the publicity "
              f"lasts at least 3 days ({rules.publish.law_en}).")
        link = desk_link(tender.id)
    if due.provisional:
        zh += "（注意：该期限超出已公布的节假日安排，为暂定日期，请交易中心核实。）"
        en += " (Provisional: the date lies beyond the published holiday calendars; the centre must confirm it.)"
    # One message for "the report is final" and "what is due next" (kind kept from the evaluation room's own).
    await notify_orgs(session, parties.managers(tender), kind="evaluation:reported", tender_id=tender.id,
                      project_id=tender.project_id, now=now, link=link,
                      title_zh=f"待{'确定中标人' if procurement else '公示中标候选人'}：{tender.title}",
                      title_en=f"{'Confirm the winner' if procurement else 'Publish the candidates'}: {tender.title}",
                      body_zh=zh, body_en=en)
    return p


# ---------------------------------------------------------------- construction: publish the candidates


async def _contacts(session: AsyncSession, tender: Tender) -> tuple[str, str, list[str]]:
    tenderer = await parties.org(session, tender.tenderer_org_id)
    agency = await parties.org(session, tender.agency_org_id)
    lines = content.contacts_of([tenderer, agency], ["招标人", "招标代理机构"])
    return (tenderer.name if tenderer else ""), (agency.name if agency else ""), lines


async def publish_candidates(session: AsyncSession, actor: Actor, tender_id: str, *, window_days: int | None,
                             now: datetime) -> Publicity:
    """The agency (or tenderer) publishes the 中标候选人公示: a public notice with the content of 10号令 Art.6
    and a window of `window_days` calendar days (≥ 3, Bidding Regs Art.54)."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if not manages(actor, tender):
        raise NotManager()
    rules = rules_for(tender.line)
    if rules.window is None:
        raise WrongLine(detail={"line": str(tender.line)})
    days = rules.window.n if window_days is None else window_days
    problem = window_days_problem(days, rules.window.n)
    if problem is not None:
        raise BadWindow(detail={"problem": problem, "min": rules.window.n})
    await ensure_trading_open(session, tender.project_id)
    p = await latest_publicity(session, tender_id, lock=True)
    if p is None:
        raise PublicityNotFound()
    if p.status != P.due or tender.status != TenderStatus.evaluated:
        raise AlreadyPublished(detail={"status": str(p.status), "tender_status": str(tender.status)})
    ends = deadline(now, Period(days, "calendar", rules.window.law_zh, rules.window.law_en)).at
    lots = await content.lot_candidates(session, tender.id, p.evaluation_id)
    tenderer, agency, contacts = await _contacts(session, tender)
    body = content.candidate_publicity_body(
        tender, tenderer=tenderer, agency=agency, lots=lots, published_at=now, ends_at=ends, rules=rules,
        objection_link=desk_link(tender.id), contacts=contacts)
    project = await session.get(Project, tender.project_id)
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.candidate_publicity, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}中标候选人公示", body=body,
        data=jsonable({
            "publicity_id": p.id, "round": p.round, "window": {"from": now, "until": ends, "days": days},
            "lots": [{"lot_id": g.lot.id, "number": g.lot.number, "name": g.lot.name, "candidates": [
                {"rank": r.rank, "bidder": r.bidder, "price": r.price, "total_score": r.total_score,
                 "quality": r.quality, "duration_days": r.duration_days, "project_lead": r.project_lead,
                 "lead_certificate": r.lead_certificate, "qualification": r.qualification} for r in g.rows]}
                for g in lots],
            "objections": {"how": desk_link(tender.id), "answer_within": rules.answer.words_zh},
            "law": "Bidding Regs Art.54; 10号令 Art.6",
        }),
        published_at=now, published_by=actor.user_id or "",
    )
    session.add(notice)
    await session.flush()
    before = {"status": p.status, "tender_status": tender.status}
    tender_state.transition_to(tender, TenderStatus.publicity)
    tender.updated_at = now
    late = p.publish_due is not None and now >= p.publish_due
    p.status, p.published_at, p.window_days, p.ends_at = P.open, now, days, ends
    p.notice_id, p.published_by, p.next_check_at = notice.id, actor.user_id, ends
    await record(session, "publicity:published", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"publicity_id": p.id, "status": p.status, "tender_status": tender.status,
                        "notice_id": notice.id, "window_days": days, "ends_at": ends, "late": late,
                        "law": "Bidding Regs Art.54"})
    await notify_orgs(
        session, [*await parties.bidder_orgs(session, tender.id), *parties.managers(tender)],
        kind="publicity:published", tender_id=tender.id, project_id=tender.project_id, now=now,
        link=f"/notices/{notice.id}",
        title_zh=f"中标候选人公示：{tender.title}", title_en=f"Candidates published: {tender.title}",
        body_zh=f"{tender.code} 中标候选人公示至 {last_day(ends):%Y年%m月%d日} 24:00（北京时间）。"
                f"对评标结果有异议的，请在公示期内通过本平台提出（{desk_link(tender.id)}）。",
        body_en=f"{tender.code}: candidates published until the end of {last_day(ends):%Y-%m-%d} (Beijing). "
                f"Objections during the publicity, on the platform ({desk_link(tender.id)}).",
    )
    _notice_event(session, notice)
    await commit(session)
    return p


def _notice_event(session: AsyncSession, notice: Notice) -> None:
    publish_after_commit(session, None, NOTICES, "notice:published", {
        "id": notice.id, "kind": notice.kind, "project_id": notice.project_id, "title": notice.title,
        "line": notice.line, "published_at": notice.published_at.isoformat(),
    })


# ---------------------------------------------------------------- procurement: the result notice opens 质疑


async def open_result_window(session: AsyncSession, tender: Tender, notice: Notice, now: datetime) -> Publicity:
    """In the award's transaction, when a procurement result notice is published: the notice period (1 working
    day, MOF 87 Art.69) and then 7 working days for 质疑 (GP Law Art.52; GP Regs Art.53: counted from the end of
    the notice period). A later lot's notice extends the window to its own end."""
    rules = rules_for(tender.line)
    assert rules.notice_period is not None and rules.objection is not None
    p = await latest_publicity(session, tender.id, lock=True)
    if p is None:
        raise PublicityNotFound()
    overrides = await load_overrides(session)
    notice_end = deadline(now, rules.notice_period, overrides)
    # 公告期限届满之日 is the notice period's last day: the 质疑 period counts the working days after it.
    window_end = following(notice_end.at, rules.objection, overrides)
    before = {"status": p.status, "ends_at": p.ends_at}
    if p.published_at is None:
        p.published_at, p.notice_id, p.published_by = now, notice.id, notice.published_by or None
    p.notice_ends_at = max(p.notice_ends_at or notice_end.at, notice_end.at)
    p.ends_at = max(p.ends_at or window_end.at, window_end.at)
    p.deadline_provisional = p.deadline_provisional or notice_end.provisional or window_end.provisional
    p.status, p.next_check_at = P.open, p.ends_at
    await record(session, "publicity:result_window", PUBLICITY, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"publicity_id": p.id, "status": p.status, "notice_id": notice.id,
                        "notice_ends_at": p.notice_ends_at, "ends_at": p.ends_at,
                        "provisional": p.deadline_provisional, "law": "MOF 87 Art.69; GP Law Art.52; GP Regs Art.53"})
    return p


def result_window_preview(now: datetime, line: TradingLine | str, overrides: Any) -> tuple[datetime, datetime]:
    """(end of the notice period, end of the 质疑 window) for a result notice published at `now`."""
    rules = rules_for(line)
    assert rules.notice_period is not None and rules.objection is not None
    notice_end = deadline(now, rules.notice_period, overrides)
    return notice_end.at, following(notice_end.at, rules.objection, overrides).at


# ---------------------------------------------------------------- objections


async def file_objection(session: AsyncSession, actor: Actor, tender_id: str, *, body: str, lot_id: str | None,
                         now: datetime) -> Objection:
    """异议 / 质疑 by a bidder of the tender, inside the window only (otherwise 409 publicity.window_closed and
    nothing is written). It pauses the process until answered (Bidding Regs Art.54)."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if actor.role != Role.bidder or actor.user_id is None or not await parties.is_bidder(
            session, tender_id, actor.org_id):
        raise NotABidder()
    assert actor.org_id is not None
    text = (body or "").strip()
    if not text:
        raise TextRequired(detail={"field": "body"})
    await ensure_trading_open(session, tender.project_id)  # the window moves by the suspension's length instead
    p = await latest_publicity(session, tender_id, lock=True)
    if p is None or p.status == P.due or p.published_at is None:
        raise NotPublished()
    if p.status == P.withdrawn or not in_window(p.published_at, p.ends_at, now):
        raise WindowClosed(detail={"ends_at": p.ends_at.isoformat() if p.ends_at else None})
    if lot_id is not None:
        lot = await session.get(Lot, lot_id)
        if lot is None or lot.tender_id != tender_id:
            raise LotNotInTender(detail={"lot_id": lot_id})
    rules = rules_for(tender.line)
    due = deadline(now, rules.answer, await load_overrides(session))
    o = Objection(publicity_id=p.id, tender_id=tender_id, lot_id=lot_id, bidder_org_id=actor.org_id,
                  filed_by=actor.user_id, body=text[:MAX_TEXT], filed_at=now, answer_due=due.at,
                  deadline_provisional=due.provisional, status=ObjectionStatus.open, next_check_at=due.at)
    session.add(o)
    await session.flush()
    word_zh = "质疑" if p.kind == PublicityKind.result else "异议"
    await record(session, "objection:filed", actor, subject_type="objection", subject_id=o.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender_id, "publicity_id": p.id, "lot_id": lot_id, "bidder_org_id": actor.org_id,
                        "body": o.body, "answer_due": o.answer_due, "provisional": o.deadline_provisional,
                        "law": rules.answer.law_en})
    await notify_orgs(
        session, parties.managers(tender), kind="objection:filed", tender_id=tender_id,
        project_id=tender.project_id, now=now, link=desk_link(tender_id),
        title_zh=f"收到{word_zh}：{tender.title}", title_en=f"Objection received: {tender.title}",
        body_zh=f"{actor.org_name or '投标人'}对 {tender.code} 提出{word_zh}，请于 {show(due.at)}（北京时间）前答复"
                f"（{rules.answer.law_zh}）；答复前暂停招标投标活动。",
        body_en=f"{actor.org_name or 'A bidder'} objected to {tender.code}; answer by {show(due.at)} (Beijing) "
                f"({rules.answer.law_en}). The process is paused until then.",
    )
    await commit(session)
    return o


async def answer_objection(
    session: AsyncSession, actor: Actor, objection_id: str, *, answer: str, upheld: bool, remedy: Remedy | None,
    candidate_id: str | None, now: datetime,
) -> Objection:
    """The tenderer or its agency answers in writing: dismissed, or upheld with its remedy (award.remedies)."""
    found = await session.get(Objection, objection_id)
    if found is None:
        raise ObjectionNotFound()
    tender = await tender_docs.get_tender(session, found.tender_id, lock=True)
    if not manages(actor, tender):
        raise NotManager()
    o: Objection = (await session.execute(lock_for_update(session, select(Objection).where(
        Objection.id == objection_id).execution_options(populate_existing=True)))).scalars().one()
    if o.status != ObjectionStatus.open:
        raise AlreadyAnswered()
    text = (answer or "").strip()
    if not text:
        raise TextRequired(detail={"field": "answer"})
    if upheld and remedy is None:
        raise BadRemedy(detail={"field": "remedy"})
    if not upheld and remedy not in (None, Remedy.none):
        raise BadRemedy(detail={"field": "remedy"})
    chosen = remedy if upheld and remedy is not None else Remedy.none
    await check_remedy(session, tender, chosen, candidate_id)
    before = {"status": o.status}
    o.status = ObjectionStatus.upheld if upheld else ObjectionStatus.dismissed
    o.answer, o.answered_at, o.answered_by = text[:MAX_TEXT], now, actor.user_id
    o.answered_late, o.next_check_at = now >= o.answer_due, None
    o.remedy = chosen if upheld else None
    applied = None
    if upheld:
        applied = await apply_remedy(session, actor, tender, remedy=chosen, candidate_id=candidate_id,
                                     source=f"objection:{o.id}", reason=text[:MAX_TEXT], now=now)
        o.excluded_candidate_id = applied.excluded
    rules = rules_for(tender.line)
    complaint_until = complaint_deadline(tender.line, answered_at=now, answer_due=o.answer_due,
                                         overrides=await load_overrides(session)).at
    await record(session, "objection:answered", actor, subject_type="objection", subject_id=o.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"status": o.status, "answer": o.answer, "late": o.answered_late, "tender_id": tender.id,
                        **(applied.audit() if applied else {}), "complaint_until": complaint_until})
    await notify_orgs(
        session, [o.bidder_org_id], kind="objection:answered", tender_id=tender.id, project_id=tender.project_id,
        now=now, link=desk_link(tender.id),
        title_zh=f"异议答复：{tender.title}", title_en=f"Your objection was answered: {tender.title}",
        body_zh=f"{'异议成立' if upheld else '异议不成立'}：{o.answer}\n对答复不满意的，可以在 {show(complaint_until)}"
                f"（北京时间）前向行政监督部门投诉（{rules.complaint.law_zh}）。",
        body_en=f"{'Upheld' if upheld else 'Dismissed'}: {o.answer}\nIf not satisfied you may complain to the "
                f"supervisor by {show(complaint_until)} (Beijing, {rules.complaint.law_en}).",
    )
    await commit(session)
    return o


# ---------------------------------------------------------------- chronograph


async def _alert_supervisors(session: AsyncSession, tender: Tender, *, kind: str, title_zh: str, title_en: str,
                             body_zh: str, body_en: str, now: datetime, link: str) -> None:
    recipients = [*await parties.supervisor_orgs(session, str(tender.line)), *parties.managers(tender)]
    await notify_orgs(session, recipients, kind=kind, tender_id=tender.id, project_id=tender.project_id, now=now,
                      link=link, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en)


async def sweep_publicity(session: AsyncSession, row: Publicity, now: datetime) -> None:
    """Due: alert the supervisor once publish_due passed (construction: not published; procurement: no winner
    confirmed). Open: close the window at ends_at."""
    p = (await session.execute(lock_for_update(session, select(Publicity).where(Publicity.id == row.id)
                                               .execution_options(populate_existing=True)))).scalars().one()
    tender = await tender_docs.get_tender(session, p.tender_id)
    p.next_check_at = None
    if p.status == P.due and p.publish_due is not None and p.late_alerted_at is None:
        if now < p.publish_due:
            p.next_check_at = p.publish_due
            return
        from ggzy.award.models import Award
        from ggzy.award.rules import LIVE

        awarded = (await session.execute(select(Award.id).where(
            Award.tender_id == tender.id, Award.status.in_(LIVE)).limit(1))).first() is not None
        if not awarded:
            p.late_alerted_at = now
            rules = rules_for(tender.line)
            what_zh = "确定中标人" if p.kind == PublicityKind.result else "发布中标候选人公示"
            what_en = "confirm the winner" if p.kind == PublicityKind.result else "publish the candidates"
            await record(session, "publicity:overdue", PUBLICITY, subject_type="tender", subject_id=tender.id,
                         project_id=tender.project_id, now=now,
                         after={"publicity_id": p.id, "publish_due": p.publish_due, "law": rules.publish.law_en})
            await _alert_supervisors(
                session, tender, kind="publicity:overdue", now=now, link=desk_link(tender.id),
                title_zh=f"逾期未{what_zh}：{tender.title}", title_en=f"Overdue: {what_en} — {tender.title}",
                body_zh=f"{tender.code} 应于 {show(p.publish_due)}（北京时间）前{what_zh}（{rules.publish.law_zh}），"
                        "至今未办理。",
                body_en=f"{tender.code} had to {what_en} by {show(p.publish_due)} (Beijing, {rules.publish.law_en}); "
                        "it has not.")
    elif p.status == P.open and p.ends_at is not None:
        if now < p.ends_at:
            p.next_check_at = p.ends_at
            return
        p.status, p.ended_at = P.ended, now
        waiting = await open_objections(session, tender.id)
        await record(session, "publicity:ended", PUBLICITY, subject_type="tender", subject_id=tender.id,
                     project_id=tender.project_id, before={"status": P.open}, now=now,
                     after={"publicity_id": p.id, "status": p.status, "ends_at": p.ends_at,
                            "open_objections": [o.id for o in waiting]})
        if p.kind == PublicityKind.candidates:
            extra_zh = f"尚有 {len(waiting)} 件异议待答复，答复前不得定标。" if waiting else "可以确定中标人。"
            extra_en = (f"{len(waiting)} objection(s) still await an answer; no award before."
                        if waiting else "The winner may now be confirmed.")
            await notify_orgs(
                session, parties.managers(tender), kind="publicity:ended", tender_id=tender.id,
                project_id=tender.project_id, now=now, link=f"/workspace/tenders/{tender.id}/award",
                title_zh=f"公示期满：{tender.title}", title_en=f"Publicity ended: {tender.title}",
                body_zh=f"{tender.code} 中标候选人公示期已满。{extra_zh}",
                body_en=f"{tender.code}: the candidate publicity has ended. {extra_en}")


async def sweep_objection(session: AsyncSession, row: Objection, now: datetime) -> None:
    """An objection not answered by answer_due: the line's supervisor is alerted once (the answer is still
    accepted afterwards, flagged late)."""
    o = (await session.execute(lock_for_update(session, select(Objection).where(Objection.id == row.id)
                                               .execution_options(populate_existing=True)))).scalars().one()
    o.next_check_at = None
    if o.status != ObjectionStatus.open:
        return
    if now < o.answer_due:
        o.next_check_at = o.answer_due
        return
    if o.late_alerted_at is not None:
        return
    o.late_alerted_at = now
    tender = await tender_docs.get_tender(session, o.tender_id)
    rules = rules_for(tender.line)
    await record(session, "objection:answer_overdue", PUBLICITY, subject_type="objection", subject_id=o.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "answer_due": o.answer_due, "law": rules.answer.law_en})
    await _alert_supervisors(
        session, tender, kind="objection:overdue", now=now, link="/workspace/supervision/complaints",
        title_zh=f"异议逾期未答复：{tender.title}", title_en=f"Objection unanswered: {tender.title}",
        body_zh=f"{tender.code} 的异议应于 {show(o.answer_due)}（北京时间）前答复（{rules.answer.law_zh}），"
                "至今未答复；招标投标活动仍处于暂停状态。",
        body_en=f"{tender.code}: an objection due for an answer by {show(o.answer_due)} (Beijing, "
                f"{rules.answer.law_en}) is still unanswered; the process stays paused.")
    await notify_orgs(
        session, [o.bidder_org_id], kind="objection:overdue", tender_id=tender.id, project_id=tender.project_id,
        now=now, link=desk_link(tender.id),
        title_zh=f"异议逾期未获答复：{tender.title}", title_en=f"Your objection is unanswered: {tender.title}",
        body_zh=f"招标人未在 {show(o.answer_due)} 前答复您的异议，您可以向行政监督部门投诉"
                f"（{rules.complaint.law_zh}）。",
        body_en=f"The tenderer did not answer by {show(o.answer_due)}; you may complain to the supervisor "
                f"({rules.complaint.law_en}).")


# ---------------------------------------------------------------- suspension (暂停交易) moves running deadlines


async def _scope_tender_ids(session: AsyncSession, project_id: str | None) -> list[str]:
    stmt = select(Tender.id)
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    return list((await session.execute(stmt)).scalars().all())


@register_pause_hook
async def pause_publicity(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    """Suspension starts: the chronograph leaves running windows and answer periods alone."""
    ids = await _scope_tender_ids(session, project_id)
    if not ids:
        return []
    for model in (Publicity, Objection):
        await session.execute(update(model).where(model.tender_id.in_(ids), model.next_check_at.is_not(None))
                              .values(next_check_at=None))
    return []


@register_deadline_shifter
async def shift_publicity(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    """Suspension ends: publication deadlines, windows and answer periods still running move by its length."""
    out: list[Affected] = []
    ids = await _scope_tender_ids(session, window.project_id)
    if not ids:
        return out
    rows = (await session.execute(select(Publicity, Tender.project_id).join(Tender, Tender.id == Publicity.tender_id)
                                  .where(Publicity.tender_id.in_(ids), Publicity.status.in_((P.due, P.open)))))
    for p, project_id in rows.all():
        delay = window.delay_for(project_id)
        before = {"publish_due": p.publish_due, "notice_ends_at": p.notice_ends_at, "ends_at": p.ends_at}
        p.publish_due = shift_deadline(p.publish_due, window.started_at, delay)
        p.notice_ends_at = shift_deadline(p.notice_ends_at, window.started_at, delay)
        p.ends_at = shift_deadline(p.ends_at, window.started_at, delay)
        paused = window.still_suspended(project_id)
        target = p.publish_due if p.status == P.due and p.late_alerted_at is None else (
            p.ends_at if p.status == P.open else None)
        p.next_check_at = None if paused else target
        out.append(Affected("publicity", p.id, project_id, before,
                            {"publish_due": p.publish_due, "notice_ends_at": p.notice_ends_at, "ends_at": p.ends_at,
                             "next_check_at": p.next_check_at}))
    objs = await session.execute(select(Objection, Tender.project_id).join(Tender, Tender.id == Objection.tender_id)
                                 .where(Objection.tender_id.in_(ids), Objection.status == ObjectionStatus.open))
    for o, project_id in objs.all():
        delay = window.delay_for(project_id)
        before = {"answer_due": o.answer_due}
        shifted = shift_deadline(o.answer_due, window.started_at, delay)
        o.answer_due = shifted if shifted is not None else o.answer_due
        paused = window.still_suspended(project_id)
        o.next_check_at = None if paused or o.late_alerted_at is not None else o.answer_due
        out.append(Affected("objection", o.id, project_id, before,
                            {"answer_due": o.answer_due, "next_check_at": o.next_check_at}))
    return out
