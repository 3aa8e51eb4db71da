"""The sealed envelope, format v1 (docs/sealed-bids.md, "Envelope").

ENVELOPE = "GGZYENV1" | u32 header_len | header (canonical JSON) | record*;  record = u32 word | ciphertext

Three readers with three jobs:
- `EnvelopeScanner` runs on every upload with no key: structure, header and framing, and that the body looks
  encrypted. Cheap per byte and bounded in memory.
- `Decryptor` / `decrypt` turn an envelope and its data key into the plaintext package stream.
- `open_bid` is the opening's single pass: SHA-256 of the envelope, decryption, package, signature, digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag

from ggzy.sealing.codec import b64d, b64e, canonical_json
from ggzy.sealing.errors import EnvelopeAuthFailed, EnvelopeMalformed, SealingError
from ggzy.sealing.keys import KeyPairSet
from ggzy.sealing.package import PackageReader, Writable, sheet_problems, write_package
from ggzy.sealing.suites import BodyCipher, Suite, get_suite

MAGIC = b"GGZYENV1"
PREFIX_LEN = len(MAGIC) + 4
MAX_HEADER = 64 * 1024
MIN_CHUNK = 65_536
MAX_CHUNK = 4_194_304
DEFAULT_CHUNK = 1 << 20
TAG_LEN = 16
FINAL = 1 << 31
LENGTH_MASK = FINAL - 1
MAX_RECORDS = 1 << 32  # the chunk index is a u32 in the nonce
WRAP_INFO = b"ggzy-envelope-v1 wrap"
NONCE_PREFIX_LEN = 7
ROLES = ("bidder", "rescue")
HEADER_KEYS = frozenset({"format", "version", "suite", "tender_id", "lot_id", "bidder_org_id", "chunk_size",
                         "nonce_prefix", "recipients"})
# An unencrypted upload is refused (E-Bidding Measures Art.26): the first 64 KiB of record bytes of real
# ciphertext never shrink under zlib; a document, a ZIP's headers or a JSON package do.
SAMPLE_LEN = 64 * 1024
COMPRESS_LIMIT = 0.95
_KEY_ID = re.compile(r"[0-9a-f]{32}")
# Shape of a recipient entry's crypto fields per suite: (epk length or None when absent, allowed wrapped sizes).
_ENTRY_SHAPE: dict[str, tuple[int | None, range]] = {
    "x25519-aes256gcm": (32, range(48, 49)),
    "sm2-sm4gcm": (None, range(96, 161)),  # SM2 C1C3C2 of a 16-byte key, with or without the 04 prefix
}

Recipient = tuple[str, str, bytes]  # (role, key_id, raw public key)


# ---------------------------------------------------------------------------------------------------- header


def _id_field(header: dict[str, Any], name: str) -> None:
    value = header[name]
    if not isinstance(value, str) or not value or len(value) > 200:
        raise EnvelopeMalformed("header", f"{name} must be a non-empty string of at most 200 characters")


def check_header(header: Any) -> dict[str, Any]:
    """Validate every header field (no key needed); returns the header."""
    if not isinstance(header, dict):
        raise EnvelopeMalformed("header", "header is not a JSON object")
    missing, extra = HEADER_KEYS - header.keys(), header.keys() - HEADER_KEYS
    if missing or extra:
        raise EnvelopeMalformed("header", f"missing {sorted(missing)} unexpected {sorted(extra)}")
    if header["format"] != "ggzy-envelope" or header["version"] != 1 or isinstance(header["version"], bool):
        raise EnvelopeMalformed("header", "format/version must be ggzy-envelope/1")
    suite_name = header["suite"]
    if not isinstance(suite_name, str):
        raise EnvelopeMalformed("suite", "suite must be a string")
    try:
        get_suite(suite_name)
    except KeyError:
        raise EnvelopeMalformed("suite", f"unknown suite {suite_name!r}") from None
    for name in ("tender_id", "lot_id", "bidder_org_id"):
        _id_field(header, name)
    cs = header["chunk_size"]
    if (not isinstance(cs, int) or isinstance(cs, bool) or not MIN_CHUNK <= cs <= MAX_CHUNK
            or cs & (cs - 1)):
        raise EnvelopeMalformed("chunk_size", "chunk_size must be a power of two from 64 KiB to 4 MiB")
    try:
        prefix = b64d(header["nonce_prefix"])
    except ValueError as exc:
        raise EnvelopeMalformed("nonce_prefix", str(exc)) from None
    if len(prefix) != NONCE_PREFIX_LEN:
        raise EnvelopeMalformed("nonce_prefix", "nonce_prefix must be 7 bytes")
    _check_recipients(header["recipients"], suite_name)
    return header


def _check_recipients(recipients: Any, suite_name: str) -> None:
    if not isinstance(recipients, list) or not recipients:
        raise EnvelopeMalformed("recipients", "recipients must be a non-empty list")
    epk_len, wrapped_sizes = _ENTRY_SHAPE.get(suite_name, (None, range(1, 1025)))
    roles: list[str] = []
    for entry in recipients:
        want = {"role", "key_id", "wrapped"} | ({"epk"} if epk_len is not None else set())
        if not isinstance(entry, dict) or set(entry) != want:
            raise EnvelopeMalformed("recipients", f"each recipient needs exactly {sorted(want)}")
        if entry["role"] not in ROLES:
            raise EnvelopeMalformed("recipients", f"unknown role {entry['role']!r}")
        roles.append(entry["role"])
        if not isinstance(entry["key_id"], str) or not _KEY_ID.fullmatch(entry["key_id"]):
            raise EnvelopeMalformed("recipients", "key_id must be 32 lowercase hex digits")
        try:
            wrapped = b64d(entry["wrapped"])
            epk = b64d(entry["epk"]) if epk_len is not None else None
        except ValueError as exc:
            raise EnvelopeMalformed("recipients", str(exc)) from None
        if len(wrapped) not in wrapped_sizes or (epk is not None and len(epk) != epk_len):
            raise EnvelopeMalformed("recipients", "wrapped key or epk has the wrong length")
    if roles.count("bidder") != 1 or roles.count("rescue") > 1:
        raise EnvelopeMalformed("recipients", "need exactly one bidder entry and at most one rescue entry")


def parse_header(header_bytes: bytes) -> dict[str, Any]:
    """Header bytes → validated header; the bytes must be the header's canonical JSON."""
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EnvelopeMalformed("header", "header is not UTF-8 JSON") from None
    checked = check_header(header)
    try:
        canonical = canonical_json(checked) == header_bytes
    except ValueError:  # a float somewhere (1.0 passes == 1): never canonical
        canonical = False
    if not canonical:
        raise EnvelopeMalformed("header", "header is not canonical JSON")
    return checked


def nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def _check_record(index: int, length: int, final: bool, chunk_size: int) -> None:
    """Framing rule: every record but the last carries a full chunk; the last a shorter one (possibly empty)."""
    if index >= MAX_RECORDS:
        raise EnvelopeMalformed("framing", "too many records")
    if final:
        if not TAG_LEN <= length < chunk_size + TAG_LEN:
            raise EnvelopeMalformed("framing", f"final record {index} has a bad length")
    elif length != chunk_size + TAG_LEN:
        raise EnvelopeMalformed("framing", f"record {index} is not a full chunk")


# ---------------------------------------------------------------------------------------------------- sealing


class SealWriter:
    """A write-only stream that seals what is written to it: `write()` the package, then `close()`.

    Full chunks are encrypted as soon as they are complete; the final (shorter, possibly empty) chunk on close.
    """

    def __init__(self, out: Writable | IO[bytes], *, suite: str, tender_id: str, lot_id: str, bidder_org_id: str,
                 recipients: list[Recipient], chunk_size: int = DEFAULT_CHUNK) -> None:
        s: Suite = get_suite(suite)
        data_key = secrets.token_bytes(s.data_key_len)
        self.header: dict[str, Any] = {
            "format": "ggzy-envelope", "version": 1, "suite": suite,
            "tender_id": tender_id, "lot_id": lot_id, "bidder_org_id": bidder_org_id,
            "chunk_size": chunk_size, "nonce_prefix": b64e(secrets.token_bytes(NONCE_PREFIX_LEN)),
            "recipients": [{"role": role, "key_id": kid, **s.wrap(pub, data_key, WRAP_INFO)}
                           for role, kid, pub in recipients],
        }
        check_header(self.header)
        self.header_bytes = canonical_json(self.header)
        if len(self.header_bytes) > MAX_HEADER:
            raise EnvelopeMalformed("header", "header larger than 64 KiB")
        self._out = out
        self._body: BodyCipher = s.body(data_key)
        self._aad = hashlib.sha256(self.header_bytes).digest()
        self._prefix = b64d(self.header["nonce_prefix"])
        self._chunk = chunk_size
        self._buf = bytearray()
        self._index = 0
        self._closed = False
        out.write(MAGIC + struct.pack(">I", len(self.header_bytes)))
        out.write(self.header_bytes)

    def _emit(self, chunk: bytes | memoryview, final: bool) -> None:
        if self._index >= MAX_RECORDS:
            raise EnvelopeMalformed("framing", "too many records")
        # The BodyCipher protocol takes bytes (the GM library needs them); sealing is not the hot path.
        ct = self._body.encrypt(nonce(self._prefix, self._index, final), bytes(chunk), self._aad)
        self._out.write(struct.pack(">I", len(ct) | (FINAL if final else 0)))
        self._out.write(ct)
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed SealWriter")
        mv = memoryview(data).cast("B")
        pos, size = 0, len(mv)
        if self._buf:
            take = min(self._chunk - len(self._buf), size)
            self._buf += mv[:take]
            pos = take
            if len(self._buf) == self._chunk:
                self._emit(bytes(self._buf), False)
                self._buf.clear()
        # A full chunk is never the last one (the last is always shorter), so it can go out at once.
        while size - pos >= self._chunk:
            self._emit(mv[pos:pos + self._chunk], False)
            pos += self._chunk
        if pos < size:
            self._buf += mv[pos:]
        return size

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buf), True)
            self._buf.clear()
            self._closed = True


def seal(out: Writable | IO[bytes], plaintext: IO[bytes], *, suite: str, tender_id: str, lot_id: str,
         bidder_org_id: str, recipients: list[Recipient], chunk_size: int = DEFAULT_CHUNK) -> dict[str, Any]:
    """Seal a plaintext stream into `out`; returns the header."""
    w = SealWriter(out, suite=suite, tender_id=tender_id, lot_id=lot_id, bidder_org_id=bidder_org_id,
                   recipients=recipients, chunk_size=chunk_size)
    buf = bytearray(chunk_size)
    view = memoryview(buf)
    while True:
        n = plaintext.readinto(buf)  # type: ignore[attr-defined]
        if not n:
            break
        w.write(view[:n])
    w.close()
    return w.header


class _HashingWriter:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.out.write(data)


@dataclass(frozen=True)
class SealedInfo:
    sha256: str
    size: int
    header: dict[str, Any]


def seal_bid(out_path: Path, *, keys: KeyPairSet, tender_id: str, lot_id: str, bidder_org_id: str,
             sheet: dict[str, Any], files: list[Path], rescue: tuple[str, bytes] | None = None,
             chunk_size: int = DEFAULT_CHUNK, on_bytes: Callable[[int], None] | None = None) -> SealedInfo:
    """Build, sign and seal a bid in one streaming pass; the file appears at `out_path` only when complete."""
    recipients: list[Recipient] = [("bidder", keys.enc_key_id, keys.enc_public)]
    if rescue is not None:
        recipients.append(("rescue", rescue[0], rescue[1]))
    part = out_path.with_name(out_path.name + ".part")
    try:
        with part.open("wb") as f:
            hw = _HashingWriter(f)
            w = SealWriter(hw, suite=keys.suite, tender_id=tender_id, lot_id=lot_id, bidder_org_id=bidder_org_id,
                           recipients=recipients, chunk_size=chunk_size)
            write_package(w, keys=keys, tender_id=tender_id, lot_id=lot_id, bidder_org_id=bidder_org_id,
                          sheet=sheet, files=files, on_bytes=on_bytes)
            w.close()
            f.flush()
            os.fsync(f.fileno())
        part.replace(out_path)
    finally:
        part.unlink(missing_ok=True)
    return SealedInfo(hw.hash.hexdigest(), hw.size, w.header)


# ---------------------------------------------------------------------------------------------------- scanning


@dataclass
class EnvelopeScanner:
    """Validates an envelope as it streams in, without any key. `feed()` raises EnvelopeMalformed early;
    `finish()` returns the header or raises (truncated). Memory: the header plus a 64 KiB sample."""

    header: dict[str, Any] | None = None
    header_bytes: bytes = b""
    size: int = 0
    records: int = 0
    _state: str = "prefix"
    _need: int = PREFIX_LEN
    _buf: bytearray = field(default_factory=bytearray)
    _left: int = 0  # ciphertext bytes still to come in the current record
    _final: bool = False
    _sample: bytearray = field(default_factory=bytearray)
    _sample_checked: bool = False

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        mv = memoryview(data).cast("B")
        pos, end = 0, len(mv)
        self.size += end
        while pos < end:
            if self._state == "body":
                n = min(self._left, end - pos)
                if not self._sample_checked:
                    self._sample += mv[pos:pos + min(n, SAMPLE_LEN - len(self._sample))]
                    if len(self._sample) >= SAMPLE_LEN:
                        self._check_sample()
                self._left -= n
                pos += n
                if self._left == 0:
                    self._end_record()
                continue
            if self._state == "done":
                raise EnvelopeMalformed("trailing_bytes", "bytes after the final record")
            take = min(self._need - len(self._buf), end - pos)
            self._buf += mv[pos:pos + take]
            pos += take
            if len(self._buf) == self._need:
                raw = bytes(self._buf)
                self._buf.clear()
                self._advance(raw)

    def _advance(self, raw: bytes) -> None:
        if self._state == "prefix":
            if raw[:8] != MAGIC:
                raise EnvelopeMalformed("magic", "not a ggzy envelope (GGZYENV1)")
            (n,) = struct.unpack(">I", raw[8:])
            if not 2 <= n <= MAX_HEADER:
                raise EnvelopeMalformed("header", "header length out of range")
            self._state, self._need = "header", n
        elif self._state == "header":
            self.header = parse_header(raw)
            self.header_bytes = raw
            self._state, self._need = "word", 4
        elif self._state == "word":
            assert self.header is not None
            (word,) = struct.unpack(">I", raw)
            self._final = bool(word & FINAL)
            length = word & LENGTH_MASK
            _check_record(self.records, length, self._final, self.header["chunk_size"])
            self._state, self._left = "body", length

    def _end_record(self) -> None:
        self.records += 1
        if self._final:
            self._state = "done"
        else:
            self._state, self._need = "word", 4

    def _check_sample(self) -> None:
        self._sample_checked = True
        sample = bytes(self._sample)
        self._sample = bytearray()
        if sample and len(zlib.compress(sample, 1)) < COMPRESS_LIMIT * len(sample):
            raise EnvelopeMalformed("not_encrypted", "the body compresses: it is not ciphertext")

    def finish(self) -> dict[str, Any]:
        if self._state != "done":
            raise EnvelopeMalformed("truncated", "the envelope ends before its final record")
        if not self._sample_checked:
            self._check_sample()
        assert self.header is not None
        return self.header


def scan_file(path: Path) -> dict[str, Any]:
    """Scan a whole envelope file; returns its header."""
    scanner = EnvelopeScanner()
    with path.open("rb") as f:
        while chunk := f.read(DEFAULT_CHUNK):
            scanner.feed(chunk)
    return scanner.finish()


def read_header(path: Path) -> dict[str, Any]:
    """Only the (validated) header of an envelope file — what the bidder needs to unwrap its data key."""
    with path.open("rb") as f:
        prefix = f.read(PREFIX_LEN)
        if len(prefix) < PREFIX_LEN or prefix[:8] != MAGIC:
            raise EnvelopeMalformed("magic", "not a ggzy envelope (GGZYENV1)")
        (n,) = struct.unpack(">I", prefix[8:])
        if not 2 <= n <= MAX_HEADER:
            raise EnvelopeMalformed("header", "header length out of range")
        raw = f.read(n)
    if len(raw) != n:
        raise EnvelopeMalformed("truncated", "the envelope ends inside its header")
    return parse_header(raw)


# ---------------------------------------------------------------------------------------------------- opening


def unwrap_data_key(header: dict[str, Any], *, role: str = "bidder", enc_private: bytes) -> bytes:
    """The data key, from the recipient entry for `role`, with that recipient's private key (PKCS#8 for X25519)."""
    check_header(header)
    entry = next((e for e in header["recipients"] if e["role"] == role), None)
    if entry is None:
        raise EnvelopeAuthFailed("recipient", f"the envelope has no {role} entry")
    suite = get_suite(header["suite"])
    try:
        key = suite.unwrap(entry, enc_private, WRAP_INFO)
    except SealingError:
        raise
    except Exception as exc:  # InvalidTag, a malformed private key, or the GM library's own error types
        raise EnvelopeAuthFailed("unwrap", f"cannot unwrap the data key: {type(exc).__name__}") from None
    if len(key) != suite.data_key_len:
        raise EnvelopeAuthFailed("unwrap", "the unwrapped data key has the wrong length")
    return key


class _Source:
    """Exact-size reads over a file or an iterable of chunks, hashing (SHA-256) every byte it hands out.

    A returned view is valid until the next read: the opening decrypts each record before reading the next.
    """

    def __init__(self, source: Path | str | Iterable[bytes]) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self._file: IO[bytes] | None = None
        self._chunks: Iterator[bytes] | None = None
        if isinstance(source, Path | str):
            self._file = open(source, "rb")  # noqa: SIM115 - closed in close()
        else:
            self._chunks = iter(source)
        self._pending = memoryview(b"")
        self._buf = bytearray()

    def read(self, n: int) -> memoryview:
        """Exactly n bytes, or fewer only at the end of the input."""
        if self._file is not None:
            if len(self._buf) < n:
                self._buf = bytearray(max(n, 1))
            view = memoryview(self._buf)[:n]
            got = 0
            while got < n:
                r = self._file.readinto(view[got:])  # type: ignore[attr-defined]
                if not r:
                    break
                got += r
            out = view[:got]
        else:
            out = self._take(n)
        self.hash.update(out)
        self.size += len(out)
        return out

    def _take(self, n: int) -> memoryview:
        assert self._chunks is not None
        if len(self._pending) >= n:  # the common case when chunks are larger than what is asked for
            out, self._pending = self._pending[:n], self._pending[n:]
            return out
        self._buf = bytearray(self._pending)
        self._pending = memoryview(b"")
        while len(self._buf) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            need = n - len(self._buf)
            mv = memoryview(chunk).cast("B")
            self._buf += mv[:need]
            self._pending = mv[need:]
        return memoryview(self._buf)

    def at_end(self) -> bool:
        """True when nothing but empty chunks is left (the rest is still hashed, so the hash covers everything)."""
        if self._file is not None:
            return not self.read(1)
        rest = bool(self._pending)
        self.hash.update(self._pending)
        self.size += len(self._pending)
        self._pending = memoryview(b"")
        assert self._chunks is not None
        for chunk in self._chunks:
            self.hash.update(chunk)
            self.size += len(chunk)
            rest = rest or bool(chunk)
        return not rest

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class Decryptor:
    """Decrypts one envelope with its data key. After a complete pass `sha256` and `size` describe the envelope
    bytes read (the value on the receipt). Framing errors raise EnvelopeMalformed; a wrong key, altered bytes or
    a truncated envelope raise EnvelopeAuthFailed."""

    def __init__(self, data_key: bytes) -> None:
        self.data_key = data_key
        self.header: dict[str, Any] | None = None
        self.header_bytes = b""
        self.sha256 = ""
        self.size = 0

    def plaintext(self, source: Path | str | Iterable[bytes], *, reuse: bool = False) -> Iterator[bytes | memoryview]:
        """The package bytes. With reuse=True the views share one buffer: consume each before the next."""
        src = _Source(source)
        try:
            prefix = src.read(PREFIX_LEN)
            if len(prefix) < PREFIX_LEN or prefix[:8] != MAGIC:
                raise EnvelopeMalformed("magic", "not a ggzy envelope (GGZYENV1)")
            (n,) = struct.unpack(">I", prefix[8:])
            if not 2 <= n <= MAX_HEADER:
                raise EnvelopeMalformed("header", "header length out of range")
            header_bytes = bytes(src.read(n))
            if len(header_bytes) != n:
                raise EnvelopeAuthFailed("truncated", "the envelope ends inside its header")
            header = parse_header(header_bytes)
            self.header, self.header_bytes = header, header_bytes
            suite = get_suite(header["suite"])
            if len(self.data_key) != suite.data_key_len:
                raise EnvelopeAuthFailed("data_key", "the data key has the wrong length")
            body = suite.body(self.data_key)
            into = getattr(body, "decrypt_into", None) if reuse else None
            aad = hashlib.sha256(header_bytes).digest()
            prefix7 = b64d(header["nonce_prefix"])
            chunk_size = header["chunk_size"]
            out = bytearray(chunk_size) if into is not None else bytearray()
            out_view = memoryview(out)
            index = 0
            while True:
                word_raw = src.read(4)
                if len(word_raw) < 4:
                    raise EnvelopeAuthFailed("truncated", "the envelope ends before its final record")
                (word,) = struct.unpack(">I", word_raw)
                final, length = bool(word & FINAL), word & LENGTH_MASK
                _check_record(index, length, final, chunk_size)
                ct = src.read(length)
                if len(ct) < length:
                    raise EnvelopeAuthFailed("truncated", "the envelope ends inside a record")
                nc = nonce(prefix7, index, final)
                try:
                    if into is not None:
                        k = into(nc, ct, aad, out_view[:length - TAG_LEN])
                        yield out_view[:k]
                    else:
                        yield body.decrypt(nc, bytes(ct), aad)
                except InvalidTag:
                    raise EnvelopeAuthFailed("tag", f"record {index} failed authentication") from None
                index += 1
                if final:
                    break
            if not src.at_end():
                raise EnvelopeMalformed("trailing_bytes", "bytes after the final record")
            self.sha256, self.size = src.hash.hexdigest(), src.size
        finally:
            src.close()


def decrypt(chunks: Iterable[bytes], data_key: bytes) -> Iterator[bytes]:
    """Plaintext stream of an envelope given as chunks (any sizes). Use `Decryptor` to get the SHA-256 too."""
    for part in Decryptor(data_key).plaintext(chunks):
        yield bytes(part)


@dataclass
class OpenedBid:
    header: dict[str, Any]
    manifest: dict[str, Any]
    manifest_bytes: bytes
    sheet: dict[str, Any]
    files: list[tuple[str, int, str]]
    signature_ok: bool  # False also when no signing key was given to check against
    sha256: str
    sha256_ok: bool
    size: int
    problems: list[str]  # findings for the opening record; empty for a clean bid


def open_bid(source: Path | str | Iterable[bytes], data_key: bytes, *, expected_sha256: str,
             sign_public: bytes | None, extract_to: Path | None = None) -> OpenedBid:
    """The opening's one pass over a stored envelope: hash, decrypt, read the package, check signature and digests.

    Cryptographic and structural failures raise (EnvelopeAuthFailed, EnvelopeMalformed, PackageInvalid); what
    the opening must record but not refuse (hash ≠ receipt, bad signature, header/manifest mismatch, sheet
    problems) is listed in `problems`.
    """
    dec = Decryptor(data_key)
    reader = PackageReader(sign_public=sign_public, extract_to=extract_to)
    try:
        for part in dec.plaintext(source, reuse=True):
            reader.feed(part)
        reader.finish()
    finally:
        reader.close()
    assert dec.header is not None and reader.manifest is not None
    header, manifest = dec.header, reader.manifest
    problems: list[str] = []
    sha_ok = secrets.compare_digest(dec.sha256, expected_sha256.lower())
    if not sha_ok:
        problems.append("sha256: the envelope does not match the receipt")
    if not reader.signature_ok:
        problems.append("signature: missing or not valid for the registered signing key")
    for name in ("tender_id", "lot_id", "bidder_org_id", "suite"):
        if manifest[name] != header[name]:
            problems.append(f"{name}: the package says {manifest[name]!r}, the envelope {header[name]!r}")
    problems += [f"sheet.{p}" for p in sheet_problems(manifest["sheet"], lot_id=header["lot_id"])]
    return OpenedBid(header=header, manifest=manifest, manifest_bytes=reader.manifest_bytes, sheet=manifest["sheet"],
                     files=reader.files, signature_ok=bool(reader.signature_ok), sha256=dec.sha256, sha256_ok=sha_ok,
                     size=dec.size, problems=problems)
