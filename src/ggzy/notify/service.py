"""Write notifications: an inbox row per organisation plus an outbox message for SMS / e-mail adapters.

Both are written in the caller's transaction, so a notice is never sent for a change that rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.notify.errors import NotificationNotFound
from ggzy.notify.models import Notification, OutboxMessage
from ggzy.party.models import Organisation


async def notify_orgs(
    session: AsyncSession,
    org_ids: Iterable[str],
    *,
    kind: str,
    title_zh: str,
    title_en: str,
    now: datetime,
    body_zh: str = "",
    body_en: str = "",
    link: str = "",
    tender_id: str | None = None,
    project_id: str | None = None,
    channel: str = "sms",
) -> list[Notification]:
    """Deliver one message to each organisation's inbox and queue it for the outside channel."""
    ids = list(dict.fromkeys(org_ids))  # de-duplicate, keep order
    if not ids:
        return []
    rows = await session.execute(select(Organisation.id, Organisation.contact_phone).where(Organisation.id.in_(ids)))
    phones = dict(rows.all())  # Result.tuples() is deprecated in SQLAlchemy 2.1
    out: list[Notification] = []
    for org_id in ids:
        note = Notification(
            org_id=org_id, kind=kind, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en,
            link=link, tender_id=tender_id, project_id=project_id, created_at=now,
        )
        session.add(note)
        session.add(
            OutboxMessage(
                channel=channel, recipient_org_id=org_id, address=phones.get(org_id, "") or "",
                subject=title_zh, body=body_zh, created_at=now,
            )
        )
        out.append(note)
    await session.flush()
    return out


@dataclass(frozen=True)
class InboxPage:
    """One page of an organisation's inbox, newest first."""

    items: list[Notification]
    total: int
    unread: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def list_inbox(
    session: AsyncSession, actor: Actor, *, page: int = 1, per_page: int = 20, unread_only: bool = False
) -> InboxPage:
    """The caller's own organisation's notifications; nobody reads another organisation's inbox."""
    if actor.org_id is None:
        return InboxPage([], 0, 0, 1, per_page)
    page = max(1, page)
    per_page = min(max(1, per_page), 100)
    mine = Notification.org_id == actor.org_id
    unread = int((await session.execute(
        select(func.count()).select_from(Notification).where(mine, Notification.read_at.is_(None))
    )).scalar_one())
    cond = [mine, Notification.read_at.is_(None)] if unread_only else [mine]
    total = int((await session.execute(select(func.count()).select_from(Notification).where(*cond))).scalar_one())
    stmt = (
        select(Notification).where(*cond).order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    )
    items = list((await session.execute(stmt)).scalars().all())
    return InboxPage(items, total, unread, page, per_page)


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    if actor.org_id is None:
        return 0
    stmt = select(func.count()).select_from(Notification).where(
        Notification.org_id == actor.org_id, Notification.read_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def mark_read(session: AsyncSession, actor: Actor, notification_id: str, *, now: datetime) -> Notification:
    """Mark one of the caller's organisation's notifications read (idempotent)."""
    stmt = select(Notification).where(Notification.id == notification_id, Notification.org_id == actor.org_id)
    note = (await session.execute(stmt.with_for_update())).scalars().first()
    if note is None or actor.org_id is None:
        raise NotificationNotFound()
    if note.read_at is None:
        note.read_at = now
        await record(
            session, "notification:read", actor, subject_type="notification", subject_id=note.id,
            project_id=note.project_id, after={"read_at": now}, now=now,
        )
        await commit(session)
    return note
