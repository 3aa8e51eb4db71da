"""Stages of the tender journey up to the bid deadline, played for either scenario: project entry, the tender,
its documents and announcement, downloads, Q&A, a correction, a suspension, the bidders' keys and sealed bids."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ggzy.demo.api import StageFailed, StageSkipped, parse_time
from ggzy.demo.context import Play, TenderRun, need
from ggzy.demo.projects import demo_timetable
from ggzy.demo.scenarios import SCENARIOS
from ggzy.project.models import TradingLine
from ggzy.workdays.rules import NO_OVERRIDES


def login(play: Play) -> dict[str, Any]:
    users: list[str] = ["admin", "staff1"]
    for sc in SCENARIOS:
        users += [sc.agency, sc.tenderer, sc.supervisor, *sc.downloaders, *sc.bidders]
    users = list(dict.fromkeys(users))
    play.api.ensure_login(*users)
    me = play.api.json("GET", "/api/auth/me", as_=SCENARIOS[0].agency)
    try:
        play.api.json("GET", "/api/demo/clock")
        play.clock_movable = True
    except StageSkipped:
        play.clock_movable = False
    return {"users": len(users), "agency": me.get("org_name", ""), "clock_movable": play.clock_movable}


def project_entry(play: Play, run: TenderRun) -> dict[str, Any]:
    sc = run.scenario
    orgs = play.api.json("GET", "/api/orgs", as_="admin", params={"kind": "tenderer", "page_size": 50})
    items = orgs["items"] if isinstance(orgs, dict) else orgs
    tenderer = next((o for o in items if sc.tenderer_name in o["name"]), None)
    if tenderer is None:
        raise StageFailed(f"no tenderer organisation named like {sc.tenderer_name}")
    project = play.api.json("POST", "/api/projects", as_=sc.agency,
                            json={**sc.project, "tenderer_org_id": tenderer["id"]})
    run.project_id = project["id"]
    admitted = play.api.json("POST", f"/api/projects/{run.project_id}/admit", as_="staff1", json={})
    out = {"project_id": run.project_id, "code": project.get("code"), "status": admitted.get("status")}
    if sc.priority:
        prioritised = play.api.json("POST", f"/api/projects/{run.project_id}/priority", as_="staff1",
                                    json=sc.priority)
        out["priority"] = prioritised.get("priority")
    return out


def tender_draft(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "project_id")
    sc = run.scenario
    # Documents on offer from an hour from now (not in the past when the request arrives), for the line's minimum
    # period (working days in procurement, holidays included), the deadline ≥ 20 days out at 09:30 Beijing.
    times = demo_timetable(play.now() + timedelta(hours=1), TradingLine(sc.project["line"]), NO_OVERRIDES)
    body = {**sc.tender, "project_id": run.project_id, **{k: v.isoformat() for k, v in times.items()}}
    tender = play.api.json("POST", "/api/tenders", as_=sc.agency, json=body)
    run.tender_id = tender["id"]
    run.lot_ids = [lot["id"] for lot in tender.get("lots", [])]
    warnings = [w.get("code") for w in tender.get("warnings", [])]
    if "tender.coefficient_large" in warnings:
        raise StageFailed("the floating coefficient range reads as a multiplier, not a fraction",
                          coefficient_range=tender.get("coefficient_range"))
    out = {"tender_id": run.tender_id, "lots": len(run.lot_ids), "status": tender.get("status"),
           "evaluation_method": tender.get("evaluation_method")}
    if tender.get("coefficient_range"):
        out["coefficient_range"] = tender["coefficient_range"]
    return out


def documents_upload(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id")
    content = run.scenario.document.encode() * 50
    run.document_sha256 = hashlib.sha256(content).hexdigest()
    doc = play.api.json("POST", f"/api/tenders/{run.tender_id}/documents", as_=run.agency,
                        files={"file": ("招标文件.txt", content, "text/plain")})
    run.document_id = doc["id"]
    if doc.get("sha256") != run.document_sha256:
        raise StageFailed("stored document hash differs from the uploaded bytes", stored=doc.get("sha256"))
    return {"document_id": run.document_id, "bytes": len(content), "sha256": run.document_sha256}


def announcement_published(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id")
    published = play.api.json("POST", f"/api/tenders/{run.tender_id}/publish", as_=run.agency, json={})
    run.bid_deadline = parse_time(published["bid_deadline"]) if published.get("bid_deadline") else None
    if play.clock_movable:
        play.advance_to(play.tender(run)["doc_start"], margin=60)  # documents are on offer from doc_start
    return {"status": published.get("status"), "bid_deadline": published.get("bid_deadline")}


def documents_downloaded(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id", "document_id")
    for username in run.scenario.downloaders:
        r = play.api.request("GET", f"/api/tenders/{run.tender_id}/documents/{run.document_id}/download",
                             as_=username)
        if hashlib.sha256(r.content).hexdigest() != run.document_sha256:
            raise StageFailed(f"{username} received different bytes")
    # E-Bidding Measures Art.21: before the deadline even the centre cannot learn who downloaded.
    hidden = play.api.request("GET", f"/api/tenders/{run.tender_id}/downloads", as_="staff1",
                              expect=(200, 403, 409))
    if hidden.status_code == 200 and hidden.json().get("items"):
        raise StageFailed("the download list was readable before the bid deadline (Art.21)")
    return {"downloads": len(run.scenario.downloaders), "list_before_deadline": hidden.status_code,
            "art21_secret_kept": True}


def question_answered(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id")
    asker = run.scenario.downloaders[0]
    question = play.api.json("POST", f"/api/tenders/{run.tender_id}/questions", as_=asker,
                             json={"body": "一标段工程量清单中“雨水管 DN800”长度与图纸不一致，以哪个为准？"})
    answer = play.api.json("POST", f"/api/questions/{question['id']}/answer", as_=run.agency, json={
        "body": "以图纸为准，工程量清单将在更正公告中同步修正。", "changes_documents": False})
    delivered = [u for u in run.scenario.downloaders if _clarified(play, run, u)]
    if delivered != list(run.scenario.downloaders):
        raise StageFailed("the answer did not reach every downloader (Art.22)", delivered=delivered)
    outsider = next(u for u in run.scenario.bidders if u not in run.scenario.downloaders)
    if _clarified(play, run, outsider):
        raise StageFailed("a bidder that did not download received the answer")
    return {"question_id": question["id"], "clarification_id": answer.get("id"),
            "delivered_to": len(delivered), "art22_every_downloader": True}


def _clarified(play: Play, run: TenderRun, username: str) -> bool:
    inbox = play.api.json("GET", "/api/inbox", as_=username, params={"per_page": 100})
    return any(n.get("tender_id") == run.tender_id and n.get("kind") == "clarification" for n in inbox["items"])


def correction(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id")
    before = play.tender(run).get("bid_deadline")
    corrected = play.api.json("POST", f"/api/tenders/{run.tender_id}/corrections", as_=run.agency, json={
        "body": "一标段工程量清单“雨水管 DN800”长度更正为 1,260 米，其余内容不变。", "changes_documents": True})
    after = corrected.get("bid_deadline")
    if after:
        run.bid_deadline = parse_time(after)
    return {"notice_id": corrected.get("notice_id"), "deadline_moved": corrected.get("deadline_moved"),
            "bid_deadline_before": before, "bid_deadline_after": after}


def suspension(play: Play, run: TenderRun) -> dict[str, Any]:
    need(run, "tender_id", "project_id")
    before = parse_time(play.tender(run)["bid_deadline"])
    s = play.api.json("POST", "/api/suspensions", as_="staff1", json={
        "scope": "project", "project_id": run.project_id, "reason": "收到投诉，暂停交易核查。"})
    play.api.json("POST", f"/api/suspensions/{s['id']}/approve", as_=run.scenario.supervisor,
                  json={"note": "同意暂停"})
    paused = 2 * 86400
    play.advance(paused)
    play.api.json("POST", f"/api/suspensions/{s['id']}/resume", as_="staff1", json={"note": "核查完毕，恢复交易"})
    after = parse_time(play.tender(run)["bid_deadline"])
    moved = (after - before).total_seconds()
    if moved < paused - 60:
        raise StageFailed("the bid deadline did not move by the suspension's length", moved_seconds=moved)
    run.bid_deadline = after
    return {"suspension_id": s["id"], "deadline_before": before.isoformat(), "deadline_after": after.isoformat(),
            "moved_hours": round(moved / 3600, 2)}


def keys_registered(play: Play, run: TenderRun) -> dict[str, Any]:
    """Each bidder makes its key pairs on its own machine and registers only the public halves (once)."""
    from ggzy.bid.rules import keyset_proof_message
    from ggzy.sealing import keys
    from ggzy.sealing.codec import b64e
    from ggzy.sealing.suites import get_suite

    new = [u for u in run.scenario.bidders if u not in play.keys]
    for username in new:
        play.api.ensure_login(username)
        me = play.api.json("GET", "/api/auth/me", as_=username)
        org_id = me["org_id"]
        play.org_names[org_id] = me.get("org_name", "")
        ks = keys.generate()
        enc, sign = b64e(ks.enc_public), b64e(ks.sign_public)
        proof = get_suite(ks.suite).sign(ks.sign_private, keyset_proof_message(
            org_id=org_id, enc_public=enc, sign_public=sign))
        play.api.json("POST", "/api/keys", as_=username, json={
            "suite": ks.suite, "enc_public": enc, "sign_public": sign, "proof": b64e(proof)})
        play.keys[username] = (org_id, ks)
        play.org_users[org_id] = username
    return {"bidders": len(new), "private_keys_sent": 0}


def bids_sealed(play: Play, run: TenderRun) -> dict[str, Any]:
    """Bids are signed and encrypted here (the bidders' side), uploaded, and answered with signed receipts."""
    from ggzy.kit.money import in_words
    from ggzy.sealing.codec import b64d
    from ggzy.sealing.envelope import seal_bid
    from ggzy.sealing.receipt import verify_receipt

    need(run, "tender_id", "lot_ids")
    if play.workdir is None:
        play.workdir = Path(tempfile.mkdtemp(prefix="ggzy-demo-bids-"))
    workdir = play.workdir / run.key
    workdir.mkdir(exist_ok=True)
    platform_public = b64d(play.api.json("GET", "/api/platform/keys")["keys"][0]["public_key"])
    lot_id = run.lot_ids[0]
    sizes = 0
    for bid in run.scenario.bids:
        org_id, ks = play.keys[bid.username]
        doc = workdir / f"{bid.username}-商务技术标.txt"
        doc.write_bytes(f"{bid.username} 投标文件：技术方案、项目管理机构、报价清单。\n".encode() * 4000)
        sheet = {"lot_id": lot_id, "price": bid.price, "price_in_words": in_words(Decimal(bid.price)),
                 "duration_days": bid.duration_days, "quality": bid.quality, "project_lead": bid.project_lead,
                 "lead_certificate": bid.certificate}
        out = workdir / f"{bid.username}.ggzyenv"
        info = seal_bid(out, keys=ks, tender_id=run.tender_id, lot_id=lot_id, bidder_org_id=org_id, sheet=sheet,
                        files=[doc])
        sent = play.api.json("PUT", f"/api/tenders/{run.tender_id}/lots/{lot_id}/bid", as_=bid.username,
                             content=out.read_bytes(), headers={
                                 "Idempotency-Key": secrets.token_hex(16), "Content-Type": "application/octet-stream"})
        receipt = sent["receipt"]
        verify_receipt(receipt, platform_public)  # offline check, as `ggzy receipt verify` does
        if receipt["sha256"] != info.sha256:
            raise StageFailed("the receipt names other bytes than the ones sealed", username=bid.username)
        run.receipts[bid.username] = receipt
        sizes += info.size
    # E-Bidding Measures Art.21/27: before the deadline not even the centre learns who or how many bid.
    hall = play.api.json("GET", f"/api/tenders/{run.tender_id}/opening", as_="staff1")
    if hall.get("entries"):
        raise StageFailed("bids were visible before the deadline")
    return {"bids": len(run.receipts), "bytes": sizes, "receipts_verified": len(run.receipts),
            "visible_before_deadline": 0}


def bid_deadline(play: Play, run: TenderRun) -> dict[str, Any]:
    """At the deadline the opening takes over in the same transaction: the hall opens, or with fewer than 3 bids
    the tender fails (Bidding Regs Art.44)."""
    need(run, "tender_id")
    play.advance_to(play.tender(run)["bid_deadline"], margin=60)
    status = play.wait_for(lambda: play.tender(run).get("status", ""), lambda s: s != "published")
    if status not in ("bid_closed", "opening", "failed"):
        raise StageFailed("the chronograph did not close bidding", status=status)
    listed = play.api.json("GET", f"/api/tenders/{run.tender_id}/downloads", as_="staff1")
    return {"status": status, "downloaders_after_deadline": listed.get("organisations")}
