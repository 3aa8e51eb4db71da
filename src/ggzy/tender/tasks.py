"""Chronograph handlers for tenders (registered with ggzy.chronograph.runner)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import system_actor
from ggzy.chronograph.runner import register
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.supervision.guard import active_suspension
from ggzy.tender.hooks import run_bid_closed
from ggzy.tender.models import Tender, TenderStatus
from ggzy.tender.state import transition_to

SWEEPER = system_actor("sweeper")
"""Recorded as `system:sweeper` (audit_events.actor_role holds 16 characters)."""


async def close_bidding(session: AsyncSession, tender: Tender, now: datetime) -> None:
    """At the bid deadline a published tender stops taking bids (投标截止) and waits for its opening.

    The row was claimed in this transaction (locked on PostgreSQL, BEGIN IMMEDIATE on SQLite), so what we
    read is what we change. Everything is re-checked here: the deadline may have moved since
    `next_check_at` was set (a correction, a resumed suspension).
    """
    await session.refresh(tender)
    if tender.status != TenderStatus.published or tender.bid_deadline is None:
        tender.next_check_at = None  # nothing for the sweeper (a later issue sets its own checks)
        return
    if await active_suspension(session, tender.project_id) is not None:
        tender.next_check_at = None  # paused: resume_trading recomputes it after moving the deadline
        return
    if tender.bid_deadline > now:
        tender.next_check_at = tender.bid_deadline  # not due yet: the deadline moved later
        return
    before = {"status": tender.status, "next_check_at": tender.next_check_at}
    transition_to(tender, TenderStatus.bid_closed)
    tender.next_check_at = None  # the opening schedules its own checks (on its own row)
    tender.updated_at = now
    # closed_at is the legal moment (the deadline), whenever the sweeper got round to it.
    await record(
        session, "tender:bid_closed", SWEEPER, subject_type="tender", subject_id=tender.id,
        project_id=tender.project_id, before=before,
        after={"status": tender.status, "closed_at": tender.bid_deadline, "swept_at": now, "next_check_at": None},
        now=now,
    )
    when = show(tender.bid_deadline)
    await notify_orgs(
        session, [o for o in (tender.agency_org_id, tender.tenderer_org_id) if o],
        kind="tender:bid_closed", tender_id=tender.id, project_id=tender.project_id, now=now,
        title_zh=f"投标已截止：{tender.title}", title_en=f"Bidding closed: {tender.title}",
        body_zh=f"{tender.code} 已于 {when}（北京时间）投标截止，等待开标。",
        body_en=f"{tender.code}: bidding closed at {when} (Beijing time); awaiting the opening.",
        link=f"/tenders/{tender.id}",
    )
    # The opening takes over in this same transaction: it pulls the bids, or fails the tender (Art.44).
    await run_bid_closed(session, tender, now)


register("tender.close_bidding", Tender, close_bidding)
