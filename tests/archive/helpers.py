"""Builders for archive tests: closed tenders made through the real services and API, and ZIP tampering."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.bid.helpers import BidWorld, make_world
from tests.factories import bearer
from tests.opening.helpers import submit_all, sweep


@dataclass
class Closed:
    w: BidWorld
    centre: dict[str, str]
    agency: dict[str, str]

    @property
    def tender_id(self) -> str:
        return self.w.tender.id

    @property
    def url(self) -> str:
        return f"/api/tenders/{self.w.tender.id}/archive"


async def _world(db: AsyncSession, client: AsyncClient, clock: FrozenClock, bidders: int) -> Closed:
    w = await make_world(db, client, clock.now(), bidders=bidders)
    return Closed(w, await bearer(client, w.cast.centre_user), await bearer(client, w.cast.agency_user))


async def failed_tender(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path) -> Closed:
    """A construction tender with a document (replaced once), a download, a question and its answer, two sealed
    bids — then the deadline: fewer than 3 bidders, so it fails (流标, Bidding Regs Art.44)."""
    c = await _world(db, client, clock, bidders=3)
    docs = f"/api/tenders/{c.tender_id}/documents"
    for body in (b"%PDF-1.7 tender documents v1", b"%PDF-1.7 tender documents v2"):
        r = await client.post(docs, files={"file": ("招标文件.pdf", body, "application/pdf")}, headers=c.agency)
        assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    clock.advance(timedelta(hours=2))  # documents on offer
    bidder = c.w.bidders[0]
    r = await client.get(f"{docs}/{doc_id}/download", headers=bidder.headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/tenders/{c.tender_id}/questions", json={"body": "工期能否延长？"},
                          headers=bidder.headers)
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/questions/{r.json()['id']}/answer", json={"body": "工期不变。"}, headers=c.agency)
    assert r.status_code == 201, r.text
    await submit_all(client, tmp, c.w, c.w.bidders[:2])
    assert c.w.tender.bid_deadline is not None
    clock.set(c.w.tender.bid_deadline)
    await sweep(app, clock)
    return c


async def cancelled_tender(db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> Closed:
    """A published tender its agency terminates (终止公告) before the deadline."""
    c = await _world(db, client, clock, bidders=0)
    r = await client.post(f"/api/tenders/{c.tender_id}/cancel", json={"reason": "项目资金未落实"}, headers=c.agency)
    assert r.status_code == 200, r.text
    return c


async def download(client: AsyncClient, c: Closed, headers: dict[str, str], dest: Path) -> Path:
    r = await client.get(f"{c.url}/download", headers=headers)
    assert r.status_code == 200, r.text
    await asyncio.to_thread(dest.write_bytes, r.content)
    return dest


def rewrite(src: Path, dest: Path, change: Callable[[str, bytes], bytes | None],
            add: dict[str, bytes] | None = None) -> Path:
    """Copy a ZIP entry by entry; `change(name, data)` returns new bytes, or None to drop the entry."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dest


def flip(data: bytes, at: int = 0) -> bytes:
    b = bytearray(data)
    b[at % len(b)] ^= 0x01
    return bytes(b)


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, v in entries.items():
            zf.writestr(k, v)
    return buf.getvalue()
