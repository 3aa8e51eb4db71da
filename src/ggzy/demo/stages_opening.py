"""Stages of the remote opening (不见面开标), played for either scenario, and the closing audit check."""

from __future__ import annotations

import hashlib
from typing import Any

from ggzy.demo.api import StageFailed
from ggzy.demo.context import Play, TenderRun, need


def hall(play: Play, run: TenderRun, as_: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = play.api.json("GET", f"/api/tenders/{run.tender_id}/opening", as_=as_ or run.agency)
    return data


def opening_decrypt(play: Play, run: TenderRun) -> dict[str, Any]:
    """Sign-in, the bidder list, each bidder unwraps its data key locally and hands over only that."""
    from ggzy.sealing.codec import b64e
    from ggzy.sealing.envelope import unwrap_data_key

    need(run, "tender_id", "receipts")
    base = f"/api/tenders/{run.tender_id}/opening"
    status = play.tender(run).get("status")
    if status != "opening":
        raise StageFailed("the opening hall did not open", status=status)
    for username in run.scenario.bidders:
        play.api.json("POST", f"{base}/sign-in", as_=username, json={})
    listed = play.api.json("POST", f"{base}/publish-bidders", as_=run.agency, json={})
    for bid in run.scenario.bids:
        if not bid.decrypts:
            continue
        _, ks = play.keys[bid.username]
        for entry in (e for e in hall(play, run, bid.username)["entries"] if e.get("header")):
            data_key = unwrap_data_key(entry["header"], enc_private=ks.enc_private)
            play.api.json("POST", f"{base}/entries/{entry['id']}/decrypt", as_=bid.username,
                          json={"data_key": b64e(data_key)})
    play.advance_to(listed.get("decrypt_until"))  # the window closes on the server's clock
    results = {e["bidder"]: e["decrypt_status"] for e in hall(play, run)["entries"]}
    expected = sum(1 for b in run.scenario.bids if b.decrypts)
    if list(results.values()).count("decrypted") != expected:
        raise StageFailed("unexpected decryption results", results=results)
    return {"status": hall(play, run)["status"], "decrypted": list(results.values()).count("decrypted"),
            "deemed_revoked": list(results.values()).count("deemed_revoked")}


def opening_announced(play: Play, run: TenderRun) -> dict[str, Any]:
    """唱标, the floating coefficient (construction), a live objection answered on the spot (Bidding Regs Art.44)."""
    need(run, "tender_id")
    base = f"/api/tenders/{run.tender_id}/opening"
    sheet = hall(play, run)
    answered = 0
    if run.scenario.opening_objection:
        bidder, text, reply = run.scenario.opening_objection
        objection = play.api.json("POST", f"{base}/objections", as_=bidder, json={"body": text})
        play.api.json("POST", f"{base}/objections/{objection['id']}/answer", as_=run.agency, json={"answer": reply})
        answered = 1
    closed = play.api.json("POST", f"{base}/close-announcing", as_=run.agency, json={})
    announced = [e for e in sheet["entries"] if e["price"]]
    out = {"announced": len(announced), "objections_answered": answered, "status": closed.get("status")}
    if sheet.get("floating_coefficient"):
        out["floating_coefficient"] = sheet["floating_coefficient"]
    return out


def opening_record(play: Play, run: TenderRun) -> dict[str, Any]:
    """Bidders confirm; silence is acceptance (MOF 87 Art.42); the record is published with its PDF."""
    need(run, "tender_id")
    for username in run.scenario.bidders[:run.scenario.confirmers]:
        play.api.json("POST", f"/api/tenders/{run.tender_id}/opening/confirm", as_=username, json={})
    play.advance_to(hall(play, run).get("confirm_until"))
    done = hall(play, run)
    if done.get("status") != "closed" or not done.get("record_notice_id"):
        raise StageFailed("the opening record was not published", status=done.get("status"))
    notice = play.api.json("GET", f"/api/notices/{done['record_notice_id']}")
    pdf = play.api.request("GET", f"/tenders/{run.tender_id}/opening/record.pdf")
    if hashlib.sha256(pdf.content).hexdigest() != done.get("record_pdf_sha256"):
        raise StageFailed("the record PDF differs from its published hash")
    deemed = sum(1 for e in done["entries"] if e.get("confirmation") == "deemed")
    return {"notice": notice.get("title"), "pdf_bytes": len(pdf.content), "deemed_confirmed": deemed,
            "audit_hash": done.get("record_audit_hash"), "tender_status": play.tender(run).get("status")}


def audit_verify(play: Play) -> dict[str, Any]:
    result = play.api.json("GET", "/api/audit/verify", as_="staff1")
    play.audit_ok = bool(result["ok"])
    if not play.audit_ok:
        raise StageFailed("audit chain broken", result=result)
    return {"ok": True}  # the API withholds count and head hash (Art.21); `ggzy audit verify` shows them
