"""Pure sums of the aid ledger against the hand-computed example (DOMAIN.md "Targeted poverty alleviation
ledger": households lifted vs registered, money by category / partner, visits and problems solved)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ggzy.aid import rules, state
from ggzy.aid.errors import BadStatusChange
from ggzy.aid.models import HouseholdStatus, ProjectCategory
from ggzy.kit.charts import nice_ticks, text_width, tick_label

H = HouseholdStatus
D = Decimal

HOUSEHOLDS = [rules.HouseholdFact("A", date(2016, 3, 15), 4), rules.HouseholdFact("B", date(2016, 3, 15), 3),
              rules.HouseholdFact("C", date(2016, 3, 15), 2), rules.HouseholdFact("D", date(2017, 4, 10), 5)]
CHANGES = [
    rules.StatusFact("A", 1, H.registered, date(2016, 3, 15)), rules.StatusFact("A", 2, H.to_lift, date(2017, 3, 1)),
    rules.StatusFact("A", 3, H.lifted, date(2017, 11, 20)),
    rules.StatusFact("B", 1, H.registered, date(2016, 3, 15)), rules.StatusFact("B", 2, H.lifted, date(2018, 11, 20)),
    rules.StatusFact("B", 3, H.registered, date(2019, 6, 10)), rules.StatusFact("B", 4, H.to_lift, date(2020, 3, 1)),
    rules.StatusFact("C", 1, H.registered, date(2016, 3, 15)),
    rules.StatusFact("D", 1, H.registered, date(2017, 4, 10)), rules.StatusFact("D", 2, H.to_lift, date(2018, 3, 1)),
    rules.StatusFact("D", 3, H.lifted, date(2018, 11, 20)),
]
ROAD, WATER, INDUSTRY = ProjectCategory.road, ProjectCategory.water, ProjectCategory.industry
MONEY = [
    rules.InvestmentFact("R", ROAD, "P2", D("1000000.00"), date(2016, 5, 20)),
    rules.InvestmentFact("R", ROAD, "P1", D("200000.00"), date(2016, 6, 15)),
    rules.InvestmentFact("W", WATER, "P1", D("150000.50"), date(2017, 3, 28)),
    rules.InvestmentFact("W", WATER, "P3", D("49999.50"), date(2017, 5, 12)),
    rules.InvestmentFact("I", INDUSTRY, "P1", D("100000.00"), date(2018, 3, 5)),
    rules.InvestmentFact("I", INDUSTRY, "P3", D("300000.00"), date(2018, 4, 18)),
    rules.InvestmentFact("I", INDUSTRY, "P1", D("33333.33"), date(2019, 3, 20)),
]
P = rules.ProblemFact
VISITS = [
    rules.VisitFact(date(2016, 4, 10), 20, (P(date(2016, 4, 10), date(2016, 5, 10)),
                                            P(date(2016, 4, 10), date(2016, 7, 5)))),
    rules.VisitFact(date(2016, 6, 20), 15),
    rules.VisitFact(date(2016, 11, 2), 25, (P(date(2016, 11, 2), None),)),
    rules.VisitFact(date(2017, 1, 15), 10, (P(date(2017, 1, 15), date(2017, 1, 20)),)),
]


def _counts(day: date) -> tuple[int, int, int, int, int, int]:
    c = rules.status_counts(HOUSEHOLDS, CHANGES, day)
    return c.households, c.members, c.registered, c.to_lift, c.lifted, c.members_lifted


def test_status_as_of_a_day_takes_the_latest_change_on_or_before_it() -> None:
    """By hand: 2016-12-31 → A, B, C registered (9 people); 2017-06-30 → D registered too, A in the plan;
    2018-12-31 → A, B, D lifted (12 people), C poor; 2019-12-31 → B fell back; 2020-06-30 → B in the plan."""
    assert _counts(date(2016, 3, 14)) == (0, 0, 0, 0, 0, 0)
    assert _counts(date(2016, 12, 31)) == (3, 9, 3, 0, 0, 0)
    assert _counts(date(2017, 6, 30)) == (4, 14, 3, 1, 0, 0)
    assert _counts(date(2018, 12, 31)) == (4, 14, 1, 0, 3, 12)
    assert _counts(date(2019, 12, 31)) == (4, 14, 2, 0, 2, 9)
    assert _counts(date(2020, 6, 30)) == (4, 14, 1, 1, 2, 9)
    c = rules.status_counts(HOUSEHOLDS, CHANGES, date(2018, 12, 31))
    assert (c.poor, c.lifted_share) == (1, D("75.0"))
    assert rules.status_counts(HOUSEHOLDS, CHANGES, date(2020, 6, 30)).lifted_share == D("50.0")


def test_the_change_effective_on_the_day_counts_that_day() -> None:
    assert rules.status_on([c for c in CHANGES if c.household_id == "A"], date(2017, 11, 19)) == H.to_lift
    assert rules.status_on([c for c in CHANGES if c.household_id == "A"], date(2017, 11, 20)) == H.lifted
    same_day = [rules.StatusFact("X", 1, H.registered, date(2020, 1, 1)),
                rules.StatusFact("X", 3, H.lifted, date(2020, 1, 1)),
                rules.StatusFact("X", 2, H.to_lift, date(2020, 1, 1))]
    assert rules.status_on(same_day, date(2020, 1, 1)) == H.lifted  # the later entry wins, whatever the list order


def test_progress_by_year_matches_the_hand_computed_table() -> None:
    """(year, registered, new, lifted in year, fell back, lifted at end, to lift at end, poor at end)."""
    rows = rules.progress_by_year(HOUSEHOLDS, CHANGES, date(2020, 6, 30), first_year=2016)
    assert [(r.year, r.registered, r.newly_registered, r.lifted_in_year, r.fell_back_in_year, r.lifted, r.to_lift,
             r.poor) for r in rows] == [
        (2016, 3, 3, 0, 0, 0, 0, 3),
        (2017, 4, 1, 1, 0, 1, 0, 3),
        (2018, 4, 0, 2, 0, 3, 0, 1),
        (2019, 4, 0, 0, 1, 2, 0, 2),
        (2020, 4, 0, 0, 0, 2, 1, 2),
    ]
    assert [r.year for r in rules.progress_by_year(HOUSEHOLDS, CHANGES, date(2017, 1, 1), first_year=2015)] == [
        2015, 2016, 2017]


def test_money_sums_by_category_partner_year_are_exact_decimals() -> None:
    """Total 1,833,333.33; road 1,200,000.00 (65.5%), industry 433,333.33 (23.6%), water 200,000.00 (10.9%);
    P2 1,000,000.00 (54.5%), P1 483,333.83 (26.4%), P3 349,999.50 (19.1%)."""
    day = date(2020, 6, 30)
    assert rules.grand_total(MONEY, day) == D("1833333.33")
    assert [(t.key, t.amount, t.share) for t in rules.money_by_category(MONEY, day)] == [
        ("road", D("1200000.00"), D("65.5")), ("industry", D("433333.33"), D("23.6")),
        ("water", D("200000.00"), D("10.9"))]
    assert [(t.key, t.amount, t.share) for t in rules.money_by_partner(MONEY, day)] == [
        ("P2", D("1000000.00"), D("54.5")), ("P1", D("483333.83"), D("26.4")), ("P3", D("349999.50"), D("19.1"))]
    assert [(t.key, t.amount) for t in rules.money_by_year(MONEY, day)] == [
        ("2016", D("1200000.00")), ("2017", D("200000.00")), ("2018", D("400000.00")), ("2019", D("33333.33")),
        ("2020", D("0.00"))]
    assert rules.partner_project_matrix(MONEY, day)[("P1", "I")] == D("133333.33")
    assert [(t.key, t.amount) for t in rules.money_by_project(MONEY, day)] == [
        ("R", D("1200000.00")), ("I", D("433333.33")), ("W", D("200000.00"))]
    assert rules.wan(D("1833333.33")) == D("183.33")
    assert all(isinstance(t.amount, Decimal) for t in rules.money_by_partner(MONEY, day))


def test_money_as_of_counts_only_what_had_arrived() -> None:
    """As of 2017-12-31: 1,400,000.00 — road 85.7%, water 14.3%; nothing yet on 2016-05-19."""
    day = date(2017, 12, 31)
    assert rules.grand_total(MONEY, day) == D("1400000.00")
    assert [(t.key, t.share) for t in rules.money_by_category(MONEY, day)] == [
        ("road", D("85.7")), ("water", D("14.3"))]
    before = date(2016, 5, 19)
    assert rules.money_by_category(MONEY, before) == [] and rules.money_by_year(MONEY, before) == []


def test_visits_per_quarter_and_problems_solved() -> None:
    """As of 2017-03-31 from the pairing (2016-03-01): empty 2016Q1 and 2016Q3 still listed; problems solved in
    the quarter of their solved date; open at quarter end = found − solved by then."""
    rows = rules.visits_by_quarter(VISITS, date(2017, 3, 31), since=date(2016, 3, 1))
    assert [(r.label, r.visits, r.households_visited, r.problems_found, r.problems_solved, r.open_at_end)
            for r in rows] == [
        ("2016Q1", 0, 0, 0, 0, 0), ("2016Q2", 2, 35, 2, 1, 1), ("2016Q3", 0, 0, 0, 1, 0), ("2016Q4", 1, 25, 1, 0, 1),
        ("2017Q1", 1, 10, 1, 1, 1)]
    t = rules.problem_totals(VISITS, date(2017, 3, 31))
    assert (t.visits, t.households_visited, t.found, t.solved, t.open) == (4, 70, 4, 3, 1)
    assert t.average_days_to_solve == D("40.3")  # (30 + 86 + 5) / 3
    assert t.solved_share == D("75.0")
    early = rules.problem_totals(VISITS, date(2016, 6, 30))
    assert (early.found, early.solved, early.average_days_to_solve) == (2, 1, D("30.0"))
    assert rules.visits_by_quarter([], date(2017, 1, 1)) == []


def test_quarter_boundaries() -> None:
    assert [rules.quarter_end((2020, q)) for q in (1, 2, 3, 4)] == [
        date(2020, 3, 31), date(2020, 6, 30), date(2020, 9, 30), date(2020, 12, 31)]
    assert rules.quarter_of(date(2021, 10, 1)) == (2021, 4)
    assert rules.quarters_between((2019, 4), (2020, 2)) == [(2019, 4), (2020, 1), (2020, 2)]


def test_percent_rounds_half_up_and_survives_zero() -> None:
    assert rules.percent(1, 8) == D("12.5") and rules.percent(1, 16) == D("6.3") and rules.percent(0, 0) == D("0.0")


@pytest.mark.parametrize(("current", "target", "ok"), [
    (H.registered, H.to_lift, True), (H.registered, H.lifted, True), (H.to_lift, H.lifted, True),
    (H.to_lift, H.registered, True), (H.lifted, H.registered, True), (H.lifted, H.to_lift, False),
    (H.registered, H.registered, False), (H.lifted, H.lifted, False),
])
def test_household_status_machine(current: HouseholdStatus, target: HouseholdStatus, ok: bool) -> None:
    if ok:
        state.check_change(current, target)
    else:
        with pytest.raises(BadStatusChange) as err:
            state.check_change(current, target)
        assert err.value.status == 409 and err.value.detail == {"from": current.value, "to": target.value}


def test_relation_accepts_keys_and_chinese_labels() -> None:
    assert [rules.relation_key(x) for x in ("户主", "head", " 子女 ", "Spouse", "叔叔")] == [
        "head", "head", "child", "spouse", None]


def test_axis_ticks_are_round_numbers_covering_the_top() -> None:
    assert nice_ticks(D("183.33"), integer=False) == [D(0), D(50), D(100), D(150), D(200)]
    assert nice_ticks(D(38), integer=True) == [D(0), D(10), D(20), D(30), D(40)]
    assert nice_ticks(D(3), integer=True) == [D(0), D(1), D(2), D(3)]
    assert nice_ticks(D(0), integer=True) == [D(0), D(1)]
    assert nice_ticks(D("12.3"), integer=False)[-1] >= D("12.3")
    assert [tick_label(x) for x in (D("2.50"), D(100), D("1000.0"))] == ["2.5", "100", "1,000"]
    assert text_width("道路", 12) == 24 and text_width("ab", 10) < 12
