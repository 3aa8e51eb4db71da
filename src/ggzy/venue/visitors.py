"""The reception desk (疫情防控 at the door): register each on-site visitor, refuse with a reason, report, purge.

The ID number is checked with kit.idcard (check digit, region, birth date); it can be typed or read out of the
card reader's / OCR's text (venue.scan). Evaluation rooms admit only the session's committee (matched by the
expert's ID number; tenderer representatives by name and organisation) and the line's supervisors (by their
organisation). Personal data stays only for the configured retention: the chronograph then blanks it and the
audit chain records how many were purged — the audit entries never hold a name or an ID number.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.config import Settings
from ggzy.expert.models import CommitteeMember, DrawStatus, Expert, ExpertDraw, MemberKind, MemberStatus
from ggzy.kit.db import commit
from ggzy.kit.idcard import IdNumberError, parse_id_number
from ggzy.kit.timefmt import SHANGHAI, show
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.tender.models import Tender
from ggzy.venue import rules
from ggzy.venue.errors import (
    BookingNotFound,
    HealthCodeRequired,
    IdNumberInvalid,
    ScanUnreadable,
    SessionOver,
    TemperatureImplausible,
    VisitorInvalid,
)
from ggzy.venue.models import Booking, BookingStatus, HealthCode, Refusal, RoomKind, Visitor
from ggzy.venue.scan import ScanError, Scanned, parse_scan
from ggzy.venue.schemas import VisitorIn
from ggzy.venue.service import VENUE, locked, require_centre

REFUSAL_LABELS: Final[dict[str, tuple[str, str]]] = {
    Refusal.fever: ("体温异常（≥ {t} °C）", "Temperature at or above {t} °C"),
    Refusal.health_code: ("健康码非绿码", "Health code not green"),
    Refusal.no_mask: ("未佩戴口罩", "No mask"),
    Refusal.not_admitted_to_room: ("非本场评标委员会成员或监督人员，不得进入评标室",
                                   "Not on this session's committee or its supervisor: no entry to the evaluation "
                                   "room"),
}
ID_REASONS: Final[dict[str, tuple[str, str]]] = {
    "format": ("身份证号码应为17位数字加1位数字或X", "An ID number is 17 digits and a digit or X"),
    "region": ("身份证号码的地区码无效", "The ID number's region code is not valid"),
    "birth_date": ("身份证号码中的出生日期无效", "The ID number's birth date is not valid"),
    "check_digit": ("身份证号码校验位错误（可能录入有误）", "The ID number's check digit is wrong (a typo?)"),
}
SCAN_REASONS: Final[dict[str, tuple[str, str]]] = {
    "no_id_number": ("扫描内容中没有身份证号码", "No ID number in the scanner text"),
    "no_name": ("扫描内容中没有姓名", "No name in the scanner text"),
    "birth_mismatch": ("证件上的出生日期与号码不符（可能识别有误）",
                       "The printed birth date disagrees with the number (a misread?)"),
}
HEALTH_LABELS: Final[dict[str, tuple[str, str]]] = {
    HealthCode.green: ("绿码", "Green"), HealthCode.yellow: ("黄码", "Yellow"), HealthCode.red: ("红码", "Red"),
}


@dataclass(frozen=True)
class DeskPolicy:
    """The centre's settings for the door (config.Settings: venue_*)."""

    fever_celsius: Decimal = rules.FEVER_DEFAULT
    health_code_required: bool = False
    retention_days: int = 28

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskPolicy:
        return cls(settings.venue_fever_celsius, settings.venue_health_code_required,
                   settings.venue_visitor_retention_days)


# ---------------------------------------------------------------- identity


def read_scan(text: str) -> Scanned:
    """Name and ID number from scanner text, as a named 422 when they cannot be read."""
    try:
        return parse_scan(text)
    except ScanError as exc:
        zh, en = SCAN_REASONS[exc.reason]
        raise ScanUnreadable(message_zh=f"{ScanUnreadable.message_zh}：{zh}",
                             message_en=f"{ScanUnreadable.message_en}: {en}", detail={"reason": exc.reason}) from None


def check_id_number(value: str, *, today: date) -> str:
    """The normalised number, or venue.id_number_invalid naming the failed check (format, region, birth, digit)."""
    try:
        return parse_id_number(value, today=today).number
    except IdNumberError as exc:
        zh, en = ID_REASONS[exc.reason]
        raise IdNumberInvalid(message_zh=f"{IdNumberInvalid.message_zh}：{zh}",
                              message_en=f"{IdNumberInvalid.message_en}: {en}",
                              detail={"field": "id_number", "reason": exc.reason}) from None


def parse_temperature(value: str | Decimal) -> int:
    """Tenths of a degree from what the desk typed ("36.5", "36,5"), or venue.temperature_implausible."""
    try:
        reading = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise TemperatureImplausible(detail={"field": "temperature"}) from None
    tenths = rules.temperature_tenths(reading)
    if tenths is None:
        raise TemperatureImplausible(detail={"field": "temperature"})
    return tenths


# ---------------------------------------------------------------- who may enter an evaluation room


async def _on_committee(session: AsyncSession, tender: Tender, name: str, id_number: str, organisation: str) -> bool:
    expert = (await session.execute(
        select(Expert.id).join(CommitteeMember, CommitteeMember.expert_id == Expert.id)
        .join(ExpertDraw, ExpertDraw.id == CommitteeMember.draw_id)
        .where(CommitteeMember.tender_id == tender.id, CommitteeMember.status == MemberStatus.accepted,
               ExpertDraw.status != DrawStatus.cancelled, Expert.id_number == id_number).limit(1)
    )).first()
    if expert is not None:
        return True
    # Tenderer representatives (招标人代表) have a login, not a pool record with an ID number: name + organisation.
    reps = (await session.execute(
        select(User.display_name, Organisation.name).join(CommitteeMember, CommitteeMember.user_id == User.id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(CommitteeMember.tender_id == tender.id, CommitteeMember.kind == MemberKind.tenderer_rep,
               CommitteeMember.status == MemberStatus.accepted)
    )).all()
    return any(rep_name == name and org_name == organisation for rep_name, org_name in reps)


async def _line_supervisor(session: AsyncSession, tender: Tender, organisation: str) -> bool:
    """The visitor's organisation is a supervising department of the tender's trading line."""
    if not organisation:
        return False
    orgs = (await session.execute(
        select(Organisation.supervised_lines).where(Organisation.kind == OrgKind.supervisor,
                                                    Organisation.name == organisation)
    )).scalars().all()
    return any(str(tender.line) in (lines or []) for lines in orgs)


async def may_enter(session: AsyncSession, booking: Booking, *, name: str, id_number: str, organisation: str) -> bool:
    """Evaluation rooms admit only that session's committee and supervisor; other rooms everyone who passes the
    health checks. A remote evaluation's committee sits in the other centre: its door is theirs."""
    if booking.kind != RoomKind.evaluation or booking.tender_id is None:
        return True
    tender = await session.get(Tender, booking.tender_id)
    if tender is None:
        return False
    return (await _on_committee(session, tender, name, id_number, organisation)
            or await _line_supervisor(session, tender, organisation))


# ---------------------------------------------------------------- registration


def refusal_text(code: str, policy: DeskPolicy) -> tuple[str, str]:
    zh, en = REFUSAL_LABELS.get(code, (code, code))
    return zh.format(t=policy.fever_celsius), en.format(t=policy.fever_celsius)


async def register_visitor(session: AsyncSession, actor: Actor, data: VisitorIn, *, policy: DeskPolicy,
                           now: datetime) -> Visitor:
    """Check the document and the health checks, decide admitted or refused (with the reason), write, audit."""
    require_centre(actor)
    today = now.astimezone(SHANGHAI).date()
    scanned = read_scan(data.scan_text) if data.scan_text.strip() else None
    name = (data.name.strip() or (scanned.name if scanned else ""))[:64]
    typed_number = data.id_number.strip()
    number = typed_number or (scanned.id_number if scanned else "")
    if not name:
        raise VisitorInvalid("venue.name_required", "请填写姓名", "Enter the visitor's name", detail={"field": "name"})
    if not number:
        raise IdNumberInvalid(message_zh="请填写身份证号码", message_en="Enter the ID number",
                              detail={"field": "id_number", "reason": "missing"})
    number = check_id_number(number, today=today)
    tenths = parse_temperature(data.temperature)
    if policy.health_code_required and data.health_code is None:
        raise HealthCodeRequired(detail={"field": "health_code"})
    booking: Booking | None = None
    if data.booking_id:
        booking = await session.get(Booking, data.booking_id)
        if booking is None:
            raise BookingNotFound(detail={"field": "booking_id"})
        if booking.status == BookingStatus.cancelled or booking.ends_at <= now:
            raise SessionOver(detail={"booking_id": booking.id})
    organisation = data.organisation.strip()

    refusal = ""
    if rules.has_fever(tenths, policy.fever_celsius):
        refusal = Refusal.fever
    elif data.health_code in (HealthCode.yellow, HealthCode.red):
        refusal = Refusal.health_code
    elif not data.mask:
        refusal = Refusal.no_mask
    elif booking is not None and not await may_enter(session, booking, name=name, id_number=number,
                                                     organisation=organisation):
        refusal = Refusal.not_admitted_to_room
    visitor = Visitor(
        day=today, registered_at=now, registered_by=actor.user_id or "",
        source="scanner" if scanned is not None and not (data.name.strip() and typed_number) else "typed",
        name=name, id_number=number, organisation=organisation[:200], purpose=data.purpose.strip()[:200],
        booking_id=booking.id if booking else None, temperature_tenths=tenths, mask=data.mask,
        health_code=str(data.health_code) if data.health_code else "", admitted=not refusal, refusal=str(refusal),
        next_check_at=now + timedelta(days=policy.retention_days),
    )
    session.add(visitor)
    await session.flush()
    # No name, ID number or temperature here: the audit chain is kept for ever, the personal data is not.
    await record(session, "venue:visitor_admitted" if visitor.admitted else "venue:visitor_refused", actor,
                 subject_type="venue_visitor", subject_id=visitor.id,
                 project_id=booking.project_id if booking else None,
                 after={"day": today.isoformat(), "booking_id": visitor.booking_id, "admitted": visitor.admitted,
                        "refusal": visitor.refusal, "source": visitor.source,
                        "purge_at": visitor.next_check_at}, now=now)
    await commit(session)
    return visitor


# ---------------------------------------------------------------- the daily report


@dataclass
class DayReport:
    day: date
    visitors: list[Visitor]
    sessions: dict[str, Booking] = field(default_factory=dict)

    @property
    def admitted(self) -> int:
        return sum(1 for v in self.visitors if v.admitted)

    @property
    def refused(self) -> int:
        return len(self.visitors) - self.admitted

    @property
    def by_refusal(self) -> dict[str, int]:
        return dict(Counter(v.refusal for v in self.visitors if not v.admitted))

    @property
    def by_session(self) -> list[tuple[Booking | None, int, int]]:
        """(session or None, admitted, refused) per session attended."""
        counts: dict[str | None, list[int]] = {}
        for v in self.visitors:
            c = counts.setdefault(v.booking_id, [0, 0])
            c[0 if v.admitted else 1] += 1
        rows = [(self.sessions.get(k) if k else None, a, r) for k, (a, r) in counts.items()]
        return sorted(rows, key=lambda x: (x[0] is None, x[0].starts_at if x[0] else None, x[0].id if x[0] else ""))

    @property
    def purged(self) -> int:
        return sum(1 for v in self.visitors if v.purged_at is not None)


async def day_report(session: AsyncSession, actor: Actor, day: date) -> DayReport:
    require_centre(actor)
    visitors = list((await session.execute(
        select(Visitor).where(Visitor.day == day).order_by(Visitor.registered_at, Visitor.id))).scalars().all())
    ids = {v.booking_id for v in visitors if v.booking_id}
    sessions = {b.id: b for b in (await session.execute(select(Booking).where(Booking.id.in_(ids)))).scalars()} \
        if ids else {}
    return DayReport(day, visitors, sessions)


def temperature_text(v: Visitor) -> str:
    return f"{Decimal(v.temperature_tenths) / 10:.1f}" if v.temperature_tenths is not None else ""


CSV_HEADER: Final = ["登记时间 Time", "姓名 Name", "身份证号 ID number", "单位 Organisation", "事由 Purpose",
                     "场次 Session", "体温 Temperature", "口罩 Mask", "健康码 Health code", "结果 Result",
                     "拒绝原因 Refusal"]


def report_csv(report: DayReport, policy: DeskPolicy) -> str:
    """The day's register for the health authority (full ID numbers; purged rows stay blank), Excel-friendly."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    w = csv.writer(out)
    w.writerow(CSV_HEADER)
    for v in report.visitors:
        s = report.sessions.get(v.booking_id or "")
        w.writerow([show(v.registered_at, "%Y-%m-%d %H:%M:%S"), v.name, v.id_number, v.organisation, v.purpose,
                    s.title if s else "", temperature_text(v), "是" if v.mask else "否",
                    HEALTH_LABELS.get(v.health_code, ("", ""))[0], "准入" if v.admitted else "拒绝",
                    refusal_text(v.refusal, policy)[0] if v.refusal else ""])
    return out.getvalue()


async def export_report(session: AsyncSession, actor: Actor, day: date, *, policy: DeskPolicy,
                        now: datetime) -> str:
    """The CSV, with the export itself in the audit chain (who took the personal data out, and how many rows)."""
    report = await day_report(session, actor, day)
    await record(session, "venue:visitor_report_exported", actor, subject_type="venue_visitors",
                 subject_id=day.isoformat(), after={"day": day.isoformat(), "rows": len(report.visitors)}, now=now)
    await commit(session)
    return report_csv(report, policy)


# ---------------------------------------------------------------- retention


async def purge_due(session: AsyncSession, now: datetime) -> int:
    """Blank the personal data of every visitor whose retention ended; one audit entry with the counts. No commit.

    The row stays (day, session, admitted, refusal), so the daily counts survive; name, ID number, organisation,
    purpose, temperature and health code go.
    """
    due = select(Visitor.id, Visitor.day).where(Visitor.next_check_at.is_not(None), Visitor.next_check_at <= now)
    rows = (await session.execute(locked(session, due))).all()
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    await session.execute(
        update(Visitor).where(Visitor.id.in_(ids)).values(
            name="", id_number="", organisation="", purpose="", temperature_tenths=None, health_code="",
            next_check_at=None, purged_at=now).execution_options(synchronize_session="fetch"))
    days = Counter(r[1].isoformat() for r in rows)
    await record(session, "venue:visitors_purged", VENUE, subject_type="venue_visitors",
                 subject_id=now.date().isoformat(), after={"count": len(ids), "by_day": dict(sorted(days.items()))},
                 now=now)
    return len(ids)


async def sweep(session: AsyncSession, _row: Visitor, now: datetime) -> None:
    """Chronograph handler: the first due row triggers the purge of every due row (one audit entry per sweep)."""
    await purge_due(session, now)
