"""Rows for portal and workspace tests: projects, tenders, notices written straight to the tables.

The portal only reads, so these skip the services on purpose; each function commits.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.deps import SESSION_COOKIE
from ggzy.auth.service import start_web_session
from ggzy.config import Settings
from ggzy.party.models import Organisation, User
from ggzy.project.models import Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.tender.models import DocumentDownload, EvaluationMethod, Lot, Tender, TenderDocument, TenderStatus

_seq = itertools.count(1)

PREFIX = {
    TradingLine.construction: "GC",
    TradingLine.procurement: "CG",
    TradingLine.property: "CQ",
    TradingLine.land: "TD",
}


async def make_project(
    db: AsyncSession, *, tenderer: Organisation, applicant: User, now: datetime,
    line: TradingLine = TradingLine.construction, agency: Organisation | None = None,
    status: ProjectStatus = ProjectStatus.admitted, name: str | None = None, region: str = "市本级", **kw: Any,
) -> Project:
    n = next(_seq)
    project = Project(
        code=f"{PREFIX[line]}-2026-{n:05d}", name=name or f"项目{n}", line=line, region=region,
        amount=Decimal("1000000.00"), tenderer_org_id=tenderer.id,
        agency_org_id=agency.id if agency else None, applicant_user_id=applicant.id, status=status,
        submitted_at=now, created_at=now, **kw,
    )
    db.add(project)
    await db.commit()
    return project


async def make_tender(
    db: AsyncSession, project: Project, *, creator: User, now: datetime, title: str | None = None,
    status: TenderStatus = TenderStatus.published, bid_deadline: datetime | None = None,
) -> Tender:
    n = next(_seq)
    deadline = bid_deadline or now + timedelta(days=21)
    tender = Tender(
        project_id=project.id, code=f"{project.code}-T{n}", title=title or f"{project.name}招标",
        line=project.line, ruleset_version="2026.1", status=status, agency_org_id=project.agency_org_id,
        tenderer_org_id=project.tenderer_org_id, created_by=creator.id,
        evaluation_method=EvaluationMethod.lowest_evaluated_price,
        doc_start=now, doc_end=now + timedelta(days=7), question_deadline=deadline - timedelta(days=10),
        bid_deadline=deadline, published_at=now if status != TenderStatus.draft else None,
        created_at=now, updated_at=now,
    )
    db.add(tender)
    await db.flush()
    db.add(Lot(tender_id=tender.id, number=1, name="第一标段", budget=Decimal("1000000.00"),
               ceiling_price=Decimal("980000.00"), bond_amount=Decimal("20000.00")))
    await db.commit()
    return tender


async def make_notice(
    db: AsyncSession, project: Project, *, by: User, now: datetime, tender: Tender | None = None,
    title: str | None = None, body: str = "公告正文", kind: NoticeKind = NoticeKind.tender_announcement,
    published_at: datetime | None = None, data: dict[str, Any] | None = None,
) -> Notice:
    notice = Notice(
        project_id=project.id, tender_id=tender.id if tender else None, kind=kind, line=project.line,
        region=project.region, title=title or (tender.title if tender else project.name) + "招标公告", body=body,
        data=data or {}, published_at=published_at or now, published_by=by.id,
    )
    db.add(notice)
    await db.commit()
    return notice


async def make_download(
    db: AsyncSession, tender: Tender, *, bidder_org: Organisation, bidder_user: User, uploader: User, now: datetime
) -> DocumentDownload:
    """A tender document and one download of it by `bidder_org`."""
    doc = TenderDocument(
        tender_id=tender.id, sha256="0" * 64, filename="招标文件.pdf", content_type="application/pdf", size=1024,
        uploaded_by=uploader.id, uploaded_at=now,
    )
    db.add(doc)
    await db.flush()
    dl = DocumentDownload(tender_id=tender.id, document_id=doc.id, org_id=bidder_org.id, user_id=bidder_user.id,
                          at=now)
    db.add(dl)
    await db.commit()
    return dl


async def login_cookie(
    client: AsyncClient, db: AsyncSession, settings: Settings, user: User, org: Organisation, *, now: datetime
) -> None:
    """Give `client` a browser session for `user` (what POST /login would set)."""
    token, _ = await start_web_session(db, settings, user, org, ip="203.0.113.7", user_agent="pytest", now=now)
    client.cookies.set(SESSION_COOKIE, token)
