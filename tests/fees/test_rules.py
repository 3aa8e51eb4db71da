"""The fee schedule's arithmetic, worked by hand: cumulative bands (差额定率累进) at their boundaries, the minimum,
the cap, half-up rounding to the fen; expert fees by half / full day; the schedule in force by date; the document
fee ceiling (cost only, Bidding Regs Art.16; MOF 87 Art.24)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from ggzy.fees import rules
from ggzy.fees.errors import NoSchedule
from ggzy.fees.models import PayerRole
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine

S = rules.get_schedule("2024.1")
D = Decimal


def fee(line: TradingLine, amount: str) -> rules.ServiceFee:
    return rules.service_fee(D(amount), S.table(line))


@pytest.mark.parametrize(("amount", "expected", "applied"), [
    # ≤100万 at 0.10%: 1,000,000 × 0.001 = 1,000.00 (the whole amount sits in the first band)
    ("1000000.00", "1000.00", "bands"),
    # one fen over the bound: 1,000 + 0.01 × 0.0008 = 1,000.000008 → 1,000.00
    ("1000000.01", "1000.00", "bands"),
    # 300万: 1,000 + 2,000,000 × 0.0008 = 2,600.00
    ("3000000", "2600.00", "bands"),
    # 500万 exactly: 1,000 + 4,000,000 × 0.0008 = 4,200.00; 600万 adds 1,000,000 × 0.0005 = 500 → 4,700.00
    ("5000000", "4200.00", "bands"),
    ("6000000", "4700.00", "bands"),
    # 10亿: 1,000 + 3,200 + 2,500 + 12,000 + 7,500 + 900,000,000 × 0.00008 = 98,200.00
    ("1000000000", "98200.00", "bands"),
    # the band sum equals the cap exactly: 26,200 + 922,500,000 × 0.00008 = 100,000.00 (not "cap")
    ("1022500000", "100000.00", "bands"),
    # above: 26,200 + 922,600,000 × 0.00008 = 100,008 → capped at 100,000.00
    ("1022600000", "100000.00", "cap"),
    # 20亿: 178,200 by the bands → the cap
    ("2000000000", "100000.00", "cap"),
    # 20万 × 0.001 = 200 → the minimum of 500.00; 50万 gives exactly 500.00 by the bands
    ("200000", "500.00", "minimum"),
    ("500000", "500.00", "bands"),
    ("0.01", "500.00", "minimum"),
])
def test_construction_service_fee_bands_boundaries_minimum_and_cap(amount: str, expected: str, applied: str) -> None:
    got = fee(TradingLine.construction, amount)
    assert (got.fee, got.applied) == (D(expected), applied)


def test_band_parts_are_the_amount_split_at_each_bound_and_sum_exactly() -> None:
    got = fee(TradingLine.construction, "6000000")
    assert [(p.lower, p.upper, p.base, p.fee) for p in got.parts] == [
        (D(0), D(1000000), D(1000000), D("1000.000")),
        (D(1000000), D(5000000), D(4000000), D("3200.0000")),
        (D(5000000), D(10000000), D(1000000), D("500.0000")),
    ]
    assert got.exact == D("4700") and sum(p.base for p in got.parts) == D("6000000")
    assert [rules.band_text(p) for p in got.parts] == ["0–100万元部分 0.1%", "100–500万元部分 0.08%",
                                                       "500–1000万元部分 0.05%"]


def test_rounding_is_half_up_to_the_fen_once_after_the_exact_sum() -> None:
    """Property rights, 0.5% to 100万: 200,001 × 0.005 = 1,000.005 → 1,000.01 (banker's rounding would give
    1,000.00); 100,001 × 0.005 = 500.005 → 500.01, below the 1,000 minimum."""
    got = fee(TradingLine.property, "200001")
    assert (got.exact, got.rounded, got.fee, got.applied) == (D("1000.005"), D("1000.01"), D("1000.01"), "bands")
    low = fee(TradingLine.property, "100001")
    assert (low.rounded, low.fee, low.applied) == (D("500.01"), D("1000.00"), "minimum")


def test_land_and_procurement_tables_and_who_pays() -> None:
    # 1亿 of land: 10,000,000 × 0.001 + 40,000,000 × 0.0006 + 50,000,000 × 0.0004 = 10,000 + 24,000 + 20,000
    assert fee(TradingLine.land, "100000000").fee == D("54000.00")
    # 95万 of procurement: 950.00; 20万 → 200 → the minimum 300.00
    assert fee(TradingLine.procurement, "950000").fee == D("950.00")
    assert fee(TradingLine.procurement, "200000").fee == D("300.00")
    assert S.table(TradingLine.construction).payers == (PayerRole.winner,)
    assert S.table(TradingLine.procurement).payers == (PayerRole.tenderer,)
    assert S.table(TradingLine.land).payers == (PayerRole.buyer,)
    assert S.table(TradingLine.property).payers == (PayerRole.buyer, PayerRole.seller)


def test_a_fee_needs_a_positive_amount_and_a_table_must_be_well_formed() -> None:
    for bad in ("0", "-1", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            fee(TradingLine.construction, bad)
    with pytest.raises(ValueError):
        rules.ServiceFeeTable(TradingLine.land, (rules.Band(D(100), D("0.01")),), D(0), D(1), (PayerRole.buyer,))
    with pytest.raises(ValueError):
        rules.ServiceFeeTable(TradingLine.land, (rules.Band(D(100), D("0.01")), rules.Band(D(50), D("0.01")),
                                                 rules.Band(None, D("0.01"))), D(0), D(1), (PayerRole.buyer,))
    with pytest.raises(ValueError):
        rules.ServiceFeeTable(TradingLine.land, (rules.Band(None, D("0.01")),), D(10), D(1), (PayerRole.buyer,))


def bj(d: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 3, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("start", "end", "units", "total"), [
    (bj(2, 9), bj(2, 11, 30), ["half"], "400.00"),
    (bj(2, 9), bj(2, 13), ["half"], "400.00"),  # exactly 4 hours is still half a day
    (bj(2, 9), bj(2, 13, 0, 1), ["full"], "700.00"),
    (bj(2, 9), bj(2, 9), ["half"], "400.00"),  # the expert came: at least half a day
    (bj(2, 6), bj(2, 10), ["half"], "400.00"),  # only 08:00-10:00 counts
    (bj(2, 9), bj(3, 11), ["full", "half"], "1100.00"),  # the night between does not count
    (bj(2, 9), bj(4, 17), ["full", "full", "full"], "2100.00"),
    (bj(2, 14), bj(3, 0), ["full"], "700.00"),  # ends at midnight: the next day is not touched
    (bj(2, 21), bj(2, 23), ["half"], "400.00"),  # outside the window: still the half day it cost
])
def test_expert_fee_per_session_by_half_and_full_days(start: datetime, end: datetime, units: list[str],
                                                      total: str) -> None:
    got = rules.expert_fee(start, end, S)
    assert [d.unit for d in got.days] == units and got.fee == D(total)


def test_expert_fee_counts_beijing_days_whatever_the_input_zone() -> None:
    from datetime import UTC

    got = rules.expert_fee(bj(2, 9).astimezone(UTC), bj(3, 11).astimezone(UTC), S)
    assert [d.day for d in got.days] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [d.hours for d in got.days] == [D("11.00"), D("3.00")]
    assert got.text() == "全天×1，半天×1"
    with pytest.raises(ValueError):
        rules.expert_fee(bj(3, 9), bj(2, 9), S)


def test_schedule_in_force_is_the_newest_effective_on_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    later = replace(S, version="2027.1", effective_from=date(2027, 1, 1), expert_half_day=D("500"))
    monkeypatch.setitem(rules.SCHEDULES, "2027.1", later)
    assert rules.schedule_on(date(2026, 12, 31)).version == "2024.1"
    assert rules.schedule_on(date(2027, 1, 1)).version == "2027.1"
    with pytest.raises(NoSchedule):
        rules.schedule_on(date(2023, 12, 31))
    with pytest.raises(NoSchedule):
        rules.get_schedule("1999.1")


def test_document_fee_ceiling_bidding_regs_art16_mof87_art24() -> None:
    """Cost of printing and postage only: the schedule's ceiling; zero means free."""
    assert rules.document_price_problem(D("0"), S) is None
    assert rules.document_price_problem(D("2000.00"), S) is None
    assert rules.document_price_problem(D("2000.01"), S) == "above_max"
    assert rules.document_price_problem(D("-1"), S) == "bad_amount"
    assert rules.document_price_problem(D("1.001"), S) == "bad_amount"
