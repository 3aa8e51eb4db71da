"""The 国密 suite `sm2-sm4gcm`: SM2 (GB/T 32918) wrap and signatures, SM4-GCM body, SM3 digests.

docs/sealed-bids.md, "Suites" and "Keys": public keys are 64 raw bytes `x || y` (no `04` prefix), private keys
32 raw bytes, signatures DER `SEQUENCE {r, s}` with the default user ID, and a recipient entry carries only
`wrapped` = the SM2 ciphertext in the GB/T 32918.4 order C1 || C3 || C2, where C1 is the uncompressed point
`04 || x1 || y1` (65 bytes) and C3 the 32-byte SM3 check value.

SM4-GCM and SM3 come from `cryptography` (OpenSSL). SM2 comes from `gmalg`, a pure-Python library, because
neither `cryptography` nor the standard library offers it. Two things about gmalg matter for security and are
pinned by tests/sealing/test_gm.py:
- the per-operation secret k (signing and encryption) must come from a CSPRNG. gmalg's default is
  `secrets.randbits`; we do not rely on that default and always pass our own generator, which calls
  `secrets.randbits` at call time. (The better-known `gmssl` package draws k from `random`: never use it.)
- it accepts inputs the standard forbids (coordinates ≥ p, private keys outside [1, n-2], an empty message to
  encrypt, which makes its encryption loop forever), so every input is checked here before it reaches gmalg.
Pure-Python big-integer arithmetic is not constant-time. That is acceptable where the suite is used (the
bidder's own machine, via the CLI), not for a long-lived key on a shared server.
"""

from __future__ import annotations

import secrets
from typing import Any

import gmalg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy.sealing.codec import b64d, b64e
from ggzy.sealing.suites import Digest, register_suite

NAME = "sm2-sm4gcm"
DATA_KEY_LEN = 16
NONCE_LEN = 12
TAG_LEN = 16
# GB/T 35276 default distinguishing identifier; docs/sealed-bids.md fixes it for every signer.
SM2_UID = b"1234567812345678"
# The envelope's key wrap: the only `info` whose plaintext length we know (the data key). Must match the
# envelope module's constant; the GM wrap itself does not bind `info` (see `wrap`).
ENVELOPE_WRAP_INFO = b"ggzy-envelope-v1 wrap"

# SM2 recommended curve parameters (GB/T 32918.5): field prime p, b, order n; a = p - 3.
P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
A = P - 3
B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93
N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
COORD_LEN = 32
PUBLIC_LEN = 2 * COORD_LEN
PRIVATE_LEN = 32
C1_LEN = 1 + PUBLIC_LEN
C3_LEN = 32
WRAP_OVERHEAD = C1_LEN + C3_LEN


def _randbits(k: int) -> int:
    # Looked up on every call (not bound at import) so there is exactly one source of nonces: `secrets`.
    return secrets.randbits(k)


# ------------------------------------------------------------------------------------------------ key checks


def check_public(public: bytes) -> bytes:
    """`public` as gmalg's uncompressed point `04 || x || y`, after checking it is a valid SM2 public key.

    The cofactor is 1, so any affine point on the curve (never the point at infinity, which has no affine
    form) has order n: checking the curve equation with canonical coordinates is the whole validation.
    """
    if not isinstance(public, bytes | bytearray) or len(public) != PUBLIC_LEN:
        raise ValueError(f"an SM2 public key is {PUBLIC_LEN} raw bytes x || y")
    x = int.from_bytes(public[:COORD_LEN], "big")
    y = int.from_bytes(public[COORD_LEN:], "big")
    if x >= P or y >= P or (y * y - (x * x * x + A * x + B)) % P != 0:
        raise ValueError("not a point on the SM2 curve")
    return b"\x04" + bytes(public)


def check_private(private: bytes) -> bytes:
    """`private` unchanged after checking it is 32 bytes encoding d with 1 ≤ d ≤ n - 2 (GB/T 32918.1 6.1).

    d = n - 1 would make (1 + d) non-invertible in signing.
    """
    if not isinstance(private, bytes | bytearray) or len(private) != PRIVATE_LEN:
        raise ValueError(f"an SM2 private key is {PRIVATE_LEN} raw bytes")
    d = int.from_bytes(private, "big")
    if not 1 <= d <= N - 2:
        raise ValueError("SM2 private key out of range")
    return bytes(private)


def public_of(private: bytes) -> bytes:
    """The 64-byte raw public key of a 32-byte raw private key."""
    point: bytes = gmalg.SM2().generate_pk(check_private(private))
    if len(point) != C1_LEN or point[0] != 0x04:  # gmalg's RAW mode is fixed-width; guard the assumption
        raise ValueError("unexpected point encoding from gmalg")
    return point[1:]


# ------------------------------------------------------------------------------------------- body and digest


class Sm4Gcm:
    """SM4-GCM with a 12-byte nonce and a 16-byte tag appended, shaped like cryptography's AESGCM."""

    def __init__(self, key: bytes) -> None:
        if len(key) != DATA_KEY_LEN:
            raise ValueError(f"an SM4 key is {DATA_KEY_LEN} bytes")
        self._key = bytes(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if len(nonce) != NONCE_LEN:
            raise ValueError(f"the nonce is {NONCE_LEN} bytes")
        enc = Cipher(algorithms.SM4(self._key), modes.GCM(bytes(nonce))).encryptor()
        enc.authenticate_additional_data(aad)
        out = enc.update(data) + enc.finalize()
        return out + enc.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """Raises InvalidTag when the key, nonce, AAD or any byte of `data` is not what was encrypted."""
        if len(nonce) != NONCE_LEN:
            raise ValueError(f"the nonce is {NONCE_LEN} bytes")
        if len(data) < TAG_LEN:
            raise InvalidTag()
        # The envelope reader hands over memoryviews (as AESGCM allows); GCM's nonce and tag must be bytes.
        body, tag = data[:-TAG_LEN], bytes(data[-TAG_LEN:])
        dec = Cipher(algorithms.SM4(self._key), modes.GCM(bytes(nonce), tag, min_tag_length=TAG_LEN)).decryptor()
        dec.authenticate_additional_data(aad)
        # finalize() checks the tag; the plaintext is only returned once it has passed.
        plain = dec.update(body)
        return plain + dec.finalize()


class Sm3:
    """SM3 behind the hashlib-style `update` / `hexdigest` interface of `suites.Digest`."""

    def __init__(self, data: bytes = b"") -> None:
        self._h = hashes.Hash(hashes.SM3())
        if data:
            self._h.update(data)

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        # finalize() consumes the context; a copy keeps update() usable afterwards, as with hashlib.
        return self._h.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()


# --------------------------------------------------------------------------------------------------- the suite


class GmSuite:
    name = NAME
    data_key_len = DATA_KEY_LEN

    def body(self, data_key: bytes) -> Sm4Gcm:
        return Sm4Gcm(data_key)

    def wrap(self, recipient_public: bytes, secret: bytes, info: bytes) -> dict[str, Any]:
        """SM2-encrypt `secret` to the recipient: `{"wrapped": b64(C1 || C3 || C2)}`, no `epk`.

        `info` is not bound: docs/sealed-bids.md defines the GM entry as the plain SM2 ciphertext of the
        secret. `unwrap` compensates by checking the length where `info` tells it what to expect.
        """
        point = check_public(recipient_public)
        if not secret:
            raise ValueError("nothing to wrap")  # gmalg would loop forever on an empty message
        if info == ENVELOPE_WRAP_INFO and len(secret) != DATA_KEY_LEN:
            raise ValueError(f"an envelope data key is {DATA_KEY_LEN} bytes")
        ct: bytes = gmalg.SM2(pk=point, rnd_fn=_randbits).encrypt(bytes(secret))
        if len(ct) != WRAP_OVERHEAD + len(secret) or ct[0] != 0x04:
            raise ValueError("unexpected SM2 ciphertext layout from gmalg")
        return {"wrapped": b64e(ct)}

    def unwrap(self, entry: dict[str, Any], enc_private: bytes, info: bytes) -> bytes:
        """Raises ValueError on a malformed entry and InvalidTag on a wrong key or altered entry."""
        sk = check_private(enc_private)
        if not isinstance(entry, dict) or "epk" in entry:
            raise ValueError("a GM recipient entry has no epk")
        wrapped = entry.get("wrapped")
        if not isinstance(wrapped, str):
            raise ValueError("a GM recipient entry needs `wrapped` (base64)")
        ct = b64d(wrapped)
        if len(ct) <= WRAP_OVERHEAD or ct[0] != 0x04:
            raise ValueError("not an SM2 C1 || C3 || C2 ciphertext with an uncompressed C1")
        if info == ENVELOPE_WRAP_INFO and len(ct) != WRAP_OVERHEAD + DATA_KEY_LEN:
            raise ValueError(f"an envelope data key is {DATA_KEY_LEN} bytes")
        try:
            check_public(ct[1:C1_LEN])
        except ValueError:
            raise InvalidTag() from None  # C1 was altered: same answer as any other change
        try:
            plain: bytes = gmalg.SM2(sk=sk).decrypt(ct)
        except gmalg.errors.GMError:
            # CheckFailedError (C3 mismatch: wrong key or altered C2/C3) or a degenerate key stream.
            raise InvalidTag() from None
        return plain

    def sign(self, sign_private: bytes, message: bytes) -> bytes:
        """SM2 signature with SM3 and the default user ID, DER-encoded (r, s)."""
        signer = gmalg.SM2(sk=check_private(sign_private), uid=SM2_UID, rnd_fn=_randbits)
        r, s = signer.sign(bytes(message))
        return encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))

    def verify(self, sign_public: bytes, message: bytes, signature: bytes) -> bool:
        try:
            point = check_public(sign_public)
            r, s = decode_dss_signature(bytes(signature))
        except ValueError:
            return False
        # One signature, one encoding: refuse BER variants and out-of-range values before doing any maths.
        if encode_dss_signature(r, s) != signature or not (1 <= r < N and 1 <= s < N):
            return False
        verifier = gmalg.SM2(pk=point, uid=SM2_UID)
        try:
            return bool(verifier.verify(bytes(message), r.to_bytes(32, "big"), s.to_bytes(32, "big")))
        except gmalg.errors.GMError:
            return False

    def digest(self) -> Digest:
        return Sm3()

    def generate(self) -> tuple[bytes, bytes, bytes, bytes]:
        enc_private, sign_private = generate_private(), generate_private()
        return enc_private, public_of(enc_private), sign_private, public_of(sign_private)


def generate_private() -> bytes:
    """A fresh private key d, uniform in [1, n - 2], as 32 raw bytes (fixed width, leading zeros kept)."""
    d = secrets.randbelow(N - 2) + 1
    return d.to_bytes(PRIVATE_LEN, "big")


SUITE = GmSuite()
register_suite(SUITE)
