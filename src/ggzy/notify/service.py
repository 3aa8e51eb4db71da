"""Write notifications: an inbox row per organisation plus an outbox message for SMS / e-mail adapters.

Both are written in the caller's transaction, so a notice is never sent for a change that rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
    phones = dict(
        (await session.execute(select(Organisation.id, Organisation.contact_phone).where(Organisation.id.in_(ids))))
        .tuples()
        .all()
    )
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
