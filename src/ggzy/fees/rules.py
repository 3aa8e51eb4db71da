"""The centre's fee schedule as ONE versioned table, and the pure arithmetic on it (no I/O).

THIS IS THE CENTRE'S CONFIGURABLE SCHEDULE, NOT LAW. Transaction service fees (交易服务费) are set locally — by
the centre with its price authority (物价 / 发改部门) — and many provinces have cut or waived them; the numbers
below are a realistic default in the shape most centres publish (差额定率累进: each band's rate applies only to
the part of the amount inside the band, like the agency fee scale of 计价格〔2002〕1980号), with a minimum and a
cap per line. The law only bounds the document fee: it may cover printing and postage, never make a profit
(Bidding Regs Art.16; MOF 87 Art.24).

A charge stores the version it was computed under (`Charge.schedule_version`); the version in force is the
newest whose `effective_from` is on or before the event's day (Beijing time), so publishing a new schedule
never changes a charge already booked.

Rounding: the band parts are summed exactly (Decimal, no intermediate rounding), the sum is rounded once to the
fen with ROUND_HALF_UP (四舍五入, as Chinese invoices round), then the minimum and the cap apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from ggzy.fees.errors import NoSchedule
from ggzy.fees.models import ChargeKind, PayerRole
from ggzy.kit.money import FEN
from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine

WAN = Decimal("10000")
"""万元: the fee tables are written in units of ten thousand yuan."""

KIND_LABELS: dict[ChargeKind, tuple[str, str]] = {
    ChargeKind.document: ("招标文件工本费", "Document fee"),
    ChargeKind.service: ("交易服务费", "Transaction service fee"),
    ChargeKind.expert: ("专家评审费", "Expert fee"),
}
PAYER_LABELS: dict[PayerRole, tuple[str, str]] = {
    PayerRole.winner: ("中标人", "Winner"),
    PayerRole.tenderer: ("招标人（采购人）", "Tenderer"),
    PayerRole.buyer: ("竞得人（受让方）", "Buyer"),
    PayerRole.seller: ("出让人（转让方）", "Seller"),
    PayerRole.downloader: ("文件获取人", "Document downloader"),
}


@dataclass(frozen=True)
class Band:
    """One band of a cumulative fee table: `rate` applies to the part of the amount between the previous band's
    upper bound and `upto` (None: no upper bound)."""

    upto: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class ServiceFeeTable:
    """The transaction service fee of one trading line."""

    line: TradingLine
    bands: tuple[Band, ...]
    minimum: Decimal
    """Charged when the band sum is lower (per payer)."""
    cap: Decimal
    """Never more than this (per payer)."""
    payers: tuple[PayerRole, ...]
    """Who pays; each payer is charged the full fee (property rights: buyer and seller each, as exchanges do)."""

    def __post_init__(self) -> None:
        bounds = [b.upto for b in self.bands]
        if not self.bands or bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("a fee table ends with exactly one open band")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite) or len(set(finite)) != len(finite) or (finite and finite[0] <= 0):
            raise ValueError("band bounds must be positive and strictly increasing")
        if self.minimum < 0 or self.cap < self.minimum or any(b.rate < 0 for b in self.bands):
            raise ValueError("bad minimum, cap or rate")


@dataclass(frozen=True)
class FeeSchedule:
    version: str
    effective_from: date
    service: Mapping[TradingLine, ServiceFeeTable]
    expert_half_day: Decimal
    """Per expert for a session day of at most `half_day_hours` (半天)."""
    expert_full_day: Decimal
    """Per expert for a longer session day (全天)."""
    half_day_hours: Decimal
    working_day: tuple[time, time]
    """Only the session's hours inside this daily window count towards a day's length: a session the committee
    closes the next morning is a full day and a half day, not two full days because of the night between."""
    expert_payer: PayerRole
    document_fee_max: Decimal
    """The most a tender's manager may set as document fee (cost of printing and postage only: Bidding Regs
    Art.16; MOF 87 Art.24)."""

    def table(self, line: TradingLine | str) -> ServiceFeeTable:
        return self.service[TradingLine(line)]


def _bands(*rows: tuple[int | None, str]) -> tuple[Band, ...]:
    """Rows of (upper bound in 万元 or None, rate in percent)."""
    return tuple(Band(None if upto is None else Decimal(upto) * WAN, Decimal(pct) / 100) for upto, pct in rows)


SCHEDULES: dict[str, FeeSchedule] = {
    "2024.1": FeeSchedule(
        version="2024.1",
        effective_from=date(2024, 1, 1),
        service=MappingProxyType({
            TradingLine.construction: ServiceFeeTable(
                TradingLine.construction,
                _bands((100, "0.10"), (500, "0.08"), (1000, "0.05"), (5000, "0.03"), (10000, "0.015"),
                       (None, "0.008")),
                minimum=Decimal("500"), cap=Decimal("100000"), payers=(PayerRole.winner,)),
            # Several provinces forbid charging suppliers for the procurement platform: the purchaser pays here.
            TradingLine.procurement: ServiceFeeTable(
                TradingLine.procurement,
                _bands((100, "0.10"), (500, "0.06"), (1000, "0.04"), (5000, "0.02"), (None, "0.01")),
                minimum=Decimal("300"), cap=Decimal("50000"), payers=(PayerRole.tenderer,)),
            TradingLine.land: ServiceFeeTable(
                TradingLine.land,
                _bands((1000, "0.10"), (5000, "0.06"), (10000, "0.04"), (50000, "0.02"), (None, "0.01")),
                minimum=Decimal("2000"), cap=Decimal("300000"), payers=(PayerRole.buyer,)),
            TradingLine.property: ServiceFeeTable(
                TradingLine.property,
                _bands((100, "0.50"), (500, "0.35"), (1000, "0.20"), (5000, "0.10"), (10000, "0.05"),
                       (None, "0.02")),
                minimum=Decimal("1000"), cap=Decimal("200000"), payers=(PayerRole.buyer, PayerRole.seller)),
        }),
        expert_half_day=Decimal("400"),
        expert_full_day=Decimal("700"),
        half_day_hours=Decimal("4"),
        working_day=(time(8), time(20)),
        expert_payer=PayerRole.tenderer,
        document_fee_max=Decimal("2000"),
    ),
}


def get_schedule(version: str) -> FeeSchedule:
    try:
        return SCHEDULES[version]
    except KeyError:
        raise NoSchedule(detail={"version": version}) from None


def schedule_on(day: date) -> FeeSchedule:
    """The schedule in force on `day`: the newest whose effective_from is not after it."""
    live = [s for s in SCHEDULES.values() if s.effective_from <= day]
    if not live:
        raise NoSchedule(detail={"day": day.isoformat()})
    return max(live, key=lambda s: s.effective_from)


def beijing_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- transaction service fee


@dataclass(frozen=True)
class BandPart:
    lower: Decimal
    upper: Decimal | None
    base: Decimal
    """The part of the amount inside the band."""
    rate: Decimal
    fee: Decimal
    """base × rate, exact (not rounded)."""


@dataclass(frozen=True)
class ServiceFee:
    amount_on: Decimal
    parts: tuple[BandPart, ...]
    exact: Decimal
    """Σ parts, exact."""
    rounded: Decimal
    """`exact` rounded half-up to the fen."""
    fee: Decimal
    """After the minimum and the cap."""
    applied: str
    """"bands", "minimum" or "cap"."""

    def basis(self, table: ServiceFeeTable) -> dict[str, Any]:
        return {"on": str(self.amount_on), "exact": str(self.exact), "rounded": str(self.rounded),
                "applied": self.applied, "minimum": str(table.minimum), "cap": str(table.cap),
                "bands": [{"lower": str(p.lower), "upper": None if p.upper is None else str(p.upper),
                           "rate": str(p.rate), "base": str(p.base), "fee": str(p.fee)} for p in self.parts]}


def service_fee(amount: Decimal, table: ServiceFeeTable) -> ServiceFee:
    """差额定率累进: Σ over the bands of (the amount's part inside the band × the band's rate), rounded half-up
    to the fen, then at least the minimum and at most the cap."""
    if not amount.is_finite() or amount <= 0:
        raise ValueError("the amount must be positive")
    parts: list[BandPart] = []
    lower = Decimal(0)
    for band in table.bands:
        top = amount if band.upto is None else min(amount, band.upto)
        if top <= lower:
            break
        base = top - lower
        parts.append(BandPart(lower, band.upto, base, band.rate, base * band.rate))
        if band.upto is None:
            break
        lower = band.upto
    exact = sum((p.fee for p in parts), Decimal(0))
    rounded = round_fen(exact)
    fee, applied = rounded, "bands"
    if fee < table.minimum:
        fee, applied = table.minimum, "minimum"
    if fee > table.cap:
        fee, applied = table.cap, "cap"
    return ServiceFee(amount, tuple(parts), exact, rounded, round_fen(fee), applied)


def rate_text(rate: Decimal) -> str:
    """0.0008 → 0.08%."""
    return f"{(rate * 100).normalize():f}%"


def band_text(part: BandPart) -> str:
    lo = f"{(part.lower / WAN).normalize():f}"
    if part.upper is None:
        return f"{lo}万元以上部分 {rate_text(part.rate)}"
    return f"{lo}–{(part.upper / WAN).normalize():f}万元部分 {rate_text(part.rate)}"


# ---------------------------------------------------------------- expert fee


@dataclass(frozen=True)
class SessionDay:
    day: date
    hours: Decimal
    """Hours of the session within that Beijing calendar day."""
    unit: str
    """"half" or "full"."""
    fee: Decimal


@dataclass(frozen=True)
class ExpertFee:
    days: tuple[SessionDay, ...]
    fee: Decimal

    def basis(self) -> dict[str, Any]:
        return {"days": [{"day": d.day.isoformat(), "hours": str(d.hours), "unit": d.unit, "fee": str(d.fee)}
                         for d in self.days], "fee": str(self.fee)}

    def text(self) -> str:
        halves = sum(1 for d in self.days if d.unit == "half")
        fulls = len(self.days) - halves
        bits = ([f"全天×{fulls}"] if fulls else []) + ([f"半天×{halves}"] if halves else [])
        return "，".join(bits)


def expert_fee(start: datetime, end: datetime, schedule: FeeSchedule) -> ExpertFee:
    """Per expert for one session: each Beijing calendar day the session touches is a half day (at most
    `half_day_hours` of the session fall inside that day's working window) or a full day (more). A session of
    no length still counts a half day: the expert came."""
    if end < start:
        raise ValueError("the session ends before it starts")
    first, last = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    opens, closes = schedule.working_day
    days: list[SessionDay] = []
    day = first.date()
    while day <= last.date():
        midnight = datetime.combine(day, time(0), tzinfo=SHANGHAI)
        touched = min(last, midnight + timedelta(days=1)) > max(first, midnight)
        lo = max(first, datetime.combine(day, opens, tzinfo=SHANGHAI))
        hi = min(last, datetime.combine(day, closes, tzinfo=SHANGHAI))
        hours = max(Decimal((hi - lo).total_seconds()) / 3600, Decimal(0))
        if touched or (not days and day == last.date()):
            full = hours > schedule.half_day_hours
            days.append(SessionDay(day, hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                                   "full" if full else "half",
                                   schedule.expert_full_day if full else schedule.expert_half_day))
        day += timedelta(days=1)
    return ExpertFee(tuple(days), round_fen(sum((d.fee for d in days), Decimal(0))))


# ---------------------------------------------------------------- document fee


def document_price_problem(amount: Decimal, schedule: FeeSchedule) -> str | None:
    """Why a document price is refused (None: fine). Zero means free."""
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(FEN):
        return "bad_amount"
    if amount > schedule.document_fee_max:
        return "above_max"
    return None
