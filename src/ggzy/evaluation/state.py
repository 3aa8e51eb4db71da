"""The evaluation's stages as data: convening → reviewing → scoring → submitted → reported, or rejected_all."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ggzy.evaluation.errors import BadEvaluationTransition
from ggzy.evaluation.models import Evaluation, EvaluationStatus
from ggzy.kit.state import StateMachine

S = EvaluationStatus

EVALUATION_TRANSITIONS: Final = MappingProxyType({
    # A member reaches a majority of the committee's votes: the chair (Evaluation Rules Art.9).
    S.convening: frozenset({S.reviewing}),
    # The chair closes 资格 / 符合性审查: each bid's conclusion is fixed.
    S.reviewing: frozenset({S.scoring}),
    # Every member submitted the sheet, the chair submits the result; or, lot by lot, fewer than 3 valid bids
    # remained and the committee rejected them all, until no lot is left (Evaluation Rules Art.27).
    S.scoring: frozenset({S.submitted, S.rejected_all}),
    # Every member signed, dissented or was deemed to agree (Evaluation Rules Art.43): the report is final.
    S.submitted: frozenset({S.reported}),
    S.reported: frozenset(),
    S.rejected_all: frozenset(),
})

EVALUATION_MACHINE: Final = StateMachine(EvaluationStatus, EVALUATION_TRANSITIONS, BadEvaluationTransition)

STATUS_LABELS: Final = MappingProxyType({
    S.convening: ("推选负责人", "Electing the chair"),
    S.reviewing: ("资格及符合性审查", "Compliance review"),
    S.scoring: ("评分", "Scoring"),
    S.submitted: ("评标报告确认", "Confirming the report"),
    S.reported: ("评标结束", "Report final"),
    S.rejected_all: ("否决全部投标", "All bids rejected"),
})


def transition_to(evaluation: Evaluation, target: EvaluationStatus) -> EvaluationStatus:
    """Move `evaluation` to `target` or raise evaluation.bad_transition (409); returns the previous status."""
    return EVALUATION_MACHINE.move(evaluation, target)
