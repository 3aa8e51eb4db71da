"""A suspension (暂停交易) while the decryption window is open: the window is not closed by the chronograph while
trading is suspended, so no bidder is 视为撤销 (E-Bidding Measures Art.31) because the platform stopped; on
resumption the window's end moves by the suspension's length (DOMAIN.md, Emergency operation)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.opening.models import DecryptStatus, OpeningStatus
from tests.opening.helpers import decrypt, entries_of, later, open_hall, opening_of, sweep
from tests.supervision.builders import audit_tags


async def test_suspension_keeps_the_decryption_window_open_and_moves_its_end_art31(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3)
    w = h.w
    r = await client.post(f"{h.url}/publish-bidders", headers=h.host)
    assert r.status_code == 200 and r.json()["status"] == "decrypting", r.text
    for b in w.bidders[:2]:
        assert (await decrypt(client, h, b)).status_code == 200
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.decrypt_until is not None
    until = opening.decrypt_until

    later(clock, 5)
    r = await client.post("/api/suspensions", headers=h.centre, json={"scope": "platform", "reason": "机房断电"})
    assert r.status_code == 201, r.text
    later(clock, w.tender.decryption_window_minutes + 60)  # far past the window's original end
    await sweep(app, clock)
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.status == OpeningStatus.decrypting and opening.next_check_at is None
    length = timedelta(minutes=w.tender.decryption_window_minutes + 60)

    r = await client.post(f"/api/suspensions/{r.json()['id']}/resume", headers=h.centre, json={"note": "已恢复供电"})
    assert r.status_code == 200, r.text
    opening = await opening_of(db, w.tender.id)
    assert opening is not None and opening.decrypt_until == until + length
    assert opening.next_check_at == opening.decrypt_until
    assert "opening:deadlines_shifted" in await audit_tags(db, opening.id)
    # The third bidder still decrypts in the moved window.
    assert (await decrypt(client, h, w.bidders[2])).status_code == 200
    entries = await entries_of(db, opening.id)
    assert all(e.decrypt_status == DecryptStatus.decrypted for e in entries)
