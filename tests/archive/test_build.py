"""Building archives of closed tenders through the API (GP Law Art.42; E-Bidding Measures Art.49)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.archive.models import Archive
from ggzy.archive.verify import verify_archive
from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.bid.models import Bid
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project.models import Project, TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.archive.helpers import cancelled_tender, download, failed_tender, names, read
from tests.bid.helpers import make_bidder, make_world
from tests.factories import bearer, create_party
from tests.supervision.builders import fetch, reload


async def test_failed_tender_archive_holds_every_record_and_verifies_art42(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """A 流标 tender (2 bids, Bidding Regs Art.44): documents (both versions), notices, Q&A, both envelopes with
    receipts, the project's audit slice — signed; the tender becomes `archived` with its audit event."""
    c = await failed_tender(app, client, db, clock, tmp_path)
    assert (await reload(db, Tender, c.tender_id)).status == TenderStatus.failed
    r = await client.post(c.url, headers=c.centre)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (await reload(db, Tender, c.tender_id)).status == TenderStatus.archived
    # Kept 15 years from the (Beijing) build date: GP Law Art.42.
    built = date.fromisoformat(out["built_at"][:10])
    assert out["keep_until"] == built.replace(year=built.year + 15).isoformat() and out["retention_years"] == 15

    zip_path = await download(client, c, c.centre, tmp_path / "archive.zip")
    import hashlib

    assert hashlib.sha256(zip_path.read_bytes()).hexdigest() == out["sha256"]
    files = names(zip_path)
    bids = await fetch(db, select(Bid.id).where(Bid.tender_id == c.tender_id))
    assert len(bids) == 2
    expected = {"manifest.json", "manifest.sig", "project.json", "tender.json", "parties.json",
                "documents/index.json", "documents/downloads.json", "documents/v1/招标文件.pdf",
                "documents/v2/招标文件.pdf", "qa/questions.json", "qa/clarifications.json", "bids/index.json",
                "audit/events.jsonl", "audit/head.json", *(f"bids/{b}.ggzyenv" for b in bids)}
    assert expected <= set(files), sorted(expected - set(files))
    kinds = sorted(n.rsplit("-", 1)[-1] for n in files if n.startswith("notices/"))
    assert kinds == ["tender_announcement.json", "tender_announcement.txt", "tender_failed.json",
                     "tender_failed.txt"]
    assert not any(n.startswith(("opening/", "draws/", "evaluation/")) for n in files)  # no rows, no section
    assert read(zip_path, "documents/v1/招标文件.pdf") == b"%PDF-1.7 tender documents v1"

    manifest = json.loads(read(zip_path, "manifest.json"))
    assert manifest["format"] == "ggzy-archive" and manifest["version"] == 1
    assert (manifest["tender_id"], manifest["tender_code"]) == (c.tender_id, c.w.tender.code)
    assert manifest["platform_key_id"] == app.state.platform_key.key_id == out["platform_key_id"]
    assert [f["path"] for f in manifest["files"]] == sorted(set(files) - {"manifest.json", "manifest.sig"})
    # The slice is the project's events, up to the chain head as it stood; the build's own event comes after.
    events = [json.loads(line) for line in read(zip_path, "audit/events.jsonl").splitlines()]
    assert {e["project_id"] for e in events} == {c.w.tender.project_id}
    tags = [e["tag"] for e in events]
    assert {"tender:published", "document:downloaded", "question:asked", "bid:submitted",
            "tender:failed"} <= set(tags)
    assert manifest["audit"]["count"] == len(events) and manifest["audit"]["last_seq"] == events[-1]["seq"]
    (built_ev,) = await fetch(db, select(AuditEvent).where(AuditEvent.tag == "archive:built"))
    assert built_ev.seq > manifest["audit"]["chain_head"]["seq"] and built_ev.hash == out["audit_hash"]
    assert built_ev.after is not None and built_ev.after["sha256"] == out["sha256"]
    index = json.loads(read(zip_path, "bids/index.json"))
    assert all(b["receipt"]["format"] == "ggzy-receipt" and b["archive_path"].endswith(".ggzyenv")
               for b in index)

    report = verify_archive(zip_path, app.state.platform_key.public_raw)
    assert report.ok, report.failures
    assert report.audit_events == len(events) and report.files_checked == len(manifest["files"])
    async with app.state.sessionmaker() as fresh:  # the db fixture's session holds a stale chain head
        assert (await verify_chain(fresh)).ok


async def test_cancelled_tender_waits_for_its_deadline_then_archives_art21(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """终止 before the deadline: who downloaded stays secret until the deadline (E-Bidding Measures Art.21), so the
    archive — which can never be completed later — waits; afterwards it holds the termination notice."""
    c = await cancelled_tender(db, client, clock)
    r = await client.post(c.url, headers=c.centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "archive.too_early", r.text
    assert (await reload(db, Tender, c.tender_id)).status == TenderStatus.cancelled
    assert c.w.tender.bid_deadline is not None
    clock.set(c.w.tender.bid_deadline + timedelta(minutes=1))
    r = await client.post(c.url, headers=c.centre)
    assert r.status_code == 201, r.text
    zip_path = await download(client, c, c.centre, tmp_path / "cancelled.zip")
    files = names(zip_path)
    assert any(n.endswith("-termination.txt") for n in files), files
    assert "项目资金未落实" in next(read(zip_path, n).decode() for n in files if n.endswith("-termination.txt"))
    assert not any(n.startswith("bids/") for n in files)
    manifest = json.loads(read(zip_path, "manifest.json"))
    assert manifest["tender_status"] == "cancelled"
    assert verify_archive(zip_path, app.state.platform_key.public_raw).ok


async def test_twice_open_and_outsiders_are_refused(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """409 archive.already_built (nothing is rebuilt: Art.49), 409 archive.not_closed for an open tender,
    403 for a bidder, the agency and a supervisor of another line; the line's supervisor reads and downloads."""
    w = await make_world(db, client, clock.now(), bidders=1)
    centre = await bearer(client, w.cast.centre_user)
    url = f"/api/tenders/{w.tender.id}/archive"
    r = await client.post(url, headers=centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "archive.not_closed", r.text
    assert r.json()["error"]["detail"]["status"] == "published"
    for who in (w.bidders[0].headers, await bearer(client, w.cast.agency_user)):
        r = await client.post(url, headers=who)
        assert r.status_code == 403 and r.json()["error"]["code"] == "archive.forbidden", r.text
    assert (await client.post(url)).status_code == 401

    r = await client.post(f"/api/tenders/{w.tender.id}/cancel", json={"reason": "撤销"}, headers=centre)
    assert r.status_code == 200, r.text
    assert w.tender.bid_deadline is not None
    clock.set(w.tender.bid_deadline)
    r = await client.post(url, headers=centre)
    assert r.status_code == 201, r.text
    first = r.json()
    r = await client.post(url, headers=centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "archive.already_built", r.text
    rows = await fetch(db, select(Archive.sha256).where(Archive.tender_id == w.tender.id))
    assert rows == [first["sha256"]]

    _, su, _ = await create_party(db, OrgKind.supervisor, now=clock.now(),
                                  supervised_lines=[TradingLine.construction.value])
    _, ou, _ = await create_party(db, OrgKind.supervisor, now=clock.now(),
                                  supervised_lines=[TradingLine.procurement.value])
    sup, other = await bearer(client, su), await bearer(client, ou)
    assert (await client.get(url, headers=sup)).json()["sha256"] == first["sha256"]
    r = await client.get(f"{url}/download", headers=sup)
    assert r.status_code == 200 and r.headers["x-content-sha256"] == first["sha256"]
    for who in (other, w.bidders[0].headers):
        for path in (url, f"{url}/download"):
            r = await client.get(path, headers=who)
            assert r.status_code == 403 and r.json()["error"]["code"] == "archive.forbidden", (path, r.text)
    assert [a["tender_id"] for a in (await client.get("/api/archives", headers=sup)).json()] == [w.tender.id]
    assert (await client.get("/api/archives", headers=other)).json() == []
    assert (await client.post(url, headers=sup)).status_code == 403
    if db.get_bind().dialect.name == "postgresql":  # the register is append-only, like the audit log
        for stmt in ("UPDATE archives SET size = 1", "DELETE FROM archives"):
            with pytest.raises(DBAPIError, match="append-only"):
                await db.execute(text(stmt))
            await db.rollback()


async def test_an_event_recorded_during_the_build_starts_it_over(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ZIP is written outside any transaction; if the project records anything meanwhile, the commit sees it
    and the build starts over, so the archive always holds every event up to its own (Art.49)."""
    from ggzy.archive import service as archive_service
    from ggzy.audit.service import record
    from ggzy.auth.actor import system_actor

    c = await cancelled_tender(db, client, clock)
    assert c.w.tender.bid_deadline is not None
    clock.set(c.w.tender.bid_deadline)
    real = archive_service.write_archive
    calls: list[int] = []

    async def meddling(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            async with app.state.sessionmaker() as other:
                await record(other, "test:meanwhile", system_actor("test"), subject_type="tender",
                             subject_id=c.tender_id, project_id=c.w.tender.project_id, now=clock.now())
                await other.commit()
        return await real(*args, **kw)

    monkeypatch.setattr(archive_service, "write_archive", meddling)
    r = await client.post(c.url, headers=c.centre)
    assert r.status_code == 201, r.text
    assert len(calls) == 2
    zip_path = await download(client, c, c.centre, app.state.settings.data_dir / "retry.zip")
    tags = [json.loads(line)["tag"] for line in read(zip_path, "audit/events.jsonl").splitlines()]
    assert tags[-1] == "test:meanwhile"
    assert verify_archive(zip_path, app.state.platform_key.public_raw).ok


async def test_secret_events_of_a_sibling_tender_stay_out_art21(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    """Another tender of the same project is still before its deadline: who downloaded its documents must not
    leave the platform (E-Bidding Measures Art.21), so those events are not in the archive; its other events are."""
    from ggzy.tender import service as tender_service
    from ggzy.tender.schemas import TenderCreate
    from tests.tender.helpers import tender_payload

    c = await cancelled_tender(db, client, clock)
    assert c.w.tender.bid_deadline is not None
    project = await reload(db, Project, c.w.tender.project_id)
    clock.set(c.w.tender.bid_deadline - timedelta(days=1))
    payload = tender_payload(project, clock.now())
    sibling = (await tender_service.create_tender(db, c.w.cast.agency, TenderCreate.model_validate(payload),
                                                  now=clock.now())).tender
    await tender_service.publish_announcement(db, c.w.cast.agency, sibling.id, now=clock.now())
    r = await client.post(f"/api/tenders/{sibling.id}/documents", headers=c.agency,
                          files={"file": ("文件.pdf", b"%PDF-1.7 sibling", "application/pdf")})
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    clock.advance(timedelta(hours=2))
    bidder = await make_bidder(db, clock.now())
    r = await client.get(f"/api/tenders/{sibling.id}/documents/{doc}/download",
                         headers=await bearer(client, bidder.user))
    assert r.status_code == 200, r.text
    clock.set(c.w.tender.bid_deadline + timedelta(minutes=1))  # ours is past its deadline, the sibling's is not

    r = await client.post(c.url, headers=c.centre)
    assert r.status_code == 201, r.text
    zip_path = await download(client, c, c.centre, tmp_path / "a.zip")
    events = [json.loads(line) for line in read(zip_path, "audit/events.jsonl").splitlines()]
    about_sibling = [e for e in events if sibling.id in (e["subject_id"], (e["after"] or {}).get("tender_id"))]
    assert "tender:published" in [e["tag"] for e in about_sibling]
    assert "document:downloaded" not in [e["tag"] for e in events]
    assert verify_archive(zip_path, app.state.platform_key.public_raw).ok
