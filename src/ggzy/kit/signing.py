"""HMAC-SHA256 signatures of request bodies exchanged with outside systems (SMS gateway, the public service
platform, bank webhooks): `sha256=<hex>` in a header, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, body), signature.strip())
