"""A booking's statuses as data: booked ⇄ clash → cancelled."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.kit.state import StateMachine
from ggzy.venue.errors import BadBookingTransition
from ggzy.venue.models import Booking, BookingStatus

B = BookingStatus

BOOKING_TRANSITIONS: Final = MappingProxyType({
    # A timetable move finds no room at the new time; a booked session is cancelled (tender failed, by hand).
    B.booked: frozenset({B.clash, B.cancelled}),
    # Staff choose an alternative, or a later move finds a room; or the session is called off.
    B.clash: frozenset({B.booked, B.cancelled}),
    B.cancelled: frozenset(),
})

BOOKING_MACHINE: Final = StateMachine(BookingStatus, BOOKING_TRANSITIONS, BadBookingTransition)


def transition_to(booking: Booking, target: BookingStatus) -> BookingStatus:
    """Move `booking` to `target` or raise venue.bad_transition (409); returns the previous status."""
    return BOOKING_MACHINE.move(booking, target)
