"""Rows for chronograph and supervision tests, written straight to the tables (each function commits).

The services under test are suspension and the sweeper; projects, tenders and downloads only need to exist.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.auth.actor import Actor
from ggzy.notify.models import Notification
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.tender.models import DocumentDownload, EvaluationMethod, Lot, Tender, TenderDocument, TenderStatus
from tests.factories import create_party, create_user

_seq = itertools.count(1)


@dataclass
class Cast:
    """The organisations a suspension story needs."""

    centre: Organisation
    centre_user: User
    centre_actor: Actor
    tenderer: Organisation
    tenderer_user: User
    agency: Organisation
    agency_user: User
    construction_sup: Organisation
    construction_sup_user: User
    construction_sup_actor: Actor
    procurement_sup: Organisation
    procurement_sup_user: User
    procurement_sup_actor: Actor
    bidder: Organisation
    bidder_user: User
    bidder2: Organisation
    bidder2_user: User
    agency_actor: Actor


async def make_cast(db: AsyncSession, now: datetime) -> Cast:
    centre, cu, ca = await create_party(db, OrgKind.centre, now=now)
    tenderer, tu, _ = await create_party(db, OrgKind.tenderer, now=now)
    agency, au, aa = await create_party(db, OrgKind.agency, now=now)
    csup, csu, csa = await create_party(db, OrgKind.supervisor, now=now, department="住建局",
                                        supervised_lines=[TradingLine.construction.value])
    psup, psu, psa = await create_party(db, OrgKind.supervisor, now=now, department="财政局",
                                        supervised_lines=[TradingLine.procurement.value])
    bidder, bu, _ = await create_party(db, OrgKind.bidder, now=now)
    bidder2, bu2, _ = await create_party(db, OrgKind.bidder, now=now)
    return Cast(centre, cu, ca, tenderer, tu, agency, au, csup, csu, csa, psup, psu, psa, bidder, bu, bidder2, bu2,
                aa)


async def make_project(
    db: AsyncSession, cast: Cast, *, now: datetime, line: TradingLine = TradingLine.construction,
    status: ProjectStatus = ProjectStatus.admitted,
) -> Project:
    n = next(_seq)
    project = Project(
        code=f"SV-2026-{n:05d}", name=f"监督测试项目{n}", line=line, region="市本级",
        amount=Decimal("5000000.00"), tenderer_org_id=cast.tenderer.id, agency_org_id=cast.agency.id,
        applicant_user_id=cast.agency_user.id, status=status, submitted_at=now, created_at=now,
    )
    db.add(project)
    await db.commit()
    return project


async def make_tender(
    db: AsyncSession, project: Project, cast: Cast, *, now: datetime, bid_deadline: datetime,
    status: TenderStatus = TenderStatus.published, doc_start: datetime | None = None,
    doc_end: datetime | None = None, question_deadline: datetime | None = None, **kw: Any,
) -> Tender:
    n = next(_seq)
    tender = Tender(
        project_id=project.id, code=f"{project.code}-T{n}", title=f"{project.name}施工招标{n}", line=project.line,
        ruleset_version="2026.1", status=status, agency_org_id=project.agency_org_id,
        tenderer_org_id=project.tenderer_org_id, created_by=cast.agency_user.id,
        evaluation_method=EvaluationMethod.lowest_evaluated_price,
        doc_start=doc_start if doc_start is not None else now,
        doc_end=doc_end if doc_end is not None else bid_deadline - timedelta(days=10),
        question_deadline=question_deadline if question_deadline is not None else bid_deadline - timedelta(days=15),
        bid_deadline=bid_deadline, published_at=now if status != TenderStatus.draft else None,
        next_check_at=bid_deadline if status == TenderStatus.published else None,
        created_at=now, updated_at=now, **kw,
    )
    db.add(tender)
    await db.flush()
    db.add(Lot(tender_id=tender.id, number=1, name="标段一", budget=Decimal("5000000.00"),
               bond_amount=Decimal("100000.00")))
    await db.commit()
    return tender


async def record_download(db: AsyncSession, tender: Tender, org: Organisation, user: User, now: datetime) -> None:
    docs = await fetch(db, select(TenderDocument).where(TenderDocument.tender_id == tender.id))
    doc = docs[0] if docs else None
    if doc is None:
        doc = TenderDocument(tender_id=tender.id, sha256="0" * 64, filename="招标文件.pdf",
                             content_type="application/pdf", size=1, uploaded_by=tender.created_by, uploaded_at=now)
        db.add(doc)
        await db.flush()
    db.add(DocumentDownload(tender_id=tender.id, document_id=doc.id, org_id=org.id, user_id=user.id, at=now))
    await db.commit()


async def another_user(db: AsyncSession, org: Organisation, now: datetime) -> User:
    return await create_user(db, org, now=now)


async def reload(db: AsyncSession, model: Any, row_id: str) -> Any:
    """Fresh copy of a row; the read transaction is ended so SQLite's write lock is free for the app."""
    row = await db.get(model, row_id, populate_existing=True)
    await db.commit()
    return row


async def fetch(db: AsyncSession, stmt: Any) -> list[Any]:
    """Run a read and end its transaction (BEGIN IMMEDIATE would otherwise block every other writer)."""
    rows = list((await db.execute(stmt)).scalars().all())
    await db.commit()
    return rows


async def audit_tags(db: AsyncSession, subject_id: str | None = None) -> list[str]:
    stmt = select(AuditEvent.tag).order_by(AuditEvent.seq)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    return await fetch(db, stmt)


async def inbox(db: AsyncSession, org: Organisation) -> list[Notification]:
    stmt = select(Notification).where(Notification.org_id == org.id).order_by(Notification.created_at)
    return await fetch(db, stmt)
