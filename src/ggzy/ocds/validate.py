"""Validation against the OCDS schema shipped in ocds/schema: nothing is fetched.

The 1.1.5 release schema is patched (JSON Merge Patch, RFC 7386) with the bid extension and ggzy's lot fields, and
registered under the standard's own URL, so the release-package and record-package schemas resolve their `$ref`s
to it offline. On top of the JSON Schema (draft 4, with date-time and uri formats checked), the values of the
open code lists must come from the shipped code lists, and organisation references must name a party of the
release — what the standard's validator (CoVE) reports as additional checks.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schema"
CORE: Final = SCHEMA_DIR / "1.1.5"
BID_EXTENSION: Final = SCHEMA_DIR / "bid_extension-1.1.5"
LOTS_PATCH: Final = SCHEMA_DIR / "ggzy-lots-patch.json"
BASE_URL: Final = "https://standard.open-contracting.org/schema/1__1__5/"
RELEASE_URL: Final = BASE_URL + "release-schema.json"
RELEASE_PACKAGE_URL: Final = BASE_URL + "release-package-schema.json"
RECORD_PACKAGE_URL: Final = BASE_URL + "record-package-schema.json"

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One violation: where (a JSON pointer into the checked document) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message}"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, val in patch.items():
        if val is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), val)
    return out


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


@cache
def release_schema() -> dict[str, Any]:
    """The 1.1.5 release schema with the bid extension and ggzy's lot fields patched in."""
    schema = merge_patch(_load(CORE / "release-schema.json"), _load(BID_EXTENSION / "release-schema.json"))
    patched: dict[str, Any] = merge_patch(schema, {"definitions": _load(LOTS_PATCH)["definitions"]})
    return patched


@cache
def _registry() -> Registry[Any]:
    resources = [
        (RELEASE_URL, release_schema()),
        (RELEASE_PACKAGE_URL, _load(CORE / "release-package-schema.json")),
        (RECORD_PACKAGE_URL, _load(CORE / "record-package-schema.json")),
    ]
    return Registry().with_resources((url, DRAFT4.create_resource(body)) for url, body in resources)


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path)) and " " not in value


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_date_time)
    checker.checks("uri")(_uri)
    return checker


@cache
def _validator(url: str) -> Draft4Validator:
    schema = release_schema() if url == RELEASE_URL else _registry().contents(url)
    return Draft4Validator(schema, registry=_registry(), format_checker=_format_checker())


def _pointer(parts: Any) -> str:
    return "".join(f"/{p}" for p in parts)


def _schema_problems(url: str, document: Any) -> list[Problem]:
    errors = sorted(_validator(url).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for e in errors:
        # A oneOf over linked / embedded releases reports only "is not valid under any"; show the embedded reason.
        detail = min(e.context, key=lambda c: len(c.absolute_path), default=None) if e.context else None
        message = e.message if detail is None else f"{e.message[:120]} — {detail.message}"
        out.append(Problem(_pointer(e.absolute_path), message))
    return out


# ------------------------------------------------------------------ open code lists


@cache
def codes(codelist: str) -> frozenset[str]:
    """The codes of a shipped code list (core or bid extension)."""
    for folder in (CORE / "codelists", BID_EXTENSION / "codelists"):
        path = folder / codelist
        if path.exists():
            with path.open(encoding="utf-8") as f:
                return frozenset(row["Code"] for row in csv.DictReader(f))
    raise FileNotFoundError(codelist)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and str(node["$ref"]).startswith("#/definitions/"):
        node = release_schema()["definitions"][str(node["$ref"]).rsplit("/", 1)[1]]
    return node


def _codelist_walk(node: dict[str, Any], value: Any, path: str) -> Iterator[Problem]:
    node = _deref(node)
    if node.get("codelist") and node.get("openCodelist"):
        allowed = codes(str(node["codelist"]))
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v not in allowed:
                yield Problem(path, f"{v!r} is not a code of {node['codelist']}")
        return
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key, sub in value.items():
            if key in props:
                yield from _codelist_walk(props[key], sub, f"{path}/{key}")
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, sub in enumerate(value):
            yield from _codelist_walk(node["items"], sub, f"{path}/{i}")


# ------------------------------------------------------------------ references


def _org_refs(release: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    tender = release.get("tender") or {}
    yield "/buyer", release.get("buyer")
    yield "/tender/procuringEntity", tender.get("procuringEntity")
    for i, t in enumerate(tender.get("tenderers") or []):
        yield f"/tender/tenderers/{i}", t
    for i, award in enumerate(release.get("awards") or []):
        for j, s in enumerate(award.get("suppliers") or []):
            yield f"/awards/{i}/suppliers/{j}", s
    for i, bid in enumerate((release.get("bids") or {}).get("details") or []):
        for j, t in enumerate(bid.get("tenderers") or []):
            yield f"/bids/details/{i}/tenderers/{j}", t


def _reference_problems(release: dict[str, Any], path: str) -> Iterator[Problem]:
    parties = {p.get("id") for p in release.get("parties") or [] if isinstance(p, dict)}
    for where, ref in _org_refs(release):
        if isinstance(ref, dict) and ref.get("id") not in parties:
            yield Problem(f"{path}{where}", f"organisation reference {ref.get('id')!r} names no party of the release")
    if "compiled" in (release.get("tag") or []):
        awards = {a.get("id") for a in release.get("awards") or []}
        for i, c in enumerate(release.get("contracts") or []):
            if c.get("awardID") not in awards:
                yield Problem(f"{path}/contracts/{i}/awardID", f"{c.get('awardID')!r} is no award of the process")
        lots = {lot.get("id") for lot in (release.get("tender") or {}).get("lots") or []}
        for i, a in enumerate(release.get("awards") or []):
            for lot in a.get("relatedLots") or []:
                if lot not in lots:
                    yield Problem(f"{path}/awards/{i}/relatedLots", f"{lot!r} is no lot of the tender")


def _release_checks(release: Any, path: str) -> list[Problem]:
    if not isinstance(release, dict):
        return []
    return [*_codelist_walk(release_schema(), release, path), *_reference_problems(release, path)]


# ------------------------------------------------------------------ entry points


def release_problems(release: Any) -> list[Problem]:
    """Everything wrong with one release (empty when it is valid OCDS 1.1 with the bid extension)."""
    return [*_schema_problems(RELEASE_URL, release), *_release_checks(release, "")]


def release_package_problems(package: Any) -> list[Problem]:
    out = _schema_problems(RELEASE_PACKAGE_URL, package)
    releases = package.get("releases") if isinstance(package, dict) else None
    seen: set[tuple[Any, Any]] = set()
    for i, r in enumerate(releases if isinstance(releases, list) else []):
        out += _release_checks(r, f"/releases/{i}")
        key = (r.get("ocid"), r.get("id")) if isinstance(r, dict) else (None, None)
        if key in seen:
            out.append(Problem(f"/releases/{i}/id", f"release id {key[1]!r} repeats within {key[0]!r}"))
        seen.add(key)
    return out


def record_package_problems(package: Any) -> list[Problem]:
    out = _schema_problems(RECORD_PACKAGE_URL, package)
    records = package.get("records") if isinstance(package, dict) else None
    for i, record in enumerate(records if isinstance(records, list) else []):
        if not isinstance(record, dict):
            continue
        for j, r in enumerate(record.get("releases") or []):
            out += _release_checks(r, f"/records/{i}/releases/{j}")
        out += _release_checks(record.get("compiledRelease"), f"/records/{i}/compiledRelease")
        compiled = record.get("compiledRelease") or {}
        if isinstance(compiled, dict) and compiled.get("ocid") != record.get("ocid"):
            out.append(Problem(f"/records/{i}/compiledRelease/ocid", "differs from the record's ocid"))
    return out
