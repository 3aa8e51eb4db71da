"""Candidate publicity (中标候选人公示) of a construction tender: due within 3 days of the report and open at least 3
days (Bidding Regs Art.54), with the content 10号令 Art.6 lists; a late one is flagged to the line's supervisor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import Notice, NoticeKind
from ggzy.publicity.models import PublicityKind, PublicityStatus
from ggzy.tender.models import Tender, TenderStatus
from tests.factories import query
from tests.opening.helpers import sweep
from tests.publicity.builders import QUALIFICATION, bj, err, evaluated, inbox_kinds, publicity_of
from tests.supervision.builders import audit_tags, fetch, reload


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await query(db, select(func.count()).select_from(model)))[0][0])


async def test_candidates_due_within_3_days_and_published_for_at_least_3_days_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path)
    url = f"/api/tenders/{e.tender_id}/publicity"
    p = await publicity_of(db, e.tender_id)
    assert p.kind == PublicityKind.candidates and p.status == PublicityStatus.due
    # Report on Monday 23 March: publish by 24:00 of the third day after it (Thursday 26 March).
    assert p.report_at.astimezone(SHANGHAI).date().isoformat() == "2026-03-23"
    assert p.publish_due == bj(2026, 3, 27, 0, 0)
    assert "evaluation:reported" in await inbox_kinds(db, e.w.cast.agency_org.id)

    # Bad input changes nothing: a window under 3 days (or absurdly long), a bidder publishing, an early objection.
    notices, events = await _count(db, Notice), await _count(db, AuditEvent)
    for days, problem in ((2, "too_short"), (0, "too_short"), (31, "too_long")):
        r = await client.post(url, json={"window_days": days}, headers=e.agency)
        err(r, 422, "publicity.bad_window")
        assert r.json()["error"]["detail"]["problem"] == problem
    err(await client.post(url, json={}, headers=e.loser), 403, "publicity.not_manager")
    err(await client.post(f"/api/tenders/{e.tender_id}/objections", json={"body": "评标有误"}, headers=e.loser),
        409, "publicity.not_published")
    assert (await _count(db, Notice), await _count(db, AuditEvent)) == (notices, events)
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.evaluated

    # Published on day 2 with the minimum window: until 24:00 of the third day after publication.
    clock.set(bj(2026, 3, 25, 10, 0))
    r = await client.post(url, json={}, headers=e.agency)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "open" and body["window_days"] == 3
    p = await publicity_of(db, e.tender_id)
    assert p.published_at == clock.now() and p.ends_at == bj(2026, 3, 29, 0, 0)
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.publicity
    err(await client.post(url, json={}, headers=e.agency), 409, "publicity.already_published")
    kinds = await inbox_kinds(db, e.w.bidders[0].org.id)
    assert "publicity:published" in kinds
    assert "publicity:published" in await audit_tags(db, e.tender_id)

    # The window closes at its end, not before; the managers are told they may award.
    clock.set(bj(2026, 3, 28, 23, 59))
    await sweep(app, clock)
    assert (await publicity_of(db, e.tender_id)).status == PublicityStatus.open
    clock.set(bj(2026, 3, 29, 0, 0))
    assert await sweep(app, clock) >= 1
    assert (await publicity_of(db, e.tender_id)).status == PublicityStatus.ended
    assert "publicity:ended" in await inbox_kinds(db, e.w.cast.agency_org.id)


async def test_the_notice_carries_what_10hao_ling_art6_lists(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """10号令 (招标公告和公示信息发布管理办法) Art.6: ranking, names, prices, quality, duration and the evaluation; the
    project lead and its certificate; the qualification; how to object."""
    e = await evaluated(app, client, db, clock, tmp_path)
    r = await client.post(f"/api/tenders/{e.tender_id}/publicity", json={"window_days": 5}, headers=e.agency)
    assert r.status_code == 201, r.text
    (notice,) = await fetch(db, select(Notice).where(Notice.kind == NoticeKind.candidate_publicity))
    text = notice.body
    names = {b.org.id: b.org.name for b in e.w.bidders}
    positions = [text.index(f"{word}中标候选人：{names[c.bidder_org_id]}")
                 for word, c in zip(("第一", "第二", "第三"), e.candidates, strict=True)]
    assert positions == sorted(positions)  # in ranking order
    for c in e.candidates:
        assert f"{fmt(c.price)} 元（{in_words(c.price)}）" in text
        assert f"综合得分：{c.total_score}" in text  # the evaluation (综合评估法)
    for needle in ("质量：合格", "日历天", "项目负责人：负责人", "证书编号：苏132100000001",
                   f"资格能力条件：{QUALIFICATION}",
                   "提出异议的渠道和方式", f"/workspace/tenders/{e.tender_id}/publicity", "不少于3日",
                   "第五十四条", "第六十条", "联系方式"):
        assert needle in text, needle
    assert notice.title.endswith("中标候选人公示")
    (lot,) = notice.data["lots"]
    assert [c["rank"] for c in lot["candidates"]] == [1, 2, 3]
    assert lot["candidates"][0]["lead_certificate"] == "苏132100000001"
    assert lot["candidates"][0]["qualification"] == QUALIFICATION
    assert notice.data["window"]["days"] == 5
    # Public: anyone reads it without logging in.
    r = await client.get(f"/notices/{notice.id}", headers={"accept": "text/html"})
    assert r.status_code == 200 and names[e.candidates[0].bidder_org_id] in r.text


async def test_a_late_publication_alerts_the_supervisor_and_is_flagged_art54(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e = await evaluated(app, client, db, clock, tmp_path)
    p = await publicity_of(db, e.tender_id)
    assert p.publish_due is not None
    clock.set(p.publish_due - timedelta(seconds=1))
    await sweep(app, clock)
    assert "publicity:overdue" not in await inbox_kinds(db, e.supervisor_org_id)
    clock.set(p.publish_due)
    await sweep(app, clock)
    assert "publicity:overdue" in await inbox_kinds(db, e.supervisor_org_id)
    await sweep(app, clock)  # once only
    assert (await inbox_kinds(db, e.supervisor_org_id)).count("publicity:overdue") == 1
    r = await client.post(f"/api/tenders/{e.tender_id}/publicity", json={}, headers=e.agency)
    assert r.status_code == 201, r.text
    (ev,) = await fetch(db, select(AuditEvent).where(AuditEvent.tag == "publicity:published"))
    assert ev.after["late"] is True
