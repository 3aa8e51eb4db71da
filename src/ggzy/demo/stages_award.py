"""Stages after the report: candidate publicity with an objection (construction), the winner confirmed, the
award notice and the result notice (the committee's names, in procurement), and the signed contract recorded."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from ggzy.demo.api import StageFailed, parse_time
from ggzy.demo.context import Play, TenderRun, need
from ggzy.demo.experts import EXPERTS
from ggzy.kit.timefmt import SHANGHAI


def _award_view(play: Play, run: TenderRun) -> dict[str, Any]:
    data: dict[str, Any] = play.api.json("GET", f"/api/tenders/{run.tender_id}/award", as_=run.scenario.tenderer)
    return data


def candidate_publicity(play: Play, run: TenderRun) -> dict[str, Any]:
    """中标候选人公示 within 3 days of the report, open ≥ 3 days (Bidding Regs Art.54); a bidder objects inside the
    window, which pauses the award until the agency answers in writing (Art.54 again)."""
    need(run, "candidates")
    sc, base = run.scenario, f"/api/tenders/{run.tender_id}"
    published = play.api.json("POST", f"{base}/publicity", as_=sc.agency, json={})
    notice = play.api.json("GET", f"/api/notices/{published['notice_id']}")
    listed = notice["data"]["lots"][0]["candidates"]
    if len(listed) != len(run.candidates):
        raise StageFailed("the publicity does not list every candidate", listed=len(listed))
    objector = play.bidder_of(run.candidates[-1]["bidder_org_id"])
    objection = play.api.json("POST", f"{base}/objections", as_=objector, json={
        "body": "第一中标候选人项目负责人是否存在在建工程，请核实。", "lot_id": run.lot_ids[0]})
    paused = "award.objection_open" in _award_view(play, run)["blockers"]
    play.api.json("POST", f"/api/objections/{objection['id']}/answer", as_=sc.agency, json={
        "answer": "经核查，第一中标候选人项目负责人无在建工程，异议不成立。", "upheld": False})
    play.advance_to(published["ends_at"])
    status = play.wait_for(lambda: play.api.json("GET", f"{base}/publicity")["publicity"]["status"],
                           lambda s: s == "ended")
    if status != "ended" or not paused:
        raise StageFailed("the publicity did not run as the law says", status=status, paused_by_objection=paused)
    return {"notice": notice["title"], "candidates": len(listed), "window_days": published["window_days"],
            "ends_at": published["ends_at"], "objections_answered": 1, "paused_by_objection": paused,
            "status": status}


def _confirm(play: Play, run: TenderRun) -> dict[str, Any]:
    """The tenderer confirms rank 1 of lot 1 (state-funded: rank 1 is required, Bidding Regs Art.55)."""
    lot = _award_view(play, run)["lots"][0]
    first = next(c for c in lot["candidates"] if c["rank"] == 1)
    award: dict[str, Any] = play.api.json(
        "POST", f"/api/tenders/{run.tender_id}/lots/{lot['lot_id']}/award", as_=run.scenario.tenderer,
        json={"candidate_id": first["candidate_id"]})
    run.award_id = award["id"]
    return award


def _letter(play: Play, run: TenderRun, award: dict[str, Any]) -> int:
    """The winner downloads its 中标通知书; the bytes must hash to what the award published."""
    winner = play.bidder_of(award["bidder_org_id"])
    pdf = play.api.request("GET", f"/api/awards/{run.award_id}/letter.pdf", as_=winner)
    if hashlib.sha256(pdf.content).hexdigest() != award["letter_pdf_sha256"]:
        raise StageFailed("the award notice PDF differs from its published hash")
    return len(pdf.content)


def award_notice(play: Play, run: TenderRun) -> dict[str, Any]:
    """Construction: once the publicity ended with no objection open, the tenderer confirms the winner and the
    award notice goes out at once (Tendering Law Art.45), the result to the others."""
    need(run, "candidates")
    award = _confirm(play, run)
    size = _letter(play, run, award)
    return {"winner": play.org_names.get(award["bidder_org_id"], ""), "rank": award["rank"], "price": award["price"],
            "letter_no": award["letter_no"], "letter_bytes": size, "contract_due": award["contract_due"],
            "tender_status": play.tender(run).get("status")}


def winner_confirmed(play: Play, run: TenderRun) -> dict[str, Any]:
    """Procurement: the purchaser confirms the winner in the report's order (MOF 87 Art.68)."""
    need(run, "candidates")
    award = _confirm(play, run)
    return {"winner": play.org_names.get(award["bidder_org_id"], ""), "rank": award["rank"], "price": award["price"],
            "status": award["status"], "publish_due": award["publish_due"]}


def result_notice(play: Play, run: TenderRun) -> dict[str, Any]:
    """Procurement: the result notice names the committee (MOF 87 Art.69) and goes out with the award notice;
    from now on the draw shows the experts' names to everyone (Evaluation Rules Art.8)."""
    need(run, "award_id")
    award = play.api.json("POST", f"/api/awards/{run.award_id}/publish-result", as_=run.agency)
    notice = play.api.json("GET", f"/api/notices/{award['result_notice_id']}")
    names = {s.username: s.name for s in EXPERTS}
    committee = sorted(names[u] for u in run.members)
    if sorted(notice["data"]["committee"]) != committee or any(n not in notice["body"] for n in committee):
        raise StageFailed("the result notice does not name the committee", listed=notice["data"]["committee"])
    size = _letter(play, run, award)
    draw = play.api.json("GET", f"/api/draws/{run.draw_id}", as_=run.agency)
    return {"notice": notice["title"], "winner": notice["data"]["winner"], "price": notice["data"]["price"],
            "committee_named": len(committee), "names_visible_to_agency": draw["names_visible"],
            "letter_bytes": size, "tender_status": play.tender(run).get("status")}


def contract(play: Play, run: TenderRun) -> dict[str, Any]:
    """A few days later the tenderer records the signed contract (合同备案) within 30 days of the award notice
    (Evaluation Rules Art.49); in procurement the contract is published too (GP Regs Art.50)."""
    from ggzy.demo.documents import contract_pdf

    need(run, "award_id")
    sc = run.scenario
    award = next(lot["award"] for lot in _award_view(play, run)["lots"] if lot["award"])
    play.advance(3 * 86400)
    now = play.now()
    signed_on = now.astimezone(SHANGHAI).date().isoformat()
    tender = play.tender(run)
    buyer = play.api.json("GET", "/api/auth/me", as_=sc.tenderer).get("org_name", "")
    pdf = contract_pdf(title=tender["title"], code=tender["code"], buyer=buyer,
                       supplier=play.org_names.get(award["bidder_org_id"], ""), amount=Decimal(award["price"]),
                       signed_on=signed_on, letter_no=award["letter_no"])
    recorded = play.api.json("POST", f"/api/awards/{run.award_id}/contract", as_=sc.tenderer,
                             data={"amount": award["price"], "signed_on": signed_on},
                             files={"file": ("合同.pdf", pdf, "application/pdf")})
    if recorded["sha256"] != hashlib.sha256(pdf).hexdigest() or recorded["late"]:
        raise StageFailed("the contract was not recorded as signed", contract=recorded)
    run.contract_amount = recorded["amount"]
    out = {"amount": recorded["amount"], "signed_on": recorded["signed_on"], "late": recorded["late"],
           "days_after_award_notice": (now - parse_time(award["notified_at"])).days,
           "tender_status": play.tender(run).get("status")}
    if recorded.get("notice_id"):
        out["contract_notice"] = play.api.json("GET", f"/api/notices/{recorded['notice_id']}")["title"]
    if out["tender_status"] != "contracted":
        raise StageFailed("the tender did not reach contracted", status=out["tender_status"])
    return out
