"""The reception desk (疫情防控 at the door): ID numbers checked with kit.idcard, scanner text, temperature, mask,
health code, evaluation rooms for the committee and the supervisor only, the daily report, and the purge of
personal data after the retention period (in the audit chain as counts, never the data)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import make_id_number
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender
from ggzy.venue import visitors
from ggzy.venue.errors import (
    BookingNotFound,
    CentreOnly,
    HealthCodeRequired,
    IdNumberInvalid,
    ScanUnreadable,
    SessionOver,
    TemperatureImplausible,
    VisitorInvalid,
)
from ggzy.venue.models import Booking, HealthCode, Refusal, Visitor
from ggzy.venue.schemas import VisitorIn
from ggzy.venue.visitors import DeskPolicy
from tests.factories import create_party
from tests.venue.helpers import (
    Committee,
    Venue,
    fresh,
    make_venue,
    published,
    seat_committee,
    sessions_of,
    supervisor_of,
)

POLICY = DeskPolicy()
VALID = make_id_number("110105", date(1985, 7, 14), 27)  # a real-shaped Beijing Chaoyang number


@dataclass
class Desk:
    v: Venue
    tender: Tender
    opening: Booking
    evaluation: Booking
    committee: Committee


async def desk(db: AsyncSession, clock: FrozenClock) -> Desk:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    s = await sessions_of(db, tender.id)
    committee = await seat_committee(db, tender, clock.now())
    await supervisor_of(db, TradingLine.construction, clock.now(), "市住房和城乡建设局")
    await supervisor_of(db, TradingLine.procurement, clock.now(), "市财政局")
    clock.set(s["opening"].starts_at - timedelta(minutes=20))  # the morning of the opening
    return Desk(v, tender, s["opening"], s["evaluation"], committee)


def visitor(**over: Any) -> VisitorIn:
    base: dict[str, Any] = {"name": "王小明", "id_number": VALID, "organisation": "某建设有限公司",
                            "purpose": "参加开标", "temperature": Decimal("36.5"), "mask": True}
    base.update(over)
    return VisitorIn.model_validate(base)


async def register(db: AsyncSession, d: Desk, clock: FrozenClock, policy: DeskPolicy = POLICY,
                   **over: Any) -> Visitor:
    return await visitors.register_visitor(db, d.v.staff, visitor(**over), policy=policy, now=clock.now())


async def _count(db: AsyncSession) -> int:
    n = int((await db.execute(select(func.count()).select_from(Visitor))).scalar_one())
    await db.commit()
    return n


async def test_a_typed_visitor_is_admitted_and_the_audit_chain_holds_no_personal_data(
        db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    v = await register(db, d, clock, id_number=VALID[:6] + " " + VALID[6:-1] + VALID[-1].lower(),
                       booking_id=d.opening.id)
    assert (v.admitted, v.refusal, v.id_number, v.temperature_tenths, v.source) == (True, "", VALID, 365, "typed")
    assert v.day == date(2026, 3, 23) and v.next_check_at == clock.now() + timedelta(days=28)
    ev = (await db.execute(select(AuditEvent).where(AuditEvent.subject_id == v.id))).scalars().one()
    assert ev.tag == "venue:visitor_admitted"
    assert VALID not in json.dumps(ev.after, ensure_ascii=False) and "王小明" not in json.dumps(ev.after,
                                                                                               ensure_ascii=False)
    await db.commit()


@pytest.mark.parametrize(("number", "reason"), [
    (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "check_digit"),
    ("99" + VALID[2:17] + "X", "region"),
    (make_id_number("110105", date(1985, 7, 14), 27)[:6] + "20991231" + "0271", "birth_date"),
    ("110105198502300271", "birth_date"),  # 30 February
    (VALID[:17], "format"),
    ("11010519850714027Y", "format"),
    ("", "missing"),
])
async def test_the_desk_refuses_an_invalid_id_number_with_the_reason_and_writes_nothing(
        db: AsyncSession, clock: FrozenClock, number: str, reason: str) -> None:
    """ID numbers: region code, birth date and ISO 7064 check digit (GB 11643), via kit.idcard."""
    d = await desk(db, clock)
    with pytest.raises(IdNumberInvalid) as caught:
        await register(db, d, clock, id_number=number)
    assert caught.value.status == 422 and caught.value.detail["reason"] == reason
    await db.rollback()
    assert await _count(db) == 0


async def test_scanner_text_fills_the_name_and_number_and_typed_fields_win(db: AsyncSession,
                                                                         clock: FrozenClock) -> None:
    d = await desk(db, clock)
    ocr = f"中华人民共和国\n居民身份证\n姓名 李 娜\n性别 女 民族 汉\n出生 1985 年 7 月 14 日\n住址 北京市朝阳区\n" \
          f"公民身份号码 {' '.join(VALID[i:i + 4] for i in range(0, 18, 4))}"
    v = await register(db, d, clock, name="", id_number="", scan_text=ocr.replace("李 娜", "李娜"))
    assert (v.name, v.id_number, v.source) == ("李娜", VALID, "scanner")
    typed = await register(db, d, clock, name="李娜娜", id_number="", scan_text=ocr.replace("李 娜", "李娜"))
    assert typed.name == "李娜娜"
    with pytest.raises(ScanUnreadable) as caught:
        await register(db, d, clock, name="", id_number="", scan_text=ocr.replace("1985 年 7 月 14", "1986 年 7 月 14"))
    assert caught.value.detail["reason"] == "birth_mismatch"
    await db.rollback()
    with pytest.raises(ScanUnreadable):
        await register(db, d, clock, name="", id_number="", scan_text="something unreadable")
    await db.rollback()
    with pytest.raises(VisitorInvalid):
        await register(db, d, clock, name="   ")
    await db.rollback()


async def test_temperature_threshold_refuses_at_and_above_it_and_is_configurable(
        db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    hot = await register(db, d, clock, temperature=Decimal("37.3"))
    assert (hot.admitted, hot.refusal) == (False, Refusal.fever)
    assert (await register(db, d, clock, temperature=Decimal("37.2"))).admitted
    relaxed = DeskPolicy(fever_celsius=Decimal("37.5"))
    assert (await register(db, d, clock, relaxed, temperature=Decimal("37.3"))).admitted
    for reading in ("45", "30", "33.9"):
        with pytest.raises(TemperatureImplausible):
            await register(db, d, clock, temperature=Decimal(reading))
        await db.rollback()
    tags = (await db.execute(select(AuditEvent.tag).where(AuditEvent.tag.like("venue:visitor_%"))
                             .order_by(AuditEvent.seq))).scalars().all()
    assert list(tags) == ["venue:visitor_refused", "venue:visitor_admitted", "venue:visitor_admitted"]
    await db.commit()


async def test_mask_and_health_code(db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    assert (await register(db, d, clock, mask=False)).refusal == Refusal.no_mask
    strict = DeskPolicy(health_code_required=True)
    with pytest.raises(HealthCodeRequired):
        await register(db, d, clock, strict)
    await db.rollback()
    assert (await register(db, d, clock, strict, health_code=HealthCode.yellow)).refusal == Refusal.health_code
    assert (await register(db, d, clock, strict, health_code=HealthCode.red)).refusal == Refusal.health_code
    assert (await register(db, d, clock, strict, health_code=HealthCode.green)).admitted
    assert (await register(db, d, clock)).admitted  # not required, not given


async def test_evaluation_rooms_admit_only_the_committee_and_the_lines_supervisor(
        db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    ev = d.evaluation.id
    member, declined = d.committee.id_numbers[0], d.committee.id_numbers[-1]
    assert (await register(db, d, clock, booking_id=ev, id_number=member, name="评审专家")).admitted
    refused = await register(db, d, clock, booking_id=ev, id_number=declined)
    assert (refused.admitted, refused.refusal) == (False, Refusal.not_admitted_to_room)
    assert not (await register(db, d, clock, booking_id=ev)).admitted  # a bidder's staff
    assert (await register(db, d, clock, booking_id=ev, organisation="市住房和城乡建设局")).admitted
    assert not (await register(db, d, clock, booking_id=ev, organisation="市财政局")).admitted  # another line
    assert (await register(db, d, clock, booking_id=d.opening.id)).admitted  # the opening room is open
    # Health checks come first: a committee member with a fever stays outside.
    assert (await register(db, d, clock, booking_id=ev, id_number=member,
                           temperature=Decimal("38.0"))).refusal == Refusal.fever


async def test_sessions_that_ended_or_are_unknown_cannot_be_attended(db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    opening_id, ends = d.opening.id, d.opening.ends_at  # plain values: a rollback expires the rows
    with pytest.raises(BookingNotFound):
        await register(db, d, clock, booking_id="nope")
    await db.rollback()
    clock.set(ends)
    with pytest.raises(SessionOver):
        await register(db, d, clock, booking_id=opening_id)
    await db.rollback()
    _, _, bidder = await create_party(db, OrgKind.bidder, now=clock.now())
    with pytest.raises(CentreOnly):
        await visitors.register_visitor(db, bidder, visitor(), policy=POLICY, now=clock.now())
    await db.rollback()
    assert await _count(db) == 0


async def test_daily_report_counts_and_csv_export_is_audited(db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    await register(db, d, clock, booking_id=d.opening.id)
    await register(db, d, clock, temperature=Decimal("37.8"))
    await register(db, d, clock, mask=False, booking_id=d.opening.id)
    rep = await visitors.day_report(db, d.v.staff, clock.now().astimezone(SHANGHAI).date())
    assert (len(rep.visitors), rep.admitted, rep.refused) == (3, 1, 2)
    assert rep.by_refusal == {"fever": 1, "no_mask": 1}
    assert [(s.id if s else None, a, r) for s, a, r in rep.by_session] == [(d.opening.id, 1, 1), (None, 0, 1)]
    await db.commit()
    text = await visitors.export_report(db, d.v.staff, rep.day, policy=POLICY, now=clock.now())
    lines = text.splitlines()
    assert lines[0].startswith("\ufeff登记时间") and len(lines) == 4
    assert VALID in text and "体温异常（≥ 37.3 °C）" in text and "未佩戴口罩" in text
    ev = (await db.execute(select(AuditEvent).where(AuditEvent.tag == "venue:visitor_report_exported"))).scalars()
    assert ev.one().after == {"day": "2026-03-23", "rows": 3}
    await db.commit()


async def test_personal_data_is_purged_after_the_retention_by_the_chronograph(
        app: Any, db: AsyncSession, clock: FrozenClock) -> None:
    d = await desk(db, clock)
    first = await register(db, d, clock, booking_id=d.opening.id)
    clock.advance(days=1)
    second = await register(db, d, clock, temperature=Decimal("38.1"))
    clock.set(first.registered_at + timedelta(days=28) - timedelta(seconds=1))
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert (await fresh(db, Visitor, first.id)).name == "王小明"  # not yet
    clock.advance(seconds=1)
    await runner.sweep_once(app.state.sessionmaker, clock)
    gone = await fresh(db, Visitor, first.id)
    assert (gone.name, gone.id_number, gone.organisation, gone.temperature_tenths) == ("", "", "", None)
    assert gone.purged_at == clock.now() and gone.admitted and gone.next_check_at is None
    assert (await fresh(db, Visitor, second.id)).id_number == VALID  # its retention runs a day longer
    clock.advance(days=1)
    await runner.sweep_once(app.state.sessionmaker, clock)
    purges = (await db.execute(select(AuditEvent).where(AuditEvent.tag == "venue:visitors_purged")
                               .order_by(AuditEvent.seq))).scalars().all()
    assert [p.after for p in purges] == [{"count": 1, "by_day": {"2026-03-23": 1}},
                                         {"count": 1, "by_day": {"2026-03-24": 1}}]
    # Nothing personal survives anywhere: not in the visitors table, not in the (permanent) audit chain.
    everything = (await db.execute(select(AuditEvent.before, AuditEvent.after))).all()
    dumped = json.dumps([list(r) for r in everything], ensure_ascii=False)
    assert VALID not in dumped and "王小明" not in dumped
    left = (await db.execute(select(func.count()).select_from(Visitor).where(Visitor.id_number != ""))).scalar_one()
    assert left == 0
    await db.commit()
    async with app.state.sessionmaker() as other:  # a fresh session: `db` still holds the head it last wrote
        assert (await verify_chain(other)).ok
    rep = await visitors.day_report(db, d.v.staff, date(2026, 3, 23))
    assert (len(rep.visitors), rep.admitted, rep.purged) == (1, 1, 1)  # the counts stay
    await db.commit()
