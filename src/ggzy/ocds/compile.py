"""Records and packages (pure): the compiled release merges a process's releases by the OCDS merge rules, using
the Open Contracting Partnership's own implementation (ocdsmerge) with the rules read from the shipped schema."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import ocdsmerge

from ggzy.ocds import rules
from ggzy.ocds.validate import release_schema


@cache
def _merger() -> ocdsmerge.Merger:
    """Merge rules from the patched release schema: bids and lots merge by id like the core arrays."""
    return ocdsmerge.Merger(schema=release_schema())


def compiled_release(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The latest state of the process: each field's last value, arrays of objects merged by `id`."""
    merged: dict[str, Any] = _merger().create_compiled_release(list(releases))
    return merged


def record(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One record: every release embedded, oldest first, and the compiled release."""
    return {"ocid": releases[0]["ocid"], "releases": list(releases), "compiledRelease": compiled_release(releases)}


def _package(uri: str, published: str, publisher: str, base_url: str) -> dict[str, Any]:
    return {"uri": uri, "version": rules.VERSION, "extensions": list(rules.EXTENSIONS), "publishedDate": published,
            "publisher": {"name": publisher, "uri": base_url.rstrip("/")}}


def release_package(releases: Sequence[dict[str, Any]], *, uri: str, published: str, publisher: str,
                    base_url: str) -> dict[str, Any]:
    return {**_package(uri, published, publisher, base_url), "releases": list(releases)}


def record_package(records: Sequence[dict[str, Any]], *, uri: str, published: str, publisher: str,
                   base_url: str) -> dict[str, Any]:
    return {**_package(uri, published, publisher, base_url), "records": list(records)}
