"""`ggzy venue seed-rooms`: enter the source centre's rooms (8 opening, 13 evaluation, supervision, expert-draw,
Q&A) and three remote seats of neighbouring centres into the configured database. Safe to run again."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

venue_app = typer.Typer(help="The venue: rooms, bookings, reception desk, duty roster (场地)", no_args_is_help=True)
out = Console()


async def _seed(url: str | None) -> tuple[bool, int]:
    from sqlalchemy import func, select

    from ggzy.config import get_settings
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.venue.models import Room
    from ggzy.venue.seed import seed_rooms

    settings = get_settings()
    engine = make_engine(url or settings.effective_database_url)
    try:
        async with make_sessionmaker(engine, audit_key=settings.secret_key)() as session:
            added = await seed_rooms(session, now=SystemClock().now())
            count = int((await session.execute(select(func.count()).select_from(Room))).scalar_one())
            await session.commit()
            return added, count
    finally:
        await engine.dispose()


@venue_app.command("seed-rooms")
def seed_rooms_cmd(
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: the configured one)")] = None,
) -> None:
    """Add the rooms that are missing (each addition is recorded in the audit chain)."""
    added, count = asyncio.run(_seed(database_url))
    out.print(f"{'added rooms' if added else 'nothing to add'}; the venue has {count} rooms and remote seats")
