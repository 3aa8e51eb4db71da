"""Write an archive ZIP from its plan and sign the manifest (docs/archive.md, "Format").

Files stream into the ZIP a mebibyte at a time (a 200 MB envelope is never held in memory); each copy is hashed
on the way and a blob whose bytes no longer match its name is refused rather than archived. The manifest lists
every file with its SHA-256 and size, sorted by path, and is signed with the platform's Ed25519 key exactly as
receipts are (sealing/receipt.py PlatformKey.sign): manifest.json is the canonical JSON the signature covers,
manifest.sig the base64 signature.
"""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ggzy.archive import rules
from ggzy.archive.errors import BlobCorrupt, BlobMissing
from ggzy.archive.sections import FileSpec, Plan
from ggzy.kit.timefmt import local
from ggzy.sealing.codec import canonical_json
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import BlobStore
from ggzy.storage.errors import BlobNotFound

WRITE_BATCH = 1024 * 1024
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Written:
    manifest: dict[str, Any]
    """As signed: the fields, the file list and platform_key_id (no signature)."""
    manifest_bytes: bytes
    manifest_sha256: str
    signature: str
    """Base64 Ed25519 signature over manifest_bytes."""


def _zip_info(path: str, when: datetime, *, stored: bool) -> zipfile.ZipInfo:
    loc = local(when)
    assert loc is not None
    info = zipfile.ZipInfo(path, date_time=loc.timetuple()[:6])  # ZIP keeps local time: Beijing, as shown
    # Envelopes are ciphertext and PDFs already compressed: deflating them costs CPU for nothing.
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o444 << 16  # read-only: an archive is never edited
    return info


async def _local_chunks(path: Path) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(f.read, READ_CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(f.close)


def _write(w: IO[bytes], digest: Any, parts: list[bytes]) -> None:
    for part in parts:
        digest.update(part)
        w.write(part)


async def _stream_into(zf: zipfile.ZipFile, info: zipfile.ZipInfo, chunks: AsyncIterator[bytes]) -> tuple[str, int]:
    """Copy `chunks` into one ZIP entry, a mebibyte per thread hop; returns (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    w = await asyncio.to_thread(zf.open, info, "w", force_zip64=True)  # size unknown up front: always ZIP64
    try:
        pending: list[bytes] = []
        pending_size = 0
        async for chunk in chunks:
            pending.append(chunk)
            pending_size += len(chunk)
            size += len(chunk)
            if pending_size >= WRITE_BATCH:
                await asyncio.to_thread(_write, w, digest, pending)
                pending, pending_size = [], 0
        if pending:
            await asyncio.to_thread(_write, w, digest, pending)
    finally:
        await asyncio.to_thread(w.close)
    return digest.hexdigest(), size


async def _add(zf: zipfile.ZipFile, spec: FileSpec, blobs: BlobStore, when: datetime) -> tuple[str, int]:
    if spec.data is not None:
        await asyncio.to_thread(zf.writestr, _zip_info(spec.path, when, stored=False), spec.data)
        return hashlib.sha256(spec.data).hexdigest(), len(spec.data)
    if spec.local is not None:
        return await _stream_into(zf, _zip_info(spec.path, when, stored=False), _local_chunks(spec.local))
    assert spec.blob is not None
    try:
        sha, size = await _stream_into(zf, _zip_info(spec.path, when, stored=True), blobs.open(spec.blob))
    except BlobNotFound:
        raise BlobMissing(detail={"path": spec.path, "sha256": spec.blob}) from None
    if sha != spec.blob:
        raise BlobCorrupt(detail={"path": spec.path, "sha256": spec.blob, "found": sha})
    return sha, size


async def write_archive(plan: Plan, blobs: BlobStore, dest: Path, *, fields: dict[str, Any], key: PlatformKey,
                        when: datetime) -> Written:
    """Write every planned file, then manifest.json and manifest.sig, into a new ZIP at `dest`."""
    zf = await asyncio.to_thread(zipfile.ZipFile, dest, "x", allowZip64=True)
    try:
        listed = []
        for path in sorted(plan.files):
            sha, size = await _add(zf, plan.files[path], blobs, when)
            listed.append({"path": path, "sha256": sha, "size": size})
        doc = key.sign({**fields, "files": listed})
        signature = str(doc.pop("signature"))
        manifest_bytes = canonical_json(doc)  # exactly the bytes PlatformKey.sign signed
        await asyncio.to_thread(zf.writestr, _zip_info(rules.MANIFEST, when, stored=False), manifest_bytes)
        await asyncio.to_thread(zf.writestr, _zip_info(rules.SIGNATURE, when, stored=False),
                                (signature + "\n").encode())
    finally:
        await asyncio.to_thread(zf.close)
    return Written(doc, manifest_bytes, hashlib.sha256(manifest_bytes).hexdigest(), signature)


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    """Stream a finished ZIP into the blob store."""
    async for chunk in _local_chunks(path):
        yield chunk
