"""Key sets: registration with a proof of possession, rotation, who may read them, the CA adapter's honest refusal."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.bid.models import KeySet
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind, OrgStatus
from ggzy.sealing import keys as sealing_keys
from ggzy.sealing.codec import b64e, key_id
from tests.bid.helpers import key_set_in
from tests.factories import bearer, create_party, query


async def _bidder(db: AsyncSession, client: AsyncClient, clock: FrozenClock, **kw):  # type: ignore[no-untyped-def]
    org, user, _ = await create_party(db, OrgKind.bidder, now=clock.now(), **kw)
    return org, await bearer(client, user)


async def test_register_then_rotate_retires_the_previous_set(client: AsyncClient, db: AsyncSession,
                                                             clock: FrozenClock) -> None:
    org, h = await _bidder(db, client, clock)
    first = sealing_keys.generate()
    r = await client.post("/api/keys", json=key_set_in(org.id, first).model_dump(mode="json"), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["enc_key_id"] == key_id(first.enc_public) and body["sign_key_id"] == key_id(first.sign_public)
    assert body["status"] == "active" and body["provider"] == "software"

    clock.advance(minutes=5)
    second = sealing_keys.generate()
    r2 = await client.post("/api/keys", json=key_set_in(org.id, second).model_dump(mode="json"), headers=h)
    assert r2.status_code == 201, r2.text
    listed = (await client.get("/api/keys", headers=h)).json()
    assert [(k["id"], k["status"]) for k in listed] == [(r2.json()["id"], "active"), (body["id"], "retired")]
    rows = await query(db, select(KeySet.status).where(KeySet.org_id == org.id))
    assert sorted(str(s) for (s,) in rows) == ["active", "retired"]
    own = await client.get(f"/api/orgs/{org.id}/keys/active", headers=h)
    assert own.status_code == 200 and own.json()["id"] == r2.json()["id"]


async def test_bad_proof_wrong_lengths_unknown_suite_and_duplicates_are_refused(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    org, h = await _bidder(db, client, clock)
    other_org, _ = await _bidder(db, client, clock)
    ks = sealing_keys.generate()
    good = key_set_in(org.id, ks).model_dump(mode="json")
    cases = [
        ({**good, "proof": key_set_in(other_org.id, ks).proof}, "keys.bad_proof"),  # signed for another org
        ({**good, "proof": b64e(b"\x00" * 64)}, "keys.bad_proof"),
        ({**good, "proof": "not base64!"}, "keys.bad_proof"),
        ({**good, "enc_public": b64e(b"\x01" * 31)}, "keys.invalid"),
        ({**good, "sign_public": b64e(b"\x01" * 33)}, "keys.invalid"),
        ({**good, "enc_public": "AAAA="}, "keys.invalid"),
        ({**good, "suite": "rsa-1024"}, "keys.unknown_suite"),
        ({**good, "certificate": "-----BEGIN CERTIFICATE-----"}, "keys.invalid"),
    ]
    for payload, code in cases:
        r = await client.post("/api/keys", json=payload, headers=h)
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["error"]["code"] == code, (payload, r.text)
    assert (await client.post("/api/keys", json=good, headers=h)).status_code == 201
    again = await client.post("/api/keys", json=good, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "keys.already_registered"
    assert len(await query(db, select(KeySet.id))) == 1


async def test_ca_keys_are_refused_honestly_until_a_ca_is_configured(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    org, h = await _bidder(db, client, clock)
    payload = key_set_in(org.id, sealing_keys.generate(), provider="ca").model_dump(mode="json")
    r = await client.post("/api/keys", json=payload, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "keys.ca_not_configured"
    assert await query(db, select(KeySet.id)) == []


async def test_unverified_organisation_cannot_register(client: AsyncClient, db: AsyncSession,
                                                       clock: FrozenClock) -> None:
    org, h = await _bidder(db, client, clock, status=OrgStatus.pending)
    r = await client.post("/api/keys", json=key_set_in(org.id, sealing_keys.generate()).model_dump(mode="json"),
                          headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "keys.org_required"
    anon = await client.post("/api/keys", json=key_set_in(org.id, sealing_keys.generate()).model_dump(mode="json"))
    assert anon.status_code == 401


async def test_a_bidders_keys_are_its_own_business_custodians_keys_are_not_e_bidding_art21(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    """Art.21: whether a company prepared to bid is visible to nobody else; custodians' public keys are shown."""
    org, h = await _bidder(db, client, clock)
    other, other_h = await _bidder(db, client, clock)
    sup_org, sup_user, _ = await create_party(db, OrgKind.supervisor, now=clock.now())
    sup_h = await bearer(client, sup_user)
    _, centre_user, _ = await create_party(db, OrgKind.centre, now=clock.now())
    centre_h = await bearer(client, centre_user)
    for o, hh in ((org, h), (sup_org, sup_h)):
        r = await client.post("/api/keys", json=key_set_in(o.id, sealing_keys.generate()).model_dump(mode="json"),
                              headers=hh)
        assert r.status_code == 201, r.text
    with_keys = await client.get(f"/api/orgs/{org.id}/keys/active", headers=other_h)
    without = await client.get(f"/api/orgs/{other.id}/keys/active", headers=h)
    assert with_keys.status_code == without.status_code == 404
    assert with_keys.json() == without.json()
    assert (await client.get(f"/api/orgs/{org.id}/keys/active", headers=centre_h)).status_code == 200
    assert (await client.get(f"/api/orgs/{sup_org.id}/keys/active", headers=h)).status_code == 200
