"""State machines as data: a transition table and one move() that raises the domain's named error."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ggzy.kit.errors import DomainError

E = TypeVar("E", bound=StrEnum)


class StateMachine(Generic[E]):
    """`table[current]` is the set of statuses reachable from `current`; anything else is a named 409."""

    def __init__(self, status: type[E], table: Mapping[E, frozenset[E]], error: type[DomainError]) -> None:
        missing = set(status) - set(table)
        if missing:
            raise ValueError(f"transition table of {status.__name__} lacks {sorted(missing)}")
        self.status = status
        self.table: Mapping[E, frozenset[E]] = MappingProxyType(dict(table))
        self.error = error

    def can(self, current: E | str, target: E | str) -> bool:
        return self.status(target) in self.table[self.status(current)]

    def move(self, row: Any, target: E, attr: str = "status") -> E:
        """Set `row.<attr>` to `target` or raise the error naming both; returns the previous status."""
        previous = self.status(getattr(row, attr))
        if not self.can(previous, target):
            raise self.error(detail={"from": previous.value, "to": self.status(target).value})
        setattr(row, attr, self.status(target))
        return previous
