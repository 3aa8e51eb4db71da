"""Pure rules of the award: who may be chosen, and the contract's clock (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, Protocol

from ggzy.award.models import AwardStatus
from ggzy.project.models import TradingLine
from ggzy.publicity.rules import end_of_day, local_day

CONTRACT_DAYS: Final = 30
"""The contract is signed within 30 days of the award notice (Evaluation Rules Art.49; MOF 87 Art.71)."""
REMINDER_DAY: Final = 25
"""Default day (after the award notice) of the reminder to the tenderer; award.service takes another."""

LIVE: Final = frozenset({AwardStatus.confirmed, AwardStatus.notified, AwardStatus.contracted})
"""A lot has at most one award in these statuses."""

STATUS_LABELS: Final = MappingProxyType({
    AwardStatus.confirmed: ("已确定中标人，待公告", "Winner confirmed, notice due", "orange"),
    AwardStatus.notified: ("已发中标通知书", "Award notice issued", "green"),
    AwardStatus.contracted: ("合同已备案", "Contract recorded", "green"),
    AwardStatus.revoked: ("中标资格已取消", "Award revoked", "red"),
})


class Ranked(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def rank(self) -> int: ...


def must_follow_ranking(line: TradingLine | str, state_funded: bool) -> bool:
    """Rank 1 first: state-funded construction (Bidding Regs Art.55) and procurement (MOF 87 Art.68)."""
    return TradingLine(line) == TradingLine.procurement or state_funded


@dataclass(frozen=True)
class Choice:
    problem: str | None
    """None, "excluded" (the chosen one may not be awarded), "rank_one_required", "reason_required"."""
    skipped: tuple[str, ...] = ()
    """Ids of better-ranked candidates the choice passes over (recorded as having given up)."""


def check_choice(candidates: Sequence[Ranked], excluded: set[str], chosen_id: str, *, ranked: bool,
                 reason: str) -> Choice:
    """May `chosen_id` be awarded? In ranked mode only the best candidate still available, unless a reason says
    why the better ones do not take it (they gave up, Art.55); otherwise any candidate, with a reason when it
    is not rank 1."""
    ordered = sorted(candidates, key=lambda c: c.rank)
    chosen = next((c for c in ordered if c.id == chosen_id), None)
    if chosen is None or chosen.id in excluded:
        return Choice("excluded")
    better = tuple(c.id for c in ordered if c.rank < chosen.rank and c.id not in excluded)
    if not better:
        return Choice(None)
    if not reason.strip():
        return Choice("rank_one_required" if ranked else "reason_required", better)
    return Choice(None, better if ranked else ())


def contract_due(notified_at: datetime) -> datetime:
    return end_of_day(local_day(notified_at) + timedelta(days=CONTRACT_DAYS))


def reminder_at(notified_at: datetime, day: int = REMINDER_DAY) -> datetime:
    """Start of day `day` after the notice (Beijing), i.e. the end of day `day - 1`."""
    return end_of_day(local_day(notified_at) + timedelta(days=max(1, min(day, CONTRACT_DAYS)) - 1))


def letter_no(tender_code: str, lot_number: int, revision: int) -> str:
    """中标通知书编号: one per lot, a suffix when a revoked award is replaced."""
    return f"ZBTZ-{tender_code}-{lot_number}" + (f"-{revision}" if revision > 1 else "")
