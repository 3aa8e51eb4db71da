"""Pydantic bodies of the evaluation room's API."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr

TEXT = 4000


class ChairVoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=32)
    """The committee seat voted for (one's own allowed)."""


class OpinionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passed: bool
    reason: str = Field(default="", max_length=TEXT)
    """Required when `passed` is false."""


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=TEXT)


class ClarificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: str = Field(min_length=1, max_length=32)
    question: str = Field(min_length=1, max_length=TEXT)
    deadline: AwareDatetime
    """When the bidder's answer is due (server clock); within 7 days."""


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=TEXT)


class ScoreCellIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: str = Field(min_length=1, max_length=32)
    criterion_id: str = Field(min_length=1, max_length=64)
    score: StrictStr | StrictInt
    """A decimal string with at most two decimals ("27.5") or an integer; floats are refused like money."""


class ScoresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: list[ScoreCellIn] = Field(min_length=1, max_length=5000)


class DissentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=TEXT)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dissent: str | None = Field(default=None, max_length=TEXT)
    """Attach (or replace) one's dissent while signing; none = sign as is."""
