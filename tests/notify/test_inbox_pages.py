"""The inbox page: own organisation's messages, mark-as-read with htmx or a plain form."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.notify.service import notify_orgs
from ggzy.party.models import OrgKind
from tests.factories import create_party
from tests.tender.qa_helpers import Party, page_client


async def test_inbox_page_lists_and_marks_read(app, client: AsyncClient, db: AsyncSession, clock, settings):
    org, user, actor = await create_party(db, OrgKind.bidder, now=clock.now())
    other, _, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    notes = await notify_orgs(db, [org.id], kind="t", title_zh="澄清通知甲", title_en="Clarification A",
                              body_zh="正文甲", link="/workspace/questions", now=clock.now())
    await notify_orgs(db, [other.id], kind="t", title_zh="别人的消息", title_en="Someone else's", now=clock.now())
    await db.commit()
    async with page_client(app, db, settings, Party(org, user, actor), clock.now()) as (pc, csrf):
        page = await pc.get("/workspace/inbox")
        assert page.status_code == 200
        assert "澄清通知甲" in page.text and "别人的消息" not in page.text
        assert 'data-testid="unread-count">1<' in page.text
        r = await pc.post(f"/workspace/inbox/{notes[0].id}/read", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert r.status_code == 200 and "澄清通知甲" in r.text and "标为已读" not in r.text
        assert 'data-testid="unread-count"' not in (await pc.get("/workspace/inbox")).text
        en = await pc.get("/workspace/inbox?lang=en")
        assert "Clarification A" in en.text
    assert (await client.get("/workspace/inbox")).status_code == 303
