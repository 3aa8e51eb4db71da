"""Pure rules of the opening hall: who may do what, lot outcomes, the floating coefficient, the sheet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ggzy.auth.actor import Actor
from ggzy.kit.money import in_words
from ggzy.opening.models import DecryptStatus, OpeningStatus
from ggzy.party.models import Role
from ggzy.tender.models import Tender

MIN_BIDS = 3
"""Fewer than 3 bidders: no opening, the lot fails and is re-tendered (Bidding Regs Art.44; MOF 87 Art.41)."""
CONFIRM_MINUTES = 30
"""How long bidders have to confirm the record; silence is acceptance (MOF 87 Art.42)."""
RESCUE_MINUTES_MIN = 60
"""At least this long for custodians to hand in shares once the centre recorded a platform fault."""
MAX_TEXT = 2000
"""Objections and answers, in characters."""

DONE = frozenset({DecryptStatus.decrypted, DecryptStatus.rescued})
"""Entries whose sheet was read (they are announced in 唱标)."""
SETTLED = frozenset({DecryptStatus.decrypted, DecryptStatus.rescued, DecryptStatus.failed})
"""Entries the decryption window no longer waits for."""
FAULT_FROM = frozenset({DecryptStatus.pending, DecryptStatus.deemed_revoked, DecryptStatus.failed})
"""A platform fault may be recorded while the bid is pending, or to correct a 视为撤销 / a failure the
bidder did not cause (e.g. a stored envelope damaged by the platform)."""

STATUS_LABELS: dict[str, tuple[str, str]] = {
    OpeningStatus.signing_in: ("签到", "Sign-in"),
    OpeningStatus.decrypting: ("解密", "Decryption"),
    OpeningStatus.announcing: ("唱标", "Announcing"),
    OpeningStatus.confirming: ("确认开标记录", "Confirming the record"),
    OpeningStatus.closed: ("开标结束", "Closed"),
}

DECRYPT_LABELS: dict[str, tuple[str, str]] = {
    DecryptStatus.pending: ("待解密", "Pending"),
    DecryptStatus.decrypted: ("解密成功", "Decrypted"),
    DecryptStatus.failed: ("解密失败", "Failed"),
    DecryptStatus.deemed_revoked: ("视为撤销投标", "Deemed revoked (bidder's fault)"),
    DecryptStatus.deemed_withdrawn: ("视为撤回投标（平台原因）", "Deemed withdrawn (platform fault)"),
    DecryptStatus.rescued: ("补救解密成功", "Opened by rescue"),
}


# ---------------------------------------------------------------- who


def hosts(actor: Actor, tender: Tender) -> bool:
    """The agency runs the opening; the tenderer only when there is no agency; centre staff may act for them."""
    if actor.is_centre:
        return True
    if actor.org_id is None:
        return False
    if tender.agency_org_id is not None:
        return actor.role == Role.agency and actor.org_id == tender.agency_org_id
    return actor.role == Role.tenderer and actor.org_id == tender.tenderer_org_id


def watches(actor: Actor, tender: Tender) -> bool:
    """May follow the hall live before the record is public: hosts, the tenderer, centre, the line's supervisor."""
    if hosts(actor, tender) or actor.is_centre:
        return True
    if actor.acts_for(tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id):
        return True
    return actor.role == Role.supervisor and str(tender.line) in actor.supervised_lines


# ---------------------------------------------------------------- lots


@dataclass(frozen=True)
class LotOutcome:
    lot_id: str
    bids: int

    @property
    def goes_ahead(self) -> bool:
        return self.bids >= MIN_BIDS


def lot_outcomes(lot_ids: Iterable[str], bid_lot_ids: Iterable[str]) -> list[LotOutcome]:
    """Per lot, how many active bids it has; a lot with fewer than 3 fails (Bidding Regs Art.44)."""
    counts: dict[str, int] = dict.fromkeys(lot_ids, 0)
    for lot in bid_lot_ids:
        counts[lot] = counts.get(lot, 0) + 1
    return [LotOutcome(lot, n) for lot, n in counts.items()]


# ---------------------------------------------------------------- floating coefficient (下浮系数)


def coefficient_candidates(rng: dict[str, str]) -> list[str]:
    """Every value min, min+step, … ≤ max, as decimal strings with the precision of the inputs."""
    lo, hi, step = Decimal(rng["min"]), Decimal(rng["max"]), Decimal(rng["step"])
    if step <= 0 or lo > hi:
        raise ValueError("coefficient range needs min ≤ max and a positive step")
    places = max(-lo.as_tuple().exponent, -hi.as_tuple().exponent, -step.as_tuple().exponent)  # type: ignore[operator]
    quantum = Decimal(1).scaleb(-int(places))
    out: list[str] = []
    value = lo
    while value <= hi and len(out) < 10_000:
        out.append(str(value.quantize(quantum)))
        value += step
    return out


# ---------------------------------------------------------------- the sheet


@dataclass(frozen=True)
class SheetFields:
    price: Decimal | None
    price_in_words: str
    words_match: bool | None
    duration_days: int | None
    quality: str
    project_lead: str
    lead_certificate: str


def _text(sheet: dict[str, Any], name: str, limit: int) -> str:
    value = sheet.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def sheet_fields(sheet: dict[str, Any]) -> SheetFields:
    """What the opening stores from a bidder's opening sheet; never "fixes" the bidder's words (Evaluation
    Rules Art.19: the words prevail, a mismatch is recorded)."""
    price: Decimal | None
    try:
        raw = sheet.get("price")
        price = Decimal(raw) if isinstance(raw, str) else None
        if price is not None and (not price.is_finite() or abs(price) >= Decimal("1e16")):
            price = None
    except InvalidOperation:
        price = None
    words = _text(sheet, "price_in_words", 200)
    duration = sheet.get("duration_days")
    days = duration if isinstance(duration, int) and not isinstance(duration, bool) else None
    match = None if price is None else in_words(price) == words
    return SheetFields(price, words, match, days, _text(sheet, "quality", 200), _text(sheet, "project_lead", 64),
                       _text(sheet, "lead_certificate", 64))


def confirm_deadline(now: datetime) -> datetime:
    return now + timedelta(minutes=CONFIRM_MINUTES)


def rescue_deadline(now: datetime, window_minutes: int) -> datetime:
    return now + timedelta(minutes=max(window_minutes, RESCUE_MINUTES_MIN))
