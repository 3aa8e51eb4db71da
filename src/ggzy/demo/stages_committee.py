"""Stages of the committee, played for either scenario: the verifiable expert draw (commitment, draw, answers,
reveal) and the evaluation room (chair, compliance review, scoring, submission, the signed report)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ggzy.demo.api import StageFailed
from ggzy.demo.context import Play, TenderRun, need
from ggzy.demo.experts import EXPERTS
from ggzy.demo.scenarios import member_score

DRAW_REGIONS = ["530000"]
"""Experts working anywhere in the province (a region code covers the codes below it)."""


# ---------------------------------------------------------------- the draw (专家抽取)


def _evaluation_room(play: Play, run: TenderRun) -> tuple[str, str]:
    """(venue, room): the evaluation room the venue booked for the tender, or remote evaluation when none."""
    bookings = play.api.json("GET", f"/api/venue/tenders/{run.tender_id}/bookings", as_="staff1")
    booked = next((b for b in bookings if b.get("purpose") == "evaluation" and b.get("room_id")), None)
    if booked is None or booked.get("kind") == "remote":
        return "remote", ""
    rooms = {r["id"]: r for r in play.api.json("GET", "/api/venue/rooms", as_="staff1")}
    name = rooms.get(booked["room_id"], {}).get("name", "")
    return ("room", name) if name else ("remote", "")


def expert_draw(play: Play, run: TenderRun) -> dict[str, Any]:
    """The agency asks for a committee by specialty; the seed's commitment is public before anything is drawn;
    centre staff press 抽取 (Bidding Regs Art.46: at random, by specialty; 发改法规规〔2022〕1117号: traceable)."""
    need(run, "tender_id")
    sc = run.scenario
    venue, room = _evaluation_room(play, run)
    run.evaluation_at = (play.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    requested = play.api.json("POST", f"/api/tenders/{run.tender_id}/draws", as_=sc.agency, json={
        "size": sc.committee_size, "specialties": [{"code": c, "count": n} for c, n in sc.committee],
        "regions": DRAW_REGIONS, "evaluation_at": run.evaluation_at.isoformat(), "evaluation_hours": 4,
        "venue": venue, "room": room, "reserve_per_specialty": 1, "answer_minutes": 30})
    run.draw_id = requested["id"]
    if "seed" in requested:
        raise StageFailed("the seed was shown before the draw")
    run.seed_commitment = requested["seed_commitment"]
    drawn = play.api.json("POST", f"/api/draws/{run.draw_id}/draw", as_="staff1")
    first = drawn["rounds"][0]
    statuses = [m["status"] for m in drawn["members"]]
    return {"draw_id": run.draw_id, "committee_size": sc.committee_size,
            "specialties": dict(sc.committee), "seed_commitment": run.seed_commitment,
            "eligible": first["pool_size"], "excluded": first["excluded"], "notified": statuses.count("notified"),
            "reserves": statuses.count("reserve"), "venue": room or venue}


def _invitations(play: Play, run: TenderRun, status: str) -> list[tuple[str, dict[str, Any]]]:
    """(expert username, invitation) of this draw in `status`: each expert reads only their own."""
    out = []
    for spec in EXPERTS:
        for inv in play.api.json("GET", "/api/expert/invitations", as_=spec.username):
            if inv["draw_id"] == run.draw_id and inv["status"] == status:
                out.append((spec.username, inv))
    return out


def experts_answer(play: Play, run: TenderRun) -> dict[str, Any]:
    """Each drawn expert answers on their invitations page; a decline is redrawn at once by a fresh round
    (Bidding Regs Art.48; MOF 87 Art.49); once every seat accepts, the seed is revealed and anyone re-runs it."""
    from ggzy.expert.draw_rules import verify_draw

    need(run, "draw_id")
    play.api.ensure_login(*(s.username for s in EXPERTS))
    declined = ""
    for _ in range(5):  # a decline brings a replacement round with new invitations
        pending = _invitations(play, run, "notified")
        if not pending:
            break
        for username, inv in pending:
            path = f"/api/draws/{run.draw_id}/members/{inv['member_id']}"
            if run.scenario.decline and not declined:
                play.api.json("POST", f"{path}/decline", as_=username, json={"reason": run.scenario.decline})
                declined = username
            else:
                play.api.json("POST", f"{path}/accept", as_=username)
    run.members = {u: inv["member_id"] for u, inv in _invitations(play, run, "accepted")}
    draw = play.api.json("GET", f"/api/draws/{run.draw_id}", as_=run.agency)
    if draw["status"] != "decided" or len(run.members) != run.scenario.committee_size:
        raise StageFailed("the committee was not completed", status=draw["status"], accepted=len(run.members))
    doc = play.api.json("GET", f"/api/draws/{run.draw_id}/verification")
    checked = verify_draw(doc)  # offline, as `ggzy expert verify-draw` does
    if not checked.ok or doc["seed_commitment"] != run.seed_commitment:
        raise StageFailed("the revealed draw does not verify", failures=checked.failures)
    if hashlib.sha256(bytes.fromhex(doc["seed"])).hexdigest() != run.seed_commitment:
        raise StageFailed("the revealed seed does not match the commitment published before the draw")
    return {"status": draw["status"], "accepted": len(run.members), "declined": 1 if declined else 0,
            "rounds": len(doc["rounds"]), "seed_revealed": True, "verified": True,
            "names_visible_to_agency": draw.get("names_visible", False)}


# ---------------------------------------------------------------- the evaluation room (评标)


def _room(play: Play, run: TenderRun, as_: str) -> dict[str, Any]:
    data: dict[str, Any] = play.api.json("GET", f"/api/tenders/{run.tender_id}/evaluation", as_=as_)
    return data


def _post(play: Play, run: TenderRun, path: str, as_: str, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = play.api.json(kw.pop("method", "POST"), f"/api/tenders/{run.tender_id}/evaluation{path}",
                                         as_=as_, **kw)
    return data


def evaluation_chair(play: Play, run: TenderRun) -> dict[str, Any]:
    """At the booked time centre staff open the session; the members elect their chair (Evaluation Rules Art.9)."""
    need(run, "members")
    play.advance_to(run.evaluation_at)
    _post(play, run, "", "staff1")
    members = list(run.members)
    seat_one = _room(play, run, members[0])["members"][0]["id"]
    votes = 0
    status = "convening"
    for username in members:
        status = _post(play, run, "/chair-votes", username, json={"member_id": seat_one})["status"]
        votes += 1
        if status != "convening":
            break
    run.chair = next(u for u, m in run.members.items() if m == seat_one)
    if status != "reviewing":
        raise StageFailed("no chair was elected", status=status, votes=votes)
    return {"status": status, "committee_size": len(members), "votes_to_elect": votes, "chair_seat": 1}


def _entries(room: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for lot in room["lots"] for e in lot["entries"]]


def evaluation_review(play: Play, run: TenderRun) -> dict[str, Any]:
    """资格 / 符合性审查: automatic reasons bind (E-Bidding Measures Art.31, Bidding Regs Art.51); every member
    judges every other bid; the chair closes review (majority, MOF 87 Art.61)."""
    need(run, "chair")
    judged = [e for e in _entries(_room(play, run, run.chair)) if not e["auto_reasons"]]
    for username in run.members:
        for e in judged:
            _post(play, run, f"/entries/{e['id']}/opinion", username, method="PUT", json={"passed": True})
    closed = _post(play, run, "/close-review", run.chair)
    entries = _entries(_room(play, run, run.chair))
    rejected = {e["bidder"]: [r["code"] for r in e["auto_reasons"]] for e in entries if not e["conclusion"]["passed"]}
    return {"status": closed["status"], "bids": len(entries),
            "valid": sum(1 for e in entries if e["conclusion"]["passed"]), "rejected": rejected}


def evaluation_scoring(play: Play, run: TenderRun) -> dict[str, Any]:
    """Each member scores the non-price criteria of every valid bid and hands in the sheet; the chair submits:
    the method ranks the lot (price score computed, never typed) and names 1-3 candidates (Bidding Regs Art.53)."""
    need(run, "chair")
    room = _room(play, run, run.chair)
    valid = [e for e in _entries(room) if e["conclusion"]["passed"]]
    for seat, username in enumerate(run.members, start=1):
        cells = [{"entry_id": e["id"], "criterion_id": c["id"],
                  "score": member_score(Decimal(c["max"]), run.scenario.bid_of(play.bidder_of(e["bidder_org_id"]))
                                        .merit, seat)} for e in valid for c in room["criteria"]]
        _post(play, run, "/scores", username, method="PUT", json={"scores": cells})
        _post(play, run, "/sheet/submit", username)
    submitted = _post(play, run, "/submit", run.chair)
    lot = _room(play, run, run.chair)["lots"][0]
    run.candidates = lot["candidates"]
    if not run.candidates:
        raise StageFailed("no candidate was named", ranking=lot["ranking"])
    names = {e["bidder_org_id"]: e["bidder"] for e in lot["entries"]}
    top = lot["ranking"][0]
    out = {"status": submitted["status"], "sheets": len(run.members),
           "criteria": [c["id"] for c in room["criteria"]],
           "ranking": [{"rank": r["rank"], "bidder": names.get(r["bidder_org_id"], ""), "price": r["price"],
                        "price_score": r["price_score"], "total": r["total"]} for r in lot["ranking"]],
           "winner": names.get(run.candidates[0]["bidder_org_id"], ""), "price": run.candidates[0]["price"],
           "total": run.candidates[0]["total"], "candidates": len(run.candidates)}
    if top.get("base_price"):
        out["base_price"] = top["base_price"]
    return out


def evaluation_report(play: Play, run: TenderRun) -> dict[str, Any]:
    """Members sign the report; one who neither signs nor dissents in time is deemed to agree (Evaluation Rules
    Art.43); the final report goes to the tenderer and the agency as a PDF whose hash the room publishes."""
    need(run, "chair")
    members = list(run.members)
    signers = members[:len(members) - run.scenario.silent_members]
    for username in signers:
        _post(play, run, "/report/confirm", username, json={})
    room = _room(play, run, "staff1")
    if room["status"] != "reported":
        play.advance_to(room["confirm_until"])
        room = play.wait_for(lambda: _room(play, run, "staff1"), lambda r: r["status"] == "reported")
    if room["status"] != "reported":
        raise StageFailed("the report did not become final", status=room["status"])
    pdf = play.api.request("GET", f"/tenders/{run.tender_id}/evaluation/report.pdf", as_=run.agency)
    if hashlib.sha256(pdf.content).hexdigest() != room["report_pdf_sha256"]:
        raise StageFailed("the report PDF differs from its published hash")
    return {"status": room["status"], "signed": len(signers), "deemed": len(members) - len(signers),
            "pdf_bytes": len(pdf.content), "report_sha256": room["report_pdf_sha256"],
            "tender_status": play.tender(run).get("status")}
