"""The 国密 suite `sm2-sm4gcm` (src/ggzy/sealing/gm.py, docs/sealed-bids.md "Suites").

Known-answer tests use the published examples: GB/T 32905 (SM3), GB/T 32907 (SM4), RFC 8998 A.1 (SM4-GCM) and
GB/T 32918.5 / GM/T 0003.5 Annex A and C (SM2 signature and encryption with the recommended curve).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ggzy.sealing import gm, keys
from ggzy.sealing.suites import get_suite, suite_names

SUITE = gm.SUITE
INFO = b"ggzy-test wrap"
ENV_INFO = gm.ENVELOPE_WRAP_INFO

# GB/T 32918.5 example key pair (recommended curve), the fixed k of Annex A/C, and the published outputs.
VEC_PRIVATE = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
VEC_PUBLIC = bytes.fromhex(
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
VEC_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
VEC_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
VEC_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
VEC_CIPHERTEXT = bytes.fromhex(
    "04"
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"  # C1.x
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"  # C1.y
    "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"  # C3
    "21886CA989CA9C7D58087307CA93092D651EFA"  # C2 ("encryption standard")
)


def flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def counting_randbits(monkeypatch: pytest.MonkeyPatch, value: int | None = None) -> list[int]:
    """Replace `secrets.randbits` with a recorder (returning `value` when given, else the real thing)."""
    calls: list[int] = []
    real = secrets.randbits

    def fake(k: int) -> int:
        calls.append(k)
        return value if value is not None else real(k)

    monkeypatch.setattr(secrets, "randbits", fake)
    return calls


def forbid_random_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every entry point of the non-cryptographic `random` module explode (the gmssl failure mode)."""

    def boom(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the random module must never be used for SM2")

    for name in ("random", "getrandbits", "randint", "randrange", "choice", "randbytes", "sample"):
        monkeypatch.setattr(random, name, boom)


# ----------------------------------------------------------------------------------------------------- registry


def test_the_suite_registers_itself_under_its_documented_name() -> None:
    assert get_suite("sm2-sm4gcm") is SUITE
    assert "sm2-sm4gcm" in suite_names()
    assert SUITE.data_key_len == 16


# ------------------------------------------------------------------------------------------------------ SM3 / SM4


def test_sm3_matches_gbt_32905_examples() -> None:
    d = SUITE.digest()
    d.update(b"abc")
    assert d.hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    d = SUITE.digest()
    d.update(b"abcd" * 16)
    assert d.hexdigest() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_digest_is_incremental_accepts_buffers_and_can_be_read_twice() -> None:
    d = SUITE.digest()
    d.update(b"ab")
    d.update(memoryview(b"c"))  # type: ignore[arg-type]  # the package writer passes views
    first = d.hexdigest()
    assert first == d.hexdigest() == gm.Sm3(b"abc").hexdigest()
    d.update(b"d")  # still usable after reading, like hashlib
    assert d.hexdigest() == gm.Sm3(b"abcd").hexdigest() != first


def test_sm4_block_cipher_matches_gbt_32907_example() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CT_TAG = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    "83DE3541E4C2B58177E065A9BF7B62EC"
)


def test_sm4_gcm_body_matches_rfc_8998_vector_with_the_tag_appended() -> None:
    body = SUITE.body(RFC8998_KEY)
    assert body.encrypt(RFC8998_IV, RFC8998_PT, RFC8998_AAD) == RFC8998_CT_TAG
    assert body.decrypt(RFC8998_IV, RFC8998_CT_TAG, RFC8998_AAD) == RFC8998_PT


def test_sm4_gcm_empty_plaintext_is_just_a_tag() -> None:
    body = SUITE.body(bytes(16))
    ct = body.encrypt(bytes(12), b"", b"aad")
    assert len(ct) == 16
    assert body.decrypt(bytes(12), ct, b"aad") == b""


@pytest.mark.parametrize("change", ["ciphertext", "tag", "aad", "nonce", "key", "truncated", "too_short"])
def test_sm4_gcm_refuses_any_change_with_invalid_tag(change: str) -> None:
    key, nonce, aad = secrets.token_bytes(16), secrets.token_bytes(12), b"header digest"
    ct = SUITE.body(key).encrypt(nonce, b"bid package bytes" * 10, aad)
    args: dict[str, Any] = {"key": key, "nonce": nonce, "data": ct, "aad": aad}
    if change == "ciphertext":
        args["data"] = flip(ct, 3)
    elif change == "tag":
        args["data"] = flip(ct, len(ct) - 1)
    elif change == "aad":
        args["aad"] = b"header digesT"
    elif change == "nonce":
        args["nonce"] = flip(nonce, 11)
    elif change == "key":
        args["key"] = flip(key, 0)
    elif change == "truncated":
        args["data"] = ct[:-1]
    else:
        args["data"] = ct[:15]
    with pytest.raises(InvalidTag):
        SUITE.body(args["key"]).decrypt(args["nonce"], args["data"], args["aad"])


def test_sm4_gcm_refuses_wrong_key_and_nonce_sizes() -> None:
    with pytest.raises(ValueError):
        SUITE.body(bytes(32))
    with pytest.raises(ValueError):
        SUITE.body(bytes(16)).encrypt(bytes(16), b"x", b"")
    with pytest.raises(ValueError):
        SUITE.body(bytes(16)).decrypt(bytes(8), bytes(32), b"")


# ------------------------------------------------------------------------------------------------ SM2 vectors


def test_public_key_of_the_published_private_key() -> None:
    assert gm.public_of(VEC_PRIVATE) == VEC_PUBLIC


def test_published_signature_verifies() -> None:
    """GB/T 32918.5 Annex A: message "message digest", ID 1234567812345678."""
    assert SUITE.verify(VEC_PUBLIC, b"message digest", encode_dss_signature(VEC_R, VEC_S))
    assert not SUITE.verify(VEC_PUBLIC, b"message digesT", encode_dss_signature(VEC_R, VEC_S))


def test_signing_with_the_published_k_reproduces_the_published_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Also proves that the k used by our signing path is drawn from `secrets.randbits`."""
    calls = counting_randbits(monkeypatch, VEC_K)
    signature = SUITE.sign(VEC_PRIVATE, b"message digest")
    assert decode_dss_signature(signature) == (VEC_R, VEC_S)
    assert calls == [256]


def test_encrypting_with_the_published_k_reproduces_the_published_c1c3c2(monkeypatch: pytest.MonkeyPatch) -> None:
    """GB/T 32918.5 Annex C: "encryption standard"; also proves k comes from `secrets.randbits`."""
    calls = counting_randbits(monkeypatch, VEC_K)
    entry = SUITE.wrap(VEC_PUBLIC, b"encryption standard", INFO)
    assert entry == {"wrapped": base64.b64encode(VEC_CIPHERTEXT).decode()}
    assert calls == [256]
    monkeypatch.undo()
    assert SUITE.unwrap(entry, VEC_PRIVATE, INFO) == b"encryption standard"


# ------------------------------------------------------------------------------------------ nonce generation


def test_gmalg_default_nonce_source_is_secrets_randbits() -> None:
    """Pin the library behaviour we checked in its source (gmalg.base.SMCoreBase._default_rnd_fn)."""
    import inspect

    import gmalg.base

    src = inspect.getsource(gmalg.base.SMCoreBase._default_rnd_fn)
    assert "secrets.randbits" in src
    assert "random." not in src.replace("secrets.randbits", "")


def test_sign_and_wrap_draw_k_from_secrets_and_never_from_random(monkeypatch: pytest.MonkeyPatch) -> None:
    enc_priv, enc_pub, sign_priv, sign_pub = SUITE.generate()
    forbid_random_module(monkeypatch)
    calls = counting_randbits(monkeypatch)

    sig1, sig2 = SUITE.sign(sign_priv, b"same manifest"), SUITE.sign(sign_priv, b"same manifest")
    assert len(calls) >= 2
    assert sig1 != sig2  # a fresh k each time: equal signatures would mean a fixed or repeated nonce
    assert SUITE.verify(sign_pub, b"same manifest", sig1) and SUITE.verify(sign_pub, b"same manifest", sig2)

    before = len(calls)
    key = secrets.token_bytes(16)
    w1, w2 = SUITE.wrap(enc_pub, key, ENV_INFO), SUITE.wrap(enc_pub, key, ENV_INFO)
    assert len(calls) >= before + 2
    assert w1 != w2
    assert SUITE.unwrap(w1, enc_priv, ENV_INFO) == SUITE.unwrap(w2, enc_priv, ENV_INFO) == key


def test_key_generation_uses_secrets_and_keeps_fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_random_module(monkeypatch)
    seen: list[int] = []

    def smallest(n: int) -> int:
        seen.append(n)
        return 0  # d = 1: the private key must still be 32 bytes, with leading zeros

    monkeypatch.setattr(secrets, "randbelow", smallest)
    enc_priv, enc_pub, sign_priv, _ = SUITE.generate()
    assert seen == [gm.N - 2, gm.N - 2]
    assert enc_priv == sign_priv == bytes(31) + b"\x01"
    assert len(enc_pub) == 64
    assert gm.check_public(enc_pub)


# ------------------------------------------------------------------------------------------------ SM2 round trips


@pytest.fixture(scope="module")
def keyset() -> tuple[bytes, bytes, bytes, bytes]:
    return SUITE.generate()


@pytest.fixture(scope="module")
def other_keyset() -> tuple[bytes, bytes, bytes, bytes]:
    return SUITE.generate()


def test_generate_gives_two_distinct_sm2_key_pairs(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    enc_priv, enc_pub, sign_priv, sign_pub = keyset
    assert [len(enc_priv), len(enc_pub), len(sign_priv), len(sign_pub)] == [32, 64, 32, 64]
    assert enc_priv != sign_priv
    assert gm.public_of(enc_priv) == enc_pub and gm.public_of(sign_priv) == sign_pub


def test_wrap_round_trip_has_no_epk_and_the_documented_size(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    enc_priv, enc_pub, _, _ = keyset
    key = secrets.token_bytes(16)
    entry = SUITE.wrap(enc_pub, key, ENV_INFO)
    assert set(entry) == {"wrapped"}
    raw = base64.b64decode(entry["wrapped"])
    assert len(raw) == 65 + 32 + 16 and raw[0] == 0x04  # C1 (04||x||y) || C3 || C2
    assert SUITE.unwrap(entry, enc_priv, ENV_INFO) == key


def test_a_longer_secret_such_as_a_rescue_share_round_trips(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    enc_priv, enc_pub, _, _ = keyset
    share = json.dumps({"format": "ggzy-share", "version": 1, "x": 2, "y": "A" * 44}).encode()
    entry = SUITE.wrap(enc_pub, share, b"ggzy-share-v1 wrap")
    assert SUITE.unwrap(entry, enc_priv, b"ggzy-share-v1 wrap") == share


def test_unwrap_with_the_wrong_key_fails(keyset: tuple[bytes, bytes, bytes, bytes],
                                         other_keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    entry = SUITE.wrap(keyset[1], secrets.token_bytes(16), ENV_INFO)
    with pytest.raises(InvalidTag):
        SUITE.unwrap(entry, other_keyset[0], ENV_INFO)


@pytest.mark.parametrize("index", [1, 40, 64, 65, 90, 96, 112], ids=lambda i: f"byte{i}")
def test_unwrap_refuses_a_flipped_byte_anywhere(keyset: tuple[bytes, bytes, bytes, bytes], index: int) -> None:
    """C1.x, C1.y (off the curve), C3 (the check value) and C2 (the key itself) are all covered."""
    entry = SUITE.wrap(keyset[1], secrets.token_bytes(16), ENV_INFO)
    raw = base64.b64decode(entry["wrapped"])
    with pytest.raises(InvalidTag):
        SUITE.unwrap({"wrapped": base64.b64encode(flip(raw, index)).decode()}, keyset[0], ENV_INFO)


@pytest.mark.parametrize("entry", [
    {},
    {"wrapped": 5},
    {"wrapped": "not base64!"},
    {"wrapped": base64.b64encode(bytes(97)).decode()},  # nothing after C1 || C3
    {"epk": "AAAA", "wrapped": "AAAA"},  # an X25519-shaped entry
], ids=["missing", "not_str", "not_b64", "empty_c2", "has_epk"])
def test_unwrap_refuses_malformed_entries_with_value_error(keyset: tuple[bytes, bytes, bytes, bytes],
                                                           entry: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SUITE.unwrap(entry, keyset[0], INFO)


def test_unwrap_checks_the_data_key_length_for_the_envelope(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    """The GM wrap does not bind `info`; a 32-byte secret (e.g. an X25519-sized key) is not a GM data key."""
    entry = SUITE.wrap(keyset[1], secrets.token_bytes(32), INFO)
    with pytest.raises(ValueError):
        SUITE.unwrap(entry, keyset[0], ENV_INFO)
    with pytest.raises(ValueError):
        SUITE.wrap(keyset[1], secrets.token_bytes(32), ENV_INFO)


def test_unwrap_refuses_a_compressed_c1(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    raw = base64.b64decode(SUITE.wrap(keyset[1], secrets.token_bytes(16), ENV_INFO)["wrapped"])
    compressed = bytes([2 + (raw[64] & 1)]) + raw[1:33] + raw[65:]
    with pytest.raises(ValueError):
        SUITE.unwrap({"wrapped": base64.b64encode(compressed).decode()}, keyset[0], INFO)


def test_wrap_refuses_an_empty_secret(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    # gmalg's encryption loops forever on an empty message; this must fail fast instead.
    with pytest.raises(ValueError):
        SUITE.wrap(keyset[1], b"", INFO)


def _off_curve() -> bytes:
    return VEC_PUBLIC[:63] + bytes([VEC_PUBLIC[63] ^ 1])


def _non_canonical_x() -> bytes:
    # Same point with x + p: gmalg's own curve check would accept it because it reduces mod p.
    x = int.from_bytes(VEC_PUBLIC[:32], "big") + gm.P
    if x >= 1 << 256:
        pytest.skip("x + p does not fit in 32 bytes for this point")
    return x.to_bytes(32, "big") + VEC_PUBLIC[32:]


@pytest.mark.parametrize("make", [
    lambda: VEC_PUBLIC[:32],
    lambda: b"\x04" + VEC_PUBLIC,
    _off_curve,
    lambda: bytes(64),
    lambda: gm.P.to_bytes(32, "big") + VEC_PUBLIC[32:],
], ids=["x_only", "with_04_prefix", "off_curve", "zeros", "x_equals_p"])
def test_wrap_refuses_invalid_public_keys(make: Callable[[], bytes]) -> None:
    with pytest.raises(ValueError):
        SUITE.wrap(make(), secrets.token_bytes(16), ENV_INFO)


@pytest.mark.parametrize("private", [
    bytes(32),
    (gm.N - 1).to_bytes(32, "big"),
    gm.N.to_bytes(32, "big"),
    b"\xff" * 32,
    VEC_PRIVATE[:31],
    b"\x00" + VEC_PRIVATE,
], ids=["zero", "n_minus_1", "n", "all_ff", "short", "long"])
def test_private_keys_outside_the_standard_range_are_refused(private: bytes) -> None:
    with pytest.raises(ValueError):
        SUITE.sign(private, b"m")
    with pytest.raises(ValueError):
        gm.public_of(private)


def test_largest_allowed_private_key_works() -> None:
    private = (gm.N - 2).to_bytes(32, "big")
    public = gm.public_of(private)
    assert SUITE.verify(public, b"m", SUITE.sign(private, b"m"))


# ------------------------------------------------------------------------------------------------ signatures


def test_signature_round_trip_and_der_shape(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    _, _, sign_priv, sign_pub = keyset
    signature = SUITE.sign(sign_priv, b"manifest bytes")
    assert signature[0] == 0x30 and len(signature) <= 72
    r, s = decode_dss_signature(signature)
    assert 1 <= r < gm.N and 1 <= s < gm.N
    assert SUITE.verify(sign_pub, b"manifest bytes", signature)


def test_verify_rejects_wrong_key_message_and_flipped_bytes(keyset: tuple[bytes, bytes, bytes, bytes],
                                                            other_keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    _, enc_pub, sign_priv, sign_pub = keyset
    signature = SUITE.sign(sign_priv, b"manifest bytes")
    assert not SUITE.verify(other_keyset[3], b"manifest bytes", signature)
    assert not SUITE.verify(enc_pub, b"manifest bytes", signature)  # the other key of the same set
    assert not SUITE.verify(sign_pub, b"manifest bytez", signature)
    # Every DER header byte plus a spread over r and s (each pure-Python verify costs tens of milliseconds).
    for i in [*range(6), *range(6, len(signature), 7), len(signature) - 1]:
        assert not SUITE.verify(sign_pub, b"manifest bytes", flip(signature, i)), i


def test_verify_never_raises_on_garbage(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    _, _, sign_priv, sign_pub = keyset
    good = SUITE.sign(sign_priv, b"m")
    r, s = decode_dss_signature(good)
    for bad_sig in (b"", b"\x30\x00", b"garbage", bytes(64), r.to_bytes(32, "big") + s.to_bytes(32, "big"),
                    encode_dss_signature(0, s), encode_dss_signature(r, 0), encode_dss_signature(r, s + gm.N),
                    good + b"\x00"):
        assert not SUITE.verify(sign_pub, b"m", bad_sig)
    for bad_key in (b"", bytes(64), sign_pub[:32], b"\x04" + sign_pub, _off_curve()):
        assert not SUITE.verify(bad_key, b"m", good)


def test_verify_rejects_non_der_spelling_of_a_valid_signature(keyset: tuple[bytes, bytes, bytes, bytes]) -> None:
    """One signature, one encoding: a BER long-form length must not verify."""
    _, _, sign_priv, sign_pub = keyset
    good = SUITE.sign(sign_priv, b"m")
    assert good[1] < 0x80
    long_form = b"\x30\x81" + good[1:]
    assert not SUITE.verify(sign_pub, b"m", long_form)


# --------------------------------------------------------------------------------------------------- key file


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_gm_key_file_round_trip_stores_raw_32_byte_private_keys() -> None:
    ks = keys.generate("sm2-sm4gcm")
    doc = keys.write_keyfile(ks, "正确的口令 correct horse", org_id="org-1", iterations=10_000, now=NOW)
    assert doc["suite"] == "sm2-sm4gcm"
    assert len(base64.b64decode(doc["public"]["enc"])) == 64
    assert len(base64.b64decode(doc["public"]["sign"])) == 64

    # Decrypt the blob by hand, exactly as docs/sealed-bids.md describes it, and look at the private halves.
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=base64.b64decode(doc["kdf"]["salt"]), iterations=10_000)
    kek = kdf.derive("正确的口令 correct horse".encode())
    plain = AESGCM(kek).decrypt(base64.b64decode(doc["cipher"]["nonce"]),
                                base64.b64decode(doc["cipher"]["ciphertext"]), b"ggzy-keyfile-v1")
    secret = json.loads(plain)
    assert set(secret) == {"enc", "sign"}
    assert base64.b64decode(secret["enc"]) == ks.enc_private and len(ks.enc_private) == 32
    assert base64.b64decode(secret["sign"]) == ks.sign_private and len(ks.sign_private) == 32

    back = keys.read_keyfile(json.loads(json.dumps(doc)), "正确的口令 correct horse")
    assert back == ks


def test_gm_key_file_with_swapped_public_keys_is_refused() -> None:
    from ggzy.sealing.errors import BadPassphrase, KeyFileInvalid

    ks = keys.generate("sm2-sm4gcm")
    doc = keys.write_keyfile(ks, "pw", org_id="org-1", iterations=10_000, now=NOW)
    with pytest.raises(BadPassphrase):
        keys.read_keyfile(doc, "wrong")
    pub = doc["public"]
    pub["enc"], pub["sign"] = pub["sign"], pub["enc"]
    pub["enc_key_id"], pub["sign_key_id"] = pub["sign_key_id"], pub["enc_key_id"]
    with pytest.raises(KeyFileInvalid):
        keys.read_keyfile(doc, "pw")


# ---------------------------------------------------------------------------------------------- end to end


SHEET = {
    "lot_id": "lot-1",
    "price": "1234567.89",
    "price_in_words": "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
    "duration_days": 180,
    "quality": "合格",
    "project_lead": "张三",
    "lead_certificate": "苏132100000001",
}


@pytest.fixture
def sealed_gm_bid(tmp_path: Path) -> tuple[keys.KeyPairSet, Path, Any, list[Path]]:
    from ggzy.sealing import envelope

    ks = keys.generate("sm2-sm4gcm")
    files = [tmp_path / "商务标.pdf", tmp_path / "技术标.pdf"]
    files[0].write_bytes(secrets.token_bytes(70_000))
    files[1].write_bytes(b"%PDF-1.7 technical " * 5000)
    out = tmp_path / "bid.ggzyenv"
    info = envelope.seal_bid(out, keys=ks, tender_id="tender-1", lot_id="lot-1", bidder_org_id="org-1",
                             sheet=SHEET, files=files, chunk_size=65_536)
    return ks, out, info, files


def test_seal_and_open_a_gm_bid_end_to_end(sealed_gm_bid: tuple[keys.KeyPairSet, Path, Any, list[Path]],
                                           tmp_path: Path) -> None:
    from ggzy.sealing import envelope

    ks, out, info, files = sealed_gm_bid
    header = envelope.scan_file(out)  # the upload check, no key
    assert header["suite"] == "sm2-sm4gcm"
    [entry] = header["recipients"]
    assert set(entry) == {"role", "key_id", "wrapped"} and entry["key_id"] == ks.enc_key_id

    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    assert len(data_key) == 16
    extract = tmp_path / "opened"
    extract.mkdir()
    opened = envelope.open_bid(out, data_key, expected_sha256=info.sha256, sign_public=ks.sign_public,
                               extract_to=extract)
    assert opened.problems == []
    assert opened.signature_ok and opened.sha256_ok
    assert opened.sheet == SHEET
    # File digests in a GM package are SM3 (docs/sealed-bids.md, "Bid package").
    assert [(n, d) for n, _, d in opened.files] == [(f.name, gm.Sm3(f.read_bytes()).hexdigest()) for f in files]
    for f in files:
        assert (extract / f.name).read_bytes() == f.read_bytes()


def test_gm_bid_refuses_wrong_keys_and_altered_bytes(sealed_gm_bid: tuple[keys.KeyPairSet, Path, Any, list[Path]],
                                                     tmp_path: Path) -> None:
    from ggzy.sealing import envelope
    from ggzy.sealing.errors import EnvelopeAuthFailed

    ks, out, info, _ = sealed_gm_bid
    header = envelope.read_header(out)
    stranger = keys.generate("sm2-sm4gcm")
    with pytest.raises(EnvelopeAuthFailed):
        envelope.unwrap_data_key(header, enc_private=stranger.enc_private)
    with pytest.raises(EnvelopeAuthFailed):
        envelope.unwrap_data_key(header, enc_private=ks.sign_private)  # the signing key of the same set
    with pytest.raises(EnvelopeAuthFailed):
        envelope.open_bid(out, secrets.token_bytes(16), expected_sha256=info.sha256, sign_public=ks.sign_public)

    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    altered = tmp_path / "altered.ggzyenv"
    raw = out.read_bytes()
    altered.write_bytes(flip(raw, len(raw) - 100))
    with pytest.raises(EnvelopeAuthFailed):
        envelope.open_bid(altered, data_key, expected_sha256=info.sha256, sign_public=ks.sign_public)

    # A bid signed by someone else's GM key opens, but the opening records the bad signature.
    opened = envelope.open_bid(out, data_key, expected_sha256=info.sha256, sign_public=stranger.sign_public)
    assert not opened.signature_ok
    assert any(p.startswith("signature") for p in opened.problems)


def test_gm_bid_with_a_gm_rescue_recipient(tmp_path: Path) -> None:
    """Rescue plan (E-Bidding Measures Art.31): the rescue entry of a GM envelope unwraps with the rescue key."""
    from ggzy.sealing import envelope

    ks = keys.generate("sm2-sm4gcm")
    rescue = keys.generate("sm2-sm4gcm")
    doc = tmp_path / "a.pdf"
    doc.write_bytes(secrets.token_bytes(1000))
    out = tmp_path / "bid.ggzyenv"
    info = envelope.seal_bid(out, keys=ks, tender_id="tender-1", lot_id="lot-1", bidder_org_id="org-1",
                             sheet=SHEET, files=[doc], rescue=(rescue.enc_key_id, rescue.enc_public),
                             chunk_size=65_536)
    header = envelope.scan_file(out)
    assert [e["role"] for e in header["recipients"]] == ["bidder", "rescue"]
    k1 = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    k2 = envelope.unwrap_data_key(header, role="rescue", enc_private=rescue.enc_private)
    assert k1 == k2
    assert envelope.open_bid(out, k2, expected_sha256=info.sha256, sign_public=ks.sign_public).problems == []


def test_sm4_gcm_body_accepts_memoryviews_like_aesgcm() -> None:
    """The envelope reader passes views of one reused buffer; the body must take them as AESGCM does."""
    body = SUITE.body(RFC8998_KEY)
    ct = body.encrypt(memoryview(RFC8998_IV), memoryview(RFC8998_PT), memoryview(RFC8998_AAD))  # type: ignore[arg-type]
    assert ct == RFC8998_CT_TAG
    assert body.decrypt(memoryview(RFC8998_IV), memoryview(ct), RFC8998_AAD) == RFC8998_PT  # type: ignore[arg-type]
