"""The state `ggzy demo` carries from stage to stage: the platform's API, its clock, and one run per tender."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ggzy.demo.api import Api, StageSkipped, parse_time
from ggzy.demo.scenarios import Scenario

T = TypeVar("T")


@dataclass
class TenderRun:
    """What the stages learned about one tender (scenario) as it moves along."""

    scenario: Scenario
    project_id: str = ""
    tender_id: str = ""
    lot_ids: list[str] = field(default_factory=list)
    document_id: str = ""
    document_sha256: str = ""
    bid_deadline: datetime | None = None
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    draw_id: str = ""
    seed_commitment: str = ""
    """Published when the draw was requested, before anything was drawn."""
    members: dict[str, str] = field(default_factory=dict)
    """expert username → CommitteeMember id (each expert learns their own from the invitation)."""
    chair: str = ""
    """The username of the elected chair."""
    evaluation_at: datetime | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """Lot 1's candidates as the room lists them after submission (rank, bidder_org_id, price, total)."""
    award_id: str = ""
    contract_amount: str = ""

    @property
    def key(self) -> str:
        return self.scenario.key

    @property
    def agency(self) -> str:
        return self.scenario.agency


@dataclass
class AuctionRun:
    """What the stages learned about the land auction (demo/land.py) as it moves along."""

    project_id: str = ""
    lot_id: str = ""
    listing_start: datetime | None = None
    listing_end: datetime | None = None
    numbers: dict[str, str] = field(default_factory=dict)
    """bidder username → its 竞买号 (each bidder learns its own at approval)."""
    commitment: str = ""
    """The reserve's commitment as the entry returned it (the amount itself is never returned)."""
    ends_at: datetime | None = None
    """The countdown's end as the server last set it."""
    restarts: int = 0
    """Timed bids that moved the countdown's end."""


@dataclass
class Play:
    """The demo's state as it moves through the stages."""

    api: Api
    clock_movable: bool = False
    runs: dict[str, TenderRun] = field(default_factory=dict)
    keys: dict[str, Any] = field(default_factory=dict)
    """username -> (org_id, sealing.keys.KeyPairSet): the private halves live only here, the bidders' machines."""
    org_users: dict[str, str] = field(default_factory=dict)
    """bidder organisation id → the demo username acting for it."""
    org_names: dict[str, str] = field(default_factory=dict)
    """bidder organisation id → its name."""
    audit_ok: bool | None = None
    workdir: Path | None = None
    auction: AuctionRun = field(default_factory=AuctionRun)

    def now(self) -> datetime:
        if self.clock_movable:
            return parse_time(self.api.json("GET", "/api/demo/clock")["now"])
        from ggzy.kit.clock import SystemClock

        return SystemClock().now()

    def advance(self, seconds: float) -> datetime:
        if not self.clock_movable:
            raise StageSkipped("the platform's clock cannot be moved (start it with GGZY_DEMO_CLOCK=1)")
        return parse_time(self.api.json("POST", "/api/demo/clock/advance", as_="admin",
                                        json={"seconds": seconds})["now"])

    def advance_to(self, moment: datetime | str | None, *, margin: float = 1) -> None:
        """Move the clock just past `moment` (if it is ahead), then let the chronograph apply what is due."""
        if moment is not None:
            when = parse_time(moment) if isinstance(moment, str) else moment
            wait = (when - self.now()).total_seconds()
            if wait > -margin:
                self.advance(max(0.0, wait) + margin)
        self.sweep()

    def sweep(self) -> None:
        self.api.json("POST", "/api/demo/sweep", as_="admin", json={})

    def wait_for(self, read: Callable[[], T], until: Callable[[T], bool], *, tries: int = 50) -> T:
        """Sweep and read until `until(value)`; the last value read otherwise (the caller decides)."""
        value = read()
        for _ in range(tries):
            if until(value):
                return value
            self.sweep()
            value = read()
            if not until(value):
                time.sleep(0.1)
        return value

    def tender(self, run: TenderRun) -> dict[str, Any]:
        data: dict[str, Any] = self.api.json("GET", f"/api/tenders/{run.tender_id}", as_=run.agency)
        return data

    def bidder_of(self, org_id: str) -> str:
        return self.org_users.get(org_id, org_id)


def need(run: TenderRun, *attrs: str) -> None:
    missing = [a for a in attrs if not getattr(run, a)]
    if missing:
        raise StageSkipped(f"an earlier stage did not produce {', '.join(missing)}")
