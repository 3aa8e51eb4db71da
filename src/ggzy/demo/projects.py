"""Demo projects, made the way users make them: through the same services the pages and the API call.

After a seed every workspace has something to look at or act on: two admitted projects whose tenders have
a real 招标文件 (PDF) and a published announcement, one application waiting in the centre's admission
queue, and a bidder's question answered by the agency (a clarification in the downloaders' inboxes).
Every step first looks for what it would create, so a second run adds nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.demo.documents import DocLot, tender_document_pdf
from ggzy.demo.seed import CITY, SeedResult, actor_of
from ggzy.kit.db import commit
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import Priority, Project, ProjectStatus, TradingLine
from ggzy.project.schemas import ProjectApply
from ggzy.storage.blobstore import BlobStore
from ggzy.storage.upload import Upload
from ggzy.tender import rules
from ggzy.tender.models import EvaluationMethod, Question, Tender, TenderDocument, TenderStatus
from ggzy.tender.schemas import LotIn, TenderCreate
from ggzy.workdays.rules import Overrides

DOCUMENT_FILENAME = "招标文件.pdf"
MAX_DEMO_DOCUMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class DemoProject:
    name: str
    line: TradingLine
    tenderer: str
    agency: str
    amount: Decimal
    description: str
    method: EvaluationMethod
    lots: tuple[tuple[str, Decimal], ...]
    priority: Priority | None = None
    priority_reason: str = ""
    admit: bool = True
    """False: the application stays in the centre's admission queue (no tender)."""


DEMO_PROJECTS = (
    DemoProject("云州市青山区第二小学教学楼改扩建工程", TradingLine.construction, "tenderer1", "agency1",
                Decimal("38500000.00"), "新建教学楼一栋（地上五层），改造原教学楼及室外配套工程。",
                EvaluationMethod.comprehensive_assessment,
                (("施工", Decimal("36800000.00")), ("监理", Decimal("1700000.00"))),
                Priority.livelihood, "重大民生项目：缓解青山区秋季学位紧张"),
    DemoProject("云州市人民医院医用设备采购项目", TradingLine.procurement, "tenderer3", "agency2",
                Decimal("6200000.00"), "采购医学影像设备和检验设备各一批，含安装调试与培训。",
                EvaluationMethod.comprehensive_scoring,
                (("医学影像设备", Decimal("4500000.00")), ("检验设备", Decimal("1700000.00")))),
    DemoProject("云州市第一中学智慧教室设备采购项目", TradingLine.procurement, "tenderer2", "agency2",
                Decimal("2860000.00"), "为 36 间教室配置智慧黑板、教学终端及录播系统。",
                EvaluationMethod.comprehensive_scoring, (("智慧教室设备", Decimal("2860000.00")),), admit=False),
)

DEMO_QUESTION = ("施工标段的工程量清单中“外墙保温”做法与设计说明不一致，以哪一份为准？",
                 "以设计说明为准，工程量清单按设计说明计价；其余内容不变。")
"""Asked by bidder1 on the first tender, answered by its agency."""
DEMO_DOWNLOADERS = ("bidder1", "bidder2")


def demo_timetable(now: datetime, line: TradingLine, overrides: Overrides) -> dict[str, datetime]:
    """A timetable the tender rules accept at `now`: documents on offer from `now` for at least the line's
    minimum period (5 days; working days for procurement), the bid deadline ≥ 20 days out at 09:30 Beijing."""
    lr = rules.current_ruleset().for_line(line)
    earliest_end, _ = rules.earliest_doc_end(now, lr, overrides)
    end_day = max(now + timedelta(days=10), earliest_end).astimezone(SHANGHAI).date()
    doc_end = datetime.combine(end_day, time(17, 0), SHANGHAI)
    if doc_end < earliest_end:
        doc_end += timedelta(days=1)
    deadline_day = max(now + timedelta(days=25), doc_end + timedelta(days=5)).astimezone(SHANGHAI).date()
    bid_deadline = datetime.combine(deadline_day, time(9, 30), SHANGHAI)
    return {
        "doc_start": now,  # exactly now: not in the past, and already on offer for the seeded downloads
        "doc_end": doc_end,
        "question_deadline": bid_deadline - timedelta(days=16),
        "bid_deadline": bid_deadline,
    }


def _bond(budget: Decimal) -> Decimal:
    return (budget * Decimal("0.02")).quantize(Decimal("1"))


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


@dataclass(frozen=True)
class _Cast:
    """Plain values taken before any service call: upload_document ends a transaction, which expires ORM rows."""

    staff: Actor
    agencies: dict[str, Actor]
    bidders: dict[str, Actor]
    org_ids: dict[str, str]
    org_names: dict[str, str]


def _cast(seeded: SeedResult) -> _Cast:
    return _Cast(
        staff=actor_of(seeded, "staff1"),
        agencies={s.agency: actor_of(seeded, s.agency) for s in DEMO_PROJECTS},
        bidders={u: actor_of(seeded, u) for u in DEMO_DOWNLOADERS},
        org_ids={k: o.id for k, o in seeded.orgs.items()},
        org_names={k: o.name for k, o in seeded.orgs.items()},
    )


async def seed_projects(session: AsyncSession, seeded: SeedResult, *, blobs: BlobStore, now: datetime) -> bool:
    """Create whatever part of the demo projects is missing; True when anything was created."""
    cast = _cast(seeded)
    created = False
    tender_ids: list[str] = []
    for spec in DEMO_PROJECTS:
        project_id, new = await _project(session, cast, spec, now)
        created |= new
        seeded.projects.append(project_id)
        if spec.admit:
            tender_id, new = await _tender(session, cast, spec, project_id, blobs=blobs, now=now)
            created |= new
            tender_ids.append(tender_id)
    created |= await _question(session, cast, tender_ids[0], blobs, now)
    for obj in [*seeded.orgs.values(), *seeded.users.values()]:
        await session.refresh(obj)  # an upload ended a transaction (expiring rows): hand the caller loaded ones
    await commit(session)
    return created


async def _project(session: AsyncSession, cast: _Cast, spec: DemoProject, now: datetime) -> tuple[str, bool]:
    """Applied by the agency; admitted (and prioritised) by centre staff when the spec says so."""
    from ggzy.project.service import admit_project, apply_project, set_priority

    found = (await session.execute(
        select(Project).where(Project.name == spec.name, Project.agency_org_id == cast.org_ids[spec.agency])
    )).scalars().first()
    created = found is None
    if found is None:
        found = await apply_project(session, cast.agencies[spec.agency], ProjectApply(
            name=spec.name, line=spec.line, region=CITY, description=spec.description, funding_source="财政资金",
            state_funded=True, amount=spec.amount, tenderer_org_id=cast.org_ids[spec.tenderer],
        ), now=now)
    project_id, status = found.id, found.status
    if spec.admit and status == ProjectStatus.submitted:
        await admit_project(session, cast.staff, project_id, now=now)
        if spec.priority is not None:
            await set_priority(session, cast.staff, project_id, spec.priority, spec.priority_reason, now=now)
        created = True
    return project_id, created


async def _tender(session: AsyncSession, cast: _Cast, spec: DemoProject, project_id: str, *, blobs: BlobStore,
                  now: datetime) -> tuple[str, bool]:
    """The tender with its lots, its 招标文件 in the blob store, then the announcement."""
    from ggzy.tender.documents import upload_document
    from ggzy.tender.service import METHOD_LABELS, create_tender, publish_announcement
    from ggzy.workdays.service import load_overrides

    agency = cast.agencies[spec.agency]
    created = False
    row = (await session.execute(
        select(Tender.id, Tender.code, Tender.status).where(Tender.project_id == project_id).order_by(Tender.code)
    )).first()
    if row is None:
        view = await create_tender(session, agency, TenderCreate(
            project_id=project_id, title=spec.name, evaluation_method=spec.method,
            description=f"{spec.description}详见招标文件。", qualification="具有独立法人资格，近三年无重大违法记录。",
            lots=[LotIn(name=name, budget=budget, ceiling_price=budget, bond_amount=_bond(budget))
                  for name, budget in spec.lots],
            **demo_timetable(now, spec.line, await load_overrides(session)),
        ), now=now)
        tender_id, code, status = view.tender.id, view.tender.code, view.tender.status
        created = True
    else:
        tender_id, code, status = row

    def pdf() -> bytes:
        return tender_document_pdf(
            title=spec.name, code=code, tenderer=cast.org_names[spec.tenderer], agency=cast.org_names[spec.agency],
            method=METHOD_LABELS.get(spec.method, (str(spec.method), ""))[0],
            lots=[DocLot(name, budget, _bond(budget)) for name, budget in spec.lots],
        )

    stored = (await session.execute(
        select(TenderDocument.sha256).where(TenderDocument.tender_id == tender_id, TenderDocument.current.is_(True))
    )).scalars().first()
    if stored is None:
        await upload_document(session, agency, blobs=blobs, tender_id=tender_id, max_bytes=MAX_DEMO_DOCUMENT_BYTES,
                              upload=Upload(DOCUMENT_FILENAME, "application/pdf", _once(pdf())), now=now)
        created = True
    elif not await blobs.exists(stored):
        # The rows outlived the data directory (another --data-dir on the same database): the same bytes again.
        await blobs.put_stream(_once(pdf()), MAX_DEMO_DOCUMENT_BYTES)
    if status == TenderStatus.draft:
        await publish_announcement(session, agency, tender_id, now=now)
        created = True
    return tender_id, created


async def _question(session: AsyncSession, cast: _Cast, tender_id: str, blobs: BlobStore, now: datetime) -> bool:
    """Two bidders download the first tender's documents; one asks, the agency answers to every downloader."""
    from ggzy.tender.documents import download_document, has_downloaded, on_offer
    from ggzy.tender.questions import answer_question, ask_question, questions_open

    if (await session.execute(select(Question.id).where(Question.tender_id == tender_id))).first() is not None:
        return False
    tender = (await session.execute(select(Tender).where(Tender.id == tender_id))).scalars().one()
    if not (on_offer(tender, now) and questions_open(tender, now)):
        return False  # a database seeded long ago: the document period is over, nothing left to ask
    agency_id = tender.agency_org_id
    doc_id = (await session.execute(
        select(TenderDocument.id).where(TenderDocument.tender_id == tender_id, TenderDocument.current.is_(True))
    )).scalars().one()
    for username in DEMO_DOWNLOADERS:
        bidder = cast.bidders[username]
        if not await has_downloaded(session, bidder.org_id, tender_id):
            await download_document(session, bidder, blobs=blobs, tender_id=tender_id, document_id=doc_id, now=now)
    question = await ask_question(session, cast.bidders[DEMO_DOWNLOADERS[0]], tender_id=tender_id,
                                  body=DEMO_QUESTION[0], now=now)
    manager = next(a for a in cast.agencies.values() if a.org_id == agency_id)
    await answer_question(session, manager, question_id=question.id, body=DEMO_QUESTION[1], now=now)
    return True
