"""Money: Decimal only, amounts in words (大写) as the opening sheet prints them (Evaluation Rules Art.19)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.kit.money import fmt, in_words, to_money

DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}
BIG = {"万": 10**4, "亿": 10**8}


def parse_words(words: str) -> Decimal:
    """An independent reader of 大写 amounts, used to check in_words round-trips."""
    neg = words.startswith("负")
    words = words.removeprefix("负").removesuffix("整")
    yuan_part, _, frac = words.partition("元")
    if not _:
        yuan_part, frac = "", words
    total = section = 0
    digit = 0
    big_stack: list[int] = []
    for ch in yuan_part:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in SMALL:
            section += digit * SMALL[ch]
            digit = 0
        elif ch in BIG:
            section += digit
            digit = 0
            if ch == "亿":
                total = (total + section) * BIG[ch]
            else:
                total += section * BIG[ch]
            section = 0
            big_stack.append(BIG[ch])
    total += section + digit
    cents = 0
    for i, ch in enumerate(frac):
        if ch == "角":
            cents += DIGITS[frac[i - 1]] * 10
        elif ch == "分":
            cents += DIGITS[frac[i - 1]]
    value = Decimal(total) + Decimal(cents) / 100
    return -value if neg else value


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("10010", "壹万零壹拾元整"),
        ("100000000", "壹亿元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("105000", "壹拾万伍仟元整"),
        ("3080000.00", "叁佰零捌万元整"),
    ],
)
def test_in_words_known_values(amount: str, words: str) -> None:
    assert in_words(Decimal(amount)) == words


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False))
def test_in_words_round_trips(amount: Decimal) -> None:
    words = in_words(amount)
    assert "零零" not in words
    assert parse_words(words) == amount


def test_to_money_refuses_float_and_rounds_half_up() -> None:
    with pytest.raises(TypeError):
        to_money(0.1)
    assert to_money("2.005") == Decimal("2.01")
    assert to_money(Decimal("7")) == Decimal("7.00")
    with pytest.raises(ValueError):
        to_money("abc")
    with pytest.raises(ValueError):
        to_money("Infinity")


def test_fmt_groups_thousands() -> None:
    assert fmt(Decimal("1234567.8")) == "1,234,567.80"
    assert fmt(None) == ""
