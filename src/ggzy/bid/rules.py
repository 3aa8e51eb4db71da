"""Pure rules of the bid domain: who may bid, what an envelope header must say, key and key-id formats."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ggzy.auth.actor import Actor
from ggzy.bid.errors import (
    BiddersOnly,
    DeadlinePassed,
    EnvelopeMismatch,
    IdempotencyKeyRequired,
    OperatorMayNotBid,
    OwnTender,
    RescueRecipientMismatch,
    SuiteNotAllowed,
    WrongBidderKey,
)
from ggzy.party.errors import NotVerified
from ggzy.party.models import Role
from ggzy.sealing.codec import canonical_json

KEYSET_PURPOSE = "ggzy-keyset-v1"
RESCUE_SUITE = "x25519-aes256gcm"
"""The suite of every tender rescue key (a GM rescue key is future work)."""

PUBLIC_KEY_LENGTHS: dict[str, tuple[int, int]] = {
    "x25519-aes256gcm": (32, 32),  # X25519 / Ed25519 raw public keys
    "sm2-sm4gcm": (64, 64),  # SM2 x || y, no 04 prefix
}
"""(encryption, signing) public key lengths in bytes, per suite (docs/sealed-bids.md, Keys)."""

_IDEMPOTENCY = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def keyset_proof_message(*, org_id: str, enc_public: str, sign_public: str) -> bytes:
    """What the proof of possession signs: canonical JSON, so browser and CLI produce the same bytes."""
    return canonical_json(
        {"org_id": org_id, "enc_public": enc_public, "sign_public": sign_public, "purpose": KEYSET_PURPOSE}
    )


def check_idempotency_key(value: str | None) -> str:
    """8–64 characters from a safe alphabet (a UUID fits); anything else is refused before any byte is read."""
    if value is None or not _IDEMPOTENCY.fullmatch(value):
        raise IdempotencyKeyRequired()
    return value


def ensure_may_bid(actor: Actor, *, tenderer_org_id: str, agency_org_id: str | None) -> None:
    """A verified bidder organisation that is neither the platform operator (Art.23) nor the tender's own party."""
    if actor.is_centre:
        raise OperatorMayNotBid()
    if actor.org_id is not None and actor.org_id in (tenderer_org_id, agency_org_id):
        raise OwnTender()
    if actor.role != Role.bidder or actor.org_id is None or actor.user_id is None:
        raise BiddersOnly()
    if not actor.org_verified:
        raise NotVerified()


def ensure_before_deadline(deadline: datetime | None, now: datetime) -> None:
    """E-Bidding Measures Art.29: at the deadline itself the bid is already late (the opening has begun)."""
    if deadline is None or now >= deadline:
        raise DeadlinePassed(detail={"bid_deadline": deadline.isoformat() if deadline else None,
                                     "server_time": now.isoformat()})


def check_header(
    header: dict[str, Any], *, tender_id: str, lot_id: str, bidder_org_id: str, suite: str, bidder_key_id: str,
    rescue_key_id: str | None,
) -> None:
    """The envelope must be addressed to this tender, lot and bidder, sealed to the bidder's active key and, when
    the tender has a rescue plan (rescue_key_id given), to the tender's rescue key — and to nothing else.

    The scanner already checked the header's shape (one bidder entry, at most one rescue entry).
    """
    for name, expected in (("tender_id", tender_id), ("lot_id", lot_id), ("bidder_org_id", bidder_org_id)):
        if header.get(name) != expected:
            raise EnvelopeMismatch(detail={"field": name})
    if rescue_key_id is not None and header.get("suite") != RESCUE_SUITE:
        # The rescue key is X25519: an SM2 wrap cannot address it (docs/sealed-bids.md, GM wrap details).
        raise SuiteNotAllowed(detail={"suite": header.get("suite"), "allowed": [RESCUE_SUITE]})
    recipients = header.get("recipients") or []
    bidder = [r for r in recipients if r.get("role") == "bidder"]
    rescue = [r for r in recipients if r.get("role") == "rescue"]
    if header.get("suite") != suite or len(bidder) != 1 or bidder[0].get("key_id") != bidder_key_id:
        raise WrongBidderKey(detail={"expected_key_id": bidder_key_id})
    if rescue_key_id is None:
        if rescue:
            raise RescueRecipientMismatch(detail={"expected": None})
    elif len(rescue) != 1 or rescue[0].get("key_id") != rescue_key_id:
        raise RescueRecipientMismatch(detail={"expected_key_id": rescue_key_id})
