"""The envelope (docs/sealed-bids.md, "Envelope"): sealing, scanning without keys, decrypting, opening."""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy.sealing import envelope, keys
from ggzy.sealing.codec import b64d, b64e, canonical_json
from ggzy.sealing.envelope import EnvelopeScanner, decrypt, open_bid, unwrap_data_key
from ggzy.sealing.errors import EnvelopeAuthFailed, EnvelopeMalformed, PackageInvalid, SealingError
from tests.sealing.helpers import BIDDER, LOT, SMALL_CHUNK, TENDER, key_set, scan, seal_bytes, seal_files


def _records(data: bytes) -> list[tuple[int, int, bool]]:
    """(offset of the word, ciphertext length, final) of every record."""
    (hlen,) = struct.unpack(">I", data[8:12])
    pos, out = 12 + hlen, []
    while pos < len(data):
        (word,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((pos, word & 0x7FFFFFFF, bool(word >> 31)))
        pos += 4 + (word & 0x7FFFFFFF)
    return out


def _plain(data: bytes, key: bytes) -> bytes:
    return b"".join(decrypt([data], key))


# ------------------------------------------------------------------------------------------------ round trips


def test_seal_bid_round_trip(tmp_path: Path) -> None:
    ks = key_set()
    path, info = seal_files(tmp_path, {"商务标.pdf": 200_000, "技术标.pdf": 3, "empty.txt": 0})
    data = path.read_bytes()
    assert data[:8] == b"GGZYENV1" and info.size == len(data)
    assert not (tmp_path / "bid.ggzyenv.part").exists()
    header = envelope.scan_file(path)
    assert header == info.header
    assert [r["role"] for r in header["recipients"]] == ["bidder"]
    assert header["recipients"][0]["key_id"] == ks.enc_key_id
    key = unwrap_data_key(header, enc_private=ks.enc_private)
    opened = open_bid(path, key, expected_sha256=info.sha256, sign_public=ks.sign_public)
    assert opened.problems == [] and opened.signature_ok and opened.sha256_ok
    assert opened.sha256 == info.sha256 and opened.size == info.size
    assert [f[:2] for f in opened.files] == [("商务标.pdf", 200_000), ("技术标.pdf", 3), ("empty.txt", 0)]
    assert opened.sheet["price"] == "1234567.89" and opened.manifest["signing_key_id"] == ks.sign_key_id


def test_open_bid_from_chunks_and_extract(tmp_path: Path) -> None:
    ks = key_set()
    path, info = seal_files(tmp_path, {"a.pdf": 140_000, "b.pdf": 70_000})
    data = path.read_bytes()
    key = unwrap_data_key(info.header, enc_private=ks.enc_private)
    out = tmp_path / "extracted"
    out.mkdir()
    chunks = [data[i:i + 9_999] for i in range(0, len(data), 9_999)]
    opened = open_bid(chunks, key, expected_sha256=info.sha256, sign_public=ks.sign_public, extract_to=out)
    assert opened.problems == []
    assert (out / "a.pdf").read_bytes() == (tmp_path / "bid.ggzyenv.files" / "a.pdf").read_bytes()
    assert (out / "b.pdf").read_bytes() == (tmp_path / "bid.ggzyenv.files" / "b.pdf").read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    log_chunk=st.integers(16, 18),
    size=st.one_of(
        st.integers(0, 300_000),
        st.sampled_from([0, 1, 65_535, 65_536, 65_537, 131_072, 262_144, 262_143, 262_145]),
    ),
    piece=st.integers(1, 200_000),
)
def test_round_trip_around_chunk_boundaries(log_chunk: int, size: int, piece: int) -> None:
    """Any plaintext size (0 and exact multiples included), any chunk size, any feed/read split."""
    chunk = 1 << log_chunk
    plaintext = os.urandom(size)
    data, header = seal_bytes(plaintext, chunk_size=chunk)
    recs = _records(data)
    assert len(recs) == size // chunk + 1  # the final record is always shorter than a full chunk
    assert all(length == chunk + 16 and not fin for _, length, fin in recs[:-1])
    assert recs[-1][2] and recs[-1][1] == size % chunk + 16
    assert scan(data, piece) == header
    key = unwrap_data_key(header, enc_private=key_set().enc_private)
    pieces = [data[i:i + piece] for i in range(0, len(data), piece)]
    assert b"".join(decrypt(pieces, key)) == plaintext


def test_decryptor_reports_sha256_of_the_envelope() -> None:
    import hashlib

    data, header = seal_bytes(os.urandom(100_000))
    dec = envelope.Decryptor(unwrap_data_key(header, enc_private=key_set().enc_private))
    for _ in dec.plaintext([data]):
        pass
    assert dec.sha256 == hashlib.sha256(data).hexdigest() and dec.size == len(data)


def test_rescue_recipient_unwraps_the_same_data_key() -> None:
    rescue = key_set("rescue")
    data, header = seal_bytes(b"hello" * 100, rescue=(rescue.enc_key_id, rescue.enc_public))
    assert [r["role"] for r in header["recipients"]] == ["bidder", "rescue"]
    k1 = unwrap_data_key(header, enc_private=key_set().enc_private)
    k2 = unwrap_data_key(header, role="rescue", enc_private=rescue.enc_private)
    assert k1 == k2 and _plain(data, k2) == b"hello" * 100


def test_unwrap_with_another_key_or_missing_role_fails() -> None:
    _, header = seal_bytes(b"x")
    with pytest.raises(EnvelopeAuthFailed):
        unwrap_data_key(header, enc_private=key_set("other").enc_private)
    with pytest.raises(EnvelopeAuthFailed):
        unwrap_data_key(header, role="rescue", enc_private=key_set().enc_private)
    with pytest.raises(EnvelopeAuthFailed):
        unwrap_data_key(header, enc_private=b"not a key")


def test_a_data_key_from_another_bid_is_refused(tmp_path: Path) -> None:
    """A bidder cannot open (or get opened) bid A with the data key of bid B."""
    ks = key_set()
    a, info_a = seal_files(tmp_path, name="a.ggzyenv")
    _, info_b = seal_files(tmp_path, name="b.ggzyenv")
    key_b = unwrap_data_key(info_b.header, enc_private=ks.enc_private)
    with pytest.raises(EnvelopeAuthFailed) as info:
        open_bid(a, key_b, expected_sha256=info_a.sha256, sign_public=ks.sign_public)
    assert info.value.code == "bid.decrypt_failed"
    with pytest.raises(EnvelopeAuthFailed):
        open_bid(a, b"short", expected_sha256=info_a.sha256, sign_public=ks.sign_public)


# ------------------------------------------------------------------------------------------------ tampering


def _detected(data: bytes, key: bytes, sha: str, ks: keys.KeyPairSet) -> bool:
    """True when the scanner or the opening refuses the bytes (the receipt hash is deliberately NOT relied on)."""
    try:
        scan(data, 7_777)
    except EnvelopeMalformed:
        return True
    try:
        open_bid([data], key, expected_sha256=sha, sign_public=ks.sign_public)
    except SealingError:
        return True
    return False


def test_a_flipped_byte_anywhere_in_a_small_envelope_is_detected(tmp_path: Path) -> None:
    """Every byte of a one-record envelope, flipped two ways: header, framing word, ciphertext and tag."""
    ks = key_set()
    path, info = seal_files(tmp_path, {"a.txt": 40})
    data = path.read_bytes()
    key = unwrap_data_key(info.header, enc_private=ks.enc_private)
    missed = [(i, m) for i in range(len(data)) for m in (0x01, 0x80)
              if not _detected(data[:i] + bytes([data[i] ^ m]) + data[i + 1:], key, info.sha256, ks)]
    assert missed == []


def test_a_flipped_byte_in_a_multi_record_envelope_is_detected(tmp_path: Path) -> None:
    """Every framing word byte, the first/last bytes and tag of every record, and a spread of body bytes."""
    ks = key_set()
    path, info = seal_files(tmp_path, {"a.pdf": 200_000})
    data = path.read_bytes()
    key = unwrap_data_key(info.header, enc_private=ks.enc_private)
    positions: set[int] = set(range(12))
    for word_at, length, _ in _records(data):
        positions |= set(range(word_at, word_at + 5))
        positions |= set(range(word_at + 4 + length - 17, word_at + 4 + length))  # last body byte + tag
    positions |= set(range(0, len(data), 997))
    for i in sorted(positions):
        for m in (0x01, 0x80):
            assert _detected(data[:i] + bytes([data[i] ^ m]) + data[i + 1:], key, info.sha256, ks), (i, m)


def test_swapped_records_are_detected(tmp_path: Path) -> None:
    ks = key_set()
    path, info = seal_files(tmp_path, {"a.pdf": 200_000})
    data = path.read_bytes()
    recs = _records(data)
    (w0, l0, _), (w1, l1, _) = recs[0], recs[1]
    r0, r1 = data[w0:w0 + 4 + l0], data[w1:w1 + 4 + l1]
    swapped = data[:w0] + r1 + r0 + data[w1 + 4 + l1:]
    key = unwrap_data_key(info.header, enc_private=ks.enc_private)
    with pytest.raises(EnvelopeAuthFailed):
        open_bid([swapped], key, expected_sha256=info.sha256, sign_public=ks.sign_public)


def test_truncated_envelopes_are_refused_by_the_scanner() -> None:
    data, _ = seal_bytes(os.urandom(200_000))
    ends = {0, 5, 12, 100, len(data) - 1, len(data) - 16}
    ends |= {w for w, _, _ in _records(data)} | {w + 4 for w, _, _ in _records(data)}
    for end in sorted(ends):
        with pytest.raises(EnvelopeMalformed) as info:
            scan(data[:end])
        assert info.value.check in ("truncated", "magic"), end


def test_dropping_the_final_record_is_refused_without_a_key() -> None:
    """A truncation exactly at a record boundary: still detectable by the scanner (no final flag seen)."""
    data, _ = seal_bytes(os.urandom(200_000))
    last_word = _records(data)[-1][0]
    with pytest.raises(EnvelopeMalformed) as info:
        scan(data[:last_word])
    assert info.value.check == "truncated"
    with pytest.raises(EnvelopeAuthFailed):
        _plain(data[:last_word], unwrap_data_key(envelope.parse_header(data[12:12 + struct.unpack(
            ">I", data[8:12])[0]]), enc_private=key_set().enc_private))


@pytest.mark.parametrize("extra", [b"\x00", b"x" * 1000, b"\x80\x00\x00\x10" + bytes(16)])
def test_trailing_bytes_are_refused(extra: bytes) -> None:
    data, header = seal_bytes(os.urandom(1000))
    with pytest.raises(EnvelopeMalformed) as info:
        scan(data + extra)
    assert info.value.check == "trailing_bytes"
    key = unwrap_data_key(header, enc_private=key_set().enc_private)
    with pytest.raises(EnvelopeMalformed):
        _plain(data + extra, key)


def _fake_envelope(body: bytes, chunk: int = SMALL_CHUNK) -> bytes:
    """A well-framed 'envelope' whose records carry `body` unencrypted (what a careless client might send)."""
    ks = key_set()
    _, header = seal_bytes(b"", ks=ks)
    hb = canonical_json(header)
    out = bytearray(b"GGZYENV1" + struct.pack(">I", len(hb)) + hb)
    pieces = [body[i:i + chunk + 16] for i in range(0, len(body), chunk + 16)]
    if not pieces or len(pieces[-1]) == chunk + 16:
        pieces.append(bytes(16))
    for i, p in enumerate(pieces):
        final = i == len(pieces) - 1
        out += struct.pack(">I", len(p) | (1 << 31 if final else 0)) + p
    return bytes(out)


@pytest.mark.parametrize("body", [
    b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 5000,
    ("商务标 投标报价 " * 20_000).encode(),
    b"GGZYPKG1" + json.dumps({"sheet": {"price": "100.00"}}).encode() * 300,
    bytes(300_000),
])
def test_an_unencrypted_envelope_is_refused(body: bytes) -> None:
    """E-Bidding Measures Art.26: a bid that is not encrypted is refused at upload."""
    with pytest.raises(EnvelopeMalformed) as info:
        scan(_fake_envelope(body))
    assert info.value.check == "not_encrypted"
    assert info.value.code == "bid.envelope_malformed" and info.value.status == 422


def test_random_bytes_pass_the_encryption_heuristic() -> None:
    scan(_fake_envelope(os.urandom(200_000)))


# ------------------------------------------------------------------------------------------------ header checks


def _with_header(header: dict[str, object], raw: bytes | None = None) -> bytes:
    hb = raw if raw is not None else canonical_json(header)
    return b"GGZYENV1" + struct.pack(">I", len(hb)) + hb + struct.pack(">I", (1 << 31) | 16) + os.urandom(16)


def _header() -> dict[str, object]:
    return seal_bytes(b"")[1]


def _bad(check: str, data: bytes) -> None:
    with pytest.raises(EnvelopeMalformed) as info:
        scan(data)
    assert info.value.check == check, info.value


def test_the_baseline_fake_is_accepted() -> None:
    scan(_with_header(_header()))


@pytest.mark.parametrize("field,value,check", [
    ("format", "zip", "header"), ("version", 2, "header"), ("version", True, "header"),
    ("suite", "rot13", "suite"), ("chunk_size", 100_000, "chunk_size"), ("chunk_size", 32_768, "chunk_size"),
    ("chunk_size", 8_388_608, "chunk_size"), ("chunk_size", "65536", "chunk_size"),
    ("nonce_prefix", b64e(bytes(8)), "nonce_prefix"), ("nonce_prefix", "AAAA!", "nonce_prefix"),
    ("tender_id", "", "header"), ("lot_id", 7, "header"), ("recipients", [], "recipients"),
])
def test_bad_header_fields_are_refused(field: str, value: object, check: str) -> None:
    h = _header()
    h[field] = value
    _bad(check, _with_header(h))


def test_unknown_or_missing_header_fields_are_refused() -> None:
    h = _header()
    h["note"] = "hi"
    _bad("header", _with_header(h))
    h = _header()
    del h["lot_id"]
    _bad("header", _with_header(h))


def test_recipient_rules() -> None:
    h = _header()
    entry = h["recipients"][0]  # type: ignore[index]
    for recips in (
        [entry, entry],  # two bidder entries
        [{**entry, "role": "rescue"}],  # no bidder entry
        [entry, {**entry, "role": "rescue"}, {**entry, "role": "rescue"}],
        [{**entry, "role": "auditor"}],
        [{**entry, "key_id": "ABC"}],
        [{**entry, "wrapped": b64e(bytes(47))}],
        [{**entry, "epk": b64e(bytes(31))}],
        [{k: v for k, v in entry.items() if k != "epk"}],
        [{**entry, "extra": 1}],
        ["bidder"],
    ):
        h["recipients"] = recips
        _bad("recipients", _with_header(h))
    h["recipients"] = [entry, {**entry, "role": "rescue"}]
    scan(_with_header(h))


def test_non_canonical_or_non_json_header_is_refused() -> None:
    h = _header()
    _bad("header", _with_header(h, json.dumps(h).encode()))  # spaces: not canonical
    _bad("header", _with_header(h, b"\xff\xfe"))
    _bad("header", _with_header(h, b"[1,2]"))
    h["version"] = 1.0
    _bad("header", _with_header(h, json.dumps(h, sort_keys=True, separators=(",", ":")).encode()))


def test_bad_magic_and_header_length() -> None:
    _bad("magic", b"GGZYENV2" + bytes(100))
    _bad("magic", b"PK\x03\x04" + bytes(100))
    _bad("header", b"GGZYENV1" + struct.pack(">I", 70_000) + bytes(100))


@pytest.mark.parametrize("word", [
    16,  # a short record without the final flag
    (1 << 31) | 15,  # final record shorter than a tag
    (1 << 31) | (SMALL_CHUNK + 16),  # final record that is a full chunk: the final one must be shorter
    SMALL_CHUNK + 17,  # longer than a chunk
])
def test_bad_framing_words_are_refused(word: int) -> None:
    hb = canonical_json(_header())
    data = b"GGZYENV1" + struct.pack(">I", len(hb)) + hb + struct.pack(">I", word) + bytes(16)
    _bad("framing", data)


def test_scanner_memory_stays_bounded() -> None:
    data, _ = seal_bytes(os.urandom(1 << 20))
    s = EnvelopeScanner()
    for i in range(0, len(data), 1000):
        s.feed(data[i:i + 1000])
        assert len(s._buf) <= 64 * 1024 and len(s._sample) <= 64 * 1024
    s.finish()
    assert s.records == 17 and s.size == len(data)


def test_read_header_reads_only_the_header(tmp_path: Path) -> None:
    path, info = seal_files(tmp_path)
    assert envelope.read_header(path) == info.header
    (tmp_path / "junk").write_bytes(b"nope")
    with pytest.raises(EnvelopeMalformed):
        envelope.read_header(tmp_path / "junk")


def test_seal_refuses_bad_parameters() -> None:
    ks = key_set()
    for chunk in (1000, 100_000):
        with pytest.raises(EnvelopeMalformed):
            envelope.seal(io.BytesIO(), io.BytesIO(b""), suite=ks.suite, tender_id=TENDER, lot_id=LOT,
                          bidder_org_id=BIDDER, recipients=[("bidder", ks.enc_key_id, ks.enc_public)],
                          chunk_size=chunk)
    with pytest.raises(EnvelopeMalformed):
        envelope.seal(io.BytesIO(), io.BytesIO(b""), suite=ks.suite, tender_id=TENDER, lot_id=LOT,
                      bidder_org_id=BIDDER, recipients=[])


# ------------------------------------------------------------------------------------------------ opening findings


def test_open_bid_reports_receipt_mismatch_and_bad_signature(tmp_path: Path) -> None:
    ks = key_set()
    path, info = seal_files(tmp_path)
    key = unwrap_data_key(info.header, enc_private=ks.enc_private)
    opened = open_bid(path, key, expected_sha256="0" * 64, sign_public=key_set("other").sign_public)
    assert not opened.sha256_ok and not opened.signature_ok
    assert any(p.startswith("sha256") for p in opened.problems)
    assert any(p.startswith("signature") for p in opened.problems)
    unchecked = open_bid(path, key, expected_sha256=info.sha256.upper(), sign_public=None)
    assert unchecked.sha256_ok and not unchecked.signature_ok


def test_open_bid_reports_a_package_for_another_tender(tmp_path: Path) -> None:
    """The envelope header and the signed manifest must name the same tender, lot and bidder."""
    ks = key_set()
    pkg = io.BytesIO()
    from ggzy.sealing.package import write_package

    src = tmp_path / "a.txt"
    src.write_bytes(b"abc")
    from tests.sealing.helpers import sheet

    write_package(pkg, keys=ks, tender_id="OTHER", lot_id=LOT, bidder_org_id=BIDDER, sheet=sheet(), files=[src])
    data, header = seal_bytes(pkg.getvalue())
    import hashlib

    key = unwrap_data_key(header, enc_private=ks.enc_private)
    opened = open_bid([data], key, expected_sha256=hashlib.sha256(data).hexdigest(), sign_public=ks.sign_public)
    assert opened.signature_ok and any(p.startswith("tender_id") for p in opened.problems)


def test_open_bid_refuses_a_plaintext_that_is_not_a_package() -> None:
    import hashlib

    data, header = seal_bytes(os.urandom(5000))
    key = unwrap_data_key(header, enc_private=key_set().enc_private)
    with pytest.raises(PackageInvalid) as info:
        open_bid([data], key, expected_sha256=hashlib.sha256(data).hexdigest(), sign_public=None)
    assert info.value.check == "magic"


def test_nonce_layout() -> None:
    assert envelope.nonce(b"ABCDEFG", 258, True) == b"ABCDEFG\x00\x00\x01\x02\x01"
    assert len(b64d(_header()["nonce_prefix"])) == 7  # type: ignore[arg-type]
