"""The contract (合同) within 30 days of the award notice (Evaluation Rules Art.49): a reminder to the tenderer, an
alert to the line's supervisor once late, a late contract still recorded and flagged; all lots contracted → tender
contracted, and its archive carries the publicity, the award notice PDF and the contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.archive.verify import verify_archive
from ggzy.award.models import Award, Contract
from ggzy.kit.clock import FrozenClock
from ggzy.tender.models import Tender, TenderStatus
from tests.archive.helpers import Closed, download, names, read
from tests.award.test_award import after_publicity
from tests.factories import query
from tests.opening.helpers import sweep
from tests.publicity.builders import Evaluated, bj, err, inbox_kinds
from tests.supervision.builders import fetch, reload

PDF = b"%PDF-1.7\n% signed contract\n" + b"0" * 2048


async def awarded(app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp: Path) -> tuple[
        Evaluated, str]:
    """Award notice issued on Monday 30 March 10:00: the contract is due by 24:00 on 29 April."""
    e = await after_publicity(app, client, db, clock, tmp)
    clock.set(bj(2026, 3, 30, 10, 0))
    r = await client.post(f"/api/tenders/{e.tender_id}/lots/{e.lot_id}/award",
                          json={"candidate_id": e.candidates[0].id}, headers=e.agency)
    assert r.status_code == 201, r.text
    return e, str(r.json()["id"])


def contract(amount: str, signed_on: str, body: bytes = PDF, name: str = "施工合同.pdf") -> dict[str, Any]:
    return {"data": {"amount": amount, "signed_on": signed_on}, "files": {"file": (name, body, "application/pdf")}}


async def _count(db: AsyncSession, model: Any) -> int:
    return int((await query(db, select(func.count()).select_from(model)))[0][0])


async def test_reminder_then_supervisor_alert_then_a_late_contract_is_flagged_evaluation_rules_art49(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e, award_id = await awarded(app, client, db, clock, tmp_path)
    agency, sup = e.w.cast.agency_org.id, e.supervisor_org_id
    # Day 24: nothing yet. Day 25 (from 00:00 on 24 April): the reminder to the managers, not the supervisor.
    clock.set(bj(2026, 4, 23, 23, 59))
    await sweep(app, clock)
    assert "award:contract_reminder" not in await inbox_kinds(db, agency)
    clock.set(bj(2026, 4, 24, 0, 0))
    await sweep(app, clock)
    assert "award:contract_reminder" in await inbox_kinds(db, agency)
    assert "award:contract_overdue" not in await inbox_kinds(db, sup)
    # The 30 days end at 24:00 on 29 April: then the supervisor is alerted, once.
    clock.set(bj(2026, 4, 29, 23, 59))
    await sweep(app, clock)
    assert "award:contract_overdue" not in await inbox_kinds(db, sup)
    clock.set(bj(2026, 4, 30, 0, 0))
    await e.relogin(client)
    await sweep(app, clock)
    await sweep(app, clock)
    assert (await inbox_kinds(db, sup)).count("award:contract_overdue") == 1
    # Recorded late: accepted, flagged, the supervisor told again; the tender is contracted.
    clock.set(bj(2026, 5, 6, 10, 0))
    r = await client.post(f"/api/awards/{award_id}/contract", **contract("950000.00", "2026-05-06"),
                          headers=e.agency)
    assert r.status_code == 201, r.text
    assert r.json()["late"] is True and r.json()["size"] == len(PDF)
    assert "contract:recorded" in await inbox_kinds(db, sup)
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.contracted
    err(await client.post(f"/api/awards/{award_id}/contract", **contract("950000.00", "2026-05-06"),
                          headers=e.agency), 409, "award.contract_exists")


async def test_contract_bad_input_is_refused_and_nothing_is_stored_then_recorded_and_archived(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    e, award_id = await awarded(app, client, db, clock, tmp_path)
    clock.set(bj(2026, 4, 10, 10, 0))
    await e.relogin(client)
    post = f"/api/awards/{award_id}/contract"
    blobs = set(app.state.blobs.root.rglob("*"))
    for bad, code in ((contract("-1", "2026-04-09"), "award.bad_amount"),
                      (contract("95万", "2026-04-09"), "award.bad_amount"),
                      (contract("950000.001", "2026-04-09"), "award.bad_amount"),
                      (contract("950000.00", "09/04/2026"), "award.bad_signed_on"),
                      (contract("950000.00", "2026-03-01"), "award.bad_signed_on"),  # before the award notice
                      (contract("950000.00", "2026-04-11"), "award.bad_signed_on"),  # in the future
                      (contract("950000.00", "2026-04-09", body=b"PK\x03\x04 zip"), "award.contract_not_pdf")):
        err(await client.post(post, **bad, headers=e.agency), 422, code)
    err(await client.post(post, **contract("950000.00", "2026-04-09"), headers=e.loser), 403, "award.not_manager")
    assert await _count(db, Contract) == 0
    assert set(app.state.blobs.root.rglob("*")) == blobs  # nothing stored for a refused contract
    r = await client.post(post, **contract("950,000.00", "2026-04-09"), headers=e.tenderer)
    assert r.status_code == 201 and r.json()["late"] is False and r.json()["amount"] == "950000.00", r.text
    (c,) = await fetch(db, select(Contract))
    assert (await fetch(db, select(Award).execution_options(populate_existing=True)))[0].status == "contracted"
    r = await client.get(f"/api/awards/{award_id}/contract/file", headers=e.cand_headers(1))
    assert r.status_code == 200 and r.content == PDF and r.headers["x-content-sha256"] == c.sha256
    assert (await client.get(f"/api/awards/{award_id}/contract", headers=e.loser)).status_code == 404
    assert (await reload(db, Tender, e.tender_id)).status == TenderStatus.contracted

    # The archive of the contracted tender holds the publicity, the award notice PDF and the signed contract.
    r = await client.post(f"/api/tenders/{e.tender_id}/archive", headers=e.centre)
    assert r.status_code == 201, r.text
    zip_path = await download(client, Closed(e.w, e.centre, e.agency), e.centre, tmp_path / "a.zip")
    assert verify_archive(zip_path, app.state.platform_key.public_raw).ok
    files = set(names(zip_path))
    assert {"publicity/publicities.json", "award/awards.json", "award/award_contracts.json"} <= files
    (award,) = await fetch(db, select(Award))
    assert read(zip_path, "award/letter.pdf").startswith(b"%PDF")
    assert [n for n in files if n.startswith("award/award_contracts/") and n.endswith(".pdf")]
    assert json.loads(read(zip_path, "award/awards.json"))[0]["letter_pdf_sha256"] == award.letter_pdf_sha256
