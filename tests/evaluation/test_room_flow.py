"""The evaluation room end to end on a construction tender with 综合评估法 (the method's preset plan: 投标报价 60,
施工组织设计 30, 项目管理机构 10; base price = mean of the valid prices, 2 points off per 1% above it, 1 per 1%
below): chair, review, a clarification, scores, a dissent, submission with 3 candidates (Bidding Regs Art.53),
the deviation flag to the supervisor, confirmations and the report PDF (Evaluation Rules Art.43)."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import Candidate, DeviationFlag, Evaluation, EvaluationStatus
from ggzy.kit.clock import FrozenClock
from ggzy.tender.models import Tender, TenderStatus
from tests.evaluation.builders import build_room, close_review, elect, put_scores, review_all, start, view
from tests.factories import bearer
from tests.supervision.builders import audit_tags, fetch, inbox, reload

D = Decimal
# Members' scores per bidder (seat 1..5); seat 5 scores 施工组织设计 far from the others on purpose.
TECH = {0: ["24", "25", "26", "25", "10"], 1: ["27", "28", "27", "28", "12"], 2: ["20", "21", "22", "21", "8"],
        3: ["22", "22", "23", "23", "28"]}
COMM = {0: ["8", "8", "9", "8", "8"], 1: ["7", "8", "7", "8", "8"], 2: ["9", "9", "9", "9", "9"],
        3: ["6", "7", "6", "7", "6"]}
# Evaluated prices (words prevail, Evaluation Rules Art.19): bidder 3 wrote 玖拾陆万元整 for 961,234.56.
# Base = (950000.00 + 948000.50 + 960000.00 + 939999.99) / 4 = 949500.1225 → 949500.12 (4 prices: none dropped).
# Price score = 60 − |price − base| × 100 × deduction / base:
#   bidder 1: 950000.00, 499.88 above  → 60 − 0.1053 = 59.89
#   bidder 2: 948000.50, 1499.62 below → 60 − 0.1579 = 59.84
#   bidder 3: 960000.00, 10499.88 above → 60 − 2.2117 = 57.79
#   bidder 4: 939999.99, 9500.13 below → 60 − 1.0005 = 59.00
# Committee scores (member means): tech 22.00 / 24.40 / 18.40 / 23.60; commercial 8.20 / 7.60 / 9.00 / 6.40.
EXPECTED = [  # (bidder, evaluated price, price score, total) best first
    (1, D("948000.50"), "59.84", D("91.84")),
    (0, D("950000.00"), "59.89", D("90.09")),
    (3, D("939999.99"), "59.00", D("89.00")),
    (2, D("960000.00"), "57.79", D("85.19")),
]


async def _pages(client: AsyncClient, room: Any, marker: str) -> None:
    """The room page renders for the chair, a member and the supervisor at this stage, showing `marker`."""
    for who in (room.headers[0], room.headers[1], room.supervisor_headers):
        r = await client.get(f"/tenders/{room.tender_id}/evaluation", headers={**who, "accept": "text/html"})
        assert r.status_code == 200 and marker in r.text, marker


def _pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


async def test_whole_evaluation_to_the_report_with_its_candidates(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    room = await build_room(app, client, db, clock, tmp_path)
    url, hd = room.url, room.headers
    await start(client, room)
    assert (await reload(db, Tender, room.tender_id)).status == TenderStatus.evaluating
    await _pages(client, room, "推选负责人")
    await elect(client, room, chair=0)

    v = await view(client, room, hd[0])
    assert v["role"] == "chair" and v["status"] == "reviewing"
    assert [c["id"] for c in v["criteria"]] == ["technical", "commercial"]
    prices = {e["bidder_org_id"]: e["evaluated_price"] for e in v["lots"][0]["entries"]}
    assert [prices[room.hall.w.bidders[b].org.id] for b, *_ in EXPECTED] == [str(p) for _, p, _, _ in EXPECTED]
    assert all(not e["auto_reasons"] for e in v["lots"][0]["entries"])

    # A clarification answered in time.
    r = await client.post(f"{url}/clarifications", json={
        "entry_id": room.entry_of(2), "question": "报价大写与小写不一致，请确认以大写为准",
        "deadline": "2026-12-31T10:00:00+08:00"}, headers=hd[1])
    assert r.status_code == 422  # more than 7 days ahead
    r = await client.post(f"{url}/clarifications", json={
        "entry_id": room.entry_of(2), "question": "报价大写与小写不一致，请确认以大写为准",
        "deadline": (clock.now() + timedelta(hours=1)).isoformat()}, headers=hd[1])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await client.post(f"{url}/close-review", headers=hd[0])
    assert r.status_code == 409 and r.json()["error"]["code"] == "evaluation.clarification_open"
    r = await client.post(f"{url}/clarifications/{cid}/answer", json={"answer": "确认以大写玖拾陆万元整为准"},
                          headers=room.bidder_headers(2))
    assert r.status_code == 200, r.text

    await review_all(client, room)
    await close_review(client, room)

    for seat in range(5):
        cells = {}
        for b in range(4):
            cells[(room.entry_of(b), "technical")] = TECH[b][seat]
            cells[(room.entry_of(b), "commercial")] = COMM[b][seat]
        r = await put_scores(client, room, seat, cells)
        assert r.status_code == 200 and r.json()["saved"] == 8, r.text
        assert (await client.post(f"{url}/sheet/submit", headers=hd[seat])).status_code == 200
    r = await client.put(f"{url}/dissent", json={"body": "第二名的施工组织设计评分偏高"}, headers=hd[3])
    assert r.status_code == 200
    r = await client.post(f"{url}/submit", headers=hd[0])
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    await _pages(client, room, 'data-testid="candidates"')

    # The ranking and the candidates (Bidding Regs Art.53): best three, in order.
    v = await view(client, room, hd[0])
    ranking = v["lots"][0]["ranking"]
    org = {room.hall.w.bidders[b].org.id: b for b in range(4)}
    assert [(org[r["bidder_org_id"]], D(r["price"]), r["price_score"], D(r["total"])) for r in ranking] == EXPECTED
    assert ranking[0]["criterion_scores"] == {"technical": "24.40", "commercial": "7.60"}
    assert [r["rank"] for r in ranking] == [1, 2, 3, 4] and not any(r["tie"] for r in ranking)
    cands = await fetch(db, select(Candidate).order_by(Candidate.rank))
    assert [(org[c.bidder_org_id], c.rank, c.price, c.total_score) for c in cands] == [
        (b, n, p, t) for n, (b, p, _, t) in enumerate(EXPECTED[:3], start=1)]
    assert cands[0].project_lead == "负责人1"

    # The deviation flag: seat 5 on 施工组织设计 only, to the supervisor only.
    flags = await fetch(db, select(DeviationFlag))
    assert [(f.member_id, f.criterion_id) for f in flags] == [(room.members[4], "technical")]
    assert flags[0].mean_abs_deviation == D("9.80") and flags[0].rules == ["share", "z"]
    assert any(n.kind == "evaluation:deviation" for n in await inbox(db, room.supervisor))
    sv = await view(client, room, room.supervisor_headers)
    assert [f["member_id"] for f in sv["deviation_flags"]] == [room.members[4]]
    assert "deviation_flags" not in v

    # Confirmations: two dissents (one written before, one while signing); the last signature makes it final.
    for seat in range(5):
        body = {"dissent": "排名第三的报价偏低，应澄清成本构成"} if seat == 2 else {}
        r = await client.post(f"{url}/report/confirm", json=body, headers=hd[seat])
        assert r.status_code == 200, r.text
    ev = (await fetch(db, select(Evaluation).execution_options(populate_existing=True)))[0]
    assert ev.status == EvaluationStatus.reported and ev.report_pdf_sha256 and ev.report_audit_hash
    assert (await reload(db, Tender, room.tender_id)).status == TenderStatus.evaluated
    tags = await audit_tags(db, ev.id)
    for tag in ("evaluation:started", "evaluation:chair_elected", "evaluation:review_closed", "evaluation:submitted",
                "evaluation:deviation_flagged", "evaluation:reported", "evaluation:report_pdf"):
        assert tag in tags, tag
    assert any(n.kind == "evaluation:reported" for n in await inbox(db, room.hall.w.cast.agency_org))
    await _pages(client, room, 'data-testid="report-pdf"')

    # The report PDF: for the agency (and the room), not for a bidder.
    pdf_url = f"/tenders/{room.tender_id}/evaluation/report.pdf"
    assert (await client.get(pdf_url, headers=room.bidder_headers(0))).status_code == 404
    r = await client.get(pdf_url, headers=await bearer(client, room.hall.w.cast.agency_user))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-sha256"] == ev.report_pdf_sha256
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    flat = "".join(_pdftext(pdf).split())  # table cells wrap; compare without whitespace
    for needle in ("评标报告", "综合评估法", "施工组织设计", "91.84", "85.19", "第二名的施工组织设计评分偏高",
                   "排名第三的报价偏低", "视为同意", ev.report_audit_hash, *room.names,
                   *(b.org.name for b in room.hall.w.bidders)):
        assert "".join(needle.split()) in flat, needle
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),  # noqa: ASYNC221
                    str(tmp_path / "report")], check=True)
    assert (tmp_path / "report-1.png").stat().st_size > 10_000
    # Every step is in the audit chain, and the chain is intact (E-Bidding Measures Art.49).
    r = await client.get("/api/audit/verify", headers=room.centre)
    assert r.status_code == 200 and r.json()["ok"] is True
