"""The sealed reserve (底价): sealed to a per-lot key at entry, opened only by the result.

Each lot gets an X25519 key pair when it is created. Its private half is stored only wrapped (AES-256-GCM) under a
key derived by HKDF from GGZY_SECRET_KEY — the secret that never sits in the database — and the lot's id. At entry
the reserve and a random nonce are sealed to the public half (ephemeral X25519 + HKDF + AES-256-GCM), and
SHA-256(lot id ‖ amount ‖ nonce) is written to the lot and to the audit chain. Only `unseal` (called by the result
service) unwraps the private half; no endpoint or page reads the reserve before the result. See docs/auctions.md.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.auction.errors import ReserveBroken
from ggzy.sealing.codec import b64d, b64e

RAW = serialization.Encoding.Raw
WRAP_INFO = b"ggzy auction reserve key wrap v1"
SEAL_INFO = b"ggzy auction reserve seal v1"


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _wrap_key(server_secret: str, lot_id: str) -> bytes:
    return _hkdf(server_secret.encode(), lot_id.encode(), WRAP_INFO)


def new_lot_key(server_secret: str, lot_id: str) -> tuple[str, str]:
    """(public key b64, wrapped private key) for a new lot."""
    priv = X25519PrivateKey.generate()
    raw = priv.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    wrapped = AESGCM(_wrap_key(server_secret, lot_id)).encrypt(nonce, raw, lot_id.encode())
    pub = priv.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    return b64e(pub), b64e(nonce + wrapped)


def commitment(lot_id: str, amount: Decimal, nonce: str) -> str:
    """SHA-256 over the lot, the amount with 2 decimals and the entry's random nonce (hex)."""
    return hashlib.sha256(f"ggzy-reserve|{lot_id}|{amount:.2f}|{nonce}".encode()).hexdigest()


def seal(public_key: str, lot_id: str, amount: Decimal) -> tuple[str, str]:
    """(sealed envelope JSON, commitment hex) for `amount`; the plaintext exists only in this call's memory."""
    nonce = secrets.token_hex(16)
    eph = X25519PrivateKey.generate()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(b64d(public_key)))
    eph_pub = eph.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    key = _hkdf(shared, eph_pub, SEAL_INFO)
    iv = secrets.token_bytes(12)
    plain = json.dumps({"amount": f"{amount:.2f}", "nonce": nonce}).encode()
    body = AESGCM(key).encrypt(iv, plain, lot_id.encode())
    envelope = {"v": 1, "alg": "X25519-HKDF-SHA256-AES256GCM", "epk": b64e(eph_pub), "iv": b64e(iv),
                "ct": b64e(body)}
    return json.dumps(envelope, sort_keys=True), commitment(lot_id, amount, nonce)


def unseal(server_secret: str, lot_id: str, wrapped_private: str, envelope: str, expected: str) -> Decimal:
    """Open the reserve at the result and check it against the commitment made at entry."""
    try:
        blob = b64d(wrapped_private)
        raw = AESGCM(_wrap_key(server_secret, lot_id)).decrypt(blob[:12], blob[12:], lot_id.encode())
        priv = X25519PrivateKey.from_private_bytes(raw)
        env = json.loads(envelope)
        eph_pub = b64d(env["epk"])
        key = _hkdf(priv.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, SEAL_INFO)
        doc = json.loads(AESGCM(key).decrypt(b64d(env["iv"]), b64d(env["ct"]), lot_id.encode()))
        amount = Decimal(doc["amount"])
        nonce = str(doc["nonce"])
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise ReserveBroken() from exc
    if commitment(lot_id, amount, nonce) != expected:
        raise ReserveBroken(detail={"reason": "commitment"})
    return amount
