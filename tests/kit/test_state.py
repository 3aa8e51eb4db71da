"""The shared state-machine helper: tables must be complete, moves outside them raise the domain's error."""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace

import pytest

from ggzy.kit.errors import Conflict
from ggzy.kit.state import StateMachine


class Light(StrEnum):
    red = "red"
    green = "green"
    off = "off"


class BadMove(Conflict):
    code = "light.bad_transition"


TABLE = {Light.red: frozenset({Light.green}), Light.green: frozenset({Light.red, Light.off}), Light.off: frozenset()}


def test_move_follows_the_table_and_returns_the_previous_status() -> None:
    machine = StateMachine(Light, TABLE, BadMove)
    row = SimpleNamespace(status="red")  # rows may load statuses as plain strings
    assert machine.move(row, Light.green) == Light.red
    assert row.status == Light.green
    with pytest.raises(BadMove) as caught:
        machine.move(row, Light.green)
    assert caught.value.detail == {"from": "green", "to": "green"}
    assert machine.move(row, Light.off) == Light.green
    assert not any(machine.can(Light.off, s) for s in Light)


def test_incomplete_table_is_refused_at_import_time() -> None:
    with pytest.raises(ValueError, match="lacks"):
        StateMachine(Light, {Light.red: frozenset()}, BadMove)
