"""Pydantic bodies of the opening API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DataKeyIn(BaseModel):
    """The data key the bidder's browser unwrapped locally with its key file (b64); never the private key."""

    model_config = ConfigDict(extra="forbid")

    data_key: str = Field(min_length=1, max_length=200)


class FaultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class ShareIn(BaseModel):
    """A custodian's decrypted share document (sealing.shamir.open_share's result)."""

    model_config = ConfigDict(extra="forbid")

    share: dict[str, Any]


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=2000)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=2000)
