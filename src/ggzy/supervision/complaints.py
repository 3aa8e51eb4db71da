"""Complaints (投诉) to the supervisor of the tender's line: the only writer of complaint rows (docs/award.md).

- A bidder complains about its own objection (异议 / 质疑) once it is answered, or once the answer period passed
  without an answer (Bidding Regs Art.60 ¶2; GP Law Art.55), within 10 days (construction, Art.60) or 15
  working days after the answer period (procurement, GP Law Art.55). Later: 409 complaint.window_closed.
- A supervisor of the tender's line accepts (within 3 working days, Bidding Regs Art.61; 5 in procurement,
  MOF 94 Art.21) — and may order the project suspended meanwhile (Art.62) — or refuses with the reason.
- The written decision is due within 30 working days (Art.61; GP Law Art.56): dismissed, or upheld with a remedy
  applied through award.remedies; it is published as a notice, and a suspension it ordered is lifted.
- While a complaint is open the award and the contract wait (award.service checks it).

Every write locks the tender row, then the complaint, re-checks its clock inside the transaction, records an
audit event and alerts whoever is on duty. Complaint deadlines are the supervisor's own: a suspension does not
pause them (no pause hook).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import jsonable, record
from ggzy.auth.actor import Actor, system_actor
from ggzy.award.remedies import apply_remedy, check_remedy
from ggzy.kit.db import commit
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project.models import LINE_LABELS, Notice, NoticeKind, Project, TradingLine
from ggzy.publicity import parties
from ggzy.publicity.errors import BadRemedy
from ggzy.publicity.models import Objection, Remedy
from ggzy.publicity.rules import (
    MAX_TEXT,
    REMEDY_LABELS,
    Deadline,
    complaint_deadline,
    complaint_opens,
    deadline,
    decide_deadline,
    rules_for,
    supervises,
)
from ggzy.realtime.broker import Broker, publish_after_commit
from ggzy.realtime.channels import NOTICES
from ggzy.supervision.deadlines import lock_for_update
from ggzy.supervision.errors import (
    AlreadyComplained,
    BadComplaintTransition,
    ComplaintNotFound,
    ComplaintTextRequired,
    ComplaintWindowClosed,
    NotComplaintHandler,
    NotObjector,
    ObjectionPending,
)
from ggzy.supervision.models import Complaint, ComplaintDecision, ComplaintStatus
from ggzy.supervision.service import lift_suspension, order_suspension
from ggzy.supervision.state import COMPLAINT_MACHINE, move_complaint
from ggzy.tender import documents as tender_docs
from ggzy.tender.models import Tender
from ggzy.venue.duty import AlertKind, alert_on_duty
from ggzy.workdays.service import load_overrides

COMPLAINTS = system_actor("complaints")
"""The platform acting when a complaint deadline passes (`system:complaints`)."""
C = ComplaintStatus
OPEN = (C.filed, C.accepted)
DESK = "/workspace/supervision/complaints"

STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    C.filed: ("待受理", "Awaiting acceptance", "orange"),
    C.accepted: ("已受理，处理中", "Accepted, being handled", "blue"),
    C.refused: ("不予受理", "Refused", "gray"),
    C.decided: ("已作出处理决定", "Decided", "green"),
}
DECISION_LABELS: dict[str, tuple[str, str]] = {
    ComplaintDecision.dismissed: ("驳回投诉", "Dismissed"),
    ComplaintDecision.upheld: ("投诉成立", "Upheld"),
}


def publicity_desk(tender_id: str) -> str:
    return f"/workspace/tenders/{tender_id}/publicity"


# ---------------------------------------------------------------- reads (access control in the query)


def _visible(actor: Actor) -> Any:
    """Centre staff: all; a supervisor: its lines; a bidder: its own; a tenderer or agency: those about its
    tenders (it is the respondent, 被投诉人); everyone else: none."""
    if actor.is_centre:
        return True
    if actor.role == Role.supervisor:
        return Complaint.line.in_(list(actor.supervised_lines)) if actor.supervised_lines else False
    if actor.org_id is None:
        return False
    if actor.role == Role.bidder:
        return Complaint.complainant_org_id == actor.org_id
    if actor.role == Role.tenderer:
        return Complaint.tender_id.in_(select(Tender.id).where(Tender.tenderer_org_id == actor.org_id))
    if actor.role == Role.agency:
        return Complaint.tender_id.in_(select(Tender.id).where(Tender.agency_org_id == actor.org_id))
    return False


async def list_complaints(session: AsyncSession, actor: Actor, *, status: ComplaintStatus | None = None,
                          tender_id: str | None = None, limit: int = 200) -> list[Complaint]:
    cond = _visible(actor)
    if cond is False:
        return []
    stmt = select(Complaint).where(cond)
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    if tender_id is not None:
        stmt = stmt.where(Complaint.tender_id == tender_id)
    stmt = stmt.order_by(Complaint.filed_at.desc(), Complaint.id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def get_complaint(session: AsyncSession, actor: Actor, complaint_id: str) -> Complaint:
    """One complaint the caller may see (404 otherwise, so its existence is not revealed)."""
    cond = _visible(actor)
    found = None if cond is False else (await session.execute(
        select(Complaint).where(Complaint.id == complaint_id, cond))).scalars().first()
    if found is None:
        raise ComplaintNotFound()
    return found


async def by_objection(session: AsyncSession, objection_ids: list[str]) -> dict[str, Complaint]:
    """The latest complaint of each objection (for the publicity desk)."""
    if not objection_ids:
        return {}
    rows = (await session.execute(select(Complaint).where(Complaint.objection_id.in_(objection_ids))
                                  .order_by(Complaint.filed_at))).scalars().all()
    return {c.objection_id: c for c in rows}


async def window(session: AsyncSession, objection: Objection, tender: Tender, now: datetime) -> Deadline | None:
    """Until when the objector may complain, or None while the objection still waits for its answer."""
    if not complaint_opens(objection.answered_at, objection.answer_due, now):
        return None
    return complaint_deadline(tender.line, answered_at=objection.answered_at, answer_due=objection.answer_due,
                              overrides=await load_overrides(session))


# ---------------------------------------------------------------- helpers


async def _locked(session: AsyncSession, actor: Actor, complaint_id: str) -> tuple[Complaint, Tender]:
    """Lock the tender, then the complaint; only a supervisor of the tender's line handles it."""
    found = await session.get(Complaint, complaint_id)
    if found is None:
        raise ComplaintNotFound()
    tender = await tender_docs.get_tender(session, found.tender_id, lock=True)
    if not actor.is_centre and actor.role != Role.supervisor:
        raise ComplaintNotFound()  # parties outside supervision do not even learn it exists
    if not supervises(actor, tender) or actor.user_id is None:
        raise NotComplaintHandler(detail={"line": str(tender.line)})
    c: Complaint = (await session.execute(lock_for_update(session, select(Complaint).where(
        Complaint.id == complaint_id).execution_options(populate_existing=True)))).scalars().one()
    return c, tender


def _text(raw: str | None, field: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ComplaintTextRequired(detail={"field": field})
    return text[:MAX_TEXT]


def _snapshot(c: Complaint) -> dict[str, Any]:
    return {"status": c.status, "accept_due": c.accept_due, "decide_due": c.decide_due, "decision": c.decision,
            "remedy": c.remedy, "suspension_id": c.suspension_id}


async def _org_name(session: AsyncSession, org_id: str | None) -> str:
    org = await parties.org(session, org_id)
    return org.name if org else ""


async def _duty(session: AsyncSession, tender: Tender, text: str, now: datetime) -> None:
    await alert_on_duty(session, AlertKind.complaint, f"{tender.code} {tender.title}：{text}", now,
                        tender_id=tender.id, project_id=tender.project_id)


# ---------------------------------------------------------------- the bidder files


async def file_complaint(session: AsyncSession, actor: Actor, objection_id: str, *, body: str,
                         now: datetime) -> Complaint:
    """投诉 by the bidder that raised the objection, to the supervisors of the tender's line."""
    objection = await session.get(Objection, objection_id)
    if objection is None:
        raise ComplaintNotFound("complaint.objection_not_found", "找不到该异议", "Objection not found")
    tender = await tender_docs.get_tender(session, objection.tender_id, lock=True)
    if actor.role != Role.bidder or actor.user_id is None or actor.org_id != objection.bidder_org_id:
        raise NotObjector()
    text = _text(body, "body")
    await session.refresh(objection)
    overrides = await load_overrides(session)
    if not complaint_opens(objection.answered_at, objection.answer_due, now):
        raise ObjectionPending(detail={"answer_due": objection.answer_due.isoformat()})
    until = complaint_deadline(tender.line, answered_at=objection.answered_at, answer_due=objection.answer_due,
                               overrides=overrides)
    if now >= until.at:
        raise ComplaintWindowClosed(detail={"until": until.at.isoformat()})
    taken = (await session.execute(select(Complaint.id).where(
        Complaint.objection_id == objection.id, Complaint.status != C.refused).limit(1))).first()
    if taken is not None:
        raise AlreadyComplained(detail={"complaint_id": taken[0]})
    rules = rules_for(tender.line)
    accept = deadline(now, rules.accept, overrides)
    c = Complaint(tender_id=tender.id, project_id=tender.project_id, line=str(tender.line), objection_id=objection.id,
                  complainant_org_id=actor.org_id, filed_by=actor.user_id, body=text, filed_at=now, status=C.filed,
                  accept_due=accept.at, provisional="accept" if accept.provisional else "", next_check_at=accept.at)
    session.add(c)
    await session.flush()
    await record(session, "complaint:filed", actor, subject_type="complaint", subject_id=c.id,
                 project_id=tender.project_id, now=now,
                 after={"tender_id": tender.id, "objection_id": objection.id, "body": text, "accept_due": c.accept_due,
                        "complaint_until": until.at, "provisional": c.provisional,
                        "law": f"{rules.complaint.law_en}; {rules.accept.law_en}"})
    who = actor.org_name or await _org_name(session, actor.org_id)
    await notify_orgs(
        session, [*await parties.supervisor_orgs(session, str(tender.line)), *parties.managers(tender)],
        kind="complaint:filed", tender_id=tender.id, project_id=tender.project_id, now=now, link=DESK,
        title_zh=f"收到投诉：{tender.title}", title_en=f"Complaint filed: {tender.title}",
        body_zh=f"{who}就 {tender.code} 的异议答复提出投诉。行政监督部门应于 {show(accept.at)}（北京时间）前"
                f"决定是否受理（{rules.accept.law_zh}）。",
        body_en=f"{who} complained about the answer to its objection on {tender.code}. The supervisor decides "
                f"whether to accept it by {show(accept.at)} (Beijing, {rules.accept.law_en}).")
    await _duty(session, tender, f"收到{who}的投诉，{show(accept.at)} 前决定是否受理", now)
    await commit(session)
    return c


# ---------------------------------------------------------------- the supervisor handles


async def accept_complaint(session: AsyncSession, actor: Actor, complaint_id: str, *, suspend: bool = False,
                           note: str = "", now: datetime, broker: Broker | None = None) -> Complaint:
    """受理: the decision is due within 30 working days; with `suspend`, the project is suspended meanwhile
    (Bidding Regs Art.62)."""
    c, tender = await _locked(session, actor, complaint_id)
    before = _snapshot(c)
    move_complaint(c, C.accepted)
    rules = rules_for(tender.line)
    due = decide_deadline(tender.line, filed_at=c.filed_at, accepted_at=now, overrides=await load_overrides(session))
    c.accepted_at, c.handled_by, c.decide_due, c.next_check_at = now, actor.user_id, due.at, due.at
    if due.provisional:
        c.provisional = ",".join(p for p in (c.provisional, "decide") if p)
    late = now >= c.accept_due
    if suspend:
        reason = f"处理投诉（{tender.code}）期间责令暂停招标投标活动（《招标投标法实施条例》第六十二条）"
        if note.strip():
            reason += f"：{note.strip()[:500]}"
        c.suspension_id = (await order_suspension(session, actor, tender.project_id, reason=reason, now=now,
                                                  broker=broker)).id
    await record(session, "complaint:accepted", actor, subject_type="complaint", subject_id=c.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={**_snapshot(c), "tender_id": tender.id, "late": late, "note": note.strip()[:MAX_TEXT],
                        "law": rules.decide.law_en + ("; Bidding Regs Art.62" if suspend else "")})
    await notify_orgs(
        session, [c.complainant_org_id, *parties.managers(tender)], kind="complaint:accepted", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=publicity_desk(tender.id),
        title_zh=f"投诉已受理：{tender.title}", title_en=f"Complaint accepted: {tender.title}",
        body_zh=f"行政监督部门已受理 {tender.code} 的投诉，将于 {show(due.at)}（北京时间）前作出书面处理决定"
                f"（{rules.decide.law_zh}）。" + ("处理期间暂停招标投标活动。" if suspend else "")
                + "投诉处理完毕前，不得定标或签订合同。",
        body_en=f"The supervisor accepted the complaint on {tender.code}; the written decision is due by "
                f"{show(due.at)} (Beijing, {rules.decide.law_en})." + (" The process is suspended meanwhile."
                                                                        if suspend else "")
                + " No award or contract until it is decided.")
    await _duty(session, tender, "投诉已受理" + ("，项目暂停交易" if suspend else ""), now)
    await commit(session)
    return c


async def refuse_complaint(session: AsyncSession, actor: Actor, complaint_id: str, *, reason: str,
                           now: datetime) -> Complaint:
    """不予受理, with the reason (e.g. no objection was raised first, out of time, not an interested party)."""
    c, tender = await _locked(session, actor, complaint_id)
    text = _text(reason, "reason")
    before = _snapshot(c)
    move_complaint(c, C.refused)
    c.refused_at, c.refusal_reason, c.handled_by, c.next_check_at = now, text, actor.user_id, None
    await record(session, "complaint:refused", actor, subject_type="complaint", subject_id=c.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={**_snapshot(c), "tender_id": tender.id, "reason": text, "late": now >= c.accept_due,
                        "law": rules_for(tender.line).accept.law_en})
    await notify_orgs(
        session, [c.complainant_org_id, *parties.managers(tender)], kind="complaint:refused", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=publicity_desk(tender.id),
        title_zh=f"投诉不予受理：{tender.title}", title_en=f"Complaint refused: {tender.title}",
        body_zh=f"行政监督部门对 {tender.code} 的投诉决定不予受理：{text}",
        body_en=f"The supervisor refused the complaint on {tender.code}: {text}")
    await _duty(session, tender, f"投诉不予受理：{text[:100]}", now)
    await commit(session)
    return c


async def decide_complaint(
    session: AsyncSession, actor: Actor, complaint_id: str, *, upheld: bool, text: str, remedy: Remedy | None,
    candidate_id: str | None, now: datetime, broker: Broker | None = None,
) -> Complaint:
    """书面处理决定: dismissed, or upheld with its remedy (award.remedies); published as a notice; a suspension the
    complaint ordered is lifted (running deadlines move by its length)."""
    c, tender = await _locked(session, actor, complaint_id)
    if not COMPLAINT_MACHINE.can(c.status, C.decided):
        raise BadComplaintTransition(detail={"from": str(c.status), "to": str(C.decided)})
    words = _text(text, "decision")
    if upheld and remedy is None:
        raise BadRemedy(detail={"field": "remedy"})
    if not upheld and remedy not in (None, Remedy.none):
        raise BadRemedy(detail={"field": "remedy"})
    chosen = remedy if upheld and remedy is not None else Remedy.none
    await check_remedy(session, tender, chosen, candidate_id)
    before = _snapshot(c)
    move_complaint(c, C.decided)
    c.decision = ComplaintDecision.upheld if upheld else ComplaintDecision.dismissed
    c.decision_text, c.decided_at, c.handled_by, c.next_check_at = words, now, actor.user_id, None
    c.remedy = str(chosen) if upheld else None
    applied = None
    if upheld:
        applied = await apply_remedy(session, actor, tender, remedy=chosen, candidate_id=candidate_id,
                                     source=f"complaint:{c.id}", reason=words, now=now)
        c.excluded_candidate_id = applied.excluded
    notice = await _publish_decision(session, actor, tender, c, now)
    c.notice_id = notice.id
    late = c.decide_due is not None and now >= c.decide_due
    await record(session, "complaint:decided", actor, subject_type="complaint", subject_id=c.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={**_snapshot(c), "tender_id": tender.id, "decision_text": words, "late": late,
                        "notice_id": notice.id, **(applied.audit() if applied else {}),
                        "law": rules_for(tender.line).decide.law_en})
    if c.suspension_id is not None:
        await lift_suspension(session, actor, c.suspension_id, now=now, broker=broker,
                              note=f"投诉已处理（{DECISION_LABELS[c.decision][0]}）")
    label_zh, label_en = DECISION_LABELS[c.decision]
    await notify_orgs(
        session, [c.complainant_org_id, *parties.managers(tender)], kind="complaint:decided", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=f"/notices/{notice.id}",
        title_zh=f"投诉处理决定（{label_zh}）：{tender.title}",
        title_en=f"Complaint decided ({label_en}): {tender.title}",
        body_zh=f"{tender.code}：{label_zh}。{words}", body_en=f"{tender.code}: {label_en.lower()}. {words}")
    await _duty(session, tender, f"投诉处理决定：{label_zh}", now)
    await commit(session)
    return c


async def _publish_decision(session: AsyncSession, actor: Actor, tender: Tender, c: Complaint,
                            now: datetime) -> Notice:
    """投诉处理决定 as a public notice (Bidding Regs Art.61; MOF 94 Art.31)."""
    assert c.decision is not None
    rules = rules_for(tender.line)
    procurement = TradingLine(tender.line) == TradingLine.procurement
    complainant = await _org_name(session, c.complainant_org_id)
    respondents = "、".join(n for n in [await _org_name(session, tender.tenderer_org_id),
                                       await _org_name(session, tender.agency_org_id)] if n)
    handler = actor.org_name or await _org_name(session, actor.org_id)
    label_zh = DECISION_LABELS[c.decision][0]
    lines = [
        f"{tender.title}（项目编号：{tender.code}）投诉处理决定",
        "",
        f"投诉人：{complainant}",
        f"被投诉人：{respondents or '—'}",
        f"交易类型：{LINE_LABELS[TradingLine(tender.line)][0]}",
        f"处理机关：{handler}",
        f"投诉时间：{show(c.filed_at)}；受理时间：{show(c.accepted_at)}（北京时间）",
        "",
        "一、投诉事项",
        c.body,
        "",
        "二、处理决定",
        f"{label_zh}。{c.decision_text}",
    ]
    if c.remedy and c.remedy != Remedy.none:
        lines.append(f"处理措施：{REMEDY_LABELS[Remedy(c.remedy)][0]}。")
    lines += [
        "",
        f"依据：{rules.decide.law_zh}" + ("、《政府采购质疑和投诉办法》第三十一条" if procurement else "") + "。",
        f"决定时间：{show(now)}（北京时间）",
    ]
    project = await session.get(Project, tender.project_id)
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.complaint_decision, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}投诉处理决定公告", body="\n".join(lines),
        data=jsonable({"complaint_id": c.id, "decision": c.decision, "remedy": c.remedy, "filed_at": c.filed_at,
                       "accepted_at": c.accepted_at, "decided_at": now, "complainant": complainant,
                       "law": rules.decide.law_en}),
        published_at=now, published_by=actor.user_id or "")
    session.add(notice)
    await session.flush()
    publish_after_commit(session, None, NOTICES, "notice:published", {
        "id": notice.id, "kind": notice.kind, "project_id": notice.project_id, "title": notice.title,
        "line": notice.line, "published_at": notice.published_at.isoformat()})
    return notice


# ---------------------------------------------------------------- chronograph


async def sweep_complaint(session: AsyncSession, row: Complaint, now: datetime) -> None:
    """Alert the line's supervisors (and whoever is on duty) once when accept_due or decide_due passed unmet."""
    c: Complaint = (await session.execute(lock_for_update(session, select(Complaint).where(
        Complaint.id == row.id).execution_options(populate_existing=True)))).scalars().one()
    c.next_check_at = None
    if c.status == C.filed:
        due, alerted, what_zh, what_en, tag = c.accept_due, c.accept_alerted_at, "决定是否受理", "accept or refuse", \
            "complaint:accept_overdue"
    elif c.status == C.accepted and c.decide_due is not None:
        due, alerted, what_zh, what_en, tag = c.decide_due, c.decide_alerted_at, "作出书面处理决定", "decide", \
            "complaint:decide_overdue"
    else:
        return
    if now < due:
        c.next_check_at = due
        return
    if alerted is not None:
        return
    if c.status == C.filed:
        c.accept_alerted_at = now
    else:
        c.decide_alerted_at = now
    tender = await tender_docs.get_tender(session, c.tender_id)
    rules = rules_for(tender.line)
    law = rules.accept if c.status == C.filed else rules.decide
    await record(session, tag, COMPLAINTS, subject_type="complaint", subject_id=c.id, project_id=tender.project_id,
                 now=now, after={"tender_id": tender.id, "status": c.status, "due": due, "law": law.law_en})
    await notify_orgs(
        session, await parties.supervisor_orgs(session, str(tender.line)), kind=tag, tender_id=tender.id,
        project_id=tender.project_id, now=now, link=DESK,
        title_zh=f"投诉逾期未{what_zh}：{tender.title}", title_en=f"Complaint overdue ({what_en}): {tender.title}",
        body_zh=f"{tender.code} 的投诉应于 {show(due)}（北京时间）前{what_zh}（{law.law_zh}），至今未办理。",
        body_en=f"{tender.code}: the complaint had to be handled ({what_en}) by {show(due)} (Beijing, {law.law_en}).")
    await _duty(session, tender, f"投诉逾期未{what_zh}（应于 {show(due)} 前）", now)

