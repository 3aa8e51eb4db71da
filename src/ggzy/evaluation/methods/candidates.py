"""中标候选人: the top 1-3 of a ranking (Bidding Regs Art.53; MOF 87 Art.56/57 "不超过3名").

Never a rejected bid: the ranking holds valid bids only, and any entry id in `rejected_ids` is filtered out
again here as a last guard. Candidates are renumbered 1..n in ranking order. Whether the tenderer must award
rank 1 (state-funded construction, Bidding Regs Art.55) is the award's rule, not this one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from ggzy.evaluation.methods.base import Ranked

MAX_CANDIDATES = 3
"""Bidding Regs Art.53: the report recommends no more than three candidates."""


def candidates(ranked: Sequence[Ranked], rejected_ids: Collection[str], max_n: int = MAX_CANDIDATES) -> list[Ranked]:
    if not 1 <= max_n <= MAX_CANDIDATES:
        raise ValueError(f"max_n must be 1..{MAX_CANDIDATES} (Bidding Regs Art.53)")
    rejected = set(rejected_ids)
    kept = [r for r in sorted(ranked, key=lambda r: r.rank) if r.entry_id not in rejected]
    return [replace(r, rank=n) for n, r in enumerate(kept[:max_n], start=1)]
