"""The rescue plan (补救方案, E-Bidding Measures Art.31): a tender key nobody holds whole.

At publication the platform makes an X25519 key pair in memory, splits the private key into k-of-n Shamir
shares, encrypts each share to its custodian organisation's registered encryption key and forgets the private
key: only the public half and the encrypted shares are stored. Each custodian downloads its share once; then the
platform's copy is deleted. At the opening (after a platform fault the centre recorded) custodians hand back their
decrypted shares (`submit_share`), the opening rebuilds the key (`rebuild_rescue_private`) and wipes the shares
(`wipe_submitted_shares`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.bid.errors import (
    BadShare,
    CustodiansInvalid,
    NoRescuePlan,
    NotCustodian,
    NotEnoughShares,
    RescueKeyMismatch,
    ShareAlreadySubmitted,
    ShareGone,
)
from ggzy.bid.keys import active_key_set
from ggzy.bid.models import KeySet, RescueKey, RescueShare
from ggzy.bid.rules import RESCUE_SUITE
from ggzy.bid.service import SEALED_STATUSES
from ggzy.kit.db import commit
from ggzy.party.models import Organisation
from ggzy.sealing import shamir
from ggzy.sealing.codec import b64d, b64e, key_id
from ggzy.sealing.errors import ShareInvalid
from ggzy.tender.errors import TenderNotFound
from ggzy.tender.models import Tender, TenderStatus

# ---------------------------------------------------------------- creation (tender publication hook)


async def _custodian_keys(session: AsyncSession, tender: Tender) -> list[tuple[dict[str, str], KeySet]]:
    """Validate the custodians: at least k, distinct organisations, each with an active x25519 key set."""
    custodians = list(tender.rescue_custodians or [])
    k = tender.rescue_threshold
    if len(custodians) < k or k < 2:
        raise CustodiansInvalid(
            "rescue.too_few_custodians", f"补救方案至少需要 {k} 名密钥保管人，当前 {len(custodians)} 名",
            f"The rescue plan needs at least {k} custodians; {len(custodians)} given",
            detail={"threshold": k, "custodians": len(custodians)},
        )
    seen: set[str] = set()
    out: list[tuple[dict[str, str], KeySet]] = []
    for c in custodians:
        org_id, label = str(c.get("org_id", "")), str(c.get("label", ""))
        name = label or org_id
        if org_id in seen:
            raise CustodiansInvalid(
                "rescue.duplicate_custodian", f"密钥保管人重复：{name}", f"Custodian listed twice: {name}",
                detail={"org_id": org_id},
            )
        seen.add(org_id)
        org = await session.get(Organisation, org_id)
        if org is None:
            raise CustodiansInvalid(
                "rescue.unknown_custodian", f"找不到密钥保管人单位：{name}", f"Unknown custodian organisation: {name}",
                detail={"org_id": org_id},
            )
        ks = await active_key_set(session, org_id)
        if ks is None or ks.suite != RESCUE_SUITE:
            raise CustodiansInvalid(
                "rescue.custodian_without_keys",
                f"密钥保管人“{org.name}”尚未登记 {RESCUE_SUITE} 加密公钥",
                f"Custodian '{org.name}' has no registered {RESCUE_SUITE} key set",
                detail={"org_id": org_id, "org_name": org.name},
            )
        out.append(({"org_id": org_id, "label": label}, ks))
    return out


async def create_rescue_key(session: AsyncSession, actor: Actor, tender: Tender, now: datetime) -> RescueKey | None:
    """Make the tender's rescue key and its encrypted shares, inside the publishing transaction.

    The private key lives only in this function's locals; what is stored cannot rebuild it without k custodians'
    own private keys. Refuses the publication (422 naming the custodian) when a custodian cannot receive a share.
    """
    if not tender.has_rescue_plan:
        return None
    holders = await _custodian_keys(session, tender)
    k, n = tender.rescue_threshold, len(holders)
    private = X25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes_raw()
    rescue_kid = key_id(public_raw)
    shares = shamir.split(private.private_bytes_raw(), k, n)
    del private  # nothing below needs it; the shares are what survives
    rk = RescueKey(tender_id=tender.id, key_id=rescue_kid, public_key=b64e(public_raw), threshold=k, shares=n,
                   created_at=now)
    session.add(rk)
    await session.flush()
    for (custodian, ks), (x, y) in zip(holders, shares, strict=True):
        doc = shamir.share_doc(rescue_key_id=rescue_kid, k=k, n=n, x=x, y=y)
        sealed = shamir.seal_share(doc, custodian_key_id=ks.enc_key_id, custodian_public=b64d(ks.enc_public),
                                   suite=ks.suite)
        session.add(RescueShare(
            rescue_key_id=rk.id, custodian_org_id=custodian["org_id"], custodian_label=custodian["label"][:64], x=x,
            encrypted_share=json.dumps({"key_set_id": ks.id, **sealed}, sort_keys=True),
            custodian_key_set_id=ks.id,
        ))
    shares.clear()
    await session.flush()
    await record(
        session, "rescue:key_created", actor, subject_type="tender", subject_id=tender.id,
        project_id=tender.project_id, now=now,
        after={"rescue_key_id": rescue_kid, "threshold": k, "shares": n,
               "custodians": [{"org_id": c["org_id"], "label": c["label"], "key_set_id": ks.id}
                              for c, ks in holders]},
    )
    return rk


# ---------------------------------------------------------------- reads and the one-time download


async def _published_tender(session: AsyncSession, tender_id: str, *, lock: bool = False) -> Tender:
    stmt = select(Tender).where(Tender.id == tender_id)
    if lock:
        stmt = stmt.with_for_update()
    tender = (await session.execute(stmt)).scalars().first()
    if tender is None or tender.status == TenderStatus.draft:
        raise TenderNotFound()
    return tender


async def rescue_public(session: AsyncSession, tender_id: str) -> tuple[RescueKey, list[RescueShare]]:
    """The public half bidders seal to, with the custodians' shares (labels shown, nothing secret)."""
    tender = await _published_tender(session, tender_id)
    rk = (await session.execute(select(RescueKey).where(RescueKey.tender_id == tender.id))).scalars().first()
    if rk is None:
        raise NoRescuePlan()
    shares = (await session.execute(
        select(RescueShare).where(RescueShare.rescue_key_id == rk.id).order_by(RescueShare.x)
    )).scalars().all()
    return rk, list(shares)


async def _own_share(session: AsyncSession, actor: Actor, tender_id: str) -> tuple[Tender, RescueKey, RescueShare]:
    tender = await _published_tender(session, tender_id, lock=True)
    rk = (await session.execute(select(RescueKey).where(RescueKey.tender_id == tender.id))).scalars().first()
    if rk is None:
        raise NoRescuePlan()
    if actor.org_id is None or actor.user_id is None:
        raise NotCustodian()
    share = (await session.execute(
        select(RescueShare).where(RescueShare.rescue_key_id == rk.id, RescueShare.custodian_org_id == actor.org_id)
    )).scalars().first()
    if share is None:
        raise NotCustodian()
    return tender, rk, share


async def download_share(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> dict[str, Any]:
    """The custodian's encrypted share, once: the platform deletes its copy in the same transaction."""
    tender, rk, share = await _own_share(session, actor, tender_id)
    if share.encrypted_share is None:
        raise ShareGone(detail={"downloaded_at": share.downloaded_at.isoformat() if share.downloaded_at else None})
    stored: dict[str, Any] = json.loads(share.encrypted_share)
    sealed = {k: v for k, v in stored.items() if k != "key_set_id"}  # exactly the format's sealed share
    out = {
        **sealed, "tender_id": tender.id, "rescue_key_id": rk.key_id, "x": share.x, "threshold": rk.threshold,
        "shares": rk.shares, "custodian_org_id": share.custodian_org_id,
        "custodian_key_set_id": share.custodian_key_set_id, "custodian_enc_key_id": str(sealed.get("key_id", "")),
        "encrypted_share": sealed,
    }
    share.encrypted_share = None
    share.downloaded_at, share.downloaded_by = now, actor.user_id
    await session.flush()
    await record(
        session, "rescue:share_downloaded", actor, subject_type="tender", subject_id=tender.id,
        project_id=tender.project_id, now=now, after={"rescue_key_id": rk.key_id, "x": share.x},
    )
    await commit(session)
    return out


# ---------------------------------------------------------------- at the opening (called by ggzy.opening)


def parse_share(doc: Any, rk: RescueKey) -> dict[str, Any]:
    """Validate a decrypted share document (sealing.shamir.open_share's result) against the tender's rescue key."""
    try:
        share = shamir.check_share(doc)
    except ShareInvalid as exc:
        raise BadShare(detail={"check": exc.check}) from None
    for name, value in (("rescue_key_id", rk.key_id), ("k", rk.threshold), ("n", rk.shares)):
        if share[name] != value:
            raise BadShare(detail={"check": name})
    return share


async def submit_share(
    session: AsyncSession, actor: Actor, tender_id: str, share_doc: Any, *, now: datetime
) -> RescueShare:
    """Store a custodian's decrypted share for the rebuild. Runs in the CALLER's transaction (the opening commits).

    Only after the deadline; only the custodian holding share x may hand in share x; once per custodian.
    The audit event names the custodian and x, never the share value.
    """
    tender, rk, share = await _own_share(session, actor, tender_id)
    if tender.status in SEALED_STATUSES:
        raise NotEnoughShares(
            "rescue.too_early", "投标截止前不得提交补救密钥分片", "Shares can be handed in only after the deadline",
            status=409,
        )
    doc = parse_share(share_doc, rk)
    x = doc["x"]
    if x != share.x:
        raise BadShare(detail={"check": "x_not_yours"})
    if share.submitted_share is not None:
        raise ShareAlreadySubmitted()
    share.submitted_share = json.dumps(doc, sort_keys=True)
    share.submitted_at, share.submitted_by = now, actor.user_id
    await session.flush()
    await record(
        session, "rescue:share_submitted", actor, subject_type="tender", subject_id=tender.id,
        project_id=tender.project_id, now=now, after={"rescue_key_id": rk.key_id, "x": x},
    )
    return share


async def submitted_count(session: AsyncSession, tender_id: str) -> tuple[int, int]:
    """(shares handed in, k) for the tender's rescue key."""
    rk, shares = await rescue_public(session, tender_id)
    return sum(1 for s in shares if s.submitted_share is not None), rk.threshold


async def rebuild_rescue_private(session: AsyncSession, tender_id: str) -> bytes:
    """Combine the handed-in shares; check the result against the rescue public key.

    Returns the private key as PKCS#8 DER — what sealing.envelope.unwrap_data_key(header, role="rescue",
    enc_private=...) takes. The caller uses it in memory only and then calls wipe_submitted_shares.
    """
    rk, shares = await rescue_public(session, tender_id)
    docs = [json.loads(s.submitted_share) for s in shares if s.submitted_share is not None]
    if len(docs) < rk.threshold:
        raise NotEnoughShares(detail={"submitted": len(docs), "threshold": rk.threshold})
    try:
        return shamir.recover_rescue_key(docs, b64d(rk.public_key))
    except ShareInvalid as exc:
        raise RescueKeyMismatch(detail={"check": exc.check}) from None


async def wipe_submitted_shares(session: AsyncSession, tender_id: str) -> None:
    """Forget the handed-in shares (in the caller's transaction) once the key did its work."""
    _, shares = await rescue_public(session, tender_id)
    for s in shares:
        s.submitted_share = None
    await session.flush()
