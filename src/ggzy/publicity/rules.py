"""Pure rules of publicity, objections and complaints: the periods per trading line and how a deadline is
computed (no I/O).

A period "within n days" ends at 24:00 Beijing time of the n-th day after the starting day (the starting day
itself is not counted, 民法典 Art.201/203); working days come from workdays.rules with the centre's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

from ggzy.auth.actor import Actor
from ggzy.kit.timefmt import SHANGHAI, local
from ggzy.party.models import Role
from ggzy.project.models import TradingLine
from ggzy.publicity.models import ObjectionStatus, PublicityKind, PublicityStatus, Remedy
from ggzy.tender.models import Tender
from ggzy.workdays.rules import NO_OVERRIDES, Overrides, add_working_days

Unit = Literal["calendar", "working"]


@dataclass(frozen=True)
class Period:
    n: int
    unit: Unit
    law_zh: str
    law_en: str

    @property
    def words_zh(self) -> str:
        return f"{self.n}{'个工作日' if self.unit == 'working' else '日'}"

    @property
    def words_en(self) -> str:
        return f"{self.n} {'working days' if self.unit == 'working' else 'days'}"


@dataclass(frozen=True)
class LineRules:
    """The periods of one trading line, each with the article it comes from."""

    publish: Period
    """Construction: the publicity starts within 3 days of the report. Procurement: the purchaser confirms the
    winner within 5 working days of the report."""
    window: Period | None
    """Construction: the publicity lasts at least 3 days. Procurement: None (the result notice opens the 质疑
    window below)."""
    notice_period: Period | None
    """Procurement: the result notice runs 1 working day (MOF 87 Art.69)."""
    result_publish: Period | None
    """Procurement: the result notice goes out within 2 working days of the confirmation (MOF 87 Art.69)."""
    objection: Period | None
    """Procurement: 质疑 within 7 working days of the end of the notice period (GP Law Art.52; GP Regs Art.53)."""
    answer: Period
    complaint: Period
    """After the objection's answer (or its answer period passed): the bidder may complain within this."""
    accept: Period
    decide: Period
    decide_from: Literal["accepted", "filed"] = "accepted"
    """Construction: 30 working days from the acceptance (Bidding Regs Art.61). Procurement: from the receipt of
    the complaint (GP Law Art.56; MOF 94 Art.26)."""


CONSTRUCTION: Final = LineRules(
    publish=Period(3, "calendar", "《招标投标法实施条例》第五十四条", "Bidding Regs Art.54"),
    window=Period(3, "calendar", "《招标投标法实施条例》第五十四条", "Bidding Regs Art.54"),
    notice_period=None,
    result_publish=None,
    objection=None,
    answer=Period(3, "calendar", "《招标投标法实施条例》第五十四条", "Bidding Regs Art.54"),
    complaint=Period(10, "calendar", "《招标投标法实施条例》第六十条", "Bidding Regs Art.60"),
    accept=Period(3, "working", "《招标投标法实施条例》第六十一条", "Bidding Regs Art.61"),
    decide=Period(30, "working", "《招标投标法实施条例》第六十一条", "Bidding Regs Art.61"),
)

PROCUREMENT: Final = LineRules(
    publish=Period(5, "working", "《政府采购货物和服务招标投标管理办法》第六十八条", "MOF 87 Art.68"),
    window=None,
    notice_period=Period(1, "working", "《政府采购货物和服务招标投标管理办法》第六十九条", "MOF 87 Art.69"),
    result_publish=Period(2, "working", "《政府采购货物和服务招标投标管理办法》第六十九条", "MOF 87 Art.69"),
    objection=Period(7, "working", "《政府采购法》第五十二条", "GP Law Art.52"),
    answer=Period(7, "working", "《政府采购法》第五十三条", "GP Law Art.53"),
    complaint=Period(15, "working", "《政府采购法》第五十五条", "GP Law Art.55"),
    accept=Period(5, "working", "《政府采购质疑和投诉办法》第二十一条", "MOF 94 Art.21"),
    decide=Period(30, "working", "《政府采购法》第五十六条", "GP Law Art.56"),
    decide_from="filed",
)

LINE_RULES: Final = MappingProxyType({TradingLine.construction: CONSTRUCTION, TradingLine.procurement: PROCUREMENT})

MAX_WINDOW_DAYS = 30
"""A publicity longer than this is refused as a typo (the law sets only the minimum)."""
MAX_TEXT = 4000
"""Objections, answers, complaints and decisions, in characters."""

PUBLICITY_LABELS: Final = MappingProxyType({
    PublicityStatus.due: ("待公示", "Not yet published", "orange"),
    PublicityStatus.open: ("公示中", "Open for objections", "green"),
    PublicityStatus.ended: ("公示期满", "Ended", "blue"),
    PublicityStatus.withdrawn: ("已撤回（重新评审）", "Withdrawn (re-evaluation)", "red"),
})
OBJECTION_LABELS: Final = MappingProxyType({
    ObjectionStatus.open: ("待答复", "Awaiting answer", "orange"),
    ObjectionStatus.dismissed: ("异议不成立", "Dismissed", "gray"),
    ObjectionStatus.upheld: ("异议成立", "Upheld", "red"),
})
REMEDY_LABELS: Final = MappingProxyType({
    Remedy.none: ("不影响评标结果", "Result unchanged"),
    Remedy.reevaluate: ("重新评审（退回评标委员会）", "Re-evaluation by the committee"),
    Remedy.next_candidate: ("取消该中标候选人资格，依序确定其他候选人",
                            "Candidate disqualified; the next one may be awarded"),
})
KIND_WORDS: Final = MappingProxyType({
    PublicityKind.candidates: ("异议", "objection"),
    PublicityKind.result: ("质疑", "challenge"),
})


def rules_for(line: TradingLine | str) -> LineRules:
    return LINE_RULES[TradingLine(line)]


class Deadline(NamedTuple):
    at: datetime
    provisional: bool
    """A working-day count ran past the published holiday calendars."""


def end_of_day(day: date) -> datetime:
    """24:00 Beijing time of `day`, i.e. 00:00 of the next day, in UTC (as stored and returned)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), SHANGHAI).astimezone(UTC)


def local_day(at: datetime) -> date:
    found = local(at)
    assert found is not None
    return found.date()


def deadline(start: datetime, period: Period, overrides: Overrides = NO_OVERRIDES, *, n: int | None = None) -> Deadline:
    """The end of `period` counted from the day of `start` (that day not counted)."""
    count = period.n if n is None else n
    day = local_day(start)
    if period.unit == "calendar":
        return Deadline(end_of_day(day + timedelta(days=count)), False)
    found = add_working_days(day, count, overrides)
    return Deadline(end_of_day(found.date), found.provisional)


def following(end: datetime, period: Period, overrides: Overrides = NO_OVERRIDES) -> Deadline:
    """`period` counted from the day a previous period ended (a deadline at 24:00 belongs to that day)."""
    return deadline(end - timedelta(microseconds=1), period, overrides)


def last_day(d: datetime) -> date:
    """The calendar day a deadline at 24:00 belongs to (for display: "截至 2026年10月9日")."""
    return local_day(d - timedelta(microseconds=1))


def until(d: datetime | None) -> str:
    """A deadline for the pages: "2026-03-27 24:00" when it falls at midnight Beijing time, else the time itself."""
    if d is None:
        return ""
    loc = local(d)
    assert loc is not None
    if (loc.hour, loc.minute, loc.second, loc.microsecond) == (0, 0, 0, 0):
        return f"{last_day(d):%Y-%m-%d} 24:00"
    return f"{loc:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------- who


def manages(actor: Actor, tender: Tender) -> bool:
    """The tender's tenderer or its agency, acting in that role."""
    return actor.acts_for(tenderer_org_id=tender.tenderer_org_id, agency_org_id=tender.agency_org_id)


def supervises(actor: Actor, tender: Tender) -> bool:
    return actor.role == Role.supervisor and str(tender.line) in actor.supervised_lines


def window_days_problem(days: int, minimum: int) -> str | None:
    if days < minimum:
        return "too_short"
    if days > MAX_WINDOW_DAYS:
        return "too_long"
    return None


def in_window(published_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    return published_at is not None and ends_at is not None and published_at <= now < ends_at


# ---------------------------------------------------------------- complaints (投诉)


def complaint_opens(answered_at: datetime | None, answer_due: datetime, now: datetime) -> bool:
    """A complaint follows the objection (Bidding Regs Art.60 ¶2; GP Law Art.55): once it is answered, or once
    its answer period has passed without an answer."""
    return answered_at is not None or now >= answer_due


def complaint_deadline(line: TradingLine | str, *, answered_at: datetime | None, answer_due: datetime,
                       overrides: Overrides = NO_OVERRIDES) -> Deadline:
    """Until when the objector may complain to the supervisor.

    Construction: 10 days from the day it knew or should have known (Bidding Regs Art.60): the day of the answer,
    or the end of the answer period when none came. Procurement: 15 working days after the answer period expired
    (GP Law Art.55; MOF 94 Art.17), answered or not; an answer given after that period counts from its day.
    """
    rules = rules_for(line)
    procurement = TradingLine(line) == TradingLine.procurement
    if answered_at is not None and (not procurement or answered_at > answer_due):
        return deadline(answered_at, rules.complaint, overrides)
    return following(answer_due, rules.complaint, overrides)


def decide_deadline(line: TradingLine | str, *, filed_at: datetime, accepted_at: datetime,
                    overrides: Overrides = NO_OVERRIDES) -> Deadline:
    """The written decision is due 30 working days from the acceptance (Bidding Regs Art.61) or from the receipt
    (GP Law Art.56)."""
    rules = rules_for(line)
    return deadline(accepted_at if rules.decide_from == "accepted" else filed_at, rules.decide, overrides)
