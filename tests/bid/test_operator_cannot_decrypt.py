"""E-Bidding Measures Art.27: before the opening nobody can decrypt a bid — not even with everything the server stores.

The test collects every row of every table, every file under the data directory (blobs, the platform signing
key, the SQLite file) and the server's secret, and tries every candidate key it can find there — each 32-byte
value, each base64 or hex field, every 32-byte window of short decoded values, PKCS#8 keys — as a data key and
as an X25519 private key (bidder and rescue recipients), and against the stored encrypted rescue shares. All fail.
A positive control shows the same harness opens the bid once the bidder's own key is added.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.bid.models import Bid, RescueShare
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Base
from ggzy.sealing import shamir
from ggzy.sealing.envelope import decrypt, unwrap_data_key
from ggzy.sealing.errors import EnvelopeAuthFailed, ShareInvalid
from ggzy.sealing.x25519 import x25519_raw_to_pkcs8
from tests.bid.helpers import make_world, put_bid, rescue_of, seal
from tests.factories import query

B64 = re.compile(rb"[A-Za-z0-9+/]{22,}={0,2}")
HEX = re.compile(rb"[0-9a-fA-F]{64,}")


def _decodings(raw: bytes) -> Iterator[bytes]:
    """Every base64 and hex token inside `raw`, decoded (non-canonical spellings too)."""
    for m in B64.finditer(raw):
        token = m.group()
        for t in (token, token + b"=" * (-len(token) % 4)):
            try:
                decoded = base64.b64decode(t, validate=True)
            except (binascii.Error, ValueError):
                continue
            yield decoded
    for m in HEX.finditer(raw):
        token = m.group()
        yield bytes.fromhex(token[: len(token) // 2 * 2].decode())


def _windows(data: bytes, limit: int = 4096) -> Iterator[bytes]:
    """Every 32-byte window of a short binary value (keys hide inside DER, PEM bodies, concatenations)."""
    data = data[:limit]
    for i in range(max(len(data) - 31, 0)):
        yield data[i:i + 32]


def _is_text(raw: bytes) -> bool:
    """Printable UTF-8 (ids, names, JSON): its key material, if any, is in the base64/hex tokens decoded above."""
    try:
        return raw.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return False


def candidates(blobs: Iterable[bytes]) -> tuple[set[bytes], set[bytes]]:
    """(32-byte candidates, PKCS#8-looking candidates) from everything given."""
    c32: set[bytes] = set()
    der: set[bytes] = set()
    for raw in blobs:
        if len(raw) == 32:
            c32.add(raw)
        for dec in _decodings(raw):
            if len(dec) == 32:
                c32.add(dec)
            if 40 <= len(dec) <= 200:
                der.add(dec)
            if len(dec) <= 512:
                c32.update(_windows(dec))
        if len(raw) <= 4096 and not _is_text(raw):
            c32.update(_windows(raw))
    return c32, der


def everything_stored(rows: list[Any], files: list[Path], secret: str) -> list[bytes]:
    out: list[bytes] = [secret.encode()]
    for row in rows:
        for value in row:
            if value is None:
                continue
            out.append(value if isinstance(value, bytes) else str(value).encode())
    for path in files:
        data = path.read_bytes()
        if data.startswith(b"GGZYENV1"):
            # An envelope: its cleartext header; the records are ciphertext (tried as a whole by decryption).
            out.append(data[12:12 + int.from_bytes(data[8:12], "big")])
        else:
            out.append(data)  # the platform key PEM, the SQLite file and its WAL (free pages included)
    return out


def opens(body: bytes, header: dict[str, Any], c32: set[bytes], der: set[bytes]) -> list[str]:
    found = []
    for key in c32:
        try:
            for _ in decrypt(iter([body]), key):
                break
            found.append(f"data key {key.hex()}")
        except EnvelopeAuthFailed:
            pass
    privates = [x25519_raw_to_pkcs8(k) for k in c32] + list(der)
    for private in privates:
        for role in ("bidder", "rescue"):
            try:
                unwrap_data_key(header, role=role, enc_private=private)
                found.append(f"{role} private key {private.hex()}")
            except EnvelopeAuthFailed:
                pass
    return found


async def test_the_operators_database_and_files_alone_do_not_decrypt_a_bid_art27(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path, settings: Any
) -> None:
    """E-Bidding Measures Art.27: before the deadline no one can decrypt or extract a bid — the operator included."""
    w = await make_world(db, client, clock.now(), bidders=1, rescue=True, threshold=2, custodians=3)
    rk = await rescue_of(client, w)
    work = tmp_path / "bidder-machine"  # the bidders' own machines: NOT part of what the server stores
    work.mkdir()
    sealed = []
    for b in w.bidders:
        body, info = seal(work, w, b, rescue=rk, content=b"%PDF-1.7 secret price 950000.00" * 50)
        r = await put_bid(client, w, b, body)
        assert r.status_code == 201, r.text
        sealed.append((b, body, info))
    # One custodian has downloaded its share (the platform's copy is gone); two are still stored, encrypted.
    r = await client.get(f"/api/tenders/{w.tender.id}/rescue-share", headers=w.custodians[0].headers)
    assert r.status_code == 200

    rows: list[Any] = []
    for table in Base.metadata.sorted_tables:
        rows.extend(await query(db, select(table)))
    data_dir = Path(settings.data_dir)
    stored = [p for p in data_dir.rglob("*") if p.is_file() and work not in p.parents]  # noqa: ASYNC240
    assert any(p.name == "platform-signing-key.pem" for p in stored)
    assert sum(1 for p in stored if "blobs" in p.parts) >= 1
    pool = everything_stored(rows, stored, settings.secret_key)
    c32, der = candidates(pool)
    assert len(c32) > 500, "the harness should be trying many candidates"

    for b, body, info in sealed:
        assert opens(body, info.header, c32, der) == [], f"{b.org.name}'s bid opened from server data"

    shares = await query(db, select(RescueShare.encrypted_share).where(RescueShare.encrypted_share.is_not(None)))
    assert len(shares) == 2
    for (sealed_share,) in shares:
        doc = json.loads(sealed_share)
        for key in [x25519_raw_to_pkcs8(k) for k in c32] + list(der):
            try:
                shamir.open_share(doc, key)
            except ShareInvalid:
                continue
            raise AssertionError("a stored rescue share opened with server data")

    # Positive control: the same harness finds the key once the bidder's own key file is on the table.
    b, body, info = sealed[0]
    found = opens(body, info.header, set(), {b.keys.enc_private})
    assert found and found[0].startswith("bidder private key")
    # And the stored shares do open with the custodians' own keys (what the plan relies on).
    (row,) = await query(db, select(RescueShare.encrypted_share)
                         .where(RescueShare.custodian_org_id == w.custodians[1].org.id))
    assert shamir.open_share(json.loads(row.encrypted_share), w.custodians[1].keys.enc_private)["k"] == 2
    assert len(await query(db, select(Bid.id))) == 1
