"""OCDS 1.1 open data (public, no login): the releases and the record of a process, and a paged release listing."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ggzy.kit.web import DB, ClockDep, SettingsDep
from ggzy.ocds import service

router = APIRouter(prefix="/api/ocds", tags=["ocds"])


@router.get("/releases")
async def release_listing(session: DB, clock: ClockDep, settings: SettingsDep,
                          page: int = Query(1, ge=1, le=1_000_000),
                          per_page: int = Query(20, ge=1, le=service.MAX_PER_PAGE)) -> JSONResponse:
    """A release package of every release of `per_page` processes (tenders and auction lots, oldest first)."""
    return JSONResponse(await service.release_page(session, page=page, per_page=per_page, settings=settings,
                                                   now=clock.now()))


@router.get("/releases/{ocid}")
async def releases(ocid: str, session: DB, clock: ClockDep, settings: SettingsDep) -> JSONResponse:
    """A release package of every release of one process, oldest first."""
    return JSONResponse(await service.release_package(session, ocid, settings=settings, now=clock.now()))


@router.get("/records/{ocid}")
async def record(ocid: str, session: DB, clock: ClockDep, settings: SettingsDep) -> JSONResponse:
    """A record package: the process's releases and its compiled release (OCDS merge rules)."""
    return JSONResponse(await service.record_package(session, ocid, settings=settings, now=clock.now()))
