"""What goes to the public service platform and when (pure): the data items of E-Bidding Measures Art.41 as they
are published (Art.45), and the retry schedule.

Art.41 lists the tenderer, the project, the agency, the bidders (after the opening), the winner and the amount,
the contract dates, and the announcements and publicity; each published notice carries its share of them, so one
notice is one item, sent with the project's parties and the notice's own structured data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from ggzy.project.models import NoticeKind
from ggzy.sealing.codec import canonical_json

MAX_ATTEMPTS: Final = 8
BACKOFF: Final = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
"""Seconds before attempt n+1 after n failures (then the last value)."""
LEASE: Final = timedelta(minutes=2)
"""A claimed delivery is not claimed again for this long (a sender that died mid-request is retried after it)."""

ITEMS: Final[dict[str, str]] = {
    NoticeKind.tender_announcement: "tender_announcement",
    NoticeKind.correction: "tender_correction",
    NoticeKind.suspension: "suspension",
    NoticeKind.resumption: "resumption",
    NoticeKind.termination: "termination",
    NoticeKind.tender_failed: "tender_failed",
    NoticeKind.opening_record: "opening_record",
    NoticeKind.candidate_publicity: "candidate_publicity",
    NoticeKind.result: "result",
    NoticeKind.evaluation_failed: "evaluation_failed",
    NoticeKind.complaint_decision: "complaint_decision",
    NoticeKind.contract: "contract",
    NoticeKind.auction_announcement: "auction_announcement",
    NoticeKind.auction_failed: "auction_failed",
}
"""Notice kind → the item name on the wire. Kinds not listed (e.g. the expert draw's commitment, a platform
notice) are not Art.41 items and are not pushed."""


def item_of(kind: str) -> str | None:
    return ITEMS.get(kind)


def next_attempt(now: datetime, attempts: int) -> datetime:
    """When to try again after `attempts` failures."""
    return now + timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


def body(payload: dict[str, Any]) -> bytes:
    """The bytes on the wire (canonical JSON, so the signature is reproducible)."""
    return canonical_json(payload)
