"""The `x25519-aes256gcm` suite: X25519 + HKDF-SHA256 + AES-256-GCM wrap, AES-256-GCM body, Ed25519, SHA-256.

Private keys travel as PKCS#8 DER, which is what WebCrypto's exportKey("pkcs8") produces, so a key file made in
the browser opens here and vice versa.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.sealing.codec import b64d, b64e
from ggzy.sealing.suites import Digest, register_suite

NAME = "x25519-aes256gcm"
ZERO_NONCE = bytes(12)


def _pkcs8(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def x25519_private(der: bytes) -> X25519PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, X25519PrivateKey):
        raise ValueError("not an X25519 private key")
    return key


def ed25519_private(der: bytes) -> Ed25519PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def x25519_raw_to_pkcs8(raw: bytes) -> bytes:
    """A raw 32-byte X25519 private key (e.g. recombined from rescue shares) as PKCS#8 DER."""
    return _pkcs8(X25519PrivateKey.from_private_bytes(raw))


def x25519_pkcs8_to_raw(der: bytes) -> bytes:
    return x25519_private(der).private_bytes_raw()


def x25519_public_of(der_or_raw: bytes) -> bytes:
    """The raw public key of a PKCS#8 or raw 32-byte X25519 private key."""
    key = X25519PrivateKey.from_private_bytes(der_or_raw) if len(der_or_raw) == 32 else x25519_private(der_or_raw)
    return key.public_key().public_bytes_raw()


def _kek(shared: bytes, epk: bytes, rpk: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + rpk, info=info).derive(shared)


class X25519Suite:
    name = NAME
    data_key_len = 32

    def body(self, data_key: bytes) -> AESGCM:
        return AESGCM(data_key)

    def wrap(self, recipient_public: bytes, secret: bytes, info: bytes) -> dict[str, Any]:
        rpk_key = X25519PublicKey.from_public_bytes(recipient_public)
        esk = X25519PrivateKey.generate()
        epk = esk.public_key().public_bytes_raw()
        kek = _kek(esk.exchange(rpk_key), epk, recipient_public, info)
        # A fresh ephemeral key gives a fresh kek per message, so the fixed zero nonce is never reused.
        return {"epk": b64e(epk), "wrapped": b64e(AESGCM(kek).encrypt(ZERO_NONCE, secret, info))}

    def unwrap(self, entry: dict[str, Any], enc_private: bytes, info: bytes) -> bytes:
        """Raises ValueError on a malformed entry and InvalidTag on a wrong key or altered entry."""
        esk = x25519_private(enc_private)
        epk = b64d(entry["epk"])
        rpk = esk.public_key().public_bytes_raw()
        kek = _kek(esk.exchange(X25519PublicKey.from_public_bytes(epk)), epk, rpk, info)
        return AESGCM(kek).decrypt(ZERO_NONCE, b64d(entry["wrapped"]), info)

    def sign(self, sign_private: bytes, message: bytes) -> bytes:
        return ed25519_private(sign_private).sign(message)

    def verify(self, sign_public: bytes, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(sign_public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def digest(self) -> Digest:
        return hashlib.sha256()

    def generate(self) -> tuple[bytes, bytes, bytes, bytes]:
        enc = X25519PrivateKey.generate()
        sig = Ed25519PrivateKey.generate()
        return (_pkcs8(enc), enc.public_key().public_bytes_raw(), _pkcs8(sig), sig.public_key().public_bytes_raw())


SUITE = X25519Suite()
register_suite(SUITE)
