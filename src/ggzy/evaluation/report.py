"""The evaluation report (评标报告): members confirm it (签字) or attach their dissent; silence by the deadline is
agreement (Evaluation Rules Art.43); then it is final as a PDF in Chinese.

The PDF is a pure function of `ReportData` (reportlab's invariant mode fixes dates and ids), so the bytes whose
SHA-256 the evaluation keeps can be rebuilt from the database if the blob store lost them, and checked. It names
the committee: it goes to the tenderer / agency and the archive, never to the public (Evaluation Rules Art.8).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.evaluation import apply, rules, state
from ggzy.evaluation.access import (
    Room,
    acting_room,
    audit,
    committee,
    current_evaluation,
    entries_of,
    event,
    load_room,
    lots_of,
    member_names,
    opening_of,
)
from ggzy.evaluation.errors import (
    AlreadyConfirmed,
    BadEvaluationTransition,
    ConfirmClosed,
    EvaluationNotFound,
    ReportMismatch,
    ReportNotFinal,
)
from ggzy.evaluation.models import (
    Candidate,
    ClarificationRequest,
    ConfirmationKind,
    Dissent,
    Evaluation,
    EvaluationStatus,
    ReportConfirmation,
)
from ggzy.evaluation.review import ROOM, conclusions, next_check
from ggzy.evaluation.scoring import confirmations, put_dissent, scores_of, sheet
from ggzy.kit.db import commit
from ggzy.kit.money import fmt
from ggzy.kit.timefmt import show
from ggzy.project.models import LINE_LABELS, TradingLine
from ggzy.project.service import org_names
from ggzy.storage.blobstore import BlobStore
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.service import METHOD_LABELS

S = EvaluationStatus
KIND_ZH = {"price": "价格", "technical": "技术", "commercial": "商务"}
CATEGORY_ZH = {"goods": "货物", "services": "服务", "works": "工程"}


# ---------------------------------------------------------------- the report as data


@dataclass(frozen=True)
class MemberRow:
    seat: int
    name: str
    kind: str
    specialty: str
    chair: bool
    confirmation: str


@dataclass(frozen=True)
class ReviewRow:
    bidder: str
    price: Decimal | None
    evaluated_price: Decimal | None
    passed: bool
    reasons: tuple[str, ...]
    """Automatic reasons with their article, then the members' fail reasons."""
    votes: str


@dataclass(frozen=True)
class ScoreTable:
    bidder: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    """(member name, score per criterion) in seat order, the committee's score last."""


@dataclass(frozen=True)
class RankRow:
    rank: int
    bidder: str
    price: Decimal
    price_score: str
    criterion_scores: tuple[str, ...]
    total: str
    tie: bool


@dataclass(frozen=True)
class LotReport:
    label: str
    review: tuple[ReviewRow, ...]
    rejected: str = ""
    """Why every bid of the lot was rejected (Evaluation Rules Art.27); empty when it was evaluated."""
    scores: tuple[ScoreTable, ...] = ()
    ranking: tuple[RankRow, ...] = ()
    candidates: tuple[tuple[int, str, Decimal, str, str], ...] = ()
    """(rank, bidder, evaluated price, total or "—", project lead and certificate)."""


@dataclass(frozen=True)
class ReportData:
    tender_title: str
    tender_code: str
    tenderer: str
    agency: str
    line: str
    method: str
    category: str
    criteria: tuple[tuple[str, str, str], ...]
    """(name, kind, max) of every criterion of the plan, the price criterion included."""
    scored: tuple[str, ...]
    """Names of the criteria members score, in plan order (the columns of the score tables)."""
    coefficient: str | None
    opened_at: datetime
    submitted_at: datetime | None
    reported_at: datetime | None
    members: tuple[MemberRow, ...]
    lots: tuple[LotReport, ...]
    clarifications: tuple[tuple[str, str, str, str], ...] = ()
    """(bidder, question, answer, status)."""
    dissents: tuple[tuple[str, str], ...] = ()
    audit_hash: str = ""


def _txt(value: Any) -> str:
    return "—" if value is None else str(value)


async def report_data(session: AsyncSession, room: Room) -> ReportData:
    """Everything the report prints, read from the rows the room wrote."""
    ev, tender = room.ev, room.tender
    plan = apply.plan_of(tender)
    scored = apply.scored_criteria(plan)
    entries = await entries_of(session, tender.id)
    by_entry = {e.id: e for e in entries}
    concl = await conclusions(session, ev.id)
    names = await org_names(session, [tender.tenderer_org_id, tender.agency_org_id,
                                      *(e.bidder_org_id for e in entries)])
    people = await member_names(session, room.members)
    confirmed = await confirmations(session, ev.id)
    marks = sheet(await scores_of(session, ev.id))
    opening = await opening_of(session, tender.id)
    rejected = {str(r["lot_id"]): str(r.get("reason", "")) for r in ev.rejected_lots or []}
    ranking: dict[str, Any] = ev.ranking or {}

    members = tuple(MemberRow(
        seat=n, name=people.get(m.id, ""), kind=rules.KIND_LABELS.get(str(m.kind), (str(m.kind), ""))[0],
        specialty=m.specialty_code, chair=m.id == ev.chair_member_id,
        confirmation=rules.CONFIRMATION_LABELS[confirmed[m.id].kind][0] if m.id in confirmed else "待确认",
    ) for n, m in enumerate(room.members, start=1))

    lots: list[LotReport] = []
    for lot in await lots_of(session, tender.id):
        in_lot = [e for e in entries if e.lot_id == lot.id]
        if not in_lot:
            continue
        review: list[ReviewRow] = []
        tables: list[ScoreTable] = []
        for e in in_lot:
            c = concl.get(e.id)
            if c is None:
                continue
            auto = [f"{a.get('zh', '')}（{a.get('article', '')}）" for a in c.auto_reasons]
            votes = "—" if c.auto_reasons else f"通过 {c.votes_pass} / 不通过 {c.votes_fail}"
            review.append(ReviewRow(names.get(e.bidder_org_id, ""), e.price, c.evaluated_price, c.passed,
                                    tuple(auto + list(c.member_reasons)), votes))
            if c.passed and scored and lot.id not in rejected:
                committee_row = next((r for r in ranking.get(lot.id, []) if r["entry_id"] == e.id), None)
                rows = [(people.get(m.id, ""), tuple(_txt(marks.get(m.id, {}).get(e.id, {}).get(k.id))
                                                     for k in scored)) for m in room.members]
                if committee_row is not None:
                    rows.append(("评标委员会（平均）", tuple(_txt(committee_row["criterion_scores"].get(k.id))
                                                       for k in scored)))
                tables.append(ScoreTable(names.get(e.bidder_org_id, ""), tuple(rows)))
        ranks = tuple(RankRow(
            rank=int(r["rank"]), bidder=names.get(str(r["bidder_org_id"]), ""), price=Decimal(str(r["price"])),
            price_score=_txt(r.get("price_score")),
            criterion_scores=tuple(_txt(r.get("criterion_scores", {}).get(k.id)) for k in scored),
            total=_txt(r.get("total")), tie=bool(r.get("tie")),
        ) for r in ranking.get(lot.id, []))
        cands = await _candidates(session, ev.id, lot.id, names)
        lots.append(LotReport(f"标段 {lot.number} {lot.name}", tuple(review), rejected.get(lot.id, ""),
                              tuple(tables), ranks, cands))

    clar_rows = (await session.execute(select(ClarificationRequest).where(
        ClarificationRequest.evaluation_id == ev.id).order_by(ClarificationRequest.asked_at,
                                                             ClarificationRequest.id))).scalars().all()
    clarifications = tuple((names.get(by_entry[c.entry_id].bidder_org_id, "") if c.entry_id in by_entry else "",
                            c.question, c.answer, rules.CLARIFICATION_LABELS[c.status][0]) for c in clar_rows)
    dissent_rows = (await session.execute(select(Dissent).where(Dissent.evaluation_id == ev.id))).scalars().all()
    seat = {m.id: n for n, m in enumerate(room.members, start=1)}
    dissents = tuple((people.get(d.member_id, ""), d.body)
                     for d in sorted(dissent_rows, key=lambda d: seat.get(d.member_id, 0)))
    return ReportData(
        tender_title=tender.title, tender_code=tender.code, tenderer=names.get(tender.tenderer_org_id, ""),
        agency=names.get(tender.agency_org_id or "", ""),
        line=LINE_LABELS.get(TradingLine(tender.line), (str(tender.line), ""))[0],
        method=METHOD_LABELS.get(tender.evaluation_method, (str(tender.evaluation_method), ""))[0],
        category=CATEGORY_ZH.get(str(plan.category), str(plan.category)),
        criteria=tuple((k.name, KIND_ZH.get(str(k.kind), str(k.kind)), str(k.max)) for k in plan.criteria),
        scored=tuple(k.name for k in scored),
        coefficient=opening.floating_coefficient if opening else None,
        opened_at=ev.opened_at, submitted_at=ev.submitted_at, reported_at=ev.reported_at,
        members=members, lots=tuple(lots), clarifications=clarifications, dissents=dissents,
        audit_hash=ev.report_audit_hash or "",
    )


async def _candidates(session: AsyncSession, evaluation_id: str, lot_id: str,
                      names: dict[str, str]) -> tuple[tuple[int, str, Decimal, str, str], ...]:
    rows = (await session.execute(select(Candidate).where(
        Candidate.evaluation_id == evaluation_id, Candidate.lot_id == lot_id).order_by(Candidate.rank))).scalars()
    return tuple((c.rank, names.get(c.bidder_org_id, ""), c.price, _txt(c.total_score),
                  f"{c.project_lead} {c.lead_certificate}".strip()) for c in rows)


# ---------------------------------------------------------------- the PDF


def render_pdf(data: ReportData) -> bytes:
    """评标报告, A4 landscape (the score tables are wide)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from ggzy.opening.record import _font_name  # the same embedded CJK face as the opening record

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11.5)
    num = ParagraphStyle("num", parent=cell, alignment=2)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    # Headings stay with what follows them: no heading alone at the foot of a page.
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4, keepWithNext=1)
    sub = ParagraphStyle("sub", parent=body, fontSize=10.5, leading=16, spaceBefore=4, spaceAfter=2,
                         keepWithNext=1)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))
    width = 273 * mm  # A4 landscape minus the margins

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        safe = (text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe, style)

    def table(rows: list[list[object]], widths: list[float]) -> Table:
        scale = width / sum(widths)
        t = Table(rows, colWidths=[w * scale for w in widths], repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        return t

    def money(v: Decimal | None) -> str:
        return fmt(v) if v is not None else "—"

    story: list[object] = [
        Paragraph("评 标 报 告", title),
        Paragraph(f"项目名称：{data.tender_title}　　项目编号：{data.tender_code}", body),
        Paragraph(f"招标人：{data.tenderer}　　招标代理机构：{data.agency or '（无）'}　　交易类型：{data.line}", body),
        Paragraph(f"评标办法：{data.method}　　评标开始：{show(data.opened_at)}　　结果提交："
                  f"{show(data.submitted_at) or '—'}　　报告生成：{show(data.reported_at) or '—'}（北京时间）", body),
    ]
    if data.coefficient:
        story.append(Paragraph(f"下浮系数（开标时服务器随机抽取）：{data.coefficient}", body))

    story.append(Paragraph("一、评标委员会（《评标委员会和评标方法暂行规定》第九条）", head))
    rows: list[list[object]] = [[p(h) for h in ("序号", "姓名", "类别", "专业", "职务", "报告确认")]]
    for m in data.members:
        role = "负责人（组长）" if m.chair else "成员"
        rows.append([p(str(m.seat), num), p(m.name), p(m.kind), p(m.specialty), p(role), p(m.confirmation)])
    story.append(table(rows, [10, 30, 30, 25, 25, 60]))

    story.append(Paragraph("二、评标办法及评分标准", head))
    story.append(Paragraph(f"项目类别：{data.category}", body))
    if data.criteria:
        rows = [[p("评分因素"), p("类别"), p("分值")]]
        rows += [[p(n), p(k), p(m, num)] for n, k, m in data.criteria]
        story.append(table(rows, [80, 30, 20]))
    else:
        story.append(Paragraph("本办法不设评分因素，按评审价格由低到高排序。", body))

    story.append(Paragraph("三、资格审查及符合性审查（少数服从多数）", head))
    for lot in data.lots:
        story.append(Paragraph(lot.label, sub))
        rows = [[p(h) for h in ("投标人", "投标报价（元）", "评审价（元）", "审查结论", "否决理由及依据", "表决")]]
        for rv in lot.review:
            verdict = "通过" if rv.passed else "不通过（否决投标）"
            rows.append([p(rv.bidder), p(money(rv.price), num), p(money(rv.evaluated_price), num), p(verdict),
                         p("；".join(rv.reasons) or "—"), p(rv.votes)])
        story.append(table(rows, [45, 25, 25, 25, 90, 30]))
        if lot.rejected:
            story.append(Paragraph(f"本标段有效投标不足3家，评标委员会否决全部投标（《评标委员会和评标方法暂行规定》第二十七条）："
                                   f"{lot.rejected}", body))

    if data.clarifications:
        story.append(Paragraph("四、澄清、说明（《招标投标法实施条例》第五十二条）", head))
        rows = [[p(h) for h in ("投标人", "问题", "答复", "状态")]]
        rows += [[p(b), p(q), p(a), p(s)] for b, q, a, s in data.clarifications]
        story.append(table(rows, [40, 90, 90, 25]))

    story.append(Paragraph("五、评标委员会成员评分", head))
    any_scores = False
    for lot in data.lots:
        for t in lot.scores:
            any_scores = True
            story.append(Paragraph(f"{lot.label}　{t.bidder}", sub))
            rows = [[p("评委"), *(p(n) for n in data.scored)]]
            rows += [[p(who), *(p(v, num) for v in vals)] for who, vals in t.rows]
            story.append(table(rows, [40, *([25] * len(data.scored))]))
    if not any_scores:
        story.append(Paragraph("本办法无需评委打分（价格由系统计算）。", body))

    story.append(Paragraph("六、评审结果及排序", head))
    for lot in data.lots:
        if lot.rejected or not lot.ranking:
            continue
        story.append(Paragraph(lot.label, sub))
        rows = [[p("排名"), p("投标人"), p("评审价（元）"), p("价格分"), *(p(n) for n in data.scored), p("总分")]]
        for r in lot.ranking:
            rank = f"{r.rank}（并列，须由评标委员会确定）" if r.tie else str(r.rank)
            rows.append([p(rank), p(r.bidder), p(money(r.price), num), p(r.price_score, num),
                         *(p(v, num) for v in r.criterion_scores), p(r.total, num)])
        story.append(table(rows, [18, 45, 25, 18, *([18] * len(data.scored)), 18]))

    story.append(Paragraph("七、推荐的中标候选人（《招标投标法实施条例》第五十三条）", head))
    for lot in data.lots:
        story.append(Paragraph(lot.label, sub))
        if lot.candidates:
            rows = [[p(h) for h in ("排序", "中标候选人", "评审价（元）", "总分", "项目负责人及证书")]]
            rows += [[p(f"第{r}名"), p(b), p(money(v), num), p(s, num), p(lead)] for r, b, v, s, lead in lot.candidates]
            story.append(table(rows, [15, 60, 30, 20, 50]))
        else:
            story.append(Paragraph("无。", body))

    story.append(Paragraph("八、异议意见（《评标委员会和评标方法暂行规定》第四十三条）", head))
    if data.dissents:
        for who, text in data.dissents:
            story.append(Paragraph(f"{who}：{text}", body))
    else:
        story.append(Paragraph("无。", body))

    story += [
        Spacer(1, 5 * mm),
        Paragraph("说明：评标委员会成员拒绝在评标报告上签字且不陈述其不同意见和理由的，视为同意评标结论（《评标委员会和评标方法"
                  "暂行规定》第四十三条）。本报告载有评标委员会成员姓名，仅送招标人（代理机构）并归档，不对外公开"
                  "（《评标委员会和评标方法暂行规定》第八条）。", small),
        Spacer(1, 2 * mm),
        Paragraph(f"审计链哈希（生成本报告的审计事件）：{data.audit_hash}", small),
    ]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=f"{data.tender_title} 评标报告", author="ggzy",
                            creator="ggzy evaluation", subject=data.tender_code, invariant=1,
                            leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------- confirmation and the final report


async def confirm_report(session: AsyncSession, actor: Actor, tender_id: str, *, dissent: str | None, now: datetime,
                         blobs: BlobStore | None = None) -> Evaluation:
    """A member signs the report, optionally attaching (or replacing) their dissent; when everyone has, it is
    final. Once signed, a member's confirmation does not change."""
    room = await acting_room(session, actor, tender_id, lock_tender=True)
    me = room.member()
    ev = room.ev
    await ensure_trading_open(session, room.tender.project_id)
    if ev.status != S.submitted:
        raise BadEvaluationTransition(detail={"from": str(ev.status), "action": "confirm"})
    if ev.confirm_until is None or now >= ev.confirm_until:
        raise ConfirmClosed()
    done = await confirmations(session, ev.id)
    if me.id in done:
        raise AlreadyConfirmed()
    text = (dissent or "").strip()[: rules.MAX_TEXT]
    if text:
        await put_dissent(session, ev, me.id, text, now)
    has_dissent = text or (await session.execute(select(Dissent.id).where(
        Dissent.evaluation_id == ev.id, Dissent.member_id == me.id))).scalars().first()
    kind = ConfirmationKind.dissented if has_dissent else ConfirmationKind.signed
    session.add(ReportConfirmation(evaluation_id=ev.id, member_id=me.id, kind=kind, at=now))
    await session.flush()
    await audit(session, room, "evaluation:report_confirmed", actor, now=now,
                after={"kind": kind, "dissent": text or None, "law": "Evaluation Rules Art.43"})
    if len(done) + 1 >= room.size:
        await finalize(session, room, now, blobs=blobs)
    else:
        event(session, room, "confirmed")
    await commit(session)
    return ev


async def finalize(session: AsyncSession, room: Room, now: datetime, *, blobs: BlobStore | None = None) -> None:
    """In the caller's transaction: the silent are deemed to agree (Art.43), the report is final, the tender is
    evaluated, the PDF carries the hash of the audit entry that made it final."""
    ev, tender = room.ev, room.tender
    done = await confirmations(session, ev.id)
    deemed = [m.id for m in room.members if m.id not in done]
    for member_id in deemed:
        session.add(ReportConfirmation(evaluation_id=ev.id, member_id=member_id, kind=ConfirmationKind.deemed, at=now))
    state.transition_to(ev, S.reported)
    ev.reported_at = now
    before = {"status": tender.status}
    tender_state.transition_to(tender, TenderStatus.evaluated)
    tender.updated_at = now
    await session.flush()
    await next_check(session, ev)
    cands = (await session.execute(select(Candidate).where(Candidate.evaluation_id == ev.id)
                                   .order_by(Candidate.lot_id, Candidate.rank))).scalars().all()
    entry = await audit(session, room, "evaluation:reported", ROOM, now=now, before=before,
                        after={"status": ev.status, "tender_status": tender.status, "deemed": deemed,
                               "candidates": [{"lot_id": c.lot_id, "rank": c.rank, "bidder_org_id": c.bidder_org_id,
                                               "price": c.price, "total": c.total_score} for c in cands],
                               "law": "Evaluation Rules Art.43; Bidding Regs Art.53"})
    ev.report_audit_hash = entry.hash
    pdf = render_pdf(await report_data(session, room))
    ev.report_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    if blobs is not None:
        await _store(blobs, pdf)
    await audit(session, room, "evaluation:report_pdf", ROOM, now=now,
                after={"pdf_sha256": ev.report_pdf_sha256, "report_audit_hash": entry.hash})
    # Publicity takes over in this same transaction: it tells the managers what is due next, per line
    # (construction publishes the candidates, procurement confirms the winner).
    from ggzy.publicity.service import on_report_final  # publicity imports evaluation's models: import late

    await on_report_final(session, tender, ev, now)
    from ggzy.fees.service import on_evaluation_closed  # fees reads evaluation's models: import late

    await on_evaluation_closed(session, ev, now)  # 专家评审费 per expert of the session, same transaction
    event(session, room, "reported")


async def _store(blobs: BlobStore, pdf: bytes) -> None:
    async def one() -> AsyncIterator[bytes]:
        yield pdf

    await blobs.put_stream(one(), len(pdf))


async def deem_and_finalize(session: AsyncSession, evaluation: Evaluation, now: datetime) -> bool:
    """Chronograph: the confirmation deadline passed; returns True when the report became final."""
    if evaluation.status != S.submitted or evaluation.confirm_until is None or now < evaluation.confirm_until:
        return False
    tender = await tender_docs.get_tender(session, evaluation.tender_id, lock=True)
    room = Room(tender, evaluation, None, await committee(session, evaluation.draw_id), None, False)
    await finalize(session, room, now)
    return True


# ---------------------------------------------------------------- reading the report


def may_read_report(actor: Actor, tender: Tender, room_ok: bool) -> bool:
    """Members and watchers; the tenderer and its agency once final (the report goes to them)."""
    return room_ok or actor.acts_for(tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id)


async def report_pdf(session: AsyncSession, actor: Actor, tender_id: str, *, blobs: BlobStore) -> tuple[bytes, str]:
    """The final report PDF; rebuilt and stored when the blob is missing, refused unless byte-identical."""
    tender = await tender_docs.get_tender(session, tender_id)
    try:
        room = await load_room(session, actor, tender_id)
        room_ok = True
    except EvaluationNotFound:
        room, room_ok = None, False
    if not may_read_report(actor, tender, room_ok):
        raise EvaluationNotFound()
    ev = room.evaluation if room is not None else (await session.execute(
        current_evaluation(tender_id))).scalars().first()
    if ev is None or ev.status != S.reported or not ev.report_pdf_sha256:
        raise ReportNotFinal()
    sha = ev.report_pdf_sha256
    if await blobs.exists(sha):
        return b"".join([c async for c in blobs.open(sha)]), sha
    if room is None:
        room = Room(tender, ev, None, await committee(session, ev.draw_id), None, False)
    pdf = render_pdf(await report_data(session, room))
    if hashlib.sha256(pdf).hexdigest() != sha:
        raise ReportMismatch()
    await _store(blobs, pdf)
    return pdf, sha
