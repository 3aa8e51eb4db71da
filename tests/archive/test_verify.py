"""`verify_archive` names every kind of damage: a flipped byte in any file, a removed or an extra file, a changed
manifest or signature, a wrong key, and an altered, dropped or reordered audit event (E-Bidding Measures Art.49).

The archive here is written by the real writer (package.write_archive) from a small plan, without a database,
so each case runs in milliseconds; test_build.py checks real archives built through the API.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ggzy.archive.package import write_archive
from ggzy.archive.sections import Plan
from ggzy.archive.verify import Report, verify_archive
from ggzy.audit.service import GENESIS, compute_hash
from ggzy.sealing.codec import canonical_json
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import LocalBlobStore
from tests.archive.helpers import flip, read, rewrite

WHEN = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)


def chain(project: str, other: str, n: int = 7) -> list[dict[str, Any]]:
    """A global chain where every third event belongs to another project (so the slice has gaps)."""
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        body = {"seq": seq, "tag": "tender:updated", "occurred_at": (WHEN + timedelta(minutes=seq)).isoformat(),
                "actor_user_id": "u1", "actor_org_id": "o1", "actor_role": "agency", "ip": "198.51.100.1",
                "subject_type": "tender", "subject_id": "t1", "project_id": other if seq % 3 == 0 else project,
                "before": None, "after": {"n": seq}}
        h = compute_hash(prev, body)
        events.append({**body, "prev_hash": prev, "hash": h})
        prev = h
    return events


def jsonl(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(e, sort_keys=True, separators=(",", ":")).encode() + b"\n" for e in events)


@dataclass
class Sample:
    path: Path
    key: PlatformKey
    events: list[dict[str, Any]]
    tmp: Path

    def fresh(self, name: str) -> Path:
        return self.tmp / name


@pytest.fixture
async def sample(tmp_path: Path) -> Sample:
    key = PlatformKey.generate()
    blobs = LocalBlobStore(tmp_path / "blobs")
    envelope = os.urandom(300_000)

    async def one() -> Any:
        yield envelope

    sha, _ = await blobs.put_stream(one(), 1 << 30)
    everything = chain("p1", "p2")
    sliced = [e for e in everything if e["project_id"] == "p1"]
    audit = tmp_path / "events.jsonl"
    audit.write_bytes(jsonl(sliced))
    plan = Plan()
    plan.add_json("tender.json", {"id": "t1", "title": "教学楼", "budget": "1000000.00"})
    plan.add_text("notices/20260302T010000Z-tender_announcement.txt", "招标公告\n\n正文")
    plan.add_blob("bids/b1.ggzyenv", sha)
    plan.add_local("audit/events.jsonl", audit)
    head = everything[-1]
    plan.add_json("audit/head.json", {"seq": head["seq"], "hash": head["hash"]})
    fields = {"format": "ggzy-archive", "version": 1, "tender_id": "t1", "tender_code": "ZB-1", "project_id": "p1",
              "audit": {"events": "audit/events.jsonl", "count": len(sliced), "first_seq": sliced[0]["seq"],
                        "last_seq": sliced[-1]["seq"], "chain_head": {"seq": head["seq"], "hash": head["hash"]}}}
    path = tmp_path / "sample.zip"
    await write_archive(plan, blobs, path, fields=fields, key=key, when=WHEN)
    return Sample(path, key, sliced, tmp_path)


def failed(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.failures}


def resign(s: Sample, src: Path, dest: Path, change: Callable[[str, bytes], bytes | None],
           edit_manifest: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """What only a holder of the platform key could do: change files, fix the manifest, sign it again."""
    tmp = s.fresh("resign-tmp.zip")
    rewrite(src, tmp, change)
    manifest = json.loads(read(tmp, "manifest.json"))
    manifest.pop("platform_key_id")
    contents = {}
    for f in manifest["files"]:
        data = read(tmp, f["path"])
        contents[f["path"]] = data
        f.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    if edit_manifest is not None:
        edit_manifest(manifest)
    doc = s.key.sign(manifest)
    sig = doc.pop("signature")
    body = canonical_json(doc)
    return rewrite(tmp, dest, lambda n, d: body if n == "manifest.json" else (sig + "\n").encode()
                   if n == "manifest.sig" else d)


def test_an_intact_archive_verifies(sample: Sample) -> None:
    seen: list[int] = []
    report = verify_archive(sample.path, sample.key.public_raw, on_bytes=seen.append)
    assert report.ok, report.failures
    assert [c.name for c in report.checks] == ["signature", "manifest", "missing", "extra", "files", "audit"]
    assert report.files_checked == 5 and report.audit_events == len(sample.events) == 5
    assert sum(seen) == report.bytes_checked > 300_000


@pytest.mark.parametrize("victim", ["tender.json", "notices/20260302T010000Z-tender_announcement.txt",
                                    "bids/b1.ggzyenv", "audit/events.jsonl", "audit/head.json"])
def test_a_flipped_byte_in_any_file_is_named(sample: Sample, victim: str) -> None:
    """The ZIP is rewritten with one byte of one file flipped (a consistent CRC: only the manifest catches it)."""
    bad = rewrite(sample.path, sample.fresh("bad.zip"), lambda n, d: flip(d, 7) if n == victim else d)
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert "SHA-256" in problems[f"file {victim}"]
    assert "files" in problems and "signature" not in problems


def test_a_flipped_byte_in_the_zip_body_is_caught_by_its_crc(sample: Sample) -> None:
    raw = bytearray(sample.path.read_bytes())
    at = raw.index(read(sample.path, "bids/b1.ggzyenv")[1000:1032])  # inside the stored (uncompressed) envelope
    raw[at] ^= 0xFF
    bad = sample.fresh("crc.zip")
    bad.write_bytes(bytes(raw))
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert "damaged" in problems["file bids/b1.ggzyenv"] or "SHA-256" in problems["file bids/b1.ggzyenv"]


def test_a_removed_file_is_named(sample: Sample) -> None:
    bad = rewrite(sample.path, sample.fresh("missing.zip"), lambda n, d: None if n == "bids/b1.ggzyenv" else d)
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert problems["missing"] == "listed in the manifest but absent: bids/b1.ggzyenv"
    assert "extra" not in problems and "signature" not in problems


def test_an_extra_file_is_named(sample: Sample) -> None:
    bad = rewrite(sample.path, sample.fresh("extra.zip"), lambda n, d: d, add={"bids/forged.ggzyenv": b"x"})
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert problems["extra"] == "in the archive but not in the manifest: bids/forged.ggzyenv"


def test_a_changed_manifest_fails_the_signature(sample: Sample) -> None:
    def edit(name: str, data: bytes) -> bytes:
        return data.replace(b'"tender_code":"ZB-1"', b'"tender_code":"ZB-2"') if name == "manifest.json" else data

    bad = rewrite(sample.path, sample.fresh("manifest.zip"), edit)
    assert read(bad, "manifest.json") != read(sample.path, "manifest.json")
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert list(problems) == ["signature"] and "changed after signing" in problems["signature"]


def test_a_manifest_listing_a_forged_hash_fails_the_signature(sample: Sample) -> None:
    """Swap a file AND its manifest entry without the key: the files then match, the signature does not."""
    forged = b"%PDF forged"

    def edit(name: str, data: bytes) -> bytes:
        if name == "tender.json":
            return forged
        if name == "manifest.json":
            m = json.loads(data)
            for f in m["files"]:
                if f["path"] == "tender.json":
                    f.update(sha256=hashlib.sha256(forged).hexdigest(), size=len(forged))
            return canonical_json(m)
        return data

    problems = failed(verify_archive(rewrite(sample.path, sample.fresh("f.zip"), edit), sample.key.public_raw))
    assert list(problems) == ["signature"]


def test_a_wrong_key_or_a_wrong_signature_fails(sample: Sample) -> None:
    problems = failed(verify_archive(sample.path, PlatformKey.generate().public_raw))
    assert list(problems) == ["signature"] and "another platform key" in problems["signature"]
    other = PlatformKey.generate()
    sig = other.sign({"x": 1})["signature"]
    bad = rewrite(sample.path, sample.fresh("sig.zip"), lambda n, d: (sig + "\n").encode() if n == "manifest.sig"
                  else d)
    assert "signature" in failed(verify_archive(bad, sample.key.public_raw))
    gone = rewrite(sample.path, sample.fresh("nosig.zip"), lambda n, d: None if n == "manifest.sig" else d)
    assert failed(verify_archive(gone, sample.key.public_raw))["signature"] == "manifest.sig is missing"


def test_not_a_zip_and_no_manifest(sample: Sample) -> None:
    junk = sample.fresh("junk.zip")
    junk.write_bytes(b"PK\x03\x04 not really")
    assert "zip" in failed(verify_archive(junk, sample.key.public_raw))
    bare = rewrite(sample.path, sample.fresh("bare.zip"), lambda n, d: None if n == "manifest.json" else d)
    assert failed(verify_archive(bare, sample.key.public_raw)) == {"manifest": "manifest.json is missing"}


def _event_line(index: int, change: Callable[[dict[str, Any]], None]) -> Callable[[str, bytes], bytes]:
    def edit(name: str, data: bytes) -> bytes:
        if name != "audit/events.jsonl":
            return data
        events = [json.loads(x) for x in data.splitlines()]
        change(events[index])
        return jsonl(events)

    return edit


def test_the_audit_slice_is_checked_even_under_a_valid_signature(sample: Sample) -> None:
    """A key holder who re-signs cannot make an edited event hash right: each event is recomputed from its
    prev_hash and body (audit.service.compute_hash)."""
    bad = resign(sample, sample.path, sample.fresh("audit1.zip"), _event_line(1, lambda e: e.update(ip="10.6.6.6")))
    problems = failed(verify_archive(bad, sample.key.public_raw))
    assert list(problems) == ["audit"] and f"event {sample.events[1]['seq']} was altered" in problems["audit"]


def test_a_dropped_or_foreign_event_is_caught(sample: Sample) -> None:
    def drop(name: str, data: bytes) -> bytes:
        return b"".join(data.splitlines(keepends=True)[:-1]) if name == "audit/events.jsonl" else data

    problems = failed(verify_archive(resign(sample, sample.path, sample.fresh("a2.zip"), drop),
                                     sample.key.public_raw))
    assert "the slice holds 4 events" in problems["audit"]
    foreign = resign(sample, sample.path, sample.fresh("a3.zip"),
                     _event_line(0, lambda e: e.update(project_id="p2")))
    assert "belongs to another project" in failed(verify_archive(foreign, sample.key.public_raw))["audit"]


def test_neighbours_must_link_and_the_head_must_match(sample: Sample) -> None:
    # seq 1 and 2 are neighbours in the chain: give 2 a consistent hash over a wrong prev_hash.
    def relink(e: dict[str, Any]) -> None:
        e["prev_hash"] = "f" * 64
        e["hash"] = compute_hash(e["prev_hash"], {k: v for k, v in e.items() if k not in ("prev_hash", "hash")})

    bad = resign(sample, sample.path, sample.fresh("a4.zip"), _event_line(1, relink))
    assert "does not follow event 1" in failed(verify_archive(bad, sample.key.public_raw))["audit"]

    def other_head(m: dict[str, Any]) -> None:
        m["audit"]["chain_head"] = {"seq": sample.events[-1]["seq"], "hash": "0" * 64}

    bad = resign(sample, sample.path, sample.fresh("a5.zip"), lambda n, d: d, other_head)
    detail = failed(verify_archive(bad, sample.key.public_raw))["audit"]
    assert "hash differs from the recorded head" in detail and "audit/head.json does not match" in detail
