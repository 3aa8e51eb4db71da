"""Fewer than 3 valid bids after review: the committee may reject them all (Evaluation Rules Art.27); the tender
fails with a public 废标公告 that names no expert. Automatic rejections are shown with their article and bind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import Evaluation, EvaluationStatus
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, NoticeKind
from ggzy.tender.models import Tender, TenderStatus
from tests.evaluation.builders import build_room, close_review, elect, review_all, start, view
from tests.supervision.builders import audit_tags, fetch, inbox, reload


async def test_two_valid_bids_the_committee_rejects_all_and_the_tender_fails_art27(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """4 bids, 3 decrypted (the 4th is deemed revoked: an automatic reason), one failed by the majority → 2 valid."""
    room = await build_room(app, client, db, clock, tmp_path, decrypting=3)
    url, hd = room.url, room.headers
    await start(client, room)
    await elect(client, room, chair=2)

    v = await view(client, room, hd[0])
    by_entry = {e["id"]: e for lot in v["lots"] for e in lot["entries"]}
    revoked = by_entry[room.entry_of(3)]
    assert revoked["decrypt_status"] == "deemed_revoked" and revoked["auto_reasons"], revoked
    assert all(r["article"] and r["zh"] and r["code"] for r in revoked["auto_reasons"])
    # Nobody votes on a bid the law already rejects.
    r = await client.put(f"{url}/entries/{room.entry_of(3)}/opinion", json={"passed": True}, headers=hd[0])
    assert r.status_code == 409 and r.json()["error"]["code"] == "evaluation.auto_rejected"
    page = await client.get(f"/tenders/{room.tender_id}/evaluation", headers=hd[0])
    assert page.status_code == 200 and revoked["auto_reasons"][0]["article"] in page.text

    await review_all(client, room, fail={room.entry_of(1): 3})  # 3 of 5 fail bidder 2: rejected by majority
    await close_review(client, room, chair=2)
    v = await view(client, room, hd[2])
    lot = v["lots"][0]
    conclusions = {e["id"]: e["conclusion"] for e in lot["entries"]}
    assert conclusions[room.entry_of(1)] == {"passed": False, "votes_pass": 2, "votes_fail": 3,
                                             "reasons": ["资质证书过期，不满足招标文件第3.2条"] * 3}
    assert not conclusions[room.entry_of(3)]["passed"]
    assert lot["may_reject_all"] is True

    # Only the chair rejects, and with a reason.
    r = await client.post(f"{url}/lots/{lot['lot_id']}/reject-all", json={"reason": "有效投标不足3家"}, headers=hd[0])
    assert r.status_code == 403 and r.json()["error"]["code"] == "evaluation.not_chair"
    r = await client.post(f"{url}/lots/{lot['lot_id']}/reject-all", json={"reason": "有效投标不足3家，缺乏竞争"},
                          headers=hd[2])
    assert r.status_code == 200 and r.json()["status"] == "rejected_all", r.text

    ev = (await fetch(db, select(Evaluation).where(Evaluation.tender_id == room.tender_id)
                      .execution_options(populate_existing=True)))[0]
    assert ev.status == EvaluationStatus.rejected_all and ev.rejected_all_reason == "有效投标不足3家，缺乏竞争"
    assert (await reload(db, Tender, room.tender_id)).status == TenderStatus.failed
    (notice,) = await fetch(db, select(Notice).where(Notice.tender_id == room.tender_id,
                                                     Notice.kind == NoticeKind.evaluation_failed))
    assert "第二十七条" in notice.body and "重新招标" in notice.body
    assert not any(name in notice.body for name in room.names)  # names stay secret (Evaluation Rules Art.8)
    public = await client.get(f"/notices/{notice.id}")
    assert public.status_code == 200 and "废标公告" in public.text
    tags = await audit_tags(db, ev.id)
    assert "evaluation:lot_rejected" in tags and "evaluation:rejected_all" in tags
    assert any(n.kind == "evaluation:rejected" for n in await inbox(db, room.hall.w.bidders[0].org))
    # Nothing more happens in the room.
    r = await client.post(f"{url}/submit", headers=hd[2])
    assert r.status_code == 409 and r.json()["error"]["code"] == "evaluation.bad_transition"
