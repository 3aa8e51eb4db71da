"""Content-addressed blob store: a file's name is its SHA-256, so equal content is stored once.

Writes stream to a temporary file beside the store (same filesystem), are fsynced, then renamed into
place: a crash leaves either the whole blob or nothing, never a half file under a valid name.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request

from ggzy.storage.errors import BadDigest, BlobNotFound, BlobTooLarge

CHUNK = 256 * 1024
WRITE_BATCH = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


class BlobStore(Protocol):
    """Where file bytes live; rows keep only the SHA-256."""

    async def put_stream(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        """Store the stream; returns (sha256, size). Raises BlobTooLarge (nothing kept) past max_bytes."""
        ...

    def open(self, sha256: str) -> AsyncIterator[bytes]:
        """Stream a stored blob in chunks."""
        ...

    async def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""
        ...


def check_digest(sha256: str) -> str:
    """Reject anything but 64 lowercase hex digits (the digest also becomes a path)."""
    if not _HEX64.fullmatch(sha256):
        raise BadDigest()
    return sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    """Blobs as files under root/ab/cd/<sha256>."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put_stream(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        tmp = self.root / f".incoming-{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        f = await asyncio.to_thread(open, tmp, "xb")
        try:
            try:
                # Request bodies arrive in chunks of ~64 KiB; one thread hop per chunk costs more than the write
                # (benchmarks/deadline_rush.py), so chunks are gathered and written a mebibyte at a time. The
                # hashing goes with them: hashlib drops the GIL, so it runs beside the event loop, not on it.
                def write(batch: list[bytes]) -> None:
                    for part in batch:
                        digest.update(part)
                        f.write(part)

                pending: list[bytes] = []
                pending_size = 0
                async for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlobTooLarge(detail={"max_bytes": max_bytes})
                    pending.append(chunk)
                    pending_size += len(chunk)
                    if pending_size >= WRITE_BATCH:
                        await asyncio.to_thread(write, pending)
                        pending, pending_size = [], 0
                if pending:
                    await asyncio.to_thread(write, pending)
                await asyncio.to_thread(f.flush)
                await asyncio.to_thread(os.fsync, f.fileno())
            finally:
                await asyncio.to_thread(f.close)
            sha = digest.hexdigest()
            await asyncio.to_thread(self._place, tmp, self.path_for(sha))
        except BaseException:
            # Over the limit, a client that went away, a full disk: the partial file must not stay.
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(tmp.unlink)
            raise
        return sha, size

    def _place(self, tmp: Path, final: Path) -> None:
        if final.exists():
            tmp.unlink()  # same content already stored: keep the first copy
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        # The rename is durable only once the directories holding it are synced.
        _fsync_dir(final.parent)
        _fsync_dir(self.root)

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        path = self.path_for(sha256)
        try:
            f = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound() from None
        try:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                yield chunk
        finally:
            await asyncio.to_thread(f.close)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_for(sha256).is_file)

    async def delete(self, sha256: str) -> None:
        """Remove a blob (only for content no row refers to)."""
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path_for(sha256).unlink)


def get_blobs(request: Request) -> BlobStore:
    blobs: BlobStore = request.app.state.blobs
    return blobs


BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
