"""Receipts (回执) signed with the platform's Ed25519 key (docs/sealed-bids.md, "Receipt")."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ggzy.sealing.codec import b64d, b64e, canonical_json, key_id
from ggzy.sealing.errors import ReceiptInvalid

RECEIPT_FIELDS = ("format", "version", "bid_id", "tender_id", "lot_id", "bidder_org_id", "sha256", "size",
                  "received_at", "platform_key_id", "signature")


class PlatformKey:
    """The platform's receipt-signing key, kept as an unencrypted PKCS#8 PEM file readable by its owner only."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public_raw = private.public_key().public_bytes_raw()
        self.key_id = key_id(self.public_raw)

    @classmethod
    def generate(cls) -> PlatformKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> PlatformKey:
        """Load the key at `path`, creating it first if absent. Concurrent starters agree on one key: the new key
        is written and fsynced under a temporary name, then hard-linked into place, which fails if another
        process got there first (then its key is used)."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
                    f.flush()
                    os.fsync(f.fileno())
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    def public_doc(self) -> dict[str, str]:
        return {"alg": "ed25519", "key_id": self.key_id, "public": b64e(self.public_raw)}

    def sign(self, fields: dict[str, Any]) -> dict[str, Any]:
        """`fields` plus platform_key_id and the signature over the canonical JSON of all of them."""
        if "signature" in fields:
            raise ValueError("fields to sign must not contain a signature")
        doc = {**fields, "platform_key_id": self.key_id}
        doc["signature"] = b64e(self._private.sign(canonical_json(doc)))
        return doc


def verify_receipt(doc: Any, public_raw: bytes) -> None:
    """Raise ReceiptInvalid unless `doc` is a receipt signed by the platform key `public_raw`."""
    if not isinstance(doc, dict):
        raise ReceiptInvalid("format", "a receipt is a JSON object")
    missing = [f for f in RECEIPT_FIELDS if f not in doc]
    if missing:
        raise ReceiptInvalid("format", f"missing {missing}")
    if doc["format"] != "ggzy-receipt" or doc["version"] != 1:
        raise ReceiptInvalid("format", "format/version must be ggzy-receipt/1")
    if doc["platform_key_id"] != key_id(public_raw):
        raise ReceiptInvalid("key", "the receipt was signed by another platform key")
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        signature = b64d(doc["signature"])
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, canonical_json(body))
    except (InvalidSignature, ValueError):
        raise ReceiptInvalid("signature", "the signature does not match the receipt's content") from None
