"""Reading the OCDS API back and checking it against the shipped schema."""

from __future__ import annotations

import json
from typing import Any

from httpx import AsyncClient

from ggzy.ocds import validate

PREFIX = "ocds-ggzy01"
"""Settings' default ocid prefix (the tests' settings do not change it)."""


def ocid(code: str) -> str:
    return f"{PREFIX}-{code}"


def assert_valid(problems: list[validate.Problem]) -> None:
    assert not problems, "\n".join(str(p) for p in problems)


async def packages(client: AsyncClient, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The release package and the record package of a process, each validated with every release in it."""
    r = await client.get(f"/api/ocds/releases/{ocid(code)}")
    assert r.status_code == 200, r.text
    releases = r.json()
    assert_valid(validate.release_package_problems(releases))
    for release in releases["releases"]:
        assert_valid(validate.release_problems(release))
    r = await client.get(f"/api/ocds/records/{ocid(code)}")
    assert r.status_code == 200, r.text
    records = r.json()
    assert_valid(validate.record_package_problems(records))
    (record,) = records["records"]
    assert_valid(validate.release_problems(record["compiledRelease"]))
    assert record["releases"] == releases["releases"]
    return releases, record


def tags(package: dict[str, Any]) -> list[str]:
    return [t for r in package["releases"] for t in r["tag"]]


def roles(release: dict[str, Any]) -> dict[str, list[str]]:
    """Party name → roles."""
    return {p["name"]: p["roles"] for p in release.get("parties", [])}


def assert_no_bids(package: dict[str, Any], bidder_names: list[str], prices: list[str]) -> None:
    """Nothing about who bid or at what price (E-Bidding Measures Art.21): no bids section, no tenderers, no
    tenderer role, no bidder's name and no bid price anywhere in the text of any release."""
    text = json.dumps(package, ensure_ascii=False)
    for release in package["releases"]:
        assert "bids" not in release
        assert "tenderers" not in release.get("tender", {})
        assert "numberOfTenderers" not in release.get("tender", {})
        assert all("tenderer" not in p["roles"] for p in release.get("parties", []))
    for name in bidder_names:
        assert name not in text
    for price in prices:
        assert price not in text
