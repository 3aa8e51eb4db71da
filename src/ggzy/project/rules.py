"""Pure rules of project entry: project codes and listing order."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

from ggzy.project.models import TradingLine

LINE_PREFIX: Final = MappingProxyType({
    TradingLine.construction: "JS",  # 建设
    TradingLine.procurement: "CG",  # 采购
    TradingLine.property: "CQ",  # 产权
    TradingLine.land: "TD",  # 土地
})

_CODE = re.compile(r"^(JS|CG|CQ|TD)-(\d{4})-(\d{5,})$")


def code_prefix(line: TradingLine | str, year: int) -> str:
    """`JS-2026-`: the part of a code shared by one line's projects of one year."""
    return f"{LINE_PREFIX[TradingLine(line)]}-{year:04d}-"


def project_code(line: TradingLine | str, year: int, seq: int) -> str:
    """e.g. JS-2026-00001: line prefix, year of entry (Beijing), sequence within line and year."""
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"{code_prefix(line, year)}{seq:05d}"


def sequence_of(code: str) -> int | None:
    """The sequence number of a well-formed code, else None (demo codes like GC-DEMO-0001)."""
    m = _CODE.match(code)
    return int(m.group(3)) if m else None


def next_code(line: TradingLine | str, year: int, existing: list[str]) -> str:
    """The code after the highest existing one of the same line and year."""
    seqs = [s for c in existing if (s := sequence_of(c)) is not None]
    return project_code(line, year, max(seqs, default=0) + 1)
