"""Pure rules of the auction journey: terms, periods in working days, the next minimum bid, the countdown, results.

Sources (DOMAIN.md, "The auction journey"): 招标拍卖挂牌出让国有建设用地使用权规定 (MLR Order 39, here "Land Order")
— announcement at least 20 days before the listing or auction starts (Art.10), listing at least 10 working days
(DOMAIN.md; Land Order Art.19 says 10 days), at listing end two or more bidders still wanting to bid go on to
competitive bidding (Art.20); 企业国有资产交易监督管理办法 (SASAC/MOF Order 32, "Property Order") — first formal
disclosure at least 20 working days, a re-disclosure after a price cut at least 5 (Art.13).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, NamedTuple

from ggzy.auction.errors import BadAmount
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from ggzy.workdays.rules import NO_OVERRIDES, Overrides, add_working_days

LAND_ANNOUNCE_DAYS: Final = 20
"""Land Order Art.10: the announcement at least 20 days before the listing (or auction) starts."""
LAND_MIN_LISTING_WORKDAYS: Final = 10
"""DOMAIN.md / Land Order Art.19: listing at least 10 working days."""
PROPERTY_FIRST_LISTING_WORKDAYS: Final = 20
"""Property Order Art.13: the first formal disclosure at least 20 working days."""
PROPERTY_RELISTING_WORKDAYS: Final = 5
"""Property Order Art.13: a re-disclosure (e.g. after a price cut) at least 5 working days."""
DEFAULT_COUNTDOWN_SECONDS: Final = 240
MIN_COUNTDOWN_SECONDS: Final = 60
MAX_COUNTDOWN_SECONDS: Final = 1800
MAX_AMOUNT: Final = Decimal("9999999999999999.99")
"""NUMERIC(18, 2)."""
_AMOUNT: Final = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")
"""Plain yuan with at most 2 decimals: no exponent, no sign, no separators."""
MIN_CONTINUING: Final = 2
"""Land Order Art.20: two or more bidders still wanting to bid at listing end → timed bidding."""


def parse_amount(value: object) -> Decimal:
    """A user's amount in yuan: a positive decimal with at most 2 places; anything else is auction.bad_amount."""
    if isinstance(value, bool | float) or value is None:
        raise BadAmount(detail={"value": str(value)})
    text = str(value).strip()
    if not _AMOUNT.fullmatch(text):
        raise BadAmount(detail={"value": text[:40]})
    amount = Decimal(text)
    if amount <= 0 or amount > MAX_AMOUNT:
        raise BadAmount(detail={"value": text[:40]})
    return amount.quantize(Decimal("0.01"))


class Period(NamedTuple):
    end: datetime
    provisional: bool


def listing_period_end(start: datetime, working_days: int, overrides: Overrides = NO_OVERRIDES) -> Period:
    """The listing ends at the start's Beijing clock time on the n-th working day after the start date (the start
    day itself not counted), so the period always holds at least n whole working days."""
    loc = start.astimezone(SHANGHAI)
    result = add_working_days(loc.date(), working_days, overrides)
    end = datetime.combine(result.date, loc.timetz()).astimezone(start.tzinfo)
    return Period(end, result.provisional)


class Violation(NamedTuple):
    code: str
    zh: str
    en: str


def min_listing_days(line: TradingLine | str, *, first_listing: bool) -> int:
    if TradingLine(line) == TradingLine.land:
        return LAND_MIN_LISTING_WORKDAYS
    return PROPERTY_FIRST_LISTING_WORKDAYS if first_listing else PROPERTY_RELISTING_WORKDAYS


def check_terms(*, line: TradingLine | str, live: bool, listing_days: int, first_listing: bool,
                start_price: Decimal, increment: Decimal, deposit: Decimal, countdown_seconds: int) -> list[Violation]:
    """Everything wrong with a lot's terms (empty when they are fine)."""
    out: list[Violation] = []
    if line not in (TradingLine.land, TradingLine.property):
        out.append(Violation("line", "拍卖只适用于国有土地和国有产权", "Auctions are for land and property lines only"))
    need = min_listing_days(line, first_listing=first_listing) if not out else 0
    if not live and listing_days < need:
        out.append(Violation("listing_days", f"挂牌期不得少于{need}个工作日",
                             f"The listing period must be at least {need} working days"))
    if start_price <= 0 or increment <= 0:
        out.append(Violation("price", "起始价和加价幅度必须大于零", "Start price and increment must be positive"))
    if deposit < 0:
        out.append(Violation("deposit", "保证金不能为负数", "The deposit cannot be negative"))
    if not MIN_COUNTDOWN_SECONDS <= countdown_seconds <= MAX_COUNTDOWN_SECONDS:
        out.append(Violation("countdown", "限时竞价倒计时应在1至30分钟之间",
                             "The countdown must be between 1 and 30 minutes"))
    return out


def check_announcement(line: TradingLine | str, now: datetime, listing_start: datetime) -> Violation | None:
    """Land: published at least 20 days before the listing starts (Land Order Art.10); property: before it starts
    (the listing period is the disclosure period, Property Order Art.13)."""
    if TradingLine(line) == TradingLine.land:
        if listing_start - now < timedelta(days=LAND_ANNOUNCE_DAYS):
            return Violation("announce_days", "出让公告须在挂牌（拍卖）开始日前至少20日发布",
                             "The land announcement must be published at least 20 days before the listing starts")
    elif listing_start < now:
        return Violation("announce_late", "挂牌开始时间已过", "The listing start has passed")
    return None


def next_minimum(current: Decimal | None, start_price: Decimal, increment: Decimal) -> Decimal:
    """The first bid is at least the start price; each next one at least the current price plus the increment."""
    return start_price if current is None else current + increment


def countdown_end(bid_at: datetime, seconds: int) -> datetime:
    """The countdown restarts on every valid bid: it ends `seconds` after the bid's server time."""
    return bid_at + timedelta(seconds=seconds)


def countdown_open(now: datetime, ends_at: datetime | None) -> bool:
    """A bid counts only strictly before the end; at or after it — by a microsecond — it is refused."""
    return ends_at is not None and now < ends_at


class Outcome(StrEnum):
    sold = "sold"
    no_bid = "no_bid"
    below_reserve = "below_reserve"


def outcome(highest: Decimal | None, reserve: Decimal | None) -> Outcome:
    """Highest bid at or above the reserve (or no reserve set): sold; below it or no bid at all: 流拍."""
    if highest is None:
        return Outcome.no_bid
    if reserve is not None and highest < reserve:
        return Outcome.below_reserve
    return Outcome.sold


def goes_to_timed(continuing: int) -> bool:
    """Land Order Art.20: two or more bidders still wanting to bid at listing end → 限时竞价."""
    return continuing >= MIN_CONTINUING


STATUS_LABELS: Final = {
    "draft": ("草稿", "Draft"),
    "announced": ("已公告", "Announced"),
    "listing": ("挂牌中", "Listing"),
    "timed": ("限时竞价中", "Timed bidding"),
    "sold": ("已成交", "Sold"),
    "unsold": ("流拍", "No sale"),
}
