"""What the public notices of this stage say: the candidates as the opening sheet and the report give them, the
committee's names, and the plain Chinese text of the candidate publicity and the result notices.

The notice body is plain text (the portal escapes it and keeps the line breaks); the same facts go into the
notice's `data` for open data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import Candidate
from ggzy.expert.models import CommitteeMember, Expert, MemberKind, MemberStatus
from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import show
from ggzy.opening.models import OpeningEntry
from ggzy.party.models import Organisation, User
from ggzy.project.models import LINE_LABELS
from ggzy.publicity.rules import LineRules, last_day
from ggzy.tender.models import Lot, Tender
from ggzy.tender.service import METHOD_LABELS

RANK_WORDS = {1: "第一", 2: "第二", 3: "第三"}


@dataclass(frozen=True)
class CandidateRow:
    candidate_id: str
    lot_id: str
    rank: int
    bidder_org_id: str
    bidder: str
    price: Decimal
    """The evaluated price (yuan)."""
    total_score: Decimal | None
    quality: str
    duration_days: int | None
    project_lead: str
    lead_certificate: str
    qualification: str
    """资格能力条件 as the bidder stated it in its opening sheet."""
    contact: str = ""


@dataclass(frozen=True)
class LotCandidates:
    lot: Lot
    rows: list[CandidateRow]


def qualification_of(sheet: dict[str, Any] | None) -> str:
    """The qualification the bidder stated (sheet key `qualification`, a text or a list of texts)."""
    raw = (sheet or {}).get("qualification", (sheet or {}).get("qualifications"))
    if isinstance(raw, str):
        return raw.strip()[:500]
    if isinstance(raw, list):
        return "；".join(str(x).strip() for x in raw if str(x).strip())[:500]
    return ""


async def lot_candidates(session: AsyncSession, tender_id: str, evaluation_id: str) -> list[LotCandidates]:
    """The report's candidates per lot, in lot and rank order, with the opening sheet's quality, duration and
    qualification (10号令 Art.6: ranking, name, price, quality, duration, project lead, qualification)."""
    rows = (await session.execute(
        select(Candidate, Lot, OpeningEntry, Organisation)
        .join(Lot, Lot.id == Candidate.lot_id)
        .join(OpeningEntry, OpeningEntry.id == Candidate.entry_id)
        .join(Organisation, Organisation.id == Candidate.bidder_org_id)
        .where(Candidate.tender_id == tender_id, Candidate.evaluation_id == evaluation_id)
        .order_by(Lot.number, Candidate.rank)
    )).all()
    out: dict[str, LotCandidates] = {}
    for cand, lot, entry, org in rows:
        group = out.setdefault(lot.id, LotCandidates(lot, []))
        group.rows.append(CandidateRow(
            candidate_id=cand.id, lot_id=lot.id, rank=cand.rank, bidder_org_id=org.id, bidder=org.name,
            price=cand.price, total_score=cand.total_score, quality=entry.quality, duration_days=entry.duration_days,
            project_lead=cand.project_lead or entry.project_lead,
            lead_certificate=cand.lead_certificate or entry.lead_certificate,
            qualification=qualification_of(entry.sheet), contact=org.address,
        ))
    return list(out.values())


async def committee_names(session: AsyncSession, tender_id: str) -> list[tuple[str, str]]:
    """The seated committee as (name, role) in seat order: pool experts by their pool name, the purchaser's
    representatives by their login name (MOF 87 Art.69 publishes the committee's list)."""
    rows = (await session.execute(
        select(CommitteeMember, Expert.name, User.display_name)
        .outerjoin(Expert, Expert.id == CommitteeMember.expert_id)
        .outerjoin(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.tender_id == tender_id, CommitteeMember.status == MemberStatus.accepted)
        .order_by(CommitteeMember.round, CommitteeMember.position)
    )).all()
    out: list[tuple[str, str]] = []
    for member, expert_name, user_name in rows:
        if member.kind == MemberKind.tenderer_rep:
            out.append((user_name or "", "采购人代表"))
        else:
            out.append((expert_name or user_name or "", "评审专家"))
    return out


def price_text(price: Decimal) -> str:
    return f"{fmt(price)} 元（{in_words(price)}）"


def _candidate_lines(row: CandidateRow, *, scored: bool) -> list[str]:
    lines = [f"{RANK_WORDS.get(row.rank, f'第{row.rank}')}中标候选人：{row.bidder}",
             f"    投标报价（评审价）：{price_text(row.price)}"]
    if scored and row.total_score is not None:
        lines.append(f"    综合得分：{row.total_score}")
    days = row.duration_days if row.duration_days is not None else "—"
    lines.append(f"    质量：{row.quality or '—'}；工期：{days} 日历天")
    lead = row.project_lead or "—"
    if row.lead_certificate:
        lead += f"（证书编号：{row.lead_certificate}）"
    lines.append(f"    项目负责人：{lead}")
    lines.append(f"    资格能力条件：{row.qualification or '详见其投标文件'}")
    return lines


def candidate_publicity_body(
    tender: Tender, *, tenderer: str, agency: str, lots: Iterable[LotCandidates], published_at: datetime,
    ends_at: datetime, rules: LineRules, objection_link: str, contacts: list[str],
) -> str:
    """中标候选人公示: the content 10号令 Art.6 lists, the window of Bidding Regs Art.54 and how to object."""
    method = METHOD_LABELS.get(tender.evaluation_method, (str(tender.evaluation_method), ""))[0]
    scored = "comprehensive" in str(tender.evaluation_method) or "scoring" in str(tender.evaluation_method)
    out = [
        f"{tender.title}（项目编号：{tender.code}）评标工作已经结束。根据《中华人民共和国招标投标法实施条例》"
        "第五十四条及《招标公告和公示信息发布管理办法》第六条，现将评标委员会推荐的中标候选人公示如下：",
        "",
        "一、项目概况",
        f"招标人：{tenderer}",
        f"招标代理机构：{agency or '（无）'}",
        f"交易类型：{LINE_LABELS[tender.line][0]}",
        f"开标时间：{show(tender.bid_deadline)}（北京时间）",
        f"评标办法：{method}",
        "",
        "二、中标候选人（按排序）",
    ]
    for group in lots:
        out.append(f"标段 {group.lot.number}：{group.lot.name}")
        for row in group.rows:
            out.extend(_candidate_lines(row, scored=scored))
        out.append("")
    assert rules.window is not None
    out += [
        "三、公示期",
        f"自 {show(published_at)} 起至 {last_day(ends_at):%Y年%m月%d日} 24:00 止（北京时间），"
        f"不少于{rules.window.words_zh}（{rules.window.law_zh}）。",
        "",
        "四、提出异议的渠道和方式",
        "投标人或者其他利害关系人对评标结果有异议的，应当在公示期内登录本平台，在本项目的“中标候选人公示与异议”页面"
        f"（{objection_link}）以书面形式提出，写明异议事项及理由。招标人自收到异议之日起{rules.answer.words_zh}内作出答复；"
        "作出答复前，暂停招标投标活动（《招标投标法实施条例》第五十四条）。对答复不满意或者招标人逾期未答复的，"
        f"可以自答复期满之日起{rules.complaint.words_zh}内向本项目的行政监督部门投诉（《招标投标法实施条例》第六十条）。",
        "",
        "五、联系方式",
        *contacts,
    ]
    return "\n".join(out)


def result_body(
    tender: Tender, *, tenderer: str, agency: str, lot: Lot, winner: CandidateRow, others: list[CandidateRow],
    confirmed_at: datetime, procurement: bool, committee: list[tuple[str, str]], rules: LineRules,
    notice_ends_at: datetime | None, objection_ends_at: datetime | None, objection_link: str, contacts: list[str],
) -> str:
    """中标（成交）结果公告: construction states the winner (10号令 Art.6); procurement adds the committee's names,
    the notice period and the 质疑 period (MOF 87 Art.69; GP Law Art.52)."""
    out = [
        f"{tender.title}（项目编号：{tender.code}）{'采购人' if procurement else '招标人'}已于 {show(confirmed_at)}"
        f"（北京时间）{'按评审报告推荐的中标候选人顺序确定' if procurement else '依法确定'}中标人，现将结果公告如下：",
        "",
        "一、项目信息",
        f"{'采购人' if procurement else '招标人'}：{tenderer}",
        f"{'采购代理机构' if procurement else '招标代理机构'}：{agency or '（无）'}",
        f"标段（包）：{lot.number} {lot.name}",
        "",
        "二、中标（成交）信息",
        f"中标（成交）供应商：{winner.bidder}" if procurement else f"中标人：{winner.bidder}",
        f"地址：{winner.contact or '—'}",
        f"中标（成交）金额：{price_text(winner.price)}",
    ]
    if not procurement:
        out.append(f"工期：{winner.duration_days if winner.duration_days is not None else '—'} 日历天；"
                   f"质量：{winner.quality or '—'}；项目负责人：{winner.project_lead or '—'}")
    if procurement:
        names = "、".join(f"{n}（{role}）" if role != "评审专家" else n for n, role in committee) or "—"
        out += ["", "三、评审专家（评标委员会成员）名单", names, ""]
        section = "四"
        assert rules.notice_period is not None and rules.objection is not None
        out += [
            f"{section}、公告期限",
            f"自本公告发布之日起{rules.notice_period.words_zh}"
            + (f"（至 {last_day(notice_ends_at):%Y年%m月%d日} 24:00 止）" if notice_ends_at else "")
            + f"（{rules.notice_period.law_zh}）。",
            "",
            "五、质疑",
            f"供应商认为中标（成交）结果使自己的权益受到损害的，可以在公告期限届满之日起{rules.objection.words_zh}内"
            + (f"（至 {last_day(objection_ends_at):%Y年%m月%d日} 24:00 止）" if objection_ends_at else "")
            + f"，登录本平台在本项目页面（{objection_link}）以书面形式向采购人提出质疑（{rules.objection.law_zh}）。"
            f"采购人应当在收到质疑后{rules.answer.words_zh}内作出答复（{rules.answer.law_zh}）。",
        ]
    elif others:
        out += ["", "三、其他中标候选人",
                *[f"{RANK_WORDS.get(o.rank, f'第{o.rank}')}中标候选人：{o.bidder}，投标报价 {fmt(o.price)} 元"
                  for o in others]]
    out += ["", "联系方式", *contacts]
    return "\n".join(out)


def contacts_of(orgs: Iterable[Organisation | None], labels: Iterable[str]) -> list[str]:
    lines: list[str] = []
    for org, label in zip(orgs, labels, strict=True):
        if org is None:
            continue
        bits = [org.name]
        if org.contact_name:
            bits.append(f"联系人：{org.contact_name}")
        if org.contact_phone:
            bits.append(f"电话：{org.contact_phone}")
        if org.address:
            bits.append(f"地址：{org.address}")
        lines.append(f"{label}：" + "，".join(bits))
    return lines
