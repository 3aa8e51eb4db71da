"""Demo-only JSON API: mounted by create_app ONLY when GGZY_DEMO_CLOCK=1 (settings.demo_clock)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ggzy.auth.deps import CentreStaff
from ggzy.demo import service
from ggzy.demo.schemas import AdvanceIn, ClockOut, SweepOut
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api/demo", tags=["demo"])


@router.get("/clock", response_model=ClockOut)
async def get_clock(clock: ClockDep) -> ClockOut:
    """The platform's current time (anyone may read it in demo mode)."""
    return ClockOut(now=clock.now())


@router.post("/clock/advance", response_model=ClockOut)
async def advance(body: AdvanceIn, actor: CentreStaff, session: DB, clock: ClockDep) -> ClockOut:
    """Move the platform clock forward (centre staff only)."""
    return ClockOut(now=await service.advance_clock(session, actor, clock, seconds=body.seconds, now=clock.now()))


@router.post("/sweep", response_model=SweepOut)
async def sweep(request: Request, actor: CentreStaff, session: DB, clock: ClockDep) -> SweepOut:
    """Run the chronograph once now (centre staff only), so the demo need not wait for the interval."""
    handled = await service.sweep_now(session, request.app.state.sessionmaker, clock)
    return SweepOut(handled=handled, now=clock.now())
