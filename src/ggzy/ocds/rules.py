"""OCDS 1.1 publication rules (pure): identifiers, dates, amounts and the code lists ggzy maps its own states to.

ggzy publishes every tender (lines 工程建设, 政府采购) and every auction lot (国有土地, 国有产权) as one contracting
process: an ocid of the configured prefix and the tender's or lot's code, a release per public event and a compiled
record (docs/ocds.md). Nothing confidential is published: bidders and prices only once the opening record is public
(E-Bidding Measures Art.21/32), bidder numbers of an auction only with its result.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final

from ggzy.evaluation.methods.base import Category
from ggzy.kit.timefmt import SHANGHAI
from ggzy.opening.models import DecryptStatus
from ggzy.project.models import NoticeKind, TradingLine
from ggzy.tender.models import EvaluationMethod

VERSION: Final = "1.1"
"""The OCDS version packages declare (the schema shipped is 1.1.5, ocds/schema)."""
CURRENCY: Final = "CNY"
LANGUAGE: Final = "zh"
EXTENSIONS: Final = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
)
"""Declared in every package: bids after the opening, lots (标段) of every tender."""
ID_SCHEME: Final = "CN-USCC"
"""Our name for the 统一社会信用代码 register (GB 32100-2015) in party identifiers."""


class NotExact(ValueError):
    """An amount that a JSON number cannot carry exactly (never a yuan amount with at most 2 decimals)."""


def ocid(prefix: str, code: str) -> str:
    """The process's ocid: the registered prefix, a hyphen, the tender's or auction lot's code."""
    return f"{prefix}-{code}"


def code_of(prefix: str, value: str) -> str | None:
    """The tender or lot code inside an ocid of this platform's prefix, or None for any other ocid."""
    head = f"{prefix}-"
    if not value.startswith(head) or len(value) == len(head):
        return None
    return value[len(head):]


def money(amount: Decimal) -> int | float:
    """A Decimal amount as a JSON number with exactly its value: an int when whole, else the float whose shortest
    representation is the amount (true for every amount of up to 15 significant digits, i.e. any yuan amount)."""
    if amount == amount.to_integral_value():
        return int(amount)
    number = float(amount)
    if Decimal(repr(number)) != amount:
        raise NotExact(str(amount))
    return number


def value(amount: Decimal) -> dict[str, Any]:
    return {"amount": money(amount), "currency": CURRENCY}


def when(moment: datetime) -> str:
    """An OCDS date-time in Beijing time (one offset everywhere, so release dates also sort as strings)."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def on_day(day: date) -> str:
    """A calendar date (e.g. the contract's signing day) as the start of that day in Beijing."""
    return when(datetime.combine(day, time(0, 0), tzinfo=SHANGHAI))


def parse_when(text: str) -> datetime:
    """The ISO strings that notices keep in their structured data."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


AWARD_CRITERIA: Final[dict[str, str]] = {
    EvaluationMethod.lowest_evaluated_price: "priceOnly",  # 经评审的最低投标价法 (Evaluation Rules Art.30)
    EvaluationMethod.lowest_price: "priceOnly",  # 最低评标价法 (MOF 87 Art.54)
    EvaluationMethod.base_price_deviation: "ratedCriteria",  # price scored against a base price, plus other factors
    EvaluationMethod.comprehensive_assessment: "ratedCriteria",  # 综合评估法 (Evaluation Rules Art.34)
    EvaluationMethod.comprehensive_scoring: "ratedCriteria",  # 综合评分法 (MOF 87 Art.55)
}

CATEGORY: Final[dict[str, str]] = {Category.works: "works", Category.goods: "goods", Category.services: "services"}


def main_category(line: str, plan: dict[str, Any] | None) -> str:
    """The evaluation plan's category (works / goods / services); construction is always works."""
    if line == TradingLine.construction:
        return "works"
    category = (plan or {}).get("category")
    return CATEGORY.get(str(category), "goods")


BID_STATUS: Final[dict[str, str]] = {
    DecryptStatus.pending: "pending",
    DecryptStatus.decrypted: "pending",  # opened and read out; the committee has not evaluated it yet
    DecryptStatus.rescued: "pending",
    DecryptStatus.failed: "disqualified",  # the opened package failed its hash, signature or sheet check
    DecryptStatus.deemed_revoked: "withdrawn",  # 视为撤销 (E-Bidding Measures Art.31)
    DecryptStatus.deemed_withdrawn: "withdrawn",  # 视为撤回
}

DOCUMENT_TYPE: Final[dict[str, str | None]] = {
    NoticeKind.tender_announcement: "tenderNotice",
    NoticeKind.correction: "tenderNotice",
    NoticeKind.suspension: None,
    NoticeKind.resumption: None,
    NoticeKind.termination: "cancellationDetails",
    NoticeKind.tender_failed: None,
    NoticeKind.opening_record: "bidders",
    NoticeKind.candidate_publicity: "evaluationReports",
    NoticeKind.result: "awardNotice",
    NoticeKind.evaluation_failed: "evaluationReports",
    NoticeKind.complaint_decision: "complaints",
    NoticeKind.contract: "contractNotice",
    NoticeKind.auction_announcement: "tenderNotice",
    NoticeKind.auction_failed: None,
}
"""The documentType of each notice attached to a release; None leaves it out (no code fits)."""

FINISHED_LOT: Final = frozenset({"complete", "unsuccessful", "cancelled"})


def tender_status(lot_statuses: list[str], current: str) -> str:
    """The process's status from its lots': complete once every lot is decided and one was awarded, unsuccessful
    when every lot failed; a cancelled process stays cancelled."""
    if current == "cancelled" or not lot_statuses:
        return current
    if all(s in FINISHED_LOT for s in lot_statuses):
        if "complete" in lot_statuses:
            return "complete"
        if all(s == "cancelled" for s in lot_statuses):
            return "cancelled"
        return "unsuccessful"
    return "active"
