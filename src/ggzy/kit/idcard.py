"""居民身份证号码 (citizen ID numbers, GB 11643-1999): shape, region, birth date and check character.

Used wherever a person is identified by ID number: the expert pool (expert/pool_rules.py) and the visitors
desk. Domain-free on purpose: it raises a ValueError subclass with a machine `reason`; each domain turns that
into its own named error. `today` is a parameter, not a clock read, so callers pass the injected clock's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

IdReason = Literal["format", "region", "birth_date", "check_digit"]

PROVINCE_CODES: Final = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82]
)
"""First two digits of a 行政区划代码 naming a province-level division (GB/T 2260): 11 北京 … 65 新疆,
71 台湾, 81 香港, 82 澳门."""

_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
"""ISO 7064 MOD 11-2 weights of positions 1-17: 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2."""
_CHECK_CHARS: Final = "10X98765432"
"""Check character by (weighted sum mod 11)."""
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH: Final = date(1900, 1, 1)


class IdNumberError(ValueError):
    """The number is not a valid 18-character ID number; `reason` says which check failed."""

    def __init__(self, reason: IdReason, message: str) -> None:
        self.reason: IdReason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class IdCard:
    """What an ID number encodes."""

    number: str
    """The normalised number: 18 characters, a trailing check `X` in upper case."""
    region: str
    """6-digit 行政区划代码 of where the number was first issued."""
    birth_date: date
    sex: Literal["male", "female"]
    """From the sequence code's last digit: odd male, even female."""

    @property
    def province(self) -> str:
        return self.region[:2]

    def age_on(self, day: date) -> int:
        """Full years of age on `day`."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (1 if before_birthday else 0)


def normalise_id_number(value: str) -> str:
    """Drop spaces and upper-case a trailing x: people type both."""
    return re.sub(r"\s+", "", value).upper()


def check_character(first17: str) -> str:
    """The 18th character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_id_number(value: str, *, today: date) -> IdCard:
    """Validate an 18-character ID number and return what it encodes, or raise IdNumberError.

    Checks in order: shape (17 digits + digit or X), province-level region code, a real birth date between
    1900-01-01 and `today`, the check character. 15-digit numbers (replaced since 2013) are refused.
    """
    number = normalise_id_number(value)
    if not _SHAPE.match(number):
        raise IdNumberError("format", "an ID number is 17 digits followed by a digit or X")
    if int(number[:2]) not in PROVINCE_CODES:
        raise IdNumberError("region", f"{number[:2]} is not a province-level region code")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date", f"{number[6:14]} is not a date") from None
    if born < EARLIEST_BIRTH or born > today:
        raise IdNumberError("birth_date", f"birth date {born.isoformat()} is before 1900 or in the future")
    if check_character(number[:17]) != number[17]:
        raise IdNumberError("check_digit", "the check character does not match")
    return IdCard(number=number, region=number[:6], birth_date=born, sex="male" if int(number[16]) % 2 else "female")


def is_valid_id_number(value: str, *, today: date) -> bool:
    try:
        parse_id_number(value, today=today)
    except IdNumberError:
        return False
    return True


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a valid number (tests, demo data): 6-digit region, birth date, 3-digit sequence (odd = male)."""
    if not (re.fullmatch(r"[0-9]{6}", region) and 0 <= sequence <= 999):
        raise ValueError("region is 6 digits and sequence 0-999")
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_character(body)
