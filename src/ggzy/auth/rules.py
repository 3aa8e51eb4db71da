"""Pure rules of the auth domain."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_LANDING = "/workspace"


def safe_next(value: str | None, default: str = DEFAULT_LANDING) -> str:
    """Where to go after login: only a local path, never another site (no open redirect)."""
    if not value:
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in value):
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
