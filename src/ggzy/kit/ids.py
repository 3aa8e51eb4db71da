"""Identifiers: random UUIDs, so URLs reveal nothing about how many rows exist."""

import uuid


def new_id() -> str:
    return uuid.uuid4().hex
