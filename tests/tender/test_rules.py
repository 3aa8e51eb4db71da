"""The rules table and the tender state machine: pure functions, checked against the articles they cite."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ggzy.kit.timefmt import SHANGHAI
from ggzy.project.models import TradingLine
from ggzy.tender import rules, state
from ggzy.tender.errors import BadTenderTransition, LineNotTendered
from ggzy.tender.models import EvaluationMethod, Tender, TenderStatus

RS = rules.get_ruleset("2026.1")
CONSTRUCTION = RS.for_line(TradingLine.construction)
PROCUREMENT = RS.for_line(TradingLine.procurement)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def tt(start: datetime, *, doc: timedelta, question: timedelta, deadline: timedelta) -> rules.Timetable:
    return rules.Timetable(start, start + doc, start + question, start + deadline)


def codes(found: list[rules.Violation]) -> list[str]:
    return [v.code for v in found]


def test_current_ruleset_exists_and_has_both_tender_lines() -> None:
    current = rules.get_ruleset(rules.CURRENT_RULESET)
    assert set(current.lines) == {TradingLine.construction, TradingLine.procurement}


def test_bid_deadline_19_days_after_issue_rejected_tendering_law_art24() -> None:
    start = NOW + timedelta(hours=1)
    short = tt(start, doc=timedelta(days=5), question=timedelta(days=10), deadline=timedelta(days=19, hours=23))
    found = rules.check_timetable(short, rules=CONSTRUCTION, now=NOW)
    assert codes(found) == ["tender.deadline_too_soon"]
    assert found[0].article is not None and "第二十四条" in found[0].article.zh
    ok = tt(start, doc=timedelta(days=5), question=timedelta(days=10), deadline=timedelta(days=20))
    assert rules.check_timetable(ok, rules=CONSTRUCTION, now=NOW) == []


def test_procurement_also_needs_20_days_mof87_art16() -> None:
    start = NOW + timedelta(hours=1)
    short = tt(start, doc=timedelta(days=8), question=timedelta(days=10), deadline=timedelta(days=19))
    assert codes(rules.check_timetable(short, rules=PROCUREMENT, now=NOW)) == ["tender.deadline_too_soon"]


def test_construction_documents_on_offer_five_calendar_days_bidding_regs_art16() -> None:
    # Wednesday 1 April 2026: Qingming (Mon 6 April) does not matter for calendar days.
    start = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)
    now = start - timedelta(hours=1)
    four_days = tt(start, doc=timedelta(days=4, hours=23), question=timedelta(days=10), deadline=timedelta(days=21))
    found = rules.check_timetable(four_days, rules=CONSTRUCTION, now=now)
    assert codes(found) == ["tender.doc_period_too_short"]
    assert found[0].article == rules.REGS_ART16
    five_days = tt(start, doc=timedelta(days=5), question=timedelta(days=10), deadline=timedelta(days=21))
    assert rules.check_timetable(five_days, rules=CONSTRUCTION, now=now) == []


def test_procurement_documents_on_offer_five_working_days_across_qingming_mof87_art16() -> None:
    # Wed 1 April 2026 09:00; Sat 4 – Mon 6 April are off (Qingming), so 5 working days end Thu 9 April 09:00.
    start = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)
    now = start - timedelta(hours=1)
    end_wed = datetime(2026, 4, 8, 10, 0, tzinfo=SHANGHAI)  # enough if only weekends counted
    plan = rules.Timetable(start, end_wed, start + timedelta(days=10), start + timedelta(days=21))
    found = rules.check_timetable(plan, rules=PROCUREMENT, now=now)
    assert codes(found) == ["tender.doc_period_too_short"]
    assert found[0].article == rules.MOF87_ART16
    assert "工作日" in found[0].zh
    end_thu = datetime(2026, 4, 9, 9, 0, tzinfo=SHANGHAI)
    assert rules.earliest_doc_end(start, PROCUREMENT) == (end_thu, False)
    ok = rules.Timetable(start, end_thu, start + timedelta(days=10), start + timedelta(days=21))
    assert rules.check_timetable(ok, rules=PROCUREMENT, now=now) == []
    # The same timetable is fine for construction (5 calendar days).
    assert rules.check_timetable(plan, rules=CONSTRUCTION, now=now) == []


def test_times_in_the_past_and_bad_order_are_named() -> None:
    start = NOW - timedelta(hours=1)
    plan = rules.Timetable(start, start + timedelta(days=6), start + timedelta(days=30), start + timedelta(days=25))
    found = codes(rules.check_timetable(plan, rules=CONSTRUCTION, now=NOW))
    assert "tender.time_in_past" in found
    assert "tender.question_deadline_order" in found


@pytest.mark.parametrize("line", [TradingLine.construction, TradingLine.procurement])
def test_bond_above_two_percent_rejected_bidding_regs_art26_gp_regs_art33(line: TradingLine) -> None:
    lr = RS.for_line(line)
    ok = rules.check_lot(number=1, budget=Decimal("1000000.00"), ceiling_price=None,
                         bond_amount=Decimal("20000.00"), rules=lr)
    assert ok == []
    found = rules.check_lot(number=1, budget=Decimal("1000000.00"), ceiling_price=None,
                            bond_amount=Decimal("20000.01"), rules=lr)
    assert codes(found) == ["tender.bond_too_high"]
    expected = rules.REGS_ART26 if line == TradingLine.construction else rules.GP_REGS_ART33
    assert found[0].article == expected


def test_procurement_ceiling_above_budget_rejected_construction_not() -> None:
    kw = {"number": 2, "budget": Decimal("500000"), "ceiling_price": Decimal("500000.01"), "bond_amount": Decimal(0)}
    assert codes(rules.check_lot(**kw, rules=PROCUREMENT)) == ["tender.ceiling_above_budget"]  # type: ignore[arg-type]
    assert rules.check_lot(**kw, rules=CONSTRUCTION) == []  # type: ignore[arg-type]


def test_evaluation_method_must_belong_to_the_line() -> None:
    assert rules.check_method(EvaluationMethod.base_price_deviation, CONSTRUCTION) == []
    assert codes(rules.check_method(EvaluationMethod.base_price_deviation, PROCUREMENT)) == [
        "tender.method_not_allowed"
    ]


def test_document_change_within_15_days_moves_deadline_bidding_regs_art21_mof87_art27() -> None:
    deadline = NOW + timedelta(days=14, hours=23)
    moved = rules.deadline_after_document_change(deadline, NOW, RS, TradingLine.construction)
    assert moved == NOW + timedelta(days=15)
    assert rules.deadline_after_document_change(NOW + timedelta(days=15), NOW, RS, TradingLine.procurement) is None


def test_auction_lines_have_no_tender_rules() -> None:
    with pytest.raises(LineNotTendered):
        RS.for_line(TradingLine.land)
    with pytest.raises(LineNotTendered):
        rules.deadline_after_document_change(NOW, NOW, RS, TradingLine.property)


def _tender(status: TenderStatus) -> Tender:
    return Tender(status=status)


def test_state_table_allows_the_journey_and_refuses_shortcuts() -> None:
    t = _tender(TenderStatus.draft)
    assert state.transition_to(t, TenderStatus.published) == TenderStatus.draft
    state.transition_to(t, TenderStatus.bid_closed)
    state.transition_to(t, TenderStatus.failed)
    assert t.status == TenderStatus.failed
    with pytest.raises(BadTenderTransition) as err:
        state.transition_to(_tender(TenderStatus.draft), TenderStatus.bid_closed)
    assert err.value.status == 409 and err.value.code == "tender.bad_transition"
    with pytest.raises(BadTenderTransition):
        state.transition_to(_tender(TenderStatus.cancelled), TenderStatus.published)
