"""Pure rules of the venue: how long sessions last, which room a session gets, where the duty roster has holes.

No I/O: rooms, existing bookings and the request come in, a room (or the clash with its alternatives) goes out.
The service locks the rooms, loads the bookings, calls `allocate` and writes what it says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from ggzy.kit.timefmt import SHANGHAI

TURNOVER: Final = timedelta(minutes=30)
"""Gap kept free between two sessions in one room: the room is disinfected and reset (疫情防控: 每场次结束后消毒)."""
SLOT: Final = timedelta(minutes=30)
"""Automatic sessions end on the half hour; alternative start times are searched in these steps."""
OPENING_AFTER_WINDOW: Final = timedelta(minutes=60)
"""After the decryption window: 唱标, objections answered on the spot, the bidders' confirmation (30 minutes)."""
ALTERNATIVES_HORIZON: Final = timedelta(days=7)
MAX_ALTERNATIVES: Final = 5
DAY_START: Final = time(8, 0)
LAST_START: Final = time(17, 0)
"""Alternative start times are offered between these Beijing times only (nobody convenes a committee at 3 am)."""

EQUIPMENT: Final[dict[str, tuple[str, str]]] = {
    "video": ("全程视频监控", "Video monitoring"),
    "recording": ("录音录像", "Audio/video recording"),
    "screen": ("大屏", "Large screen"),
    "terminals": ("评标终端", "Evaluation terminals"),
    "signal_shield": ("手机信号屏蔽", "Mobile signal shielding"),
    "remote_link": ("远程异地评标系统", "Remote evaluation link"),
    "lockers": ("通讯工具存放柜", "Phone lockers"),
}
"""Equipment keys a room may list and a session may need."""


# ---------------------------------------------------------------- session lengths (the tender's size)


EVALUATION_HOURS: Final[tuple[tuple[Decimal, int], ...]] = (
    (Decimal("1000000"), 3),
    (Decimal("10000000"), 4),
    (Decimal("50000000"), 6),
    (Decimal("200000000"), 8),
)
"""(total budget below, hours): a small purchase is reviewed in a morning, a large works contract takes a day."""
EVALUATION_HOURS_LARGEST: Final = 12
EXTRA_HOUR_PER_LOT_MAX: Final = 4
COMMITTEE_LARGE_BUDGET: Final = Decimal("10000000")
"""Government procurement with a budget ≥ 10,000,000 yuan: 7 or more members (MOF 87 Art.47); else 5."""
EXTRA_SEATS: Final = 2
"""Beyond the committee: the supervisor's seat and the centre's session clerk."""


def ceil_slot(when: datetime) -> datetime:
    """Round up to the next half hour (Beijing is UTC+8, so UTC half hours are Beijing half hours)."""
    epoch = datetime(2000, 1, 1, tzinfo=when.tzinfo)
    rest = (when - epoch) % SLOT
    return when if not rest else when + (SLOT - rest)


def opening_interval(deadline: datetime, window_minutes: int) -> tuple[datetime, datetime]:
    """The opening session: from the bid deadline (= opening time, E-Bidding Measures Art.29) to the end of the
    decryption window plus 唱标 and confirmation."""
    return deadline, ceil_slot(deadline + timedelta(minutes=window_minutes) + OPENING_AFTER_WINDOW)


def evaluation_hours(lots: int, total_budget: Decimal) -> int:
    """Length of the evaluation session by the tender's size: its total budget and its number of lots."""
    hours = next((h for limit, h in EVALUATION_HOURS if total_budget < limit), EVALUATION_HOURS_LARGEST)
    return hours + min(max(lots - 1, 0), EXTRA_HOUR_PER_LOT_MAX)


def committee_seats(line: str, total_budget: Decimal) -> int:
    """Seats the evaluation room needs: the committee (Evaluation Rules Art.9; MOF 87 Art.47) plus EXTRA_SEATS."""
    members = 7 if line == "procurement" and total_budget >= COMMITTEE_LARGE_BUDGET else 5
    return members + EXTRA_SEATS


def evaluation_interval(opening_end: datetime, hours: int) -> tuple[datetime, datetime]:
    """The committee convenes once the opening record is out and sits `hours` (a room stays sealed overnight)."""
    return opening_end, opening_end + timedelta(hours=hours)


# ---------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True)
class RoomSpec:
    id: str
    kind: str
    capacity: int
    equipment: frozenset[str] = frozenset()
    rank: int = 0
    code: str = ""


@dataclass(frozen=True, slots=True)
class Need:
    """What a session needs: a kind of room for an interval, seats, equipment; and whether it has priority."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    seats: int = 1
    equipment: frozenset[str] = frozenset()
    priority: bool = False


@dataclass(frozen=True, slots=True)
class Held:
    """An existing booking holding a room."""

    booking_id: str
    room_id: str
    need: Need


@dataclass(frozen=True, slots=True)
class Move:
    """A non-priority booking moved to another room to make way for a priority session."""

    booking_id: str
    from_room: str
    to_room: str


@dataclass(frozen=True, slots=True)
class Placed:
    room_id: str
    moves: tuple[Move, ...] = ()


@dataclass(frozen=True, slots=True)
class Alternative:
    room_id: str
    starts_at: datetime
    ends_at: datetime


ClashReason = Literal["no_suitable_room", "all_taken"]


@dataclass(frozen=True, slots=True)
class Clash:
    reason: ClashReason
    alternatives: tuple[Alternative, ...] = field(default=())


def suits(room: RoomSpec, need: Need) -> bool:
    return room.kind == need.kind and room.capacity >= need.seats and need.equipment <= room.equipment


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime,
             turnover: timedelta = TURNOVER) -> bool:
    """Two sessions in one room clash when they are closer than the turnover gap."""
    return a_start < b_end + turnover and b_start < a_end + turnover


def is_free(room_id: str, starts_at: datetime, ends_at: datetime, held: Iterable[Held],
            turnover: timedelta = TURNOVER) -> bool:
    return not any(h.room_id == room_id and overlaps(starts_at, ends_at, h.need.starts_at, h.need.ends_at, turnover)
                   for h in held)


def _ordered(rooms: Iterable[RoomSpec], prefer: str | None = None) -> list[RoomSpec]:
    return sorted(rooms, key=lambda r: (r.id != prefer, r.rank, r.code, r.id))


def _displace(rooms: Sequence[RoomSpec], held: Sequence[Held], need: Need, candidates: Sequence[RoomSpec],
              turnover: timedelta) -> Placed | None:
    """Priority first choice: take a room from non-priority sessions that can each move to another free room.

    A session is only ever moved to a room that suits it and is free at its own time, so nobody who had a room
    loses it; a priority session is never moved.
    """
    for room in candidates:
        blockers = [h for h in held if h.room_id == room.id
                    and overlaps(need.starts_at, need.ends_at, h.need.starts_at, h.need.ends_at, turnover)]
        if any(b.need.priority for b in blockers):
            continue
        state = [h for h in held if h not in blockers] + [Held("", room.id, need)]
        moves: list[Move] = []
        for b in sorted(blockers, key=lambda h: (h.need.starts_at, h.booking_id)):
            target = next((r for r in _ordered(rooms) if r.id != room.id and suits(r, b.need)
                           and is_free(r.id, b.need.starts_at, b.need.ends_at, state, turnover)), None)
            if target is None:
                break
            state.append(Held(b.booking_id, target.id, b.need))
            moves.append(Move(b.booking_id, room.id, target.id))
        else:
            return Placed(room.id, tuple(moves))
    return None


def _later_slots(rooms: Sequence[RoomSpec], held: Sequence[Held], need: Need, turnover: timedelta) -> list[Alternative]:
    """The earliest free start in each suitable room within the horizon, at a sensible Beijing hour."""
    length = need.ends_at - need.starts_at
    found: list[tuple[datetime, int, Alternative]] = []
    for room in rooms:
        start = ceil_slot(need.starts_at)
        limit = need.starts_at + ALTERNATIVES_HORIZON
        while start <= limit:
            local = start.astimezone(SHANGHAI).time()
            if DAY_START <= local <= LAST_START and is_free(room.id, start, start + length, held, turnover):
                found.append((start, room.rank, Alternative(room.id, start, start + length)))
                break
            start += SLOT
    found.sort(key=lambda x: (x[0], x[1], x[2].room_id))
    return [a for _, _, a in found]


def allocate(rooms: Sequence[RoomSpec], held: Sequence[Held], need: Need, *, prefer: str | None = None,
             movable: bool = False, fallback_kinds: frozenset[str] = frozenset(),
             turnover: timedelta = TURNOVER) -> Placed | Clash:
    """A room for `need`, or the clash and what staff could choose instead.

    Free suitable rooms go by `prefer` (the room the session already had), then rank. A priority session that
    finds none takes a room whose non-priority sessions can all move elsewhere (Placed.moves). On a clash the
    alternatives are: for a session that may move (`movable`, the evaluation) the earliest free start in each
    suitable room; for one fixed in time (the opening at the published deadline) free rooms of `fallback_kinds`
    at the same time. `held` must not contain the booking being placed.
    """
    suitable = _ordered([r for r in rooms if suits(r, need)], prefer)
    free = [r for r in suitable if is_free(r.id, need.starts_at, need.ends_at, held, turnover)]
    if free:
        return Placed(free[0].id)
    if need.priority and suitable:
        placed = _displace(rooms, held, need, suitable, turnover)
        if placed is not None:
            return placed
    alternatives: list[Alternative] = []
    if movable:
        alternatives = _later_slots(suitable, held, need, turnover)
    fallback = [r for r in _ordered(rooms) if r.kind in fallback_kinds and r.kind != need.kind
                and r.capacity >= need.seats and need.equipment <= r.equipment]
    alternatives += [Alternative(r.id, need.starts_at, need.ends_at) for r in fallback
                     if is_free(r.id, need.starts_at, need.ends_at, held, turnover)]
    return Clash("all_taken" if suitable else "no_suitable_room", tuple(alternatives[:MAX_ALTERNATIVES]))


def can_take(room: RoomSpec, need: Need, held: Sequence[Held], *, any_kind: bool = False,
             turnover: timedelta = TURNOVER) -> Literal["ok", "unsuitable", "taken"]:
    """Staff choosing a room by hand (an alternative): it must seat the session and be free; with `any_kind`
    (an alternative of a fallback kind) the kind may differ."""
    fits = room.capacity >= need.seats and need.equipment <= room.equipment and (any_kind or room.kind == need.kind)
    if not fits:
        return "unsuitable"
    return "ok" if is_free(room.id, need.starts_at, need.ends_at, held, turnover) else "taken"


# ---------------------------------------------------------------- duty roster


def coverage_gaps(intervals: Iterable[tuple[datetime, datetime]], start: datetime,
                  end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) no interval covers: where the 24-hour roster has nobody."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for s, e in sorted((max(s, start), min(e, end)) for s, e in intervals if e > start and s < end):
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


MAX_SHIFT: Final = timedelta(hours=24)


def shift_problem(starts_at: datetime, ends_at: datetime) -> str | None:
    """Why a shift's interval is wrong, or None."""
    if ends_at <= starts_at:
        return "end_before_start"
    if ends_at - starts_at > MAX_SHIFT:
        return "longer_than_24h"
    return None


# ---------------------------------------------------------------- visitors


FEVER_DEFAULT: Final = Decimal("37.3")
PLAUSIBLE_TEMPERATURE: Final = (Decimal("34.0"), Decimal("43.0"))


def temperature_tenths(value: Decimal) -> int | None:
    """Tenths of a degree for a plausible reading (one decimal place, half up), None when implausible."""
    low, high = PLAUSIBLE_TEMPERATURE
    if not value.is_finite() or not (low <= value <= high):
        return None
    return int((value * 10).to_integral_value(rounding=ROUND_HALF_UP))


def has_fever(tenths: int, threshold: Decimal) -> bool:
    """Refused at or above the threshold (DOMAIN.md: refused above 37.3 °C; the desk refuses at 37.3 itself)."""
    return Decimal(tenths) / 10 >= threshold


def mask_id_number(number: str) -> str:
    """Shown on screens and the printed report: the region's first 4 and the last 4 characters only."""
    return number[:4] + "*" * max(len(number) - 8, 0) + number[-4:] if len(number) > 8 else "*" * len(number)
