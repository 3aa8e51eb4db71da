"""Use cases of tenders: drafts, the announcement (招标公告), corrections (更正公告), cancellation.

Every write validates everything first (against the ruleset version the tender was created under),
then changes rows, appends its audit event and commits. Reads take the Actor: a tender is public once
published; a draft exists only for its agency, its tenderer and the centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.evaluation.methods import plan as eval_plan
from ggzy.evaluation.methods.plan import EvaluationPlanIn
from ggzy.kit.db import commit
from ggzy.kit.errors import DomainError
from ggzy.kit.money import fmt as fmt_money
from ggzy.kit.timefmt import show as show_time
from ggzy.notify.service import notify_orgs
from ggzy.party.models import Role
from ggzy.project import service as project_service
from ggzy.project.models import TENDER_LINES, Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.supervision.guard import ensure_trading_open
from ggzy.tender import hooks, rules, state
from ggzy.tender.errors import (
    BadTenderTransition,
    DeadlinePassed,
    LineNotTendered,
    NothingToCorrect,
    NotTenderManager,
    ProjectNotAdmitted,
    ReasonRequired,
    RulesViolated,
    TenderInvalid,
    TenderNotFound,
)
from ggzy.tender.models import EvaluationMethod, Lot, Tender, TenderStatus
from ggzy.tender.rules import Timetable, Violation
from ggzy.tender.schemas import CoefficientRange, CorrectionIn, LotIn, TenderCreate, TenderUpdate
from ggzy.workdays.rules import Overrides
from ggzy.workdays.service import load_overrides

METHOD_LABELS: dict[str, tuple[str, str]] = {
    EvaluationMethod.lowest_evaluated_price: ("经评审的最低投标价法", "Lowest evaluated price"),
    EvaluationMethod.comprehensive_assessment: ("综合评估法", "Comprehensive assessment"),
    EvaluationMethod.base_price_deviation: ("平均值下浮基准价法", "Base price deviation"),
    EvaluationMethod.lowest_price: ("最低评标价法", "Lowest price"),
    EvaluationMethod.comprehensive_scoring: ("综合评分法", "Comprehensive scoring"),
}

PROVISIONAL_WARNING = (
    "tender.deadline_provisional",
    "时间计算超出已公布的节假日安排，仅按周末推算，请交易中心工作人员核对日期",
    "The working-day count ran beyond any published holiday schedule (weekends only); centre staff must "
    "confirm the dates",
)


@dataclass
class TenderView:
    """A tender with its lots, and what the last write produced (notice, moved deadline)."""

    tender: Tender
    lots: list[Lot]
    notice: Notice | None = None
    deadline_moved: bool = False
    warnings: list[tuple[str, str, str]] = field(default_factory=list)


def snapshot(t: Tender, lots: list[Lot] | None = None) -> dict[str, Any]:
    """The audited view of a tender."""
    out: dict[str, Any] = {
        "code": t.code, "title": t.title, "status": t.status, "ruleset_version": t.ruleset_version,
        "evaluation_method": t.evaluation_method, "has_rescue_plan": t.has_rescue_plan,
        "doc_start": t.doc_start, "doc_end": t.doc_end, "question_deadline": t.question_deadline,
        "bid_deadline": t.bid_deadline, "deadline_provisional": t.deadline_provisional,
        "max_bid_bytes": t.max_bid_bytes, "rescue_threshold": t.rescue_threshold,
        "rescue_custodians": t.rescue_custodians, "coefficient_range": t.coefficient_range,
        "evaluation_plan": t.evaluation_plan,
    }
    if lots is not None:
        out["lots"] = [_lot_dict(lot) for lot in lots]
    return out


def _lot_dict(lot: Lot) -> dict[str, Any]:
    return {"number": lot.number, "name": lot.name, "budget": lot.budget, "ceiling_price": lot.ceiling_price,
            "bond_amount": lot.bond_amount}


def manages(actor: Actor, tender: Tender) -> bool:
    """The tender's agency or tenderer organisation, acting in that role."""
    return actor.acts_for(tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id)


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Access control in the query: published tenders are public; drafts only for managers and the centre."""
    public = Tender.published_at.is_not(None)
    if actor.is_centre:
        return Tender.id.is_not(None)
    if actor.role == Role.agency and actor.org_id:
        return or_(public, Tender.agency_org_id == actor.org_id)
    if actor.role == Role.tenderer and actor.org_id:
        return or_(public, Tender.tenderer_org_id == actor.org_id)
    return public


async def _lots(session: AsyncSession, tender_id: str) -> list[Lot]:
    stmt = select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number)
    return list((await session.execute(stmt)).scalars())


async def _managed(session: AsyncSession, actor: Actor, tender_id: str) -> Tender:
    """Lock the tender for a write by its manager: 404 when invisible, 403 when visible but not managed."""
    stmt = select(Tender).where(Tender.id == tender_id, _visible(actor)).with_for_update()
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None:
        raise TenderNotFound()
    if not manages(actor, tender):
        raise NotTenderManager()
    return tender


def _raise_if(violations: list[Violation]) -> None:
    if violations:
        raise RulesViolated([v.to_dict() for v in violations])


def _timetable(t: Tender) -> Timetable:
    if t.doc_start is None or t.doc_end is None or t.question_deadline is None or t.bid_deadline is None:
        raise TenderInvalid("tender.timetable_missing", "招标时间安排不完整", "The timetable is incomplete")
    return Timetable(t.doc_start, t.doc_end, t.question_deadline, t.bid_deadline)


def _check_all(
    tt: Timetable, *, method: EvaluationMethod | str, lots: list[tuple[int, Decimal, Decimal | None, Decimal]],
    lr: rules.LineRules, now: datetime, overrides: Overrides, plan: list[Violation] | None = None,
) -> bool:
    """Raise with every violation (`plan`: the evaluation plan's); return whether the document period end is
    provisional."""
    found = rules.check_method(method, lr) + (plan or [])
    found += rules.check_timetable(tt, rules=lr, now=now, overrides=overrides)
    for number, budget, ceiling, bond in lots:
        found += rules.check_lot(number=number, budget=budget, ceiling_price=ceiling, bond_amount=bond, rules=lr)
    _raise_if(found)
    return rules.earliest_doc_end(tt.doc_start, lr, overrides)[1]


def _plan(data: EvaluationPlanIn | None, method: EvaluationMethod | str, lr: rules.LineRules
          ) -> tuple[dict[str, Any] | None, list[Violation]]:
    """The evaluation plan to store (evaluation.methods.plan: JSON, Decimals as strings) and its violations,
    e.g. a goods price weight under 30 (MOF 87 Art.55). A method the line does not allow is check_method's to
    report, so the plan is not judged against it."""
    if rules.check_method(method, lr):
        return None, []
    plan, problems = eval_plan.plan_problems(data, str(method), lr.line)
    found = [Violation(p.code, p.zh, p.en, rules.Article(*p.article) if p.article else None, p.field)
             for p in problems]
    if plan is None or found:
        return None, found
    return eval_plan.plan_to_json(plan, preset=eval_plan.is_preset(data)), []


def _stored_plan_in(tender: Tender) -> EvaluationPlanIn | None:
    """The stored plan as input again, re-checked on publication and when the draft's method changes: a preset
    keeps only its category (so it follows the method), none stored is the method's preset."""
    stored = tender.evaluation_plan
    if not stored:
        return None
    if stored.get("preset"):
        return eval_plan.plan_in_of({"category": stored.get("category")})
    return eval_plan.plan_in_of(stored)


def plan_summary(stored: dict[str, Any] | None) -> str:
    """One line for the announcement: the criteria with their maxima and the base-price rule."""
    if not stored:
        return ""
    parts = [f"{c['name']} {c['max']}分" for c in stored.get("criteria") or []]
    text = "评分因素：" + "、".join(parts) if parts else ""
    bp = stored.get("base_price")
    if bp:
        text += (f"；评标基准价为有效投标报价的算术平均值（有效报价多于{bp['drop_extremes_above']}家时去掉一个最高、"
                 f"一个最低报价）乘以（1－开标时随机抽取的下浮系数），报价每高于基准价1%扣{bp['deduction_above']}分，"
                 f"每低于基准价1%扣{bp['deduction_below']}分")
    return text


def _lot_rows(lots: list[LotIn]) -> list[tuple[int, Decimal, Decimal | None, Decimal]]:
    return [(n, lot.budget, lot.ceiling_price, lot.bond_amount) for n, lot in enumerate(lots, start=1)]


COEFFICIENT_WARNING = (
    "tender.coefficient_large",
    "下浮系数为小数比例（0.01 表示下浮1%），评标基准价 = 平均值 ×（1 − 下浮系数）；"
    "当前范围超过 0.20，请核对是否误填为乘数",
    "The floating coefficient is a fraction (0.01 = 1% down; base = mean × (1 − coefficient)); the range goes above "
    "0.20: check it is not a multiplier",
)
COEFFICIENT_PLAUSIBLE_MAX = Decimal("0.20")
"""Published sets are a few percent (e.g. 0.25%-1.5%, DOMAIN.md); above this the range was likely typed as a
multiplier (0.95 for 5% down), which evaluation.methods would apply as 95% down."""


def view(tender: Tender, lots: list[Lot], **kw: Any) -> TenderView:
    v = TenderView(tender=tender, lots=lots, **kw)
    if tender.deadline_provisional:
        v.warnings.append(PROVISIONAL_WARNING)
    rng = tender.coefficient_range
    if (rng and str(tender.evaluation_method) in eval_plan.BASE_PRICE_METHODS
            and Decimal(rng.get("max", "0")) > COEFFICIENT_PLAUSIBLE_MAX):
        v.warnings.append(COEFFICIENT_WARNING)
    return v


# ---------------------------------------------------------------- writes


async def create_tender(session: AsyncSession, actor: Actor, data: TenderCreate, *, now: datetime) -> TenderView:
    """A draft tender on an admitted construction/procurement project, by that project's agency or tenderer."""
    project = await project_service.get_project(session, actor, data.project_id)
    if project.line not in TENDER_LINES:
        raise LineNotTendered(detail={"line": str(project.line)})
    if project.status != ProjectStatus.admitted:
        raise ProjectNotAdmitted()
    if not project_service.is_party(actor, project) or actor.user_id is None:
        raise NotTenderManager()
    version = rules.CURRENT_RULESET
    lr = rules.get_ruleset(version).for_line(project.line)
    tt = Timetable(data.doc_start, data.doc_end, data.question_deadline, data.bid_deadline)
    plan_json, plan_violations = _plan(data.evaluation_plan, data.evaluation_method, lr)
    provisional = _check_all(tt, method=data.evaluation_method, lots=_lot_rows(data.lots), lr=lr, now=now,
                             overrides=await load_overrides(session), plan=plan_violations)
    count = int((await session.execute(select(func.count(Tender.id)).where(Tender.project_id == project.id)))
                .scalar_one())
    tender = Tender(
        project_id=project.id, code=f"{project.code}-{count + 1:02d}", title=data.title or project.name,
        line=project.line, ruleset_version=version, status=TenderStatus.draft, agency_org_id=project.agency_org_id,
        tenderer_org_id=project.tenderer_org_id, created_by=actor.user_id, evaluation_method=data.evaluation_method,
        has_rescue_plan=data.has_rescue_plan, description=data.description.strip(),
        qualification=data.qualification.strip(), doc_start=tt.doc_start, doc_end=tt.doc_end,
        question_deadline=tt.question_deadline, bid_deadline=tt.bid_deadline, deadline_provisional=provisional,
        decryption_window_minutes=data.decryption_window_minutes, max_bid_bytes=data.max_bid_mib * 1024 * 1024,
        rescue_threshold=data.rescue_threshold, rescue_custodians=[c.model_dump() for c in data.rescue_custodians],
        coefficient_range=_coefficients(data.coefficient_range), evaluation_plan=plan_json, created_at=now,
        updated_at=now,
    )
    session.add(tender)
    await session.flush()
    lots = [Lot(tender_id=tender.id, number=n, name=lot.name, budget=lot.budget, ceiling_price=lot.ceiling_price,
                bond_amount=lot.bond_amount) for n, lot in enumerate(data.lots, start=1)]
    session.add_all(lots)
    await session.flush()
    await record(session, "tender:created", actor, subject_type="tender", subject_id=tender.id,
                 project_id=project.id, after=snapshot(tender, lots), now=now)
    await commit(session)
    return view(tender, lots)


def _coefficients(r: CoefficientRange | None) -> dict[str, str] | None:
    """The 下浮系数 range as stored (decimal strings); min ≤ max is the only cross-field rule."""
    if r is None:
        return None
    if r.min > r.max:
        raise TenderInvalid("tender.bad_coefficient_range", "下浮系数范围无效（最小值须不大于最大值）",
                            "Invalid floating-coefficient range (min must not exceed max)")
    return {"min": str(r.min), "max": str(r.max), "step": str(r.step)}


async def update_tender(
    session: AsyncSession, actor: Actor, tender_id: str, data: TenderUpdate, *, now: datetime
) -> TenderView:
    """Change a draft (only a draft: a published tender changes through a correction notice)."""
    tender = await _managed(session, actor, tender_id)
    if tender.status != TenderStatus.draft:
        raise BadTenderTransition(
            "tender.not_draft", "只有草稿可以直接修改，已发布的招标请发布更正公告",
            "Only a draft can be edited; publish a correction for a published tender",
        )
    old_lots = await _lots(session, tender.id)
    before = snapshot(tender, old_lots)
    changes = data.model_dump(exclude_unset=True,
                              exclude={"lots", "max_bid_mib", "coefficient_range", "evaluation_plan"})
    changes = {k: v for k, v in changes.items() if v is not None}
    if data.max_bid_mib is not None:
        changes["max_bid_bytes"] = data.max_bid_mib * 1024 * 1024
    if "coefficient_range" in data.model_fields_set:
        changes["coefficient_range"] = _coefficients(data.coefficient_range)
    tt = _timetable(tender)
    tt = Timetable(**{k: changes.get(k, getattr(tt, k)) for k in rules.TIMETABLE_FIELDS})
    method = changes.get("evaluation_method", tender.evaluation_method)
    lot_rows = (_lot_rows(data.lots) if data.lots is not None
                else [(lot.number, lot.budget, lot.ceiling_price, lot.bond_amount) for lot in old_lots])
    lr = rules.get_ruleset(tender.ruleset_version).for_line(tender.line)
    plan_json, plan_violations = tender.evaluation_plan, list[Violation]()
    if "evaluation_plan" in data.model_fields_set or method != tender.evaluation_method:
        plan_in = (data.evaluation_plan if "evaluation_plan" in data.model_fields_set
                   else _stored_plan_in(tender))
        plan_json, plan_violations = _plan(plan_in, method, lr)
    provisional = _check_all(tt, method=method, lots=lot_rows, lr=lr, now=now,
                             overrides=await load_overrides(session), plan=plan_violations)
    changes["evaluation_plan"] = plan_json
    for key, value in changes.items():
        setattr(tender, key, value.strip() if isinstance(value, str) and key != "evaluation_method" else value)
    tender.deadline_provisional, tender.updated_at = provisional, now
    lots = old_lots
    if data.lots is not None:
        await session.execute(delete(Lot).where(Lot.tender_id == tender.id))
        lots = [Lot(tender_id=tender.id, number=n, name=lot.name, budget=lot.budget, ceiling_price=lot.ceiling_price,
                    bond_amount=lot.bond_amount) for n, lot in enumerate(data.lots, start=1)]
        session.add_all(lots)
    await session.flush()
    await record(session, "tender:updated", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, after=snapshot(tender, lots), now=now)
    await commit(session)
    return view(tender, lots)


def _timetable_lines(t: Tender) -> str:
    return "\n".join([
        f"招标文件获取时间：{show_time(t.doc_start)} 至 {show_time(t.doc_end)}（北京时间）",
        f"答疑截止时间：{show_time(t.question_deadline)}",
        f"投标截止时间（开标时间）：{show_time(t.bid_deadline)}",
    ])


def _notice_data(t: Tender, lots: list[Lot], lr: rules.LineRules) -> dict[str, Any]:
    return {
        "tender_code": t.code, "ruleset_version": t.ruleset_version, "evaluation_method": t.evaluation_method.value
        if isinstance(t.evaluation_method, EvaluationMethod) else str(t.evaluation_method),
        "has_rescue_plan": t.has_rescue_plan, "deadline_provisional": t.deadline_provisional,
        "timetable": {k: (getattr(t, k).isoformat() if getattr(t, k) else None) for k in rules.TIMETABLE_FIELDS},
        "lots": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in _lot_dict(lot).items()} for lot in lots],
        "bond_max_ratio": str(lr.bond_max_ratio), "evaluation_plan": t.evaluation_plan,
    }


async def publish_announcement(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> TenderView:
    """Publish the 招标公告: the timetable and every lot are checked at `now` against the tender's ruleset."""
    tender = await _managed(session, actor, tender_id)
    await ensure_trading_open(session, tender.project_id)
    if not state.can_transition(tender.status, TenderStatus.published):
        state.transition_to(tender, TenderStatus.published)  # raises tender.bad_transition
    lots = await _lots(session, tender.id)
    lr = rules.get_ruleset(tender.ruleset_version).for_line(tender.line)
    if not lots:
        raise TenderInvalid("tender.no_lots", "至少需要一个标段（包）", "At least one lot is required")
    plan_json, plan_violations = _plan(_stored_plan_in(tender), tender.evaluation_method, lr)
    provisional = _check_all(_timetable(tender), method=tender.evaluation_method,
                             lots=[(lot.number, lot.budget, lot.ceiling_price, lot.bond_amount) for lot in lots],
                             lr=lr, now=now, overrides=await load_overrides(session), plan=plan_violations)
    project = await session.get(Project, tender.project_id)
    before = snapshot(tender)
    tender.evaluation_plan = plan_json  # what the announcement publishes is what the committee will apply
    state.transition_to(tender, TenderStatus.published)
    tender.published_at, tender.updated_at = now, now
    tender.deadline_provisional = provisional
    tender.next_check_at = tender.bid_deadline
    await hooks.run_published(session, actor, tender, now)
    kind_zh = "招标公告" if tender.line == TradingLine.construction else "采购公告"
    method_zh = METHOD_LABELS.get(tender.evaluation_method, (str(tender.evaluation_method), ""))[0]
    lot_lines = "\n".join(
        f"标段{lot.number}：{lot.name}，预算（估算价）{fmt_money(lot.budget)}元"
        + (f"，最高限价{fmt_money(lot.ceiling_price)}元" if lot.ceiling_price is not None else "")
        + f"，投标保证金{fmt_money(lot.bond_amount)}元"
        for lot in lots
    )
    body = "\n\n".join(p for p in [
        f"{tender.title}（项目编号 {tender.code}）已具备招标条件，现进行公开招标，欢迎符合条件的投标人参加。",
        tender.description, f"资格要求：{tender.qualification}" if tender.qualification else "",
        lot_lines, f"评标办法：{method_zh}", plan_summary(tender.evaluation_plan), _timetable_lines(tender),
        "全流程电子化，不见面开标：投标文件须在投标人端加密后上传，逾期上传的投标文件不予受理。",
    ] if p)
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.tender_announcement, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}{kind_zh}", body=body,
        data=_notice_data(tender, lots, lr), published_at=now, published_by=actor.user_id or "",
    )
    session.add(notice)
    await session.flush()
    await record(session, "tender:published", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before,
                 after={**snapshot(tender), "notice_id": notice.id}, now=now)
    await commit(session)
    return view(tender, lots, notice=notice)


def _ceil_minute(when: datetime) -> datetime:
    """Round up to the next whole minute, so a moved deadline reads cleanly and is never early."""
    seconds = when.second + when.microsecond / 1_000_000
    return when.replace(second=0, microsecond=0) + timedelta(minutes=math.ceil(seconds / 60))


async def publish_correction(
    session: AsyncSession, actor: Actor, tender_id: str, data: CorrectionIn, *, now: datetime
) -> TenderView:
    """Publish a 更正公告; a change to the documents within 15 days of the deadline moves the deadline.

    Bidding Regs Art.21; MOF 87 Art.27: with no new deadline given, it moves to now + 15 days and the
    notice says so; a new deadline given that is earlier than that is refused.
    """
    tender = await _managed(session, actor, tender_id)
    await ensure_trading_open(session, tender.project_id)
    if tender.status != TenderStatus.published:
        raise BadTenderTransition(
            "tender.not_published", "只有已发布的招标可以发布更正公告", "Only a published tender can be corrected"
        )
    old = _timetable(tender)
    if now >= old.bid_deadline:
        raise DeadlinePassed()
    lots = await _lots(session, tender.id)
    by_number = {lot.number: lot for lot in lots}
    lr = rules.get_ruleset(tender.ruleset_version).for_line(tender.line)
    changes: dict[str, dict[str, Any]] = {}
    for name in ("doc_end", "question_deadline", "bid_deadline"):
        value = getattr(data, name)
        if value is not None and value != getattr(old, name):
            changes[name] = {"before": getattr(old, name), "after": value}
    if data.description is not None and data.description.strip() != tender.description:
        changes["description"] = {"before": tender.description, "after": data.description.strip()}
    lot_updates: dict[int, dict[str, Any]] = {}
    violations: list[Violation] = []
    for ch in data.lots or []:
        lot = by_number.get(ch.number)
        if lot is None:
            raise TenderInvalid("tender.lot_not_found", f"找不到标段{ch.number}", f"Lot {ch.number} not found",
                                detail={"number": ch.number})
        upd = {k: v for k, v in ch.model_dump(exclude_unset=True, exclude={"number"}).items()
               if (v is not None or k == "ceiling_price") and v != getattr(lot, k)}
        if upd:
            lot_updates[ch.number] = upd
            merged = {**_lot_dict(lot), **upd}
            violations += rules.check_lot(number=ch.number, budget=merged["budget"],
                                          ceiling_price=merged["ceiling_price"], bond_amount=merged["bond_amount"],
                                          rules=lr)
    docs_changed = data.changes_documents or bool(lot_updates)
    if not changes and not docs_changed:
        raise NothingToCorrect()
    new_deadline: datetime = changes.get("bid_deadline", {}).get("after", old.bid_deadline)
    moved = False
    if docs_changed:
        ruleset = rules.get_ruleset(tender.ruleset_version)
        earliest = rules.deadline_after_document_change(new_deadline, now, ruleset, TradingLine(tender.line))
        if earliest is not None:
            if "bid_deadline" in changes:
                violations.append(Violation(
                    "tender.correction_deadline_too_early",
                    f"更正招标文件距投标截止不足{lr.correction_min_days}日，投标截止时间不得早于"
                    f"{show_time(earliest)}",
                    f"The documents change less than {lr.correction_min_days} days before the deadline; the new "
                    f"deadline may not be earlier than {show_time(earliest)} (Beijing)",
                    lr.correction_article, "bid_deadline",
                ))
            else:
                new_deadline = _ceil_minute(earliest)
                changes["bid_deadline"] = {"before": old.bid_deadline, "after": new_deadline}
                moved = True
    tt = Timetable(old.doc_start, changes.get("doc_end", {}).get("after", old.doc_end),
                   changes.get("question_deadline", {}).get("after", old.question_deadline), new_deadline)
    overrides = await load_overrides(session)
    changed_times = [k for k in ("doc_end", "question_deadline", "bid_deadline") if k in changes]
    violations += rules.check_timetable(tt, rules=lr, now=now, overrides=overrides, not_in_past=changed_times)
    _raise_if(violations)
    provisional = rules.earliest_doc_end(tt.doc_start, lr, overrides)[1]
    project = await session.get(Project, tender.project_id)
    before = snapshot(tender, lots)
    # -- all checks passed: write
    tender.doc_end, tender.question_deadline, tender.bid_deadline = tt.doc_end, tt.question_deadline, tt.bid_deadline
    if "description" in changes:
        tender.description = changes["description"]["after"]
    tender.deadline_provisional = provisional
    tender.next_check_at, tender.updated_at = tt.bid_deadline, now
    if "bid_deadline" in changes:
        await hooks.run_timetable_changed(session, tender, now)  # the venue moves the sessions
    for number, upd in lot_updates.items():
        for key, value in upd.items():
            setattr(by_number[number], key, value)
    labels = {"doc_end": "招标文件获取截止时间", "question_deadline": "答疑截止时间",
              "bid_deadline": "投标截止时间（开标时间）"}
    lines = [data.body.strip()]
    for key, change in changes.items():
        if key in labels:
            lines.append(
                f"{labels[key]}：由 {show_time(change['before'])} 变更为 {show_time(change['after'])}（北京时间）"
            )
    for number, upd in lot_updates.items():
        parts = "，".join(f"{_LOT_LABELS[k]}变更为{fmt_money(v) if isinstance(v, Decimal) else (v or '无')}"
                         for k, v in upd.items())
        lines.append(f"标段{number}：{parts}")
    if moved:
        lines.append(
            f"因招标文件的澄清或修改距投标截止时间不足{lr.correction_min_days}日，根据{lr.correction_article.zh}，"
            f"投标截止时间（开标时间）顺延至 {show_time(new_deadline)}（北京时间）。"
        )
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.correction, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}更正公告", body="\n\n".join(lines),
        data={
            "tender_code": tender.code, "changes_documents": docs_changed, "deadline_moved": moved,
            "changes": {k: {"before": _plain(v["before"]), "after": _plain(v["after"])} for k, v in changes.items()},
            "lots": {str(n): {k: _plain(v) for k, v in upd.items()} for n, upd in lot_updates.items()},
            "article": {"zh": lr.correction_article.zh, "en": lr.correction_article.en} if moved else None,
        },
        published_at=now, published_by=actor.user_id or "",
    )
    session.add(notice)
    await session.flush()
    await _tell_downloaders(session, tender, notice, moved, now)
    await record(session, "tender:corrected", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before,
                 after={**snapshot(tender, lots), "notice_id": notice.id, "deadline_moved": moved}, now=now)
    await commit(session)
    return view(tender, lots, notice=notice, deadline_moved=moved)


_LOT_LABELS = {"name": "名称", "budget": "预算（估算价）", "ceiling_price": "最高限价", "bond_amount": "投标保证金"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def _tell_downloaders(session: AsyncSession, tender: Tender, notice: Notice, moved: bool, now: datetime) -> None:
    """Every party that downloaded the documents hears of the correction (E-Bidding Measures Art.22)."""
    from ggzy.tender.documents import downloader_org_ids  # engineer C's module; read only

    orgs = await downloader_org_ids(session, tender.id)
    extra_zh = "，投标截止时间已顺延" if moved else ""
    extra_en = "; the bid deadline has moved" if moved else ""
    await notify_orgs(session, orgs, kind="tender_correction", title_zh=f"更正公告：{tender.title}{extra_zh}",
                      title_en=f"Correction notice: {tender.title}{extra_en}", body_zh=notice.body,
                      link=f"/notices/{notice.id}", tender_id=tender.id, project_id=tender.project_id, now=now)


async def cancel_tender(
    session: AsyncSession, actor: Actor, tender_id: str, reason: str, *, now: datetime
) -> TenderView:
    """Terminate a tender (its agency/tenderer, or the centre) with a reason; a published one gets a 终止公告."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    stmt = select(Tender).where(Tender.id == tender_id, _visible(actor)).with_for_update()
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None:
        raise TenderNotFound()
    if not (manages(actor, tender) or actor.is_centre):
        raise NotTenderManager()
    if not state.can_transition(tender.status, TenderStatus.cancelled):
        state.transition_to(tender, TenderStatus.cancelled)  # raises tender.bad_transition
    lots = await _lots(session, tender.id)
    project = await session.get(Project, tender.project_id)
    before = snapshot(tender)
    was_public = tender.published_at is not None
    state.transition_to(tender, TenderStatus.cancelled)
    tender.next_check_at, tender.updated_at = None, now
    await hooks.run_timetable_changed(session, tender, now)  # the venue releases the sessions
    notice = None
    if was_public:
        notice = Notice(
            project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.termination, line=tender.line,
            region=project.region if project else "", title=f"{tender.title}终止公告",
            body=f"{tender.title}（项目编号 {tender.code}）终止招标。\n\n终止原因：{reason}", data={"reason": reason},
            published_at=now, published_by=actor.user_id or "",
        )
        session.add(notice)
        await session.flush()
    await record(session, "tender:cancelled", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, after={**snapshot(tender), "reason": reason}, now=now)
    await commit(session)
    return view(tender, lots, notice=notice)


# ---------------------------------------------------------------- reads


async def get_tender(session: AsyncSession, actor: Actor, tender_id: str) -> TenderView:
    """One tender the actor may see, with its lots; anything else is 404."""
    tender = (await session.execute(select(Tender).where(Tender.id == tender_id, _visible(actor)))).scalars().first()
    if tender is None:
        raise TenderNotFound()
    return view(tender, await _lots(session, tender.id))


async def list_tenders(
    session: AsyncSession, actor: Actor, *, status: TenderStatus | None = None, mine: bool = False,
    project_id: str | None = None, limit: int = 200,
) -> list[Tender]:
    """Tenders the actor may see, newest first; `mine` keeps only those its organisation manages."""
    stmt = select(Tender).where(_visible(actor))
    if mine:
        stmt = stmt.where(_managed_by(actor))
    if actor.role == Role.supervisor:
        stmt = stmt.where(Tender.line.in_(list(actor.supervised_lines)))
    if status is not None:
        stmt = stmt.where(Tender.status == status)
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    stmt = stmt.order_by(Tender.created_at.desc(), Tender.id).limit(max(1, min(limit, 1000)))
    return list((await session.execute(stmt)).scalars())


def _managed_by(actor: Actor) -> ColumnElement[bool]:
    """The tenders the actor's organisation manages (nothing for other roles)."""
    if actor.role == Role.agency and actor.org_id:
        return Tender.agency_org_id == actor.org_id
    if actor.role == Role.tenderer and actor.org_id:
        return Tender.tenderer_org_id == actor.org_id
    return false()


async def lots_of(session: AsyncSession, tenders: list[Tender]) -> dict[str, list[Lot]]:
    """Lots of several tenders at once, for lists."""
    ids = [t.id for t in tenders]
    out: dict[str, list[Lot]] = {i: [] for i in ids}
    if ids:
        stmt = select(Lot).where(Lot.tender_id.in_(ids)).order_by(Lot.number)
        for lot in (await session.execute(stmt)).scalars():
            out[lot.tender_id].append(lot)
    return out


async def preflight(session: AsyncSession, v: TenderView, *, now: datetime) -> list[Violation]:
    """What publishing at `now` would refuse (read only), shown on a draft's page before the button."""
    t = v.tender
    if t.status != TenderStatus.draft:
        return []
    lr = rules.get_ruleset(t.ruleset_version).for_line(t.line)
    try:
        tt = _timetable(t)
    except TenderInvalid as err:
        return [Violation(err.code, err.message_zh, err.message_en)]
    found = rules.check_method(t.evaluation_method, lr) + rules.check_timetable(
        tt, rules=lr, now=now, overrides=await load_overrides(session))
    try:
        found += _plan(_stored_plan_in(t), t.evaluation_method, lr)[1]
    except DomainError as err:  # a stored plan that no longer parses
        found.append(Violation(err.code, err.message_zh, err.message_en, field="evaluation_plan"))
    for lot in v.lots:
        found += rules.check_lot(number=lot.number, budget=lot.budget, ceiling_price=lot.ceiling_price,
                                 bond_amount=lot.bond_amount, rules=lr)
    return found


async def tender_notices(session: AsyncSession, tender_id: str, *, now: datetime) -> list[Notice]:
    """The published notices of a tender (announcement, corrections), oldest first."""
    stmt = select(Notice).where(Notice.tender_id == tender_id, Notice.published_at <= now)
    return list((await session.execute(stmt.order_by(Notice.published_at, Notice.id))).scalars())
