"""Builders for bid tests: a published tender made through the services, bidders with registered keys, envelopes."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.bid import keys as key_service
from ggzy.bid.models import KeySet
from ggzy.bid.rules import keyset_proof_message
from ggzy.bid.schemas import KeySetIn
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.sealing import keys as sealing_keys
from ggzy.sealing.codec import b64d, b64e
from ggzy.sealing.envelope import SealedInfo, seal_bid
from ggzy.sealing.suites import get_suite
from ggzy.tender import service as tender_service
from ggzy.tender.models import Lot, Tender
from ggzy.tender.schemas import TenderCreate
from tests.factories import bearer, create_party
from tests.tender.helpers import Cast, admitted_project, cast, tender_payload

_n = itertools.count(1)


@dataclass
class Bidder:
    org: Organisation
    user: User
    actor: Actor
    keys: sealing_keys.KeyPairSet
    key_set: KeySet | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BidWorld:
    cast: Cast
    tender: Tender
    lots: list[Lot]
    bidders: list[Bidder]
    custodians: list[Bidder] = field(default_factory=list)

    @property
    def lot(self) -> Lot:
        return self.lots[0]


def key_set_in(org_id: str, ks: sealing_keys.KeyPairSet, **over: Any) -> KeySetIn:
    enc, sign = b64e(ks.enc_public), b64e(ks.sign_public)
    proof = get_suite(ks.suite).sign(ks.sign_private, keyset_proof_message(org_id=org_id, enc_public=enc,
                                                                           sign_public=sign))
    return KeySetIn.model_validate({"suite": ks.suite, "enc_public": enc, "sign_public": sign, "proof": b64e(proof),
                                    **over})


async def register(db: AsyncSession, actor: Actor, now: datetime) -> tuple[sealing_keys.KeyPairSet, KeySet]:
    assert actor.org_id is not None
    ks = sealing_keys.generate()
    row = await key_service.register_key_set(db, actor, key_set_in(actor.org_id, ks), now=now)
    return ks, row


async def make_bidder(db: AsyncSession, now: datetime, *, with_keys: bool = True) -> Bidder:
    org, user, actor = await create_party(db, OrgKind.bidder, now=now, name=f"投标人{next(_n)}有限公司")
    b = Bidder(org, user, actor, sealing_keys.generate())
    if with_keys:
        b.keys, b.key_set = await register(db, actor, now)
    return b


async def custodian_party(db: AsyncSession, kind: OrgKind, now: datetime) -> Bidder:
    org, user, actor = await create_party(db, kind, now=now)
    keys, row = await register(db, actor, now)
    return Bidder(org, user, actor, keys, row)


async def make_world(
    db: AsyncSession, client: AsyncClient | None, now: datetime, *, bidders: int = 3, rescue: bool = False,
    threshold: int = 3, custodians: int = 5, **over: Any,
) -> BidWorld:
    """A construction tender published through the tender service (the publish hook runs: rescue key)."""
    c = await cast(db, now)
    project = await admitted_project(db, c, now)
    holders: list[Bidder] = []
    if rescue:
        kinds = [OrgKind.centre, OrgKind.supervisor, OrgKind.agency, OrgKind.tenderer, OrgKind.centre,
                 OrgKind.supervisor, OrgKind.agency][:custodians]
        holders = [await custodian_party(db, k, now) for k in kinds]
        over.setdefault("rescue_custodians", [{"org_id": h.org.id, "label": f"保管人{i + 1}"}
                                              for i, h in enumerate(holders)])
        over.setdefault("rescue_threshold", threshold)
    payload = tender_payload(project, now, has_rescue_plan=rescue, **over)
    view = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(payload), now=now)
    view = await tender_service.publish_announcement(db, c.agency, view.tender.id, now=now)
    bs = [await make_bidder(db, now) for _ in range(bidders)]
    if client is not None:
        for b in bs:
            b.headers = await bearer(client, b.user)
        for h in holders:
            h.headers = await bearer(client, h.user)
    return BidWorld(c, view.tender, view.lots, bs, holders)


SHEET = {
    "price": "950000.00", "price_in_words": "玖拾伍万元整", "duration_days": 180, "quality": "合格",
    "project_lead": "张三", "lead_certificate": "苏132100000001",
}


def seal(
    tmp: Path, w: BidWorld, b: Bidder, *, lot: Lot | None = None, rescue: tuple[str, bytes] | None = None,
    content: bytes = b"%PDF-1.7 commercial bid", bidder_org_id: str | None = None, tender_id: str | None = None,
    keys: sealing_keys.KeyPairSet | None = None,
) -> tuple[bytes, SealedInfo]:
    """Seal a small bid with the sealing library, as the bidder's machine does; returns (bytes, info)."""
    lot = lot or w.lot
    name = uuid.uuid4().hex
    doc = tmp / f"{name}.pdf"
    doc.write_bytes(content)
    out = tmp / f"{name}.ggzyenv"
    info = seal_bid(out, keys=keys or b.keys, tender_id=tender_id or w.tender.id, lot_id=lot.id,
                    bidder_org_id=bidder_org_id or b.org.id, sheet={**SHEET, "lot_id": lot.id}, files=[doc],
                    rescue=rescue)
    return out.read_bytes(), info


async def rescue_of(client: AsyncClient, w: BidWorld) -> tuple[str, bytes] | None:
    r = await client.get(f"/api/tenders/{w.tender.id}/rescue-key")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()["key_id"], b64d(r.json()["public_key"])


def bid_url(w: BidWorld, lot: Lot | None = None) -> str:
    return f"/api/tenders/{w.tender.id}/lots/{(lot or w.lot).id}/bid"


async def put_bid(
    client: AsyncClient, w: BidWorld, b: Bidder, body: bytes, *, key: str | None = None, lot: Lot | None = None,
) -> Response:
    headers = {**b.headers, "content-type": "application/octet-stream",
               "Idempotency-Key": key or uuid.uuid4().hex}
    return await client.put(bid_url(w, lot), content=body, headers=headers)
