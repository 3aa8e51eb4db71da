"""Money is Decimal yuan, rounded half-up to the fen; amounts in words follow GB/T conventions (大写)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def to_money(value: object) -> Decimal:
    """Parse a user-supplied amount; floats are refused because they have already lost precision."""
    if isinstance(value, float):
        raise TypeError("money must not be given as float")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("amount must be finite")
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _section_words(n: int) -> str:
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        d = (n // 10**pos) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _UNITS[pos]
    return out


def in_words(amount: Decimal) -> str:
    """Render yuan in capital Chinese numerals, e.g. 1234.50 -> 壹仟贰佰叁拾肆元伍角整."""
    amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    if amount < 0:
        return "负" + in_words(-amount)
    fen_total = int(amount * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    words = ""
    if yuan:
        sections: list[int] = []
        while yuan:
            sections.append(yuan % 10000)
            yuan //= 10000
        need_zero = False
        for idx in range(len(sections) - 1, -1, -1):
            sec = sections[idx]
            if sec == 0:
                need_zero = bool(words)
                continue
            if words and (need_zero or sec < 1000):
                words += "零"
            words += _section_words(sec) + _SECTIONS[idx]
            need_zero = False
        words += "元"
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif words:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return words


def fmt(amount: Decimal | None) -> str:
    """Display with thousands separators: 1,234,567.80."""
    return "" if amount is None else f"{amount:,.2f}"
