"""Which channels exist and who may listen to each; later issues register theirs (`opening:`, `auction:`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.kit.errors import Forbidden, Unauthenticated, not_found
from ggzy.party.models import Role

ChannelCheck = Callable[[AsyncSession, Actor, str], Awaitable[bool]]
"""(session, actor, full channel name) -> may this actor listen?"""

NOTICES = "notices"
"""Public: every published notice (`notice:published`)."""
SUPERVISION = "supervision"
"""Regulators and centre staff: suspensions and alerts."""


@dataclass(frozen=True)
class ChannelRule:
    name: str
    prefix: bool
    """True: matches `name` followed by anything (e.g. `opening:` + tender id)."""
    check: ChannelCheck
    public: bool


_RULES: list[ChannelRule] = []


def register_channel(name: str, check: ChannelCheck, *, prefix: bool = False, public: bool = False) -> None:
    """Declare a channel (or a family `name…` with prefix=True) and who may listen to it."""
    _RULES.append(ChannelRule(name, prefix, check, public))


def find_rule(channel: str) -> ChannelRule | None:
    for rule in _RULES:
        if channel == rule.name or (rule.prefix and channel.startswith(rule.name) and len(channel) > len(rule.name)):
            return rule
    return None


async def ensure_can_listen(session: AsyncSession, actor: Actor, channel: str) -> None:
    """Raise unless `actor` may subscribe to `channel` (unknown channels are 404, not 403)."""
    rule = find_rule(channel)
    if rule is None:
        raise not_found("频道", "Channel", "realtime.unknown_channel")
    if rule.public:
        return
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not await rule.check(session, actor, channel):
        raise Forbidden("realtime.channel_forbidden", "无权收听该频道", "You may not listen to this channel")


async def _anyone(_s: AsyncSession, _a: Actor, _c: str) -> bool:
    return True


async def _regulators(_s: AsyncSession, actor: Actor, _c: str) -> bool:
    return actor.is_centre or actor.has(Role.supervisor)


register_channel(NOTICES, _anyone, public=True)
register_channel(SUPERVISION, _regulators)
