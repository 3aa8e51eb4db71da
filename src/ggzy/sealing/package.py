"""The bid package: the plaintext inside an envelope (docs/sealed-bids.md, "Bid package").

PKG = "GGZYPKG1" | u32 manifest_len | manifest (canonical JSON) | u16 sig_len | signature | file_0 | file_1 | …

Writing streams every file twice (digest pass, then copy pass) and never holds a whole file in memory; reading is
incremental (`PackageReader.feed`) so it can sit directly behind the decryptor at the opening.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Protocol

from ggzy.sealing.codec import canonical_json
from ggzy.sealing.errors import PackageInvalid
from ggzy.sealing.keys import KeyPairSet
from ggzy.sealing.suites import Digest, get_suite

MAGIC = b"GGZYPKG1"
MAX_MANIFEST = 1 << 20
MAX_SIGNATURE = 1024
IO_CHUNK = 1 << 20
MANIFEST_KEYS = frozenset({"format", "version", "tender_id", "lot_id", "bidder_org_id", "signing_key_id", "suite",
                           "sheet", "files"})
SHEET_STRINGS = ("lot_id", "price", "price_in_words", "quality", "project_lead", "lead_certificate")
_PRICE = re.compile(r"(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?")
_HEX = re.compile(r"[0-9a-f]+")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")


class Writable(Protocol):
    def write(self, data: bytes | bytearray | memoryview, /) -> int: ...


# ---------------------------------------------------------------------------------------------------- validation


def sheet_problems(sheet: Any, *, lot_id: str | None = None) -> list[str]:
    """Everything wrong with an opening sheet (`bid.json`), as "field: problem" strings; empty when valid.

    The price in words is recorded as the bidder wrote it; a mismatch with the figures is for the evaluation
    committee (Evaluation Rules Art.19: the words prevail), so it is not a problem here.
    """
    if not isinstance(sheet, dict):
        return ["sheet: must be a JSON object"]
    problems: list[str] = []
    for name in SHEET_STRINGS:
        value = sheet.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{name}: required text")
        elif len(value) > 500:
            problems.append(f"{name}: too long")
    price = sheet.get("price")
    if isinstance(price, str) and price.strip():
        if not _PRICE.fullmatch(price):
            problems.append("price: must be a decimal number of yuan with at most 2 decimal places")
        else:
            try:
                if Decimal(price) <= 0:
                    problems.append("price: must be greater than zero")
            except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
                problems.append("price: not a number")
    days = sheet.get("duration_days")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        problems.append("duration_days: must be a positive whole number")
    if lot_id is not None and isinstance(sheet.get("lot_id"), str) and sheet["lot_id"] != lot_id:
        problems.append("lot_id: does not match the lot the bid is for")
    return problems


def valid_file_name(name: Any) -> bool:
    """A bare file name: safe to extract into a directory on any system."""
    return (isinstance(name, str) and 0 < len(name.encode("utf-8")) <= 255 and name not in (".", "..")
            and name == name.strip() and not _BAD_NAME_CHARS.search(name))


def validate_manifest(m: Any) -> list[tuple[str, int, str]]:
    """Check every manifest field; returns the file list as (name, size, digest)."""
    if not isinstance(m, dict):
        raise PackageInvalid("manifest", "manifest is not a JSON object")
    missing = MANIFEST_KEYS - m.keys()
    extra = m.keys() - MANIFEST_KEYS
    if missing or extra:
        raise PackageInvalid("manifest", f"missing {sorted(missing)} unexpected {sorted(extra)}")
    if m["format"] != "ggzy-bid" or m["version"] != 1 or isinstance(m["version"], bool):
        raise PackageInvalid("manifest", "format/version must be ggzy-bid/1")
    for name in ("tender_id", "lot_id", "bidder_org_id", "suite"):
        if not isinstance(m[name], str) or not m[name]:
            raise PackageInvalid("manifest", f"{name} must be a non-empty string")
    if not isinstance(m["signing_key_id"], str) or not _KEY_ID.fullmatch(m["signing_key_id"]):
        raise PackageInvalid("manifest", "signing_key_id must be 32 lowercase hex digits")
    try:
        get_suite(m["suite"])
    except KeyError:
        raise PackageInvalid("manifest", f"unknown suite {m['suite']!r}") from None
    if not isinstance(m["sheet"], dict):
        raise PackageInvalid("manifest", "sheet must be an object")
    files = m["files"]
    if not isinstance(files, list):
        raise PackageInvalid("manifest", "files must be a list")
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    for f in files:
        if not isinstance(f, dict) or set(f) != {"name", "size", "digest"}:
            raise PackageInvalid("manifest", "each file needs exactly name, size, digest")
        name, size, digest = f["name"], f["size"], f["digest"]
        if not valid_file_name(name):
            raise PackageInvalid("manifest", f"bad file name {name!r}")
        if name in seen:
            raise PackageInvalid("manifest", f"duplicate file name {name!r}")
        seen.add(name)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise PackageInvalid("manifest", f"bad size for {name!r}")
        if not isinstance(digest, str) or len(digest) != 64 or not _HEX.fullmatch(digest):
            raise PackageInvalid("manifest", f"bad digest for {name!r}")
        out.append((name, size, digest))
    return out


# ---------------------------------------------------------------------------------------------------- writing


def build_manifest(*, tender_id: str, lot_id: str, bidder_org_id: str, keys: KeyPairSet, sheet: dict[str, Any],
                   files: list[tuple[str, int, str]]) -> bytes:
    manifest = {
        "format": "ggzy-bid", "version": 1,
        "tender_id": tender_id, "lot_id": lot_id, "bidder_org_id": bidder_org_id,
        "signing_key_id": keys.sign_key_id, "suite": keys.suite, "sheet": sheet,
        "files": [{"name": n, "size": s, "digest": d} for n, s, d in files],
    }
    validate_manifest(manifest)
    raw = canonical_json(manifest)
    if len(raw) > MAX_MANIFEST:
        raise PackageInvalid("manifest", "manifest larger than 1 MiB")
    return raw


def _stream(path: Path, digest: Digest, sink: Writable | None, on_bytes: Callable[[int], None] | None) -> int:
    size = 0
    buf = bytearray(IO_CHUNK)
    view = memoryview(buf)
    with path.open("rb") as f:
        while n := f.readinto(buf):
            part = view[:n]
            digest.update(part if isinstance(digest, type(hashlib.sha256())) else bytes(part))  # type: ignore[arg-type]
            if sink is not None:
                sink.write(part)
            size += n
            if on_bytes is not None:
                on_bytes(n)
    return size


def write_package(out: Writable | IO[bytes], *, keys: KeyPairSet, tender_id: str, lot_id: str, bidder_org_id: str,
                  sheet: dict[str, Any], files: list[Path], check_sheet: bool = True,
                  on_bytes: Callable[[int], None] | None = None) -> bytes:
    """Write the package to `out`; returns the manifest bytes. `on_bytes` sees 2 × the files' size in total."""
    if check_sheet and (problems := sheet_problems(sheet, lot_id=lot_id)):
        raise PackageInvalid("sheet", "; ".join(problems))
    suite = get_suite(keys.suite)
    listed: list[tuple[str, int, str]] = []
    for path in files:
        d = suite.digest()
        size = _stream(path, d, None, on_bytes)
        listed.append((path.name, size, d.hexdigest()))
    manifest = build_manifest(tender_id=tender_id, lot_id=lot_id, bidder_org_id=bidder_org_id, keys=keys,
                              sheet=sheet, files=listed)
    signature = suite.sign(keys.sign_private, manifest)
    out.write(MAGIC + struct.pack(">I", len(manifest)))
    out.write(manifest)
    out.write(struct.pack(">H", len(signature)) + signature)
    for path, (name, size, digest) in zip(files, listed, strict=True):
        d = suite.digest()
        copied = _stream(path, d, out, on_bytes)
        # A file edited between the two passes would make a bid that fails at the opening: stop now instead.
        if copied != size or d.hexdigest() != digest:
            raise PackageInvalid("file_changed", f"{name} changed while it was being sealed")
    return manifest


# ---------------------------------------------------------------------------------------------------- reading


@dataclass
class _Open:
    name: str
    size: int
    digest: str
    left: int
    hasher: Digest
    sink: IO[bytes] | None = None
    buffers_ok: bool = True  # hashlib digests take memoryviews; other suites' digests get bytes


@dataclass
class PackageReader:
    """Consumes package bytes incrementally; checks structure, manifest, signature and every file digest.

    `signature_ok` is None until the signature is read, then True/False when `sign_public` was given (a bad
    signature is a finding for the opening record, not an exception). A digest mismatch raises PackageInvalid.
    """

    sign_public: bytes | None = None
    extract_to: Path | None = None
    manifest: dict[str, Any] | None = None
    manifest_bytes: bytes = b""
    signature: bytes = b""
    signature_ok: bool | None = None
    files: list[tuple[str, int, str]] = field(default_factory=list)  # verified so far
    _listed: list[tuple[str, int, str]] = field(default_factory=list)
    _phase: str = "prefix"
    _need: int = 12
    _buf: bytearray = field(default_factory=bytearray)
    _cur: _Open | None = None
    _next: int = 0

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        mv = memoryview(data)
        pos, end = 0, len(mv)
        while pos < end:
            cur = self._cur
            if cur is not None:  # the hot path: file bytes go straight to the digest (and the sink)
                n = min(cur.left, end - pos)
                part = mv[pos:pos + n]
                cur.hasher.update(part if cur.buffers_ok else bytes(part))  # type: ignore[arg-type]
                if cur.sink is not None:
                    cur.sink.write(part)
                cur.left -= n
                pos += n
                if cur.left == 0:
                    self._close_file()
                continue
            if self._phase == "done":
                raise PackageInvalid("trailing_bytes", "bytes after the last file")
            take = min(self._need - len(self._buf), end - pos)
            self._buf += mv[pos:pos + take]
            pos += take
            if len(self._buf) == self._need:
                raw = bytes(self._buf)
                self._buf.clear()
                self._advance(raw)

    def _advance(self, raw: bytes) -> None:
        if self._phase == "prefix":
            if raw[:8] != MAGIC:
                raise PackageInvalid("magic", "not a ggzy bid package")
            (n,) = struct.unpack(">I", raw[8:])
            if not 2 <= n <= MAX_MANIFEST:
                raise PackageInvalid("manifest", "manifest length out of range")
            self._phase, self._need = "manifest", n
        elif self._phase == "manifest":
            self._read_manifest(raw)
            self._phase, self._need = "sig_len", 2
        elif self._phase == "sig_len":
            (n,) = struct.unpack(">H", raw)
            if not 1 <= n <= MAX_SIGNATURE:
                raise PackageInvalid("signature", "signature length out of range")
            self._phase, self._need = "signature", n
        elif self._phase == "signature":
            self.signature = raw
            if self.sign_public is not None and self.manifest is not None:
                suite = get_suite(self.manifest["suite"])
                self.signature_ok = suite.verify(self.sign_public, self.manifest_bytes, raw)
            self._phase = "files"
            self._open_next()

    def _read_manifest(self, raw: bytes) -> None:
        import json

        try:
            m = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PackageInvalid("manifest", "manifest is not UTF-8 JSON") from None
        self._listed = validate_manifest(m)
        try:
            canonical = canonical_json(m) == raw
        except ValueError:
            canonical = False
        if not canonical:
            raise PackageInvalid("manifest", "manifest is not canonical JSON")
        self.manifest, self.manifest_bytes = m, raw

    def _open_next(self) -> None:
        while self._next < len(self._listed):
            name, size, digest = self._listed[self._next]
            self._next += 1
            assert self.manifest is not None
            sink = (self.extract_to / name).open("xb") if self.extract_to is not None else None
            hasher = get_suite(self.manifest["suite"]).digest()
            self._cur = _Open(name, size, digest, size, hasher, sink, isinstance(hasher, type(hashlib.sha256())))
            if size:
                return
            self._close_file()
            return
        self._cur = None
        self._phase = "done"

    def _close_file(self) -> None:
        cur = self._cur
        assert cur is not None
        self._cur = None
        if cur.sink is not None:
            cur.sink.close()
        if cur.hasher.hexdigest() != cur.digest:
            if self.extract_to is not None:
                (self.extract_to / cur.name).unlink(missing_ok=True)
            raise PackageInvalid("file_digest", f"{cur.name} does not match its digest in the manifest")
        self.files.append((cur.name, cur.size, cur.digest))
        self._open_next()

    def finish(self) -> PackageReader:
        """Raise unless the whole package (every listed file, nothing more) was read."""
        if self._phase != "done":
            self.close()
            raise PackageInvalid("truncated", "the package ends early")
        return self

    def close(self) -> None:
        if self._cur is not None and self._cur.sink is not None:
            self._cur.sink.close()
