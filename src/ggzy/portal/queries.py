"""Read-only queries behind the public portal: published notices are open to everyone, no login needed.

Only notices whose publication time has come are returned; nothing here reveals who takes part in a
tender (downloads, questions, bids stay out of every public query: E-Bidding Measures Art.21).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.project.models import Notice, NoticeKind, TradingLine
from ggzy.project.service import get_public_notice, list_public_notices
from ggzy.tender.models import Lot, Tender, TenderStatus

MAX_PER_PAGE = 50


class NoticeStatus:
    """Public status of an announcement, derived from its tender and the clock (not stored)."""

    open = "open"  # 招标中: the tender is published and its bid deadline has not passed
    closed = "closed"  # 已截止: deadline passed, or the tender was closed, failed or cancelled

    ALL = ("open", "closed")


STATUS_LABELS: dict[str, tuple[str, str]] = {
    NoticeStatus.open: ("进行中", "Open"),
    NoticeStatus.closed: ("已截止", "Closed"),
}


@dataclass(frozen=True, slots=True)
class NoticeFilter:
    """The portal's search form; every field is optional."""

    line: TradingLine | None = None
    region: str | None = None
    kind: NoticeKind | None = None
    q: str | None = None
    date_from: date | None = None
    """Beijing calendar date, inclusive."""
    date_to: date | None = None
    """Beijing calendar date, inclusive."""
    status: str | None = None


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One line of the notices table."""

    notice: Notice
    status: str | None
    """NoticeStatus value, or None for a notice without a tender (auction lines until they exist)."""


@dataclass(slots=True)
class Page:
    """One page of results with the numbers a pager needs."""

    items: list[NoticeRow]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, ceil(self.total / self.per_page)) if self.per_page else 1


def _open_condition(now: datetime) -> Any:
    """The same rule project.service applies to its `status` filter: published and before the deadline."""
    return and_(Tender.status == TenderStatus.published, Tender.bid_deadline > now)


def _status_of(tender_status: str | None, bid_deadline: datetime | None, has_tender: bool, now: datetime) -> str | None:
    if not has_tender:
        return None
    if tender_status == TenderStatus.published and bid_deadline is not None and bid_deadline > now:
        return NoticeStatus.open
    return NoticeStatus.closed


async def _statuses(session: AsyncSession, notices: list[Notice], now: datetime) -> dict[str, str | None]:
    """Public status per notice, from one query over the tenders of the page."""
    tender_ids = {n.tender_id for n in notices if n.tender_id}
    found: dict[str, tuple[str, datetime | None]] = {}
    if tender_ids:
        rows = await session.execute(
            select(Tender.id, Tender.status, Tender.bid_deadline).where(Tender.id.in_(tender_ids))
        )
        found = {tid: (status, deadline) for tid, status, deadline in rows.all()}
    out: dict[str, str | None] = {}
    for n in notices:
        status, deadline = found.get(n.tender_id or "", (None, None))
        out[n.id] = _status_of(status, deadline, n.tender_id is not None, now)
    return out


async def list_notices(
    session: AsyncSession, flt: NoticeFilter, *, now: datetime, page: int = 1, per_page: int = 20
) -> Page:
    """Published notices of all four lines, newest first, filtered and paged (project.service does the query)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    kw: dict[str, Any] = {
        "line": flt.line, "region": flt.region, "kind": flt.kind, "q": flt.q, "date_from": flt.date_from,
        "date_to": flt.date_to, "status": flt.status, "per_page": per_page, "now": now,
    }
    found = await list_public_notices(session, page=max(1, page), **kw)
    pages = max(1, ceil(found.total / per_page))
    if found.page > pages:
        # A stale link past the last page shows the last page rather than an empty one.
        found = await list_public_notices(session, page=pages, **kw)
    statuses = await _statuses(session, found.items, now)
    items = [NoticeRow(notice=n, status=statuses[n.id]) for n in found.items]
    return Page(items=items, total=found.total, page=found.page, per_page=per_page)


async def latest_notices(session: AsyncSession, *, now: datetime, limit: int = 10) -> list[NoticeRow]:
    """The newest announcements across all four lines, for the home page."""
    return (await list_notices(session, NoticeFilter(), now=now, per_page=limit)).items


async def open_counts(session: AsyncSession, *, now: datetime) -> dict[TradingLine, int]:
    """Open items per trading line: tenders taking bids now (auction lines count once they have tenders)."""
    stmt = (
        select(Tender.line, func.count(Tender.id))
        .where(_open_condition(now), Tender.published_at.is_not(None), Tender.published_at <= now)
        .group_by(Tender.line)
    )
    found = {TradingLine(line): int(n) for line, n in (await session.execute(stmt)).all()}
    return {line: found.get(line, 0) for line in TradingLine}


async def notice_regions(session: AsyncSession, *, now: datetime) -> list[str]:
    """Regions that have published notices, for the region filter."""
    stmt = (
        select(Notice.region).where(Notice.published_at <= now, Notice.region != "").distinct().order_by(Notice.region)
    )
    return [r for (r,) in (await session.execute(stmt)).all()]


@dataclass(frozen=True, slots=True)
class NoticeDetail:
    """One announcement with what its page shows beside the text."""

    notice: Notice
    status: str | None
    tender: Tender | None
    lots: list[Lot]


async def get_notice(session: AsyncSession, notice_id: str, *, now: datetime) -> NoticeDetail:
    """A published notice by id with its tender and lots; unpublished or unknown ids are 404 alike."""
    notice = await get_public_notice(session, notice_id, now=now)
    tender = await session.get(Tender, notice.tender_id) if notice.tender_id else None
    lots: list[Lot] = []
    if tender is not None:
        lots = list(
            (await session.execute(select(Lot).where(Lot.tender_id == tender.id).order_by(Lot.number))).scalars()
        )
    status = _status_of(
        tender.status if tender else None, tender.bid_deadline if tender else None, tender is not None, now
    )
    return NoticeDetail(notice=notice, status=status, tender=tender, lots=lots)
