"""The content-addressed blob store."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ggzy.storage.blobstore import LocalBlobStore
from ggzy.storage.errors import BadDigest, BlobNotFound, BlobTooLarge


async def stream(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_put_stream_stores_at_sha256_path_and_dedupes(tmp_path: Path):
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"abc" * 100_000
    sha, size = await store.put_stream(stream(data[:1000], data[1000:]), max_bytes=len(data))
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    path = tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    again = await store.put_stream(stream(data), max_bytes=len(data))
    assert again == (sha, size)
    assert files(tmp_path / "blobs") == [path]  # no second copy, no temp file left
    assert await store.exists(sha)
    assert b"".join([c async for c in store.open(sha)]) == data


async def test_over_max_bytes_aborts_and_leaves_nothing(tmp_path: Path):
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(BlobTooLarge) as exc:
        await store.put_stream(stream(b"x" * 600, b"x" * 600), max_bytes=1000)
    assert exc.value.status == 413 and exc.value.code == "storage.too_large"
    assert files(tmp_path / "blobs") == []


async def test_a_failing_stream_leaves_no_temp_file(tmp_path: Path):
    store = LocalBlobStore(tmp_path / "blobs")

    async def broken() -> AsyncIterator[bytes]:
        yield b"part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put_stream(broken(), max_bytes=1000)
    assert files(tmp_path / "blobs") == []


async def test_digest_is_validated_before_it_becomes_a_path(tmp_path: Path):
    store = LocalBlobStore(tmp_path / "blobs")
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(BadDigest):
            await store.exists(bad)
    with pytest.raises(BlobNotFound):
        [c async for c in store.open("0" * 64)]
    assert not await store.exists("0" * 64)
