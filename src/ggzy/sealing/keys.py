"""Key sets and the passphrase-protected key file (`*.ggzykey`, docs/sealed-bids.md "Key file")."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ggzy.sealing.codec import b64d, b64e, canonical_json, key_id, utc_stamp
from ggzy.sealing.errors import BadPassphrase, KeyFileInvalid
from ggzy.sealing.suites import Suite, get_suite

DEFAULT_SUITE = "x25519-aes256gcm"
KEYFILE_AAD = b"ggzy-keyfile-v1"
DEFAULT_ITERATIONS = 600_000
MIN_ITERATIONS = 10_000
# Far above any sane setting; refusing more keeps a hostile key file from pinning a CPU for hours.
MAX_ITERATIONS = 10_000_000
SELF_TEST_INFO = b"ggzy-keyfile-v1 self-test"


@dataclass(frozen=True)
class KeyPairSet:
    """One encryption and one signing key pair of a suite; private halves in the suite's encoding."""

    suite: str
    enc_private: bytes
    enc_public: bytes
    sign_private: bytes
    sign_public: bytes

    @property
    def enc_key_id(self) -> str:
        return key_id(self.enc_public)

    @property
    def sign_key_id(self) -> str:
        return key_id(self.sign_public)

    def public_doc(self) -> dict[str, str]:
        """What the bidder registers with the platform: public halves only."""
        return {"suite": self.suite, "enc": b64e(self.enc_public), "sign": b64e(self.sign_public),
                "enc_key_id": self.enc_key_id, "sign_key_id": self.sign_key_id}


def generate(suite: str = DEFAULT_SUITE) -> KeyPairSet:
    enc_priv, enc_pub, sign_priv, sign_pub = get_suite(suite).generate()
    return KeyPairSet(suite, enc_priv, enc_pub, sign_priv, sign_pub)


def _kek(passphrase: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode("utf-8"))


def write_keyfile(ks: KeyPairSet, passphrase: str, *, org_id: str, iterations: int = DEFAULT_ITERATIONS,
                  now: datetime) -> dict[str, Any]:
    if not passphrase:
        raise BadPassphrase("empty", "the passphrase must not be empty")
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise KeyFileInvalid("kdf", f"iterations must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}")
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    secret = canonical_json({"enc": b64e(ks.enc_private), "sign": b64e(ks.sign_private)})
    ct = AESGCM(_kek(passphrase, salt, iterations)).encrypt(nonce, secret, KEYFILE_AAD)
    return {
        "format": "ggzy-keyfile", "version": 1, "suite": ks.suite, "org_id": org_id, "created_at": utc_stamp(now),
        "public": {"enc": b64e(ks.enc_public), "sign": b64e(ks.sign_public),
                   "enc_key_id": ks.enc_key_id, "sign_key_id": ks.sign_key_id},
        "kdf": {"alg": "pbkdf2-sha256", "iterations": iterations, "salt": b64e(salt)},
        "cipher": {"alg": "aes-256-gcm", "nonce": b64e(nonce), "ciphertext": b64e(ct)},
    }


def _field(doc: Any, name: str, kind: type, check: str) -> Any:
    if not isinstance(doc, dict) or name not in doc:
        raise KeyFileInvalid(check, f"missing {name}")
    value = doc[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise KeyFileInvalid(check, f"{name} has the wrong type")
    return value


def _b64(doc: Any, name: str, check: str, length: int | None = None) -> bytes:
    try:
        raw = b64d(_field(doc, name, str, check))
    except ValueError as exc:
        raise KeyFileInvalid(check, f"{name}: {exc}") from None
    if length is not None and len(raw) != length:
        raise KeyFileInvalid(check, f"{name} must be {length} bytes")
    return raw


def read_public(doc: Any) -> tuple[str, bytes, bytes]:
    """(suite, enc_public, sign_public) of a key file, without the passphrase (`ggzy keys show`)."""
    if _field(doc, "format", str, "format") != "ggzy-keyfile" or _field(doc, "version", int, "format") != 1:
        raise KeyFileInvalid("format", "not a ggzy key file (format/version)")
    suite = _field(doc, "suite", str, "suite")
    try:
        get_suite(suite)
    except KeyError:
        raise KeyFileInvalid("suite", f"unknown suite {suite!r}") from None
    public = _field(doc, "public", dict, "public")
    enc_pub, sign_pub = _b64(public, "enc", "public"), _b64(public, "sign", "public")
    if public.get("enc_key_id") != key_id(enc_pub) or public.get("sign_key_id") != key_id(sign_pub):
        raise KeyFileInvalid("public", "key ids do not match the public keys")
    return suite, enc_pub, sign_pub


def _self_test(suite: Suite, ks: KeyPairSet) -> None:
    """Prove the private halves belong to the stated public halves (a mixed-up file fails here, not at opening)."""
    probe = secrets.token_bytes(32)
    try:
        signed_ok = suite.verify(ks.sign_public, probe, suite.sign(ks.sign_private, probe))
        entry = suite.wrap(ks.enc_public, probe, SELF_TEST_INFO)
        enc_ok = suite.unwrap(entry, ks.enc_private, SELF_TEST_INFO) == probe
    except Exception as exc:  # any suite library's complaint about a key means the same thing here
        raise KeyFileInvalid("keys", f"private keys unusable: {type(exc).__name__}") from None
    if not (signed_ok and enc_ok):
        raise KeyFileInvalid("keys", "private keys do not match the public keys")


def read_keyfile(doc: dict[str, Any], passphrase: str) -> KeyPairSet:
    suite_name, enc_pub, sign_pub = read_public(doc)
    kdf = _field(doc, "kdf", dict, "kdf")
    if _field(kdf, "alg", str, "kdf") != "pbkdf2-sha256":
        raise KeyFileInvalid("kdf", "kdf.alg must be pbkdf2-sha256")
    iterations = _field(kdf, "iterations", int, "kdf")
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise KeyFileInvalid("kdf", f"iterations must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}")
    salt = _b64(kdf, "salt", "kdf", 16)
    cipher = _field(doc, "cipher", dict, "cipher")
    if _field(cipher, "alg", str, "cipher") != "aes-256-gcm":
        raise KeyFileInvalid("cipher", "cipher.alg must be aes-256-gcm")
    nonce = _b64(cipher, "nonce", "cipher", 12)
    ct = _b64(cipher, "ciphertext", "cipher")
    try:
        plain = AESGCM(_kek(passphrase, salt, iterations)).decrypt(nonce, ct, KEYFILE_AAD)
    except InvalidTag:
        # Wrong passphrase and an edited file are indistinguishable by design; the passphrase is far likelier.
        raise BadPassphrase() from None
    try:
        secret = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise KeyFileInvalid("cipher", "decrypted content is not JSON") from None
    ks = KeyPairSet(suite_name, _b64(secret, "enc", "cipher"), enc_pub, _b64(secret, "sign", "cipher"), sign_pub)
    _self_test(get_suite(suite_name), ks)
    return ks
