"""The opening hall's stages as data: signing_in → decrypting → announcing → confirming → closed."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.kit.state import StateMachine
from ggzy.opening.errors import BadOpeningTransition
from ggzy.opening.models import Opening, OpeningStatus

S = OpeningStatus

OPENING_TRANSITIONS: Final = MappingProxyType({
    # The agency publishes the bidder list; the decryption window opens (E-Bidding Measures Art.30).
    S.signing_in: frozenset({S.decrypting}),
    # The window expires, or every bid is settled early; 唱标 starts.
    S.decrypting: frozenset({S.announcing}),
    # Every objection answered on the spot (Bidding Regs Art.44): bidders confirm the record.
    S.announcing: frozenset({S.confirming}),
    # Everyone confirmed, or the time ran out (silence is acceptance, MOF 87 Art.42): the record is published.
    S.confirming: frozenset({S.closed}),
    S.closed: frozenset(),
})

OPENING_MACHINE: Final = StateMachine(OpeningStatus, OPENING_TRANSITIONS, BadOpeningTransition)


def transition_to(opening: Opening, target: OpeningStatus) -> OpeningStatus:
    """Move `opening` to `target` or raise opening.bad_transition (409); returns the previous status."""
    return OPENING_MACHINE.move(opening, target)
