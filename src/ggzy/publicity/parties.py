"""Who takes part at this stage (reads only): the tender's bidders, its managers, the line's supervisors, the
centre. Shared by publicity, award and complaints so they notify the same people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.opening.models import Opening, OpeningEntry
from ggzy.party.models import Organisation, OrgKind
from ggzy.tender.models import Tender


async def bidder_orgs(session: AsyncSession, tender_id: str) -> list[str]:
    """Organisations with a bid in the tender's opening (投标人 of Bidding Regs Art.54 / 供应商 of GP Law Art.52)."""
    stmt = (select(OpeningEntry.bidder_org_id).join(Opening, Opening.id == OpeningEntry.opening_id)
            .where(Opening.tender_id == tender_id).distinct())
    return sorted((await session.execute(stmt)).scalars().all())


async def is_bidder(session: AsyncSession, tender_id: str, org_id: str | None) -> bool:
    if org_id is None:
        return False
    stmt = (select(OpeningEntry.id).join(Opening, Opening.id == OpeningEntry.opening_id)
            .where(Opening.tender_id == tender_id, OpeningEntry.bidder_org_id == org_id).limit(1))
    return (await session.execute(stmt)).first() is not None


def managers(tender: Tender) -> list[str]:
    return [o for o in (tender.tenderer_org_id, tender.agency_org_id) if o]


async def supervisor_orgs(session: AsyncSession, line: str) -> list[str]:
    """Supervisor organisations watching `line` (few rows: filtered here, the JSON column differs per engine)."""
    rows = (await session.execute(select(Organisation.id, Organisation.supervised_lines).where(
        Organisation.kind == OrgKind.supervisor))).all()
    return sorted(str(org_id) for org_id, lines in rows if line in (lines or ()))


async def centre_orgs(session: AsyncSession) -> list[str]:
    stmt = select(Organisation.id).where(Organisation.kind == OrgKind.centre).order_by(Organisation.id)
    return list((await session.execute(stmt)).scalars().all())


async def org(session: AsyncSession, org_id: str | None) -> Organisation | None:
    return await session.get(Organisation, org_id) if org_id else None
