"""Working days: the centre's table, then chinesecalendar, then weekends only (provisional)."""

from __future__ import annotations

from datetime import date

from ggzy.workdays.rules import Overrides, add_working_days, classify, is_workday


def test_holidays_and_make_up_days_from_chinesecalendar() -> None:
    assert not is_workday(date(2026, 10, 1))  # National Day, a Thursday
    assert is_workday(date(2026, 10, 10))  # Saturday make-up working day (调休)
    assert classify(date(2026, 10, 10)).provisional is False


def test_year_nobody_published_counts_weekends_only_and_is_provisional() -> None:
    # chinesecalendar 1.11.0 raises for 2027: the rule must not.
    answer = classify(date(2027, 1, 1))
    assert answer == (True, True)  # a Friday, and New Year's Day is unknown until published
    assert classify(date(2027, 1, 2)) == (False, True)
    found = add_working_days(date(2026, 12, 30), 5)
    assert found.provisional is True
    assert found.date == date(2027, 1, 6)


def test_count_inside_published_years_is_not_provisional() -> None:
    # Wed 1 April 2026 + 5 working days skips the Qingming weekend and Monday 6 April.
    assert add_working_days(date(2026, 4, 1), 5) == (date(2026, 4, 9), False)
    assert add_working_days(date(2026, 4, 1), 0) == (date(2026, 4, 1), False)


def test_centre_table_wins_and_removes_the_provisional_flag() -> None:
    overrides = Overrides.from_days({date(2027, 1, 1): False, date(2027, 1, 9): True})
    assert classify(date(2027, 1, 1), overrides) == (False, False)
    assert classify(date(2027, 1, 9), overrides) == (True, False)  # a make-up Saturday
    assert classify(date(2027, 1, 4), overrides) == (True, False)  # a plain Monday of an entered year
    assert add_working_days(date(2026, 12, 31), 1, overrides) == (date(2027, 1, 4), False)
    # The table also overrides chinesecalendar inside its years.
    override_2026 = Overrides.from_days({date(2026, 3, 3): False})
    assert is_workday(date(2026, 3, 3)) and not is_workday(date(2026, 3, 3), override_2026)
