"""居民身份证号码 checks (GB 11643-1999): shape, province-level region, birth date, ISO 7064 MOD 11-2 check."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.kit.idcard import (
    PROVINCE_CODES,
    IdNumberError,
    check_character,
    is_valid_id_number,
    make_id_number,
    parse_id_number,
)

TODAY = date(2026, 3, 2)


def test_the_standards_own_example_and_a_lower_case_x() -> None:
    card = parse_id_number("11010519491231002x", today=TODAY)  # GB 11643-1999's worked example
    assert card.number == "11010519491231002X"  # stored upper case
    assert (card.region, card.province, card.birth_date, card.sex) == ("110105", "11", date(1949, 12, 31), "female")
    assert card.age_on(TODAY) == 76
    assert card.age_on(date(2026, 12, 30)) == 76 and card.age_on(date(2026, 12, 31)) == 77


def test_valid_numbers_and_spaces() -> None:
    number = make_id_number("330102", date(1980, 2, 29), 17)
    card = parse_id_number(f" {number[:6]} {number[6:14]} {number[14:]} ", today=TODAY)
    assert (card.number, card.sex, card.birth_date) == (number, "male", date(1980, 2, 29))
    assert is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "format"),  # 17 characters
        ("110105194912310021X", "format"),  # 19
        ("110105491231002", "format"),  # the old 15-digit form
        ("11010519491231002A", "format"),
        ("X10105194912310021", "format"),
        ("", "format"),
        ("10010519491231002X", "region"),  # 10 is no province
        ("99010519491231002X", "region"),
        ("72010519491231002X", "region"),  # 71 Taiwan, 81/82 HK/Macao exist; 72 does not
        ("11010519490230002X", "birth_date"),  # 30 February
        ("11010518991231002X", "birth_date"),  # before 1900
        ("11010520260303002X", "birth_date"),  # tomorrow
        ("110105194913310021", "birth_date"),  # month 13
        ("110105194912310021", "check_digit"),
        ("110105194912310020", "check_digit"),
    ],
)
def test_invalid_numbers_say_why(value: str, reason: str) -> None:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(value, today=TODAY)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert not is_valid_id_number(value, today=TODAY)


def test_born_today_is_fine_but_not_tomorrow() -> None:
    assert is_valid_id_number(make_id_number("440305", TODAY, 1), today=TODAY)
    tomorrow = make_id_number("440305", date(2026, 3, 3), 1)
    assert not is_valid_id_number(tomorrow, today=TODAY)
    assert is_valid_id_number(tomorrow, today=date(2026, 3, 3))


def test_every_listed_province_code_is_accepted() -> None:
    assert len(PROVINCE_CODES) == 34  # 31 mainland divisions + Taiwan, Hong Kong, Macao
    for code in PROVINCE_CODES:
        assert is_valid_id_number(make_id_number(f"{code}0101", date(1990, 1, 1), 5), today=TODAY)


@given(
    body=st.from_regex(r"\A(1[1-5]|3[1-7])[0-9]{4}19[5-9][0-9](0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_change_is_caught(body: str, position: int, delta: int) -> None:
    """MOD 11-2 catches every single-digit error; the date and region may still be valid after the change."""
    number = body + check_character(body)
    assert is_valid_id_number(number, today=TODAY)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1:]
    assert not is_valid_id_number(changed, today=TODAY)
