"""Shamir's secret sharing over GF(2⁸) and the rescue-key shares (docs/sealed-bids.md, "Rescue plan").

The field is GF(2⁸) with the AES polynomial x⁸+x⁴+x³+x+1; share x-coordinates are 1…n, polynomial coefficients
come from `secrets`. Fewer than k shares give no information about the secret: `combine` then returns some
other value, which `recover_rescue_key` catches by comparing with the rescue public key.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from ggzy.sealing.codec import b64d, b64e, canonical_json, key_id
from ggzy.sealing.errors import ShareInvalid
from ggzy.sealing.suites import get_suite
from ggzy.sealing.x25519 import x25519_public_of, x25519_raw_to_pkcs8

SHARE_INFO = b"ggzy-share-v1 wrap"
RESCUE_SUITE = "x25519-aes256gcm"
_KEY_ID = re.compile(r"[0-9a-f]{32}")


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        # multiply by the generator 3: x*2 (reduced) xor x
        x2 = (x << 1) ^ (0x11B if x & 0x80 else 0)
        x = x2 ^ x
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    if a == 0:
        return 0
    return _EXP[_LOG[a] + 255 - _LOG[b]]


def split(secret: bytes, k: int, n: int) -> list[tuple[int, bytes]]:
    """n shares (x, y) of `secret`, any k of which recombine it."""
    if not 1 <= k <= n <= 255:
        raise ValueError("need 1 <= k <= n <= 255")
    if not secret:
        raise ValueError("empty secret")
    coeffs = [secrets.token_bytes(len(secret)) for _ in range(k - 1)]
    shares: list[tuple[int, bytes]] = []
    for x in range(1, n + 1):
        y = bytearray(len(secret))
        for i, s in enumerate(secret):
            acc = 0
            for c in reversed(coeffs):  # Horner: ((a_{k-1} x + a_{k-2}) x + …) x + a_0
                acc = _mul(acc, x) ^ c[i]
            y[i] = _mul(acc, x) ^ s
        shares.append((x, bytes(y)))
    return shares


def combine(shares: list[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at 0. With fewer than k shares the result is simply not the secret."""
    if not shares:
        raise ValueError("no shares")
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs) or any(not 1 <= x <= 255 for x in xs):
        raise ValueError("share x values must be distinct and in 1..255")
    length = len(shares[0][1])
    if any(len(y) != length for _, y in shares):
        raise ValueError("shares have different lengths")
    weights = []
    for j, xj in enumerate(xs):
        w = 1
        for m, xm in enumerate(xs):
            if m != j:
                w = _mul(w, _div(xm, xm ^ xj))  # x_m / (x_m - x_j), subtraction is xor
        weights.append(w)
    out = bytearray(length)
    for (_, y), w in zip(shares, weights, strict=True):
        for i in range(length):
            out[i] ^= _mul(y[i], w)
    return bytes(out)


# ---------------------------------------------------------------------------------------------------- rescue shares


def share_doc(*, rescue_key_id: str, k: int, n: int, x: int, y: bytes) -> dict[str, Any]:
    return {"format": "ggzy-share", "version": 1, "rescue_key_id": rescue_key_id, "k": k, "n": n, "x": x,
            "y": b64e(y)}


def seal_share(share: dict[str, Any], *, custodian_key_id: str, custodian_public: bytes,
               suite: str = RESCUE_SUITE) -> dict[str, Any]:
    """Encrypt a share document to its custodian's registered encryption key (`ggzy-share-v1 wrap`)."""
    check_share(share)
    return {"suite": suite, "key_id": custodian_key_id, "rescue_key_id": share["rescue_key_id"], "x": share["x"],
            **get_suite(suite).wrap(custodian_public, canonical_json(share), SHARE_INFO)}


def open_share(sealed: dict[str, Any], enc_private: bytes) -> dict[str, Any]:
    """The custodian's side: decrypt a sealed share with its encryption private key; returns the share document."""
    if not isinstance(sealed, dict) or not isinstance(sealed.get("suite"), str):
        raise ShareInvalid("format", "not a sealed share")
    try:
        suite = get_suite(sealed["suite"])
    except KeyError:
        raise ShareInvalid("format", f"unknown suite {sealed['suite']!r}") from None
    try:
        plain = suite.unwrap(sealed, enc_private, SHARE_INFO)
    except Exception as exc:  # InvalidTag (wrong key, altered share) or a malformed entry/key
        raise ShareInvalid("unwrap", f"cannot decrypt the share: {type(exc).__name__}") from None
    try:
        share = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ShareInvalid("format", "decrypted share is not JSON") from None
    return check_share(share)


def check_share(share: Any) -> dict[str, Any]:
    if not isinstance(share, dict) or set(share) != {"format", "version", "rescue_key_id", "k", "n", "x", "y"}:
        raise ShareInvalid("format", "a share has exactly format, version, rescue_key_id, k, n, x, y")
    if share["format"] != "ggzy-share" or share["version"] != 1:
        raise ShareInvalid("format", "format/version must be ggzy-share/1")
    if not isinstance(share["rescue_key_id"], str) or not _KEY_ID.fullmatch(share["rescue_key_id"]):
        raise ShareInvalid("format", "bad rescue_key_id")
    k, n, x = share["k"], share["n"], share["x"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (k, n, x)) or not 1 <= k <= n <= 255 \
            or not 1 <= x <= n:
        raise ShareInvalid("format", "need 1 <= k <= n <= 255 and 1 <= x <= n")
    try:
        y = b64d(share["y"])
    except ValueError as exc:
        raise ShareInvalid("format", f"y: {exc}") from None
    if len(y) != 32:
        raise ShareInvalid("format", "y must be 32 bytes")
    return share


def make_rescue_shares(custodians: list[tuple[str, bytes]], k: int) -> tuple[bytes, list[dict[str, Any]]]:
    """A new rescue key, split k-of-len(custodians) and sealed to each custodian (key_id, raw public key).

    Returns (rescue public key, sealed shares in custodian order). The private key exists only inside this call.
    """
    n = len(custodians)
    raw = secrets.token_bytes(32)
    public = x25519_public_of(raw)
    rid = key_id(public)
    sealed = [seal_share(share_doc(rescue_key_id=rid, k=k, n=n, x=x, y=y), custodian_key_id=kid,
                         custodian_public=pub)
              for (x, y), (kid, pub) in zip(split(raw, k, n), custodians, strict=True)]
    return public, sealed


def recover_rescue_key(shares: list[dict[str, Any]], rescue_public: bytes) -> bytes:
    """Combine ≥ k decrypted share documents; returns the rescue private key as PKCS#8 DER (for unwrap_data_key).

    Raises ShareInvalid when the shares are too few, inconsistent, or do not rebuild the rescue key."""
    docs = [check_share(s) for s in shares]
    rid = key_id(rescue_public)
    if any(d["rescue_key_id"] != rid for d in docs):
        raise ShareInvalid("rescue_key", "a share belongs to another rescue key")
    if len({(d["k"], d["n"]) for d in docs}) != 1:
        raise ShareInvalid("format", "shares disagree about k and n")
    if len({d["x"] for d in docs}) != len(docs):
        raise ShareInvalid("format", "the same share was given twice")
    if len(docs) < docs[0]["k"]:
        raise ShareInvalid("too_few", f"{docs[0]['k']} shares are needed, {len(docs)} given")
    raw = combine([(d["x"], b64d(d["y"])) for d in docs])
    if x25519_public_of(raw) != rescue_public:
        raise ShareInvalid("rescue_key", "the shares do not rebuild the rescue key")
    return x25519_raw_to_pkcs8(raw)
