"""Shared builders for the sealing tests: fixed opening sheets, key sets and envelopes."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ggzy.sealing import envelope, keys
from ggzy.sealing.envelope import SealedInfo

TENDER, LOT, BIDDER = "T-2026-001", "L-1", "ORG-BIDDER-1"
SMALL_CHUNK = 65_536

_KEYS: dict[str, keys.KeyPairSet] = {}


def key_set(name: str = "bidder") -> keys.KeyPairSet:
    """One cached key set per name: generating is cheap, but stable keys make failures easier to read."""
    if name not in _KEYS:
        _KEYS[name] = keys.generate()
    return _KEYS[name]


def sheet(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lot_id": LOT, "price": "1234567.89", "price_in_words": "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
        "duration_days": 180, "quality": "合格", "project_lead": "张三", "lead_certificate": "苏132100000001",
    }
    base.update(changes)
    return base


def write_files(directory: Path, sizes: dict[str, int]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, size in sizes.items():
        p = directory / name
        p.write_bytes(os.urandom(size))
        paths.append(p)
    return paths


def seal_files(tmp_path: Path, sizes: dict[str, int] | None = None, *, ks: keys.KeyPairSet | None = None,
               chunk_size: int = SMALL_CHUNK, rescue: tuple[str, bytes] | None = None,
               name: str = "bid.ggzyenv", **sheet_changes: Any) -> tuple[Path, SealedInfo]:
    ks = ks or key_set()
    files = write_files(tmp_path / f"{name}.files", sizes if sizes is not None else {"商务标.pdf": 150_000})
    out = tmp_path / name
    info = envelope.seal_bid(out, keys=ks, tender_id=TENDER, lot_id=LOT, bidder_org_id=BIDDER,
                             sheet=sheet(**sheet_changes), files=files, rescue=rescue, chunk_size=chunk_size)
    return out, info


def seal_bytes(plaintext: bytes, *, chunk_size: int = SMALL_CHUNK, ks: keys.KeyPairSet | None = None,
               rescue: tuple[str, bytes] | None = None) -> tuple[bytes, dict[str, Any]]:
    ks = ks or key_set()
    recipients = [("bidder", ks.enc_key_id, ks.enc_public)]
    if rescue:
        recipients.append(("rescue", rescue[0], rescue[1]))
    out = io.BytesIO()
    header = envelope.seal(out, io.BytesIO(plaintext), suite=ks.suite, tender_id=TENDER, lot_id=LOT,
                           bidder_org_id=BIDDER, recipients=recipients, chunk_size=chunk_size)
    return out.getvalue(), header


def scan(data: bytes, piece: int = 4096) -> dict[str, Any]:
    s = envelope.EnvelopeScanner()
    for i in range(0, len(data), piece):
        s.feed(data[i:i + piece])
    return s.finish()
