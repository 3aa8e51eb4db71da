"""Test data for documents, downloads and questions: tenders inserted as rows, parties for every role."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.models import ApiToken
from ggzy.auth.service import start_web_session, token_hash
from ggzy.config import Settings
from ggzy.party.models import Organisation, OrgKind, OrgStatus, User
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.tender.models import EvaluationMethod, Lot, Tender, TenderStatus
from tests.factories import create_party

_seq = itertools.count(1)


@dataclass
class Party:
    org: Organisation
    user: User
    actor: Actor
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Every role around one construction tender."""

    centre: Party
    agency: Party
    tenderer: Party
    supervisor: Party
    """Watches construction (the tender's line)."""
    other_supervisor: Party
    """Watches procurement only."""
    bidders: list[Party]
    unverified: Party
    tender: Tender
    start: datetime

    def roles(self) -> dict[str, Party]:
        return {
            "centre": self.centre, "agency": self.agency, "tenderer": self.tenderer,
            "supervisor": self.supervisor, "other_supervisor": self.other_supervisor,
            **{f"bidder{i}": b for i, b in enumerate(self.bidders)}, "unverified": self.unverified,
        }


async def make_tender(
    db: AsyncSession, *, now: datetime, agency: Organisation, tenderer: Organisation, user: User,
    status: TenderStatus = TenderStatus.published, line: TradingLine = TradingLine.construction,
    doc_days: float = 5, question_days: float = 10, bid_days: float = 20,
) -> Tender:
    """A tender whose documents are on offer from `now` for `doc_days`; bids close after `bid_days`."""
    n = next(_seq)
    project = Project(
        code=f"GC-2026-{n:05d}", name=f"测试项目{n}", line=line, tenderer_org_id=tenderer.id,
        agency_org_id=agency.id, applicant_user_id=user.id, status=ProjectStatus.admitted,
        submitted_at=now, created_at=now,
    )
    db.add(project)
    await db.flush()
    tender = Tender(
        project_id=project.id, code=f"ZB-2026-{n:05d}", title=f"测试招标{n}", line=line, ruleset_version="2026.1",
        status=status, agency_org_id=agency.id, tenderer_org_id=tenderer.id, created_by=user.id,
        evaluation_method=EvaluationMethod.lowest_evaluated_price,
        doc_start=now, doc_end=now + timedelta(days=doc_days),
        question_deadline=now + timedelta(days=question_days), bid_deadline=now + timedelta(days=bid_days),
        published_at=now if status != TenderStatus.draft else None, created_at=now, updated_at=now,
    )
    db.add(tender)
    await db.flush()
    db.add(Lot(tender_id=tender.id, number=1, name="一标段", budget=Decimal("1000000.00"),
               bond_amount=Decimal("20000.00")))
    await db.commit()
    return tender


async def quick_bearer(db: AsyncSession, user: User, now: datetime) -> dict[str, str]:
    """An API token written directly (the login path is tested by engineer A; argon2 is slow on purpose)."""
    token = "ggzy_" + secrets.token_urlsafe(24)
    db.add(ApiToken(token_hash=token_hash(token), user_id=user.id, name="test", created_at=now,
                    expires_at=now + timedelta(days=365)))
    await db.commit()
    return {"Authorization": f"Bearer {token}"}


async def make_world(
    db: AsyncSession, client: AsyncClient, *, now: datetime, bidders: int = 3, **tender_kw: Any
) -> World:
    async def party(kind: OrgKind, **kw: Any) -> Party:
        org, user, actor = await create_party(db, kind, now=now, **kw)
        return Party(org, user, actor, await quick_bearer(db, user, now))

    agency = await party(OrgKind.agency, name="华信招标代理有限公司")
    tenderer = await party(OrgKind.tenderer, name="市第一中学")
    tender = await make_tender(db, now=now, agency=agency.org, tenderer=tenderer.org, user=agency.user, **tender_kw)
    return World(
        centre=await party(OrgKind.centre, name="市公共资源交易中心"),
        agency=agency,
        tenderer=tenderer,
        supervisor=await party(OrgKind.supervisor, name="市住建局", supervised_lines=["construction"]),
        other_supervisor=await party(OrgKind.supervisor, name="市财政局", supervised_lines=["procurement"]),
        bidders=[await party(OrgKind.bidder, name=f"投标公司{chr(0x7532 + i)}有限公司") for i in range(bidders)],
        unverified=await party(OrgKind.bidder, name="待核验建设公司", status=OrgStatus.pending),
        tender=tender,
        start=now,
    )


async def count_rows(db: AsyncSession, model: Any) -> int:
    """Count rows, then end the read: an open SQLite transaction would block the app's writes."""
    n = int((await db.execute(select(func.count()).select_from(model))).scalar_one())
    await db.commit()  # not rollback: that would expire the World's ORM objects
    return n


async def upload(client: AsyncClient, w: World, content: bytes, filename: str = "招标文件.pdf",
                 who: Party | None = None) -> Any:
    return await client.post(
        f"/api/tenders/{w.tender.id}/documents",
        files={"file": (filename, content, "application/pdf")},
        headers=(who or w.agency).headers,
    )


async def download(client: AsyncClient, w: World, who: Party, doc_id: str) -> Any:
    return await client.get(f"/api/tenders/{w.tender.id}/documents/{doc_id}/download", headers=who.headers)


@asynccontextmanager
async def page_client(
    app: FastAPI, db: AsyncSession, settings: Settings, p: Party, now: datetime
) -> AsyncIterator[tuple[AsyncClient, str]]:
    """A browser-like client logged in with a session cookie; yields it and its CSRF token."""
    token, ws = await start_web_session(db, settings, p.user, p.org, ip="203.0.113.9", user_agent="test", now=now)
    transport = ASGITransport(app=app, client=("203.0.113.9", 40001))
    async with AsyncClient(
        transport=transport, base_url="http://testserver", cookies={"ggzy_session": token},
        headers={"accept": "text/html"},
    ) as c:
        yield c, ws.csrf_token
