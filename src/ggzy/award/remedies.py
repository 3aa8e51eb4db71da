"""What an upheld objection (异议 / 质疑) or complaint (投诉) does to the result, in the caller's transaction.

- `reevaluate`: the committee reviews again (tender publicity → evaluating); only before any award of the
  tender, since an awarded tender cannot go back (tender/state.py).
- `next_candidate`: the named candidate is disqualified; a live, uncontracted award of it is revoked, and the
  tenderer may award the next candidate in ranking (Bidding Regs Art.55; MOF 94 Art.16: "另行确定").
- `none`: upheld, the result stands (e.g. an error of wording).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.award.models import Award, AwardStatus, CandidateExclusion, ExclusionKind
from ggzy.award.rules import LIVE
from ggzy.evaluation.access import current_evaluation
from ggzy.evaluation.models import Candidate
from ggzy.notify.service import notify_orgs
from ggzy.publicity import parties
from ggzy.publicity.errors import BadRemedy, RemedyNotPossible
from ggzy.publicity.models import Publicity, PublicityStatus, Remedy
from ggzy.tender import state as tender_state
from ggzy.tender.models import Tender, TenderStatus


@dataclass
class Applied:
    remedy: Remedy
    excluded: str | None = None
    revoked: list[str] = field(default_factory=list)
    tender_status: str = ""

    def audit(self) -> dict[str, Any]:
        return {"remedy": self.remedy, "excluded_candidate_id": self.excluded, "revoked_awards": self.revoked,
                "tender_status": self.tender_status}


async def candidate_of(session: AsyncSession, tender: Tender, candidate_id: str | None) -> Candidate:
    """A candidate of the tender's latest report, or BadRemedy."""
    if not candidate_id:
        raise BadRemedy()
    latest = (await session.execute(current_evaluation(tender.id))).scalars().first()
    found = (await session.execute(select(Candidate).where(
        Candidate.id == candidate_id, Candidate.tender_id == tender.id))).scalars().first()
    if found is None or latest is None or found.evaluation_id != latest.id:  # an earlier round's candidate
        raise BadRemedy(detail={"candidate_id": candidate_id})
    return found


async def check_remedy(session: AsyncSession, tender: Tender, remedy: Remedy, candidate_id: str | None) -> None:
    """Refuse a remedy that cannot be applied, before anything is written."""
    if remedy == Remedy.reevaluate:
        live = (await session.execute(select(Award.id).where(
            Award.tender_id == tender.id, Award.status.in_(LIVE)).limit(1))).first()
        if tender.status != TenderStatus.publicity or live is not None:
            raise RemedyNotPossible(detail={"tender_status": str(tender.status)})
    elif remedy == Remedy.next_candidate:
        cand = await candidate_of(session, tender, candidate_id)
        award = (await session.execute(select(Award).where(
            Award.candidate_id == cand.id, Award.status == AwardStatus.contracted))).scalars().first()
        if award is not None:
            raise RemedyNotPossible("publicity.already_contracted", "该中标人的合同已经备案，不能再取消其中标资格",
                                    "The winner's contract is already recorded; the award can no longer be revoked")


async def apply_remedy(
    session: AsyncSession, actor: Actor, tender: Tender, *, remedy: Remedy, candidate_id: str | None, source: str,
    reason: str, now: datetime,
) -> Applied:
    """Apply `remedy` (check_remedy first). `source` is "objection:<id>" or "complaint:<id>"."""
    await check_remedy(session, tender, remedy, candidate_id)
    out = Applied(remedy, tender_status=str(tender.status))
    if remedy == Remedy.reevaluate:
        await _reevaluate(session, actor, tender, source=source, reason=reason, now=now)
        out.tender_status = str(tender.status)
    elif remedy == Remedy.next_candidate:
        cand = await candidate_of(session, tender, candidate_id)
        out.excluded = cand.id
        out.revoked = await _disqualify(session, actor, tender, cand, source=source, reason=reason, now=now)
    return out


async def _reevaluate(session: AsyncSession, actor: Actor, tender: Tender, *, source: str, reason: str,
                      now: datetime) -> None:
    before = {"status": tender.status}
    tender_state.transition_to(tender, TenderStatus.evaluating)
    tender.updated_at = now
    rows = (await session.execute(select(Publicity).where(
        Publicity.tender_id == tender.id, Publicity.status.in_((PublicityStatus.due, PublicityStatus.open,
                                                                 PublicityStatus.ended))))).scalars().all()
    for p in rows:
        p.status, p.withdrawn_at, p.withdrawn_reason, p.next_check_at = PublicityStatus.withdrawn, now, reason, None
    await record(session, "tender:reevaluation_ordered", actor, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"status": tender.status, "source": source, "reason": reason,
                        "publicities_withdrawn": [p.id for p in rows], "law": "Bidding Regs Art.54/61"})
    recipients = [*parties.managers(tender), *await parties.centre_orgs(session),
                  *await parties.bidder_orgs(session, tender.id)]
    await notify_orgs(
        session, recipients, kind="tender:reevaluation", tender_id=tender.id, project_id=tender.project_id, now=now,
        link=f"/workspace/tenders/{tender.id}/publicity",
        title_zh=f"重新评审：{tender.title}", title_en=f"Re-evaluation ordered: {tender.title}",
        body_zh=f"{tender.code} 的异议（投诉）成立，中标候选人公示撤回，评标委员会将重新评审。",
        body_en=f"{tender.code}: an objection (complaint) was upheld; the candidate publicity is withdrawn and the "
                "committee will review again.",
    )


async def _disqualify(session: AsyncSession, actor: Actor, tender: Tender, cand: Candidate, *, source: str,
                      reason: str, now: datetime) -> list[str]:
    exists = (await session.execute(select(CandidateExclusion.id).where(
        CandidateExclusion.candidate_id == cand.id, CandidateExclusion.kind == ExclusionKind.disqualified))).first()
    if exists is None:
        session.add(CandidateExclusion(tender_id=tender.id, lot_id=cand.lot_id, candidate_id=cand.id,
                                       kind=ExclusionKind.disqualified, reason=reason, source=source,
                                       recorded_by=actor.user_id, at=now))
    awards = (await session.execute(select(Award).where(
        Award.candidate_id == cand.id, Award.status.in_((AwardStatus.confirmed, AwardStatus.notified)))
        .with_for_update())).scalars().all()
    for a in awards:
        before = {"status": a.status}
        a.status, a.revoked_at, a.revoked_reason, a.next_check_at = AwardStatus.revoked, now, reason, None
        await record(session, "award:revoked", actor, subject_type="award", subject_id=a.id,
                     project_id=tender.project_id, before=before, now=now,
                     after={"status": a.status, "tender_id": tender.id, "lot_id": a.lot_id, "source": source,
                            "reason": reason, "law": "Bidding Regs Art.55; MOF 94 Art.16"})
    await session.flush()
    await notify_orgs(
        session, [cand.bidder_org_id, *parties.managers(tender)], kind="award:candidate_disqualified",
        tender_id=tender.id, project_id=tender.project_id, now=now, link=f"/workspace/tenders/{tender.id}/award",
        title_zh=f"中标候选人资格取消：{tender.title}", title_en=f"Candidate disqualified: {tender.title}",
        body_zh=f"{tender.code} 排名第{cand.rank}的中标候选人经异议（投诉）处理被取消资格：{reason}"
                + ("；其中标通知已撤销，招标人可依序确定其他中标候选人。" if awards else "。"),
        body_en=f"{tender.code}: the rank {cand.rank} candidate was disqualified after an objection (complaint)"
                + ("; its award is revoked and the next candidate may be awarded." if awards else "."),
    )
    return [a.id for a in awards]
