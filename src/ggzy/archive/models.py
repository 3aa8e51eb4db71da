"""archive tables (filled in by the issue-4 work on this domain)."""

from __future__ import annotations
