"""Pure venue rules: session lengths by the tender's size, room allocation (with the issue's hypothesis test:
random bookings and cancellations never double-book a room and always place a priority session when any room is
free), duty coverage, temperatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy.venue import rules
from ggzy.venue.rules import Clash, Held, Need, Placed, RoomSpec

T0 = datetime(2026, 3, 23, 1, 0, tzinfo=UTC)  # 09:00 Beijing, a Monday
H = timedelta(hours=1)


def need(kind: str = "evaluation", start: float = 0, hours: float = 2, **kw: object) -> Need:
    return Need(kind, T0 + start * H, T0 + (start + hours) * H, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- session lengths


def test_opening_lasts_the_decryption_window_plus_announcing_rounded_to_the_half_hour() -> None:
    """E-Bidding Measures Art.29-30: the opening starts at the deadline; the window (30 min default) + 唱标."""
    deadline = T0 + timedelta(minutes=10)
    assert rules.opening_interval(deadline, 30) == (deadline, T0 + timedelta(minutes=120))
    assert rules.opening_interval(T0, 30) == (T0, T0 + timedelta(minutes=90))


def test_evaluation_length_grows_with_budget_and_lots() -> None:
    assert rules.evaluation_hours(1, Decimal("800000")) == 3
    assert rules.evaluation_hours(1, Decimal("1000000")) == 4
    assert rules.evaluation_hours(3, Decimal("30000000")) == 8
    assert rules.evaluation_hours(1, Decimal("500000000")) == 12
    assert rules.evaluation_hours(20, Decimal("500000000")) == 16  # at most 4 extra hours for lots


def test_committee_seats_follow_mof87_art47() -> None:
    """Procurement ≥ 10,000,000 yuan: 7 members (MOF 87 Art.47); else 5; plus the supervisor and the clerk."""
    assert rules.committee_seats("procurement", Decimal("10000000")) == 9
    assert rules.committee_seats("procurement", Decimal("9999999.99")) == 7
    assert rules.committee_seats("construction", Decimal("90000000")) == 7


# ---------------------------------------------------------------- allocation


ROOMS = [RoomSpec("e1", "evaluation", 9, frozenset({"video"}), 1, "PB-01"),
         RoomSpec("e2", "evaluation", 15, frozenset({"video"}), 2, "PB-02"),
         RoomSpec("q1", "qa", 40, frozenset(), 1, "DY-01")]


def test_first_free_suitable_room_by_rank_and_the_turnover_gap_is_kept() -> None:
    first = rules.allocate(ROOMS, [], need(seats=7))
    assert first == Placed("e1")
    held = [Held("a", "e1", need(seats=7))]
    # Starts 15 minutes after the first ends: inside the 30-minute disinfection gap, so the other room.
    assert rules.allocate(ROOMS, held, need(start=2.25)) == Placed("e2")
    assert rules.allocate(ROOMS, held, need(start=2.5)) == Placed("e1")
    assert rules.allocate(ROOMS, held, need(seats=12)) == Placed("e2")  # e1 seats only 9


def test_unsuitable_and_all_taken_clash_with_alternatives() -> None:
    assert rules.allocate(ROOMS, [], need(seats=20)) == Clash("no_suitable_room")
    held = [Held("a", "e1", need()), Held("b", "e2", need())]
    fixed = rules.allocate(ROOMS, held, need(), fallback_kinds=frozenset({"qa"}))
    assert isinstance(fixed, Clash) and fixed.reason == "all_taken"
    assert [(a.room_id, a.starts_at) for a in fixed.alternatives] == [("q1", T0)]  # same time, another kind
    later = rules.allocate(ROOMS, held, need(), movable=True)
    assert isinstance(later, Clash)
    assert [(a.room_id, a.starts_at) for a in later.alternatives] == [("e1", T0 + 2.5 * H), ("e2", T0 + 2.5 * H)]


def test_alternatives_start_at_a_sensible_beijing_hour() -> None:
    late = need(start=7, hours=2)  # 16:00-18:00 Beijing
    held = [Held("a", "e1", late), Held("b", "e2", late)]
    result = rules.allocate(ROOMS, held, late, movable=True)
    assert isinstance(result, Clash)
    first = result.alternatives[0].starts_at
    assert first.astimezone(rules.SHANGHAI).hour == 8  # next morning 08:00, not 18:30


def test_priority_takes_a_room_from_a_normal_session_that_can_move() -> None:
    """Priority projects (城市运行、疫情防控…) get first choice (DOMAIN.md "Emergency operation")."""
    held = [Held("normal", "e1", need(start=0, hours=2)), Held("later", "e2", need(start=2.5, hours=2.5))]
    # Neither room is free from 10:00 to 12:00, but the 09:00-11:00 session fits in e2 before its 11:30 session.
    result = rules.allocate(ROOMS, held, need(start=1, hours=2, priority=True))
    assert result == Placed("e1", (rules.Move("normal", "e1", "e2"),))
    assert isinstance(rules.allocate(ROOMS, held, need(start=1, hours=2)), Clash)  # without priority: a clash


def test_priority_never_moves_another_priority_session_nor_strands_a_normal_one() -> None:
    both = [Held("p", "e1", need(priority=True)), Held("n", "e2", need())]
    assert isinstance(rules.allocate(ROOMS, both, need(priority=True)), Clash)  # n has nowhere to go


def test_coverage_gaps() -> None:
    day = (T0, T0 + 24 * H)
    shifts = [(T0 - H, T0 + 8 * H), (T0 + 8 * H, T0 + 16 * H), (T0 + 17 * H, T0 + 30 * H)]
    assert rules.coverage_gaps(shifts, *day) == [(T0 + 16 * H, T0 + 17 * H)]
    assert rules.coverage_gaps([], *day) == [day]


def test_temperatures_are_exact_tenths_and_the_threshold_refuses_at_it() -> None:
    assert rules.temperature_tenths(Decimal("36.55")) == 366
    assert rules.temperature_tenths(Decimal("44")) is None
    assert rules.temperature_tenths(Decimal("NaN")) is None
    assert rules.has_fever(373, Decimal("37.3")) and not rules.has_fever(372, Decimal("37.3"))
    assert rules.mask_id_number("330106197001010019") == "3301**********0019"


# ---------------------------------------------------------------- the property test


KINDS = ("evaluation", "opening")
room_st = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from((5, 9, 15)), st.booleans()),
                   min_size=1, max_size=5)
book_st = st.tuples(st.just("book"), st.sampled_from(KINDS), st.integers(0, 24), st.integers(1, 8),
                    st.sampled_from((1, 5, 9, 12)), st.booleans(), st.booleans(), st.booleans())
cancel_st = st.tuples(st.just("cancel"), st.integers(0, 1000))
ops_st = st.lists(st.one_of(book_st, book_st, cancel_st), min_size=1, max_size=40)
SLOT = timedelta(minutes=30)


def _assert_no_double_booking(rooms: dict[str, RoomSpec], held: dict[str, Held]) -> None:
    items = list(held.values())
    for i, a in enumerate(items):
        assert rules.suits(rooms[a.room_id], a.need), (a, rooms[a.room_id])
        for b in items[i + 1:]:
            if a.room_id == b.room_id:
                assert not rules.overlaps(a.need.starts_at, a.need.ends_at, b.need.starts_at, b.need.ends_at), (a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(room_st, ops_st)
def test_random_bookings_and_cancellations_never_double_book_and_always_place_priority(
        room_defs: list[tuple[str, int, bool]], ops: list[tuple[object, ...]]) -> None:
    """The issue's property: whatever the order of bookings and cancellations, no room is ever double-booked
    (turnover gap included), a session that has a room keeps one, a priority session is placed whenever any
    suitable room is free, and every alternative offered on a clash really is free."""
    rooms = {f"r{i}": RoomSpec(f"r{i}", kind, cap, frozenset({"video"}) if video else frozenset(), i, f"R{i}")
             for i, (kind, cap, video) in enumerate(room_defs)}
    held: dict[str, Held] = {}
    for n, op in enumerate(ops):
        if op[0] == "cancel":
            if held:
                held.pop(sorted(held)[int(op[1]) % len(held)])  # type: ignore[call-overload]
            continue
        _, kind, start, length, seats, priority, movable, video = op
        nd = Need(str(kind), T0 + int(start) * SLOT, T0 + (int(start) + int(length)) * SLOT, int(seats),  # type: ignore[call-overload]
                  frozenset({"video"}) if video else frozenset(), bool(priority))
        any_free = any(rules.suits(r, nd) and rules.is_free(r.id, nd.starts_at, nd.ends_at, held.values())
                       for r in rooms.values())
        before = set(held)
        result = rules.allocate(list(rooms.values()), list(held.values()), nd, movable=bool(movable),
                                fallback_kinds=frozenset(KINDS) - {nd.kind})
        if any_free:
            assert isinstance(result, Placed), (nd, result)  # priority or not: a free room is always used
        if isinstance(result, Placed):
            for move in result.moves:
                moved = held[move.booking_id]
                assert not moved.need.priority and moved.room_id == move.from_room == result.room_id
                held[move.booking_id] = Held(moved.booking_id, move.to_room, moved.need)
            held[f"b{n}"] = Held(f"b{n}", result.room_id, nd)
        else:
            assert not any_free
            for alt in result.alternatives:
                trial = Need(nd.kind, alt.starts_at, alt.ends_at, nd.seats, nd.equipment, nd.priority)
                assert alt.ends_at - alt.starts_at == nd.ends_at - nd.starts_at
                assert rules.is_free(alt.room_id, alt.starts_at, alt.ends_at, held.values())
                assert rooms[alt.room_id].capacity >= trial.seats
        assert before <= set(held)  # nobody who had a room lost it
        _assert_no_double_booking(rooms, held)
