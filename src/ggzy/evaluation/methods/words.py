"""Reading an amount in capital Chinese numerals (大写) back to Decimal yuan: the inverse of kit.money.in_words.

Evaluation Rules Art.19: where the amount in words and the amount in figures differ, the words prevail, so the
committee needs the words as a number. The parser accepts what bidders actually write — 圆 for 元, 正 for 整, a
leading 人民币, 拾 without 壹 at the start of a section, 零 wherever a gap is, 万亿 — and refuses anything it
cannot read unambiguously (two digits in a row, units out of order, a bare trailing digit after 佰/仟 such as
壹佰伍, stray characters) with WordsUnreadable rather than guess.

Grammar (after removing blanks and the prefixes 人民币 / 大写 / ：):
    amount   = [yuan] [fraction] [整|正]
    yuan     = [section 万亿] [group 亿] [group] (元|圆)     group = [section 万] [section]   (section ≤ 9999)
    section  = {digit unit} [digit]               unit    = 仟 | 佰 | 拾, strictly decreasing; 零 between
    fraction = [零] [digit 角] [零] [digit 分]
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
UNITS = {"拾": 10, "佰": 100, "仟": 1000}
PREFIXES = ("人民币", "大写", "：", ":")


class WordsUnreadable(ValueError):
    """The amount in words could not be read without guessing."""


def _section(text: str, whole: str, *, after_big: bool = False) -> int:
    """0..9999 from digits and 拾/佰/仟 in decreasing order, 零 marking gaps. `after_big`: the section ends the
    amount right after 万 or 亿, where a bare digit without 零 (壹万伍) would be read as 15000 by some."""
    if not text:
        raise WordsUnreadable(f"empty part in {whole!r}")
    value, pending, last_unit, after_zero = 0, None, 10_000, False
    for ch in text:
        if ch == "零":
            if pending is not None:
                raise WordsUnreadable(f"零 after a digit in {whole!r}")
            after_zero = True
        elif ch in DIGITS:
            if pending is not None:
                raise WordsUnreadable(f"two digits in a row in {whole!r}")
            pending = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                raise WordsUnreadable(f"units out of order in {whole!r}")
            if pending is None:
                # 拾万 / 拾元: a leading 拾 means 壹拾; any other bare unit is a typo.
                if not (unit == 10 and value == 0 and not after_zero and not after_big):
                    raise WordsUnreadable(f"{ch} without a digit in {whole!r}")
                pending = 1
            value += pending * unit
            pending, last_unit, after_zero = None, unit, False
        else:
            raise WordsUnreadable(f"unexpected {ch!r} in {whole!r}")
    if pending is not None:
        # A bare last digit is the units digit right after 拾 or 零, or when it stands alone; 壹佰伍 and 壹万伍
        # are ambiguous (150 or 105; 15000 or 10005).
        bare = last_unit == 10_000
        if not after_zero and ((not bare and last_unit != 10) or (bare and after_big)):
            raise WordsUnreadable(f"ambiguous trailing digit in {whole!r}")
        value += pending
    return value


def _group(text: str, whole: str, *, after_big: bool = False) -> int:
    """0..9999 9999: [section 万] [section]."""
    if text.count("万") > 1:
        raise WordsUnreadable(f"万 twice in {whole!r}")
    if "万" in text:
        high, low = text.split("万")
        hi = _section(high, whole)
        if hi == 0:
            raise WordsUnreadable(f"万 without a number in {whole!r}")
        return hi * 10_000 + (_section(low, whole, after_big=True) if low.strip("零") else 0)
    return _section(text, whole, after_big=after_big)


def _yuan(text: str, whole: str) -> int:
    if "万亿" in text:
        # kit.money.in_words names the fourth section 万亿 (10^12): 陆万亿肆仟亿… = 6×10^12 + 4000×10^8 + …
        high, low = text.split("万亿", 1)
        hi = _section(high, whole)
        lo = _yuan(low, whole) if low.strip("零") else 0
        if hi == 0 or lo >= 10**12:
            raise WordsUnreadable(f"万亿 out of order in {whole!r}")
        return hi * 10**12 + lo
    if text.count("亿") > 1:
        raise WordsUnreadable(f"亿 twice in {whole!r}")
    if "亿" in text:
        high, low = text.split("亿")
        hi = _group(high, whole)
        if hi == 0:
            raise WordsUnreadable(f"亿 without a number in {whole!r}")
        return hi * 100_000_000 + (_group(low, whole, after_big=True) if low.strip("零") else 0)
    return _group(text, whole)


def _fraction(text: str, whole: str) -> int:
    """Fen (0..99) from [零][digit 角][零][digit 分]."""
    fen, rest = 0, text.lstrip("零")
    for unit, factor in (("角", 10), ("分", 1)):
        if len(rest) >= 2 and rest[1] == unit:
            if rest[0] not in DIGITS:
                raise WordsUnreadable(f"{unit} without a digit in {whole!r}")
            fen += DIGITS[rest[0]] * factor
            rest = rest[2:].lstrip("零")
    if rest:
        raise WordsUnreadable(f"unreadable fraction {text!r} in {whole!r}")
    return fen


def parse_words(words: str) -> Decimal:
    """Yuan, two decimals, from an amount in 大写; WordsUnreadable when it cannot be read unambiguously."""
    text = "".join(words.split())
    for prefix in PREFIXES:
        text = text.removeprefix(prefix)
    original = text
    if not text:
        raise WordsUnreadable("no amount in words")
    if text.startswith("负"):
        raise WordsUnreadable("a negative amount is not a price")
    text = text.replace("圆", "元").replace("正", "整")
    if text.endswith("整"):
        text = text[:-1]
    if "整" in text:
        raise WordsUnreadable(f"整 inside {original!r}")
    if text.count("元") > 1:
        raise WordsUnreadable(f"元 twice in {original!r}")
    if "元" in text:
        yuan_text, frac_text = text.split("元")
        if not yuan_text:
            raise WordsUnreadable(f"元 without a number in {original!r}")
        yuan = _yuan(yuan_text, original) if yuan_text.strip("零") else 0
    elif text.endswith(("角", "分")):
        yuan, frac_text = 0, text
    else:
        raise WordsUnreadable(f"no 元 in {original!r}")
    fen = _fraction(frac_text, original)
    return (Decimal(yuan * 100 + fen) / 100).quantize(Decimal("0.01"))
