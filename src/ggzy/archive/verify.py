"""Check an archive ZIP offline against the platform's public key (`ggzy archive verify`).

Checks, each reported by name (docs/archive.md, "Verifying"):
- signature: manifest.sig is the platform key's Ed25519 signature over manifest.json's bytes;
- manifest: format, version and a well-formed file list;
- files: every listed file is present with the listed SHA-256 and size (and its ZIP CRC holds);
- missing / extra: nothing listed is absent, nothing present is unlisted;
- audit: every event of the slice hashes to its recorded hash from its prev_hash and body (audit.service
  compute_hash); seqs ascend; neighbours in the global chain link up; the slice matches the manifest; and its
  last event, if it is the chain head recorded in the manifest, has the head's hash.
Everything is read in streaming fashion; nothing is extracted to disk.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ggzy.archive import rules
from ggzy.audit.service import HASHED_FIELDS, compute_hash
from ggzy.sealing.codec import b64d, key_id

CHUNK = 1024 * 1024
MAX_MANIFEST = 256 * 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    path: Path
    checks: list[Check] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    files_checked: int = 0
    bytes_checked: int = 0
    audit_events: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


def manifest_key_id(path: Path) -> str | None:
    """The platform key id the manifest claims (to pick the key among those a platform publishes)."""
    try:
        with zipfile.ZipFile(path) as zf:
            doc = json.loads(zf.read(rules.MANIFEST))
        return str(doc["platform_key_id"]) if isinstance(doc, dict) and "platform_key_id" in doc else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def verify_archive(path: Path, public_raw: bytes, *, on_bytes: Callable[[int], None] | None = None) -> Report:
    """Run every check; a failed check never stops the others, so the report names everything that is wrong."""
    report = Report(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add("zip", False, f"not a readable ZIP archive: {exc}")
        return report
    with zf:
        names = zf.namelist()
        dupes = sorted(n for n, c in Counter(names).items() if c > 1)
        if dupes:
            report.add("zip", False, f"entries stored twice: {', '.join(dupes)}")
        if rules.MANIFEST not in names:
            report.add("manifest", False, "manifest.json is missing")
            return report
        try:
            if zf.getinfo(rules.MANIFEST).file_size > MAX_MANIFEST:
                raise ValueError("manifest.json is implausibly large")
            manifest_bytes = zf.read(rules.MANIFEST)
            manifest = json.loads(manifest_bytes)
        except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            report.add("manifest", False, f"manifest.json is unreadable: {exc}")
            return report
        _check_signature(report, zf, names, manifest_bytes, manifest=manifest, public_raw=public_raw)
        files = _check_manifest(report, manifest)
        if files is None:
            return report
        report.manifest = manifest
        _check_files(report, zf, names, files, on_bytes)
        _check_audit(report, zf, names, manifest, files)
    return report


def _check_signature(report: Report, zf: zipfile.ZipFile, names: list[str], manifest_bytes: bytes, *,
                     manifest: Any, public_raw: bytes) -> None:
    given = key_id(public_raw)
    claimed = manifest.get("platform_key_id") if isinstance(manifest, dict) else None
    if rules.SIGNATURE not in names:
        report.add("signature", False, "manifest.sig is missing")
        return
    try:
        signature = b64d(zf.read(rules.SIGNATURE).decode("ascii").strip())
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error):
        why = (f"signed by another platform key (manifest names key {claimed}, the key given is {given})"
               if claimed != given else "manifest.json was changed after signing, or manifest.sig is not its "
               "signature")
        report.add("signature", False, f"the manifest signature does not verify: {why}")
        return
    if claimed != given:
        report.add("signature", False, f"signature verifies, but the manifest names key {claimed}, not {given}")
        return
    report.add("signature", True, f"Ed25519, platform key {given}")


def _check_manifest(report: Report, manifest: Any) -> list[dict[str, Any]] | None:
    if not isinstance(manifest, dict):
        report.add("manifest", False, "manifest.json is not a JSON object")
        return None
    if manifest.get("format") != rules.FORMAT or manifest.get("version") != rules.VERSION:
        report.add("manifest", False, f"format/version must be {rules.FORMAT}/{rules.VERSION}")
        return None
    files = manifest.get("files")
    bad = not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("sha256"), str)
        and _HEX64.fullmatch(f["sha256"]) and isinstance(f.get("size"), int) and f["size"] >= 0 for f in files)
    if bad:
        report.add("manifest", False, "the file list is malformed (each entry needs path, sha256, size)")
        return None
    assert isinstance(files, list)
    paths = [f["path"] for f in files]
    if len(set(paths)) != len(paths) or paths != sorted(paths):
        report.add("manifest", False, "the file list must be sorted by path without repeats")
        return None
    if rules.MANIFEST in paths or rules.SIGNATURE in paths:
        report.add("manifest", False, "the file list names the manifest itself")
        return None
    report.add("manifest", True, f"{rules.FORMAT} v{rules.VERSION}, tender {manifest.get('tender_code')}, "
                                 f"{len(files)} files")
    return files


def _check_files(report: Report, zf: zipfile.ZipFile, names: list[str], files: list[dict[str, Any]],
                 on_bytes: Callable[[int], None] | None) -> None:
    listed = {f["path"] for f in files}
    present = set(names) - {rules.MANIFEST, rules.SIGNATURE}
    missing = sorted(listed - present)
    extra = sorted(present - listed)
    report.add("missing", not missing,
               f"listed in the manifest but absent: {', '.join(missing)}" if missing else "none")
    report.add("extra", not extra,
               f"in the archive but not in the manifest: {', '.join(extra)}" if extra else "none")
    bad = 0
    for f in files:
        if f["path"] not in present:
            continue
        problem = _check_one(zf, f, on_bytes)
        report.files_checked += 1
        report.bytes_checked += int(f["size"])
        if problem:
            bad += 1
            report.add(f"file {f['path']}", False, problem)
    checked = report.files_checked
    report.add("files", bad == 0, f"{checked - bad} of {checked} files match their SHA-256 and size"
                                  f" ({report.bytes_checked} bytes)")


def _check_one(zf: zipfile.ZipFile, f: dict[str, Any], on_bytes: Callable[[int], None] | None) -> str:
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(f["path"]) as r:
            while chunk := r.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return f"damaged inside the ZIP ({exc})"
    if size != f["size"]:
        return f"size {size} bytes, the manifest says {f['size']}"
    if digest.hexdigest() != f["sha256"]:
        return f"SHA-256 {digest.hexdigest()} does not match the manifest's {f['sha256']}"
    return ""


def _check_audit(report: Report, zf: zipfile.ZipFile, names: list[str], manifest: dict[str, Any],
                 files: list[dict[str, Any]]) -> None:
    audit = manifest.get("audit")
    if not isinstance(audit, dict):
        report.add("audit", False, "the manifest has no audit section")
        return
    path = str(audit.get("events", rules.AUDIT_EVENTS))
    if path not in names or path not in {f["path"] for f in files}:
        report.add("audit", False, f"the audit slice {path} is not in the archive")
        return
    problems: list[str] = []
    count, first, last, last_hash = 0, None, None, ""
    prev: dict[str, Any] | None = None
    try:
        with zf.open(path) as r:
            for n, raw in enumerate(r, start=1):
                ev = json.loads(raw)
                problem = _event_problem(ev, prev, manifest.get("project_id"))
                if problem:
                    problems.append(f"line {n}: {problem}")
                    if len(problems) >= 20:
                        break
                prev = ev if isinstance(ev, dict) else prev
                count += 1
                if isinstance(ev, dict):
                    first = ev.get("seq") if first is None else first
                    last, last_hash = ev.get("seq"), str(ev.get("hash"))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        report.add("audit", False, f"the audit slice is unreadable: {exc}")
        return
    report.audit_events = count
    if (count, first, last) != (audit.get("count"), audit.get("first_seq"), audit.get("last_seq")):
        problems.append(f"the slice holds {count} events ({first}..{last}), the manifest says "
                        f"{audit.get('count')} ({audit.get('first_seq')}..{audit.get('last_seq')})")
    head = audit.get("chain_head") if isinstance(audit.get("chain_head"), dict) else {}
    assert isinstance(head, dict)
    if isinstance(last, int) and isinstance(head.get("seq"), int):
        if last > head["seq"]:
            problems.append(f"event {last} is after the chain head {head['seq']} recorded at build time")
        elif last == head["seq"] and last_hash != head.get("hash"):
            problems.append(f"event {last} is the chain head but its hash differs from the recorded head")
    head_file = _read_json(zf, rules.AUDIT_HEAD) if rules.AUDIT_HEAD in names else None
    if not isinstance(head_file, dict) or (head_file.get("seq"), head_file.get("hash")) != (
            head.get("seq"), head.get("hash")):
        problems.append(f"{rules.AUDIT_HEAD} does not match the chain head in the manifest")
    if problems:
        report.add("audit", False, "; ".join(problems))
    else:
        report.add("audit", True, f"{count} events hash correctly ({first}..{last}), chain head {head.get('seq')}")


def _event_problem(ev: Any, prev: dict[str, Any] | None, project_id: Any) -> str:
    if not isinstance(ev, dict) or any(k not in ev for k in (*HASHED_FIELDS, "prev_hash", "hash")):
        return "not an audit event"
    seq = ev["seq"]
    if not isinstance(seq, int):
        return "seq is not a number"
    if ev["project_id"] != project_id:
        return f"event {seq} belongs to another project"
    if prev is not None and isinstance(prev.get("seq"), int):
        if seq <= prev["seq"]:
            return f"event {seq} is out of order (after {prev['seq']})"
        # Events of one project are not contiguous in the global chain; where they are, they must link.
        if seq == prev["seq"] + 1 and ev["prev_hash"] != prev.get("hash"):
            return f"event {seq} does not follow event {prev['seq']}"
    body = {name: ev[name] for name in HASHED_FIELDS}
    if compute_hash(str(ev["prev_hash"]), body) != ev["hash"]:
        return f"event {seq} was altered (hash mismatch)"
    return ""


def _read_json(zf: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(zf.read(name))
    except (ValueError, zipfile.BadZipFile, zlib.error, binascii.Error):
        return None
