"""What an upheld objection does (award.remedies): back to the committee (reevaluate) while the candidates are in
publicity, or the named candidate disqualified and the next one awarded (next_candidate, Bidding Regs Art.55;
MOF 94 Art.16) — also after an award notice, which is then revoked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.award.models import Award, AwardStatus, CandidateExclusion, ExclusionKind
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from ggzy.publicity.models import PublicityStatus
from ggzy.tender.models import Tender, TenderStatus
from tests.award.test_award import after_publicity
from tests.publicity.builders import bj, committee_reports, err, evaluated, inbox_kinds, publicity_of
from tests.supervision.builders import audit_tags, fetch, reload


async def _object(client: AsyncClient, tender_id: str, headers: dict[str, str]) -> str:
    r = await client.post(f"/api/tenders/{tender_id}/objections", json={"body": "第一中标候选人资质证书已过期"},
                          headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_upheld_objection_sends_the_tender_back_to_the_committee_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path)
    oid = await _object(client, e.tender_id, e.loser)
    r = await client.post(f"/api/objections/{oid}/answer", headers=e.agency, json={
        "answer": "经复核，评标委员会对第一名的资格审查有误，异议成立", "upheld": True, "remedy": "reevaluate"})
    assert r.status_code == 200 and r.json()["remedy"] == "reevaluate", r.text
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.evaluating
    p = await publicity_of(db, e.tender_id)
    assert p.status == PublicityStatus.withdrawn and p.withdrawn_reason.startswith("经复核")
    assert "tender:reevaluation" in await inbox_kinds(db, e.candidates[0].bidder_org_id)
    assert "tender:reevaluation_ordered" in await audit_tags(db, e.tender_id)
    # The withdrawn publicity takes no objection, and nothing can be awarded.
    err(await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "再提"}, headers=e.cand_headers(3)),
        409, "publicity.window_closed")
    clock.set(bj(2026, 3, 30, 10, 0))
    err(await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.agency), 409, "award.not_ready")
    # The committee reconvenes; its new report opens a new publicity round, due within 3 days again.
    await committee_reports(client, e.room)
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.evaluated
    again = await publicity_of(db, e.tender_id)
    assert (again.round, again.status, again.publish_due) == (2, PublicityStatus.due, bj(2026, 4, 3, 0, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/publicity", json={}, headers=e.agency)
    assert r.status_code == 201 and r.json()["round"] == 2, r.text


async def test_upheld_objection_disqualifies_the_first_and_the_next_is_awarded_art55(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await after_publicity(app, client, db, clock, tmp_path, state_funded=True)
    oid = await _object(client, e.tender_id, e.loser)
    answer = f"/api/objections/{oid}/answer"
    body = {"answer": "经核实，第一中标候选人资质证书已过期，取消其中标候选人资格", "upheld": True,
            "remedy": "next_candidate"}
    err(await client.post(answer, json=body, headers=e.agency), 422, "publicity.bad_remedy")  # which candidate?
    err(await client.post(answer, json={**body, "candidate_id": "x" * 32}, headers=e.agency), 422,
        "publicity.bad_remedy")
    r = await client.post(answer, json={**body, "candidate_id": e.candidates[0].id}, headers=e.agency)
    assert r.status_code == 200 and r.json()["excluded_candidate_id"] == e.candidates[0].id, r.text
    (ex,) = await fetch(db, select(CandidateExclusion))
    assert ex.kind == ExclusionKind.disqualified and ex.source == f"objection:{oid}"
    clock.set(bj(2026, 3, 30, 10, 0))
    url = f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"
    err(await client.post(url, json={"candidate_id": e.candidates[0].id}, headers=e.agency), 409,
        "award.candidate_excluded")
    err(await client.post(url, json={"candidate_id": e.candidates[2].id}, headers=e.agency), 409,
        "award.rank_one_required")  # rank 2 is next, not rank 3
    r = await client.post(url, json={"candidate_id": e.candidates[1].id}, headers=e.agency)
    assert r.status_code == 201 and r.json()["rank"] == 2, r.text


async def test_upheld_challenge_after_the_result_revokes_the_award_and_the_next_is_awarded_mof94_art16(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path, line=TradingLine.procurement)
    clock.set(bj(2026, 3, 24, 10, 0))
    url = f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award"
    first = (await client.post(url, json={"candidate_id": e.candidates[0].id}, headers=e.agency)).json()
    assert (await client.post(f"/api/awards/{first['id']}/publish-result", headers=e.agency)).status_code == 200
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.awarded
    clock.set(bj(2026, 3, 27, 10, 0))
    oid = await _object(client, e.tender_id, e.loser)
    answer = f"/api/objections/{oid}/answer"
    err(await client.post(answer, json={"answer": "重新评审", "upheld": True, "remedy": "reevaluate"},
                          headers=e.agency), 409, "publicity.remedy_not_possible")
    r = await client.post(answer, headers=e.agency, json={
        "answer": "质疑成立：中标供应商不满足资格条件", "upheld": True, "remedy": "next_candidate",
        "candidate_id": e.candidates[0].id})
    assert r.status_code == 200, r.text
    awards = await fetch(db, select(Award).execution_options(populate_existing=True))
    assert [(a.status, a.revoked_reason) for a in awards] == [
        (AwardStatus.revoked, "质疑成立：中标供应商不满足资格条件")]
    assert "award:candidate_disqualified" in await inbox_kinds(db, e.candidates[0].bidder_org_id)
    assert (await client.get(f"/api/awards/{first['id']}/letter.pdf", headers=e.cand_headers(1))).status_code == 200
    r = await client.post(url, json={"candidate_id": e.candidates[1].id}, headers=e.agency)
    assert r.status_code == 201 and r.json()["letter_no"].endswith("-2"), r.text
    r = await client.post(f"/api/awards/{r.json()['id']}/publish-result", headers=e.agency)
    assert r.status_code == 200 and r.json()["status"] == "notified", r.text
