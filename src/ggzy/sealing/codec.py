"""Byte-level conventions shared by every sealing format (docs/sealed-bids.md, "Conventions")."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def b64e(data: bytes | bytearray | memoryview) -> str:
    """Standard base64 with padding (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    """Strict decode: only the standard alphabet, correct padding and the canonical form.

    Non-canonical spellings (stray bits in the last character, missing padding, whitespace) are refused so that
    one value has one spelling: signed and hashed JSON never carries two encodings of the same bytes.
    """
    if not isinstance(text, str):
        raise ValueError("base64 value must be a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def _check_no_floats(obj: Any) -> None:
    # The JS side serialises floats differently from Python; the format only uses integers.
    if isinstance(obj, float):
        raise ValueError("floats are not allowed in canonical JSON")
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError("object keys must be strings")
            _check_no_floats(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _check_no_floats(v)


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not \\u-escaped): the bytes that are hashed, signed and compared."""
    _check_no_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def key_id(raw_public: bytes) -> str:
    """First 32 lowercase hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public).hexdigest()[:32]


def utc_stamp(when: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a `Z`, e.g. 2026-03-02T01:00:00.123456Z."""
    if when.tzinfo is None:
        raise ValueError("utc_stamp needs an aware datetime")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
