"""The remote opening hall end to end with real sealed bids (E-Bidding Measures Art.29–32, Bidding Regs Art.44,
MOF 87 Art.41–42)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.bid.models import Bid
from ggzy.kit.clock import FrozenClock
from ggzy.opening.models import DecryptStatus, OpeningStatus
from ggzy.opening.rules import CONFIRM_MINUTES
from ggzy.project.models import Notice, NoticeKind
from ggzy.tender.models import Tender, TenderStatus
from tests.opening.helpers import decrypt, entries_of, later, my_entry, open_hall, opening_of, sweep
from tests.supervision.builders import fetch, reload


async def test_fewer_than_three_bids_fails_the_tender_with_a_public_notice_art44(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """Bidding Regs Art.44 / MOF 87 Art.41: 2 bids → no opening, 流标公告, re-tender; nothing is decrypted."""
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3, submit=2)
    t = await reload(db, Tender, h.w.tender.id)
    assert t.status == TenderStatus.failed
    assert await opening_of(db, t.id) is None
    (notice,) = await fetch(db, select(Notice).where(Notice.tender_id == t.id,
                                                     Notice.kind == NoticeKind.tender_failed))
    assert "不足3家" in notice.body and "重新招标" in notice.body
    r = await client.get(f"/notices/{notice.id}")
    assert r.status_code == 200 and "流标" in r.text
    tags = await fetch(db, select(AuditEvent.tag).where(AuditEvent.subject_id == t.id).order_by(AuditEvent.seq))
    assert "tender:failed" in tags and "opening:started" not in tags
    # The public hall says only that the tender failed.
    r = await client.get(h.url)
    assert r.status_code == 200 and r.json()["tender_status"] == "failed" and "entries" not in r.json()


async def test_full_walk_with_real_sealed_bids(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """4 bidders: one never decrypts (视为撤销, E-Bidding Measures Art.31), a wrong key is refused and retried,
    唱标 with an objection answered (Bidding Regs Art.44), one confirmation, the rest deemed (MOF 87 Art.42),
    the record published as a public notice with its PDF (Art.32)."""
    h = await open_hall(app, client, db, clock, tmp_path, bidders=4)
    w = h.w
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.opening
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.signing_in
    assert opening.started_at == w.tender.bid_deadline
    assert len(await entries_of(db, opening.id)) == 4

    # The public sees the stage only, never bidders before the record.
    r = await client.get(h.url)
    assert r.status_code == 200 and r.json()["status"] == "signing_in" and "entries" not in r.json()

    for b in w.bidders:
        r = await client.post(f"{h.url}/sign-in", headers=b.headers)
        assert r.status_code == 201, r.text
    # A bidder cannot decrypt before the list is published; only the host publishes it.
    assert (await decrypt(client, h, w.bidders[0])).status_code == 409
    r = await client.post(f"{h.url}/publish-bidders", headers=w.bidders[0].headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "opening.not_host"
    r = await client.post(f"{h.url}/publish-bidders", headers=h.host)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "decrypting"

    # Wrong data key (another bidder's): 422, and the bidder may retry.
    other = await my_entry(client, h, w.bidders[1])
    from tests.opening.helpers import data_key
    wrong = data_key(w.bidders[1], other["header"])
    r = await decrypt(client, h, w.bidders[0], key=wrong)
    assert r.status_code == 422 and r.json()["error"]["code"] == "opening.bad_data_key"
    r = await decrypt(client, h, w.bidders[0], key="not base64!")
    assert r.status_code == 422
    for b in w.bidders[:3]:
        r = await decrypt(client, h, b)
        assert r.status_code == 200, r.text
        assert r.json()["decrypt_status"] == "decrypted" and r.json()["signature_ok"] is True
    # Someone else's entry cannot be decrypted by me.
    r = await client.post(f"{h.url}/entries/{other['id']}/decrypt", json={"data_key": wrong},
                          headers=w.bidders[0].headers)
    assert r.status_code == 403

    # An objection during the opening.
    r = await client.post(f"{h.url}/objections", json={"body": "请核实第二家的工期"}, headers=w.bidders[2].headers)
    assert r.status_code == 201, r.text
    objection_id = r.json()["id"]

    # Window expiry: bidder 4 never decrypted → deemed revoked; 唱标 starts.
    later(clock, w.tender.decryption_window_minutes)
    assert (await decrypt(client, h, w.bidders[3])).status_code == 409
    assert await sweep(app, clock) == 1
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.announcing
    by_org = {e.bidder_org_id: e for e in await entries_of(db, opening.id)}
    assert by_org[w.bidders[3].org.id].decrypt_status == DecryptStatus.deemed_revoked
    e0 = by_org[w.bidders[0].org.id]
    assert e0.price is not None and str(e0.price) == "950000.00" and e0.words_match is True
    assert by_org[w.bidders[1].org.id].words_match is False  # 大写 wrong: recorded, not fixed (Art.19)
    assert by_org[w.bidders[1].org.id].price_in_words == "玖拾肆万捌仟元伍角"

    # Closing 唱标 waits for the answer.
    r = await client.post(f"{h.url}/close-announcing", headers=h.host)
    assert r.status_code == 409 and r.json()["error"]["code"] == "opening.objections_open"
    r = await client.post(f"{h.url}/objections/{objection_id}/answer", json={"answer": "工期符合招标文件要求"},
                          headers=h.host)
    assert r.status_code == 200, r.text
    r = await client.post(f"{h.url}/close-announcing", headers=h.host)
    assert r.status_code == 200 and r.json()["status"] == "confirming"

    r = await client.post(f"{h.url}/confirm", headers=w.bidders[0].headers)
    assert r.status_code == 200, r.text
    later(clock, CONFIRM_MINUTES)
    assert await sweep(app, clock) == 1

    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.closed
    assert (await reload(db, Tender, w.tender.id)).status == TenderStatus.opened
    confirmations = {e.bidder_org_id: e.confirmation for e in await entries_of(db, opening.id)}
    assert confirmations[w.bidders[0].org.id] == "confirmed"
    assert {confirmations[b.org.id] for b in w.bidders[1:]} == {"deemed"}  # MOF 87 Art.42

    # The record: public notice, public PDF carrying bidder names and the audit hash.
    notice = await reload(db, Notice, opening.record_notice_id)
    assert notice.kind == NoticeKind.opening_record
    (ev,) = await fetch(db, select(AuditEvent).where(AuditEvent.tag == "opening:record_published"))
    assert opening.record_audit_hash == ev.hash
    r = await client.get(f"/tenders/{w.tender.id}/opening/record.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(  # noqa: ASYNC221 - a short local tool run on a file this test wrote
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    for b in w.bidders:
        assert b.org.name in text
    assert ev.hash in text and "视为撤销" in text and "工期符合招标文件要求" in text
    r = await client.get(h.url)
    assert r.status_code == 200 and len(r.json()["entries"]) == 4  # the public sees the published record
    # Bid rows still say what they said: nothing was rewritten.
    assert len(await fetch(db, select(Bid.id).where(Bid.tender_id == w.tender.id))) == 4
