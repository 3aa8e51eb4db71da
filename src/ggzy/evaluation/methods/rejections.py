"""Automatic rejections (否决投标) the rules require, and the evaluated price (words prevail over figures).

Pure: `auto_reasons(facts)` lists what the law says rejects a bid without a vote, each reason
{code, article, zh, en} so the review page and the report show the article:

| code (evaluation.reject.*) | when | article |
|---|---|---|
| not_decrypted | never decrypted, or decryption/verification failed | E-Bidding Measures Art.31 |
| deemed_revoked | 视为撤销: not decrypted through the bidder's fault | E-Bidding Measures Art.31 |
| deemed_withdrawn | 视为撤回: platform fault, no rescue | E-Bidding Measures Art.31 |
| signature_invalid | the bidder's signature is missing or does not verify | Bidding Regs Art.51; MOF 87 Art.63 |
| two_prices | the opening sheet carries two different prices | Bidding Regs Art.51 |
| above_ceiling | evaluated price above the lot's ceiling (最高投标限价) | Bidding Regs Art.51; MOF 87 Art.63 |
| above_budget | procurement: evaluated price above the budget (预算金额) | MOF 87 Art.63 |

The budget is a cap in procurement only: a construction lot's `budget` is the estimated contract price
(估算价), which a bid may exceed as long as it stays under the ceiling. Pass the tender's line; without it the
budget counts as a cap only where the lot has no ceiling (exact for procurement, whose ceiling may not exceed
the budget, MOF 87 Art.12, and for every construction lot that has a ceiling).

`evaluated_price(entry)`: Evaluation Rules Art.19 — where the amount in words and in figures differ, the words
prevail. Words that cannot be read without guessing leave the figures (and the committee must clarify).
`may_reject_all(valid)`: fewer than 3 valid bids, the committee may reject all (Evaluation Rules Art.27).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypedDict

from ggzy.evaluation.methods.words import WordsUnreadable, parse_words

MIN_VALID_BIDS = 3
"""Evaluation Rules Art.27: with fewer valid bids than this, competition is lacking and all may be rejected."""

DECRYPTED = ("decrypted", "rescued")
"""opening.models.DecryptStatus values of a bid that was opened and verified."""


class Reason(TypedDict):
    code: str
    article: str
    zh: str
    en: str


class PricedEntry(Protocol):
    """What evaluated_price reads (an opening.models.OpeningEntry fits)."""

    @property
    def price(self) -> Decimal | None: ...

    @property
    def price_in_words(self) -> str: ...


class EntryLike(PricedEntry, Protocol):
    @property
    def id(self) -> str: ...

    @property
    def decrypt_status(self) -> str: ...

    @property
    def signature_ok(self) -> bool | None: ...

    @property
    def sheet(self) -> dict[str, Any] | None: ...


class LotLike(Protocol):
    @property
    def budget(self) -> Decimal: ...

    @property
    def ceiling_price(self) -> Decimal | None: ...


@dataclass(frozen=True)
class EntryFacts:
    """The facts of one opening entry the automatic rules look at."""

    entry_id: str
    decrypt_status: str
    signature_ok: bool | None
    price: Decimal | None
    """The figures (小写) as read at the opening."""
    price_in_words: str
    budget: Decimal
    ceiling: Decimal | None
    sheet: Mapping[str, Any] | None = None
    line: str | None = None
    """project.models.TradingLine value: "construction" or "procurement"; None = unknown (see the module doc)."""

    @classmethod
    def of(cls, entry: EntryLike, lot: LotLike, line: str | None = None) -> EntryFacts:
        return cls(entry_id=entry.id, decrypt_status=str(entry.decrypt_status), signature_ok=entry.signature_ok,
                   price=entry.price, price_in_words=entry.price_in_words or "", budget=lot.budget,
                   ceiling=lot.ceiling_price, sheet=entry.sheet, line=None if line is None else str(line))

    @property
    def evaluated(self) -> Decimal | None:
        return evaluated_price(self)


# ---------------------------------------------------------------- articles

_ART31 = ("《电子招标投标办法》第三十一条", "E-Bidding Measures Art.31")
_REGS51 = ("《招标投标法实施条例》第五十一条", "Bidding Regs Art.51")
_MOF63 = ("财政部87号令第六十三条", "MOF 87 Art.63")


def _article(line: str | None, construction: tuple[str, str] | None,
             procurement: tuple[str, str] | None) -> tuple[str, str]:
    """The article for the tender's line; both when the line is unknown and both apply."""
    if line == "construction" and construction:
        return construction
    if line == "procurement" and procurement:
        return procurement
    both = [a for a in (construction, procurement) if a]
    return "；".join(a[0] for a in both), "; ".join(a[1] for a in both)


def _reason(code: str, zh: str, en: str, article: tuple[str, str]) -> Reason:
    return Reason(code=code, article=article[1], zh=f"{zh}（{article[0]}）", en=f"{en} ({article[1]})")


# ---------------------------------------------------------------- words vs figures (Evaluation Rules Art.19)


def words_price(entry: PricedEntry) -> Decimal | None:
    """The amount in words as a number; None when there are none or they cannot be read unambiguously."""
    words = (entry.price_in_words or "").strip()
    if not words:
        return None
    try:
        return parse_words(words)
    except WordsUnreadable:
        return None


def evaluated_price(entry: PricedEntry) -> Decimal | None:
    """The price the method ranks: the words where they are readable and differ from the figures (Evaluation
    Rules Art.19), else the figures; None when there is neither."""
    words = words_price(entry)
    if words is not None and words != entry.price:
        return words
    return entry.price


# ---------------------------------------------------------------- two prices (Bidding Regs Art.51)

SECOND_PRICE_KEYS = frozenset({"prices", "alternative_price", "alt_price", "price2", "price_2", "second_price",
                               "other_price", "备选报价", "第二报价", "另一报价"})
"""Opening-sheet fields (besides `price`) that offer a price: the platform takes no alternative bids, so a value
here that differs from `price` is a second price. Other fields (unit prices, notes) are not looked at."""
_WORD_SPLIT = re.compile(r"或者|或|/|／|;|；|,|，|、")
"""Separators bidders use when they offer alternatives in one field (壹万元或壹万伍仟元)."""


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            d = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() and d > 0 else None
    return None


def sheet_prices(facts: EntryFacts) -> set[Decimal]:
    """Every distinct price the opening sheet offers: `price`, the SECOND_PRICE_KEYS fields (a value or a list),
    and each alternative written in the words (壹万元或壹万伍仟元)."""
    found: set[Decimal] = set()
    if facts.price is not None:
        found.add(facts.price)
    for key, value in (facts.sheet or {}).items():
        if str(key).lower() not in SECOND_PRICE_KEYS:
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            a = _amount(v)
            if a is not None:
                found.add(a)
    parts = [p for p in _WORD_SPLIT.split(facts.price_in_words or "") if p.strip()]
    if len(parts) > 1:
        for part in parts:
            try:
                found.add(parse_words(part))
            except WordsUnreadable:
                continue
    return found


# ---------------------------------------------------------------- the rules


def auto_reasons(facts: EntryFacts) -> list[Reason]:
    """Every automatic rejection reason of this bid (empty when none applies)."""
    out: list[Reason] = []
    status = facts.decrypt_status
    if status == "deemed_revoked":
        return [_reason("evaluation.reject.deemed_revoked", "投标人原因未在规定时间内解密，视为撤销投标文件",
                        "Not decrypted in time through the bidder's own fault: deemed revoked", _ART31)]
    if status == "deemed_withdrawn":
        return [_reason("evaluation.reject.deemed_withdrawn", "因平台原因未能解密且未经补救，视为撤回投标文件",
                        "Not decrypted through a platform fault and not rescued: deemed withdrawn", _ART31)]
    if status not in DECRYPTED:
        return [_reason("evaluation.reject.not_decrypted", "投标文件未解密或解密后验证失败，无法评审",
                        "The bid was not decrypted, or failed verification after decryption", _ART31)]
    if facts.signature_ok is not True:
        out.append(_reason("evaluation.reject.signature_invalid",
                           "投标文件未经投标人有效电子签名（签章缺失或验证失败）",
                           "The bid lacks a valid signature of the bidder (missing or failing verification)",
                           _article(facts.line, _REGS51, _MOF63)))
    if len(sheet_prices(facts)) > 1:
        out.append(_reason("evaluation.reject.two_prices", "同一投标文件中有两个不同的投标报价",
                           "The bid offers two different prices", _REGS51))
    price = facts.evaluated
    if price is not None and facts.ceiling is not None and price > facts.ceiling:
        out.append(_reason("evaluation.reject.above_ceiling", f"评标价 {price} 元高于最高投标限价 {facts.ceiling} 元",
                           f"Evaluated price {price} yuan is above the ceiling of {facts.ceiling} yuan",
                           _article(facts.line, _REGS51, _MOF63)))
    elif price is not None and price > facts.budget and _budget_caps(facts):
        out.append(_reason("evaluation.reject.above_budget", f"评标价 {price} 元超过采购预算 {facts.budget} 元",
                           f"Evaluated price {price} yuan is above the budget of {facts.budget} yuan", _MOF63))
    return out


def _budget_caps(facts: EntryFacts) -> bool:
    if facts.line is not None:
        return facts.line == "procurement"
    return facts.ceiling is None


def may_reject_all(valid_count: int) -> bool:
    """Evaluation Rules Art.27: with fewer than 3 valid bids the committee may reject every bid."""
    return valid_count < MIN_VALID_BIDS
