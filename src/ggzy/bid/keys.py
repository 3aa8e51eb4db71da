"""Key sets: an organisation registers the public halves of keys made on its own machine.

Registering a new set retires the previous active one (rotation). A bid keeps the key_set_id it was sealed to,
so rotation never makes an existing bid unreadable to its bidder.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.bid.errors import KeysAlreadyRegistered, KeySetNotFound, KeysNeedOrganisation
from ggzy.bid.keyproviders import adapter_for, decode_public
from ggzy.bid.models import KeySet, KeySetStatus
from ggzy.bid.schemas import KeySetIn
from ggzy.kit.db import commit
from ggzy.party.models import Organisation, OrgKind, Role
from ggzy.sealing.codec import key_id


async def active_key_set(session: AsyncSession, org_id: str) -> KeySet | None:
    """The organisation's current key set (what new bids and rescue shares are sealed to), if any."""
    stmt = select(KeySet).where(KeySet.org_id == org_id, KeySet.status == KeySetStatus.active)
    return (await session.execute(stmt.order_by(KeySet.created_at.desc()).limit(1))).scalars().first()


async def register_key_set(session: AsyncSession, actor: Actor, data: KeySetIn, *, now: datetime) -> KeySet:
    """Check the keys with their provider's adapter, retire the active set, store the new one."""
    if actor.org_id is None or actor.user_id is None or not actor.org_verified or actor.role == Role.expert:
        raise KeysNeedOrganisation()
    adapter = adapter_for(data.provider)
    adapter.verify(org_id=actor.org_id, suite=data.suite, enc_public=data.enc_public, sign_public=data.sign_public,
                   proof=data.proof, certificate=data.certificate)
    enc, sign = decode_public(data.suite, data.enc_public, data.sign_public)
    enc_id, sign_id = key_id(enc), key_id(sign)
    # Lock the organisation row so two registrations at once cannot both stay active (SQLite: BEGIN IMMEDIATE).
    await session.execute(select(Organisation.id).where(Organisation.id == actor.org_id).with_for_update())
    clash = await session.execute(
        select(KeySet.id).where(
            or_(KeySet.enc_key_id.in_([enc_id, sign_id]), KeySet.sign_key_id.in_([enc_id, sign_id]))
        )
    )
    if clash.first() is not None:
        raise KeysAlreadyRegistered()
    previous = await active_key_set(session, actor.org_id)
    if previous is not None:
        previous.status, previous.retired_at = KeySetStatus.retired, now
    ks = KeySet(
        org_id=actor.org_id, suite=data.suite, provider=adapter.provider, enc_public=data.enc_public,
        enc_key_id=enc_id, sign_public=data.sign_public, sign_key_id=sign_id, certificate=data.certificate,
        status=KeySetStatus.active, created_by=actor.user_id, created_at=now,
    )
    session.add(ks)
    await session.flush()
    await record(
        session, "keys:registered", actor, subject_type="key_set", subject_id=ks.id, now=now,
        before={"retired": previous.id} if previous else None,
        after={"org_id": ks.org_id, "suite": ks.suite, "provider": ks.provider, "enc_key_id": enc_id,
               "sign_key_id": sign_id},
    )
    await commit(session)
    return ks


async def list_own_key_sets(session: AsyncSession, actor: Actor) -> list[KeySet]:
    """The caller's organisation's key sets, newest first (the active one and the retired history)."""
    if actor.org_id is None:
        return []
    stmt = select(KeySet).where(KeySet.org_id == actor.org_id).order_by(KeySet.created_at.desc(), KeySet.id)
    return list((await session.execute(stmt)).scalars().all())


async def get_active_for(session: AsyncSession, actor: Actor, org_id: str) -> KeySet:
    """An organisation's active public keys: for the organisation itself, the centre, and — for custodian-type
    organisations (not bidders) — any user, e.g. an agency checking its rescue custodians before publishing.

    A bidder's keys are shown to nobody else: whether a company prepared to bid is its own business (Art.21).
    """
    if actor.org_id != org_id and not actor.is_centre:
        org = await session.get(Organisation, org_id)
        if org is None or org.kind == OrgKind.bidder or not actor.is_authenticated:
            raise KeySetNotFound()
    ks = await active_key_set(session, org_id)
    if ks is None:
        raise KeySetNotFound()
    return ks
