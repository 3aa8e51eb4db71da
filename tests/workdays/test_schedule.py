"""Typing a year's schedule: one `date 休|班 note` per line, read back exactly as written."""

from __future__ import annotations

from datetime import date

from ggzy.workdays.rules import Source, format_schedule, package_schedule, parse_schedule, year_source


def test_package_schedule_round_trips_through_the_text_box() -> None:
    shipped = package_schedule(2026)
    assert (date(2026, 10, 1), False, "国庆节") in shipped and (date(2026, 10, 10), True, "国庆节调休") in shipped
    days, problems = parse_schedule(format_schedule(shipped), 2026)
    assert problems == [] and days == shipped
    assert package_schedule(2027) == []


def test_synonyms_separators_and_full_width_spaces_are_read() -> None:
    days, problems = parse_schedule("2027/1/1\u3000放假\u3000元旦\n2027-02-07,work,春节调休\n2027.2.8\toff", 2027)
    assert problems == []
    assert days == [(date(2027, 1, 1), False, "元旦"), (date(2027, 2, 7), True, "春节调休"),
                    (date(2027, 2, 8), False, "")]


def test_a_note_longer_than_the_column_is_refused() -> None:
    _, problems = parse_schedule("2027-01-01 休 " + "长" * 101, 2027)
    assert [p.code for p in problems] == ["note_too_long"]


def test_year_source_order_centre_then_package_then_weekends() -> None:
    assert year_source(2026, entered=True) == Source.centre
    assert year_source(2026, entered=False) == Source.chinesecalendar
    assert year_source(2027, entered=False) == Source.provisional
