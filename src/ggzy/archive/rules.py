"""Pure rules of the archive: which tenders, how long they are kept, who may do what, file names inside the ZIP."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Final

from ggzy.auth.actor import Actor
from ggzy.kit.timefmt import local
from ggzy.party.models import Role
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender, TenderStatus

FORMAT: Final = "ggzy-archive"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
AUDIT_EVENTS: Final = "audit/events.jsonl"
AUDIT_HEAD: Final = "audit/head.json"

ARCHIVABLE: Final = frozenset({TenderStatus.contracted, TenderStatus.failed, TenderStatus.cancelled})
"""A tender whose journey ended (tender/state.py: each of these may move to `archived`, nothing else)."""

RETENTION_YEARS: Final = MappingProxyType({
    # GP Law Art.42: procurement files are kept at least 15 years from the end of the procurement.
    TradingLine.procurement: 15,
    # Construction has no single national figure; centres keep e-bidding files as long (local archive rules).
    TradingLine.construction: 15,
    TradingLine.property: 15,
    TradingLine.land: 15,
})
"""Years an archive is kept, per trading line. The row stores the figure it was built with."""


def retention_years(line: TradingLine | str) -> int:
    return RETENTION_YEARS.get(TradingLine(line), 15)


def keep_until(built_at: datetime, years: int) -> date:
    """The Beijing date `years` after the build; 29 February moves to 1 March (never a day short)."""
    day = local(built_at)
    assert day is not None
    d = day.date()
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb → a year without one
        return date(d.year + years, 3, 1)


def may_build(actor: Actor) -> bool:
    """Centre staff, or the platform itself (`ggzy archive build`, run by an operator with database access)."""
    platform = actor.user_id is None and actor.role is None and actor.display_name.startswith("system:")
    return actor.is_centre or platform


def may_read(actor: Actor, tender: Tender) -> bool:
    """Centre staff, and the supervisors of the tender's line (行政监督部门), may see and download an archive."""
    if actor.is_centre:
        return True
    return actor.role == Role.supervisor and str(tender.line) in actor.supervised_lines


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_name(name: str, *, fallback: str = "file") -> str:
    """One path component for a file inside the ZIP: no separators, no control characters, no `..`."""
    clean = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    return clean[:180] or fallback


def stamp(when: datetime) -> str:
    """A UTC time as a sortable file-name prefix, e.g. 20260302T010000Z."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
