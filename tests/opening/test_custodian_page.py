"""The custodian's share page (补救方案, E-Bidding Measures Art.31): download the encrypted share once, from a
browser session (CSRF-checked POST), and the hall's link to it."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.sealing import shamir
from tests.bid.helpers import make_world
from tests.tender.page_helpers import browser_login, csrf


async def test_custodian_downloads_its_share_once_from_the_page_art31(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """E-Bidding Measures Art.31: each custodian takes its encrypted share once; the platform keeps no copy."""
    w = await make_world(db, None, clock.now(), bidders=1, rescue=True, threshold=3, custodians=3)
    tid, holder = w.tender.id, w.custodians[0]
    await browser_login(client, db, settings, holder.user, holder.org, now=clock.now())
    hall = await client.get(f"/tenders/{tid}/opening")
    assert 'data-testid="custodian-link"' in hall.text and f"/tenders/{tid}/opening/custodian" in hall.text
    page = await client.get(f"/tenders/{tid}/opening/custodian")
    assert page.status_code == 200 and 'data-testid="download-share"' in page.text
    assert "ggzy rescue open-share" in page.text
    token = await csrf(client, f"/tenders/{tid}/opening/custodian")
    r = await client.post(f"/tenders/{tid}/opening/custodian/share", data={"csrf_token": token})
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
    share = shamir.open_share(r.json(), holder.keys.enc_private)  # what `ggzy rescue open-share` does
    assert share["k"] == 3 and share["n"] == 3 and share["x"] == r.json()["x"]
    again = await client.post(f"/tenders/{tid}/opening/custodian/share", data={"csrf_token": token})
    assert again.status_code == 410 and 'data-code="rescue.share_gone"' in again.text
    page = await client.get(f"/tenders/{tid}/opening/custodian")
    assert 'data-testid="share-downloaded"' in page.text and 'data-testid="download-share"' not in page.text
    # No CSRF token, no download; a bidder is not a custodian.
    assert (await client.post(f"/tenders/{tid}/opening/custodian/share", data={})).status_code == 403
    bidder = w.bidders[0]
    await browser_login(client, db, settings, bidder.user, bidder.org, now=clock.now())
    r = await client.get(f"/tenders/{tid}/opening/custodian")
    assert r.status_code == 403
