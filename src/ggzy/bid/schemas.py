"""Pydantic in/out of the bid API: key sets, bids (status, receipt, header), rescue shares, platform keys."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ggzy.bid.models import Bid, KeyProvider, KeySet

B64 = Annotated[str, Field(min_length=1, max_length=4096, description="standard base64 with padding")]


class KeySetIn(BaseModel):
    """Public halves of a key set generated on the user's machine, with a proof of possession.

    `proof` is the signature, with the signing key being registered, over the canonical JSON
    `{"enc_public", "org_id", "purpose": "ggzy-keyset-v1", "sign_public"}` (docs/sealed-bids.md conventions).
    """

    model_config = ConfigDict(extra="forbid")

    suite: str = Field(min_length=1, max_length=32)
    enc_public: B64
    sign_public: B64
    proof: B64
    provider: KeyProvider = KeyProvider.software
    certificate: str = Field(default="", max_length=65536)
    """PEM chain, for `provider = ca` only."""


class KeySetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    suite: str
    provider: str
    enc_public: str
    enc_key_id: str
    sign_public: str
    sign_key_id: str
    status: str
    created_at: datetime
    retired_at: datetime | None


class BidOut(BaseModel):
    """The caller's own bid: status, receipt and the envelope header (to unwrap its data key at the opening)."""

    id: str
    tender_id: str
    lot_id: str
    bidder_org_id: str
    status: str
    suite: str
    key_set_id: str
    sha256: str
    size: int
    received_at: datetime
    replaced_at: datetime | None
    withdrawn_at: datetime | None
    receipt: dict[str, Any]
    header: dict[str, Any]


def bid_out(bid: Bid) -> BidOut:
    return BidOut(
        id=bid.id, tender_id=bid.tender_id, lot_id=bid.lot_id, bidder_org_id=bid.bidder_org_id,
        status=str(bid.status), suite=bid.suite, key_set_id=bid.key_set_id, sha256=bid.sha256, size=bid.size,
        received_at=bid.received_at, replaced_at=bid.replaced_at, withdrawn_at=bid.withdrawn_at,
        receipt=json.loads(bid.receipt), header=json.loads(bid.header),
    )


def key_set_out(ks: KeySet) -> KeySetOut:
    return KeySetOut.model_validate(ks)


class PlatformPublicKey(BaseModel):
    key_id: str
    algorithm: str = "ed25519"
    public_key: str
    """b64 raw Ed25519 public key: checks every receipt (sealing.receipt.verify_receipt)."""


class PlatformKeys(BaseModel):
    keys: list[PlatformPublicKey]


class RescueKeyOut(BaseModel):
    """The tender's rescue public key: bidders wrap their data key to it as the `rescue` recipient."""

    tender_id: str
    key_id: str
    suite: str = "x25519-aes256gcm"
    public_key: str
    threshold: int
    shares: int
    custodians: list[dict[str, str]]
    """[{"label", "x"}] — who holds a share (labels only)."""


class RescueShareOut(BaseModel):
    """One custodian's encrypted share, handed out once (the platform then forgets it).

    The top-level `suite`, `key_id`, `rescue_key_id`, `x`, `epk`, `wrapped` are the sealed share of
    docs/sealed-bids.md, so the saved response is what `ggzy rescue open-share` (and sealing.shamir.open_share)
    takes; `encrypted_share` repeats exactly those fields.
    """

    suite: str
    key_id: str
    """The custodian's encryption key id the share is sealed to."""
    epk: str
    wrapped: str
    tender_id: str
    rescue_key_id: str
    x: int
    threshold: int
    shares: int
    custodian_org_id: str
    custodian_key_set_id: str
    custodian_enc_key_id: str
    encrypted_share: dict[str, Any]
    """What sealing.shamir.open_share takes with the custodian's key file."""
