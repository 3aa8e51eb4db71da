"""Pure suspension rules: the state table and how far a deadline moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ggzy.supervision.errors import BadSuspensionTransition
from ggzy.supervision.models import Suspension, SuspensionStatus
from ggzy.supervision.rules import shift_deadline, uncovered_length
from ggzy.supervision.state import TRANSITIONS, transition_to

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_state_table() -> None:
    S = SuspensionStatus
    assert TRANSITIONS[S.pending_approval] == {S.active, S.rejected}
    assert TRANSITIONS[S.active] == {S.ended}
    assert TRANSITIONS[S.ended] == TRANSITIONS[S.rejected] == frozenset()


@pytest.mark.parametrize(("start", "target"), [
    (SuspensionStatus.active, SuspensionStatus.rejected),
    (SuspensionStatus.ended, SuspensionStatus.active),
    (SuspensionStatus.rejected, SuspensionStatus.active),
    (SuspensionStatus.pending_approval, SuspensionStatus.ended),
])
def test_illegal_transitions_raise_a_named_error(start: SuspensionStatus, target: SuspensionStatus) -> None:
    s = Suspension(status=start)
    with pytest.raises(BadSuspensionTransition) as err:
        transition_to(s, target)
    assert err.value.status == 409 and err.value.code == "supervision.bad_transition"
    assert s.status == start


def test_running_deadline_moves_by_the_delay_a_passed_one_stays() -> None:
    """DOMAIN.md Emergency operation: every RUNNING deadline moves by the suspension's length."""
    started = T0
    assert shift_deadline(T0 + 5 * H, started, 3 * H) == T0 + 8 * H
    assert shift_deadline(T0 - H, started, 3 * H) == T0 - H
    assert shift_deadline(started, started, 3 * H) == started  # due at the very moment: already passed
    assert shift_deadline(None, started, 3 * H) is None


def test_uncovered_length_counts_overlapping_suspensions_once() -> None:
    assert uncovered_length(T0, T0 + 10 * H, []) == 10 * H
    assert uncovered_length(T0, T0 + 10 * H, [(T0 + 2 * H, T0 + 4 * H)]) == 8 * H
    assert uncovered_length(T0, T0 + 10 * H, [(T0 - 5 * H, T0 + H), (T0 + 9 * H, T0 + 20 * H)]) == 8 * H
    assert uncovered_length(T0, T0 + 10 * H, [(T0 + H, T0 + 5 * H), (T0 + 3 * H, T0 + 6 * H)]) == 5 * H
    assert uncovered_length(T0, T0 + 10 * H, [(T0 - H, T0 + 11 * H)]) == timedelta(0)
    assert uncovered_length(T0, T0 + 10 * H, [(T0 + 20 * H, T0 + 30 * H)]) == 10 * H


def test_deadline_moves_by_whole_minutes_never_less() -> None:
    """A 2 h 0 min 0.09 s suspension moves a 09:30 deadline to 11:31, not to 11:30:00.09."""
    started = T0
    moved = shift_deadline(T0 + 5 * H, started, 2 * H + timedelta(microseconds=90_000))
    assert moved == T0 + 7 * H + timedelta(minutes=1)
    assert shift_deadline(T0 + 5 * H, started, 2 * H) == T0 + 7 * H
