"""The public OCDS API: a paged release listing of every process, 4xx with stable codes for bad input, and the
validation itself — a deliberately broken release (or package, or record) is caught, each fault by name."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.ocds import validate
from ggzy.tender import service as tender_service
from ggzy.tender.schemas import TenderCreate
from tests.auction.helpers import make_auction
from tests.bid.helpers import make_world
from tests.ocds.helpers import assert_valid, ocid, packages
from tests.tender.helpers import admitted_project, cast, tender_payload


async def test_the_release_listing_pages_through_tenders_and_auction_lots_oldest_first(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    w = await make_world(db, client, clock.now(), bidders=0)
    clock.advance(timedelta(hours=1))
    a = await make_auction(db, client, clock, bidders=0)
    # A draft tender has no ocid and is in no listing.
    c = await cast(db, clock.now())
    project = await admitted_project(db, c, clock.now())
    draft = await tender_service.create_tender(db, c.agency, TenderCreate.model_validate(
        tender_payload(project, clock.now())), now=clock.now())

    r = await client.get("/api/ocds/releases", params={"per_page": 1})
    assert r.status_code == 200, r.text
    first = r.json()
    assert_valid(validate.release_package_problems(first))
    assert {rel["ocid"] for rel in first["releases"]} == {ocid(w.tender.code)}
    assert first["links"] == {"next": "http://127.0.0.1:8000/api/ocds/releases?page=2&per_page=1"}
    r = await client.get("/api/ocds/releases", params={"page": 2, "per_page": 1})
    second = r.json()
    assert_valid(validate.release_package_problems(second))
    lot_code = second["releases"][0]["tender"]["id"]
    assert {rel["ocid"] for rel in second["releases"]} == {ocid(lot_code)} and lot_code.startswith(a.project.code)
    assert second["links"] == {"prev": "http://127.0.0.1:8000/api/ocds/releases?page=1&per_page=1"}
    everything = (await client.get("/api/ocds/releases")).json()
    assert everything["releases"] == first["releases"] + second["releases"] and "links" not in everything
    assert everything["version"] == "1.1" and everything["publisher"]["name"] == "公共资源交易中心"
    assert any("ocds_bid_extension" in url for url in everything["extensions"])
    assert draft.tender.code not in str(everything)

    for params in ({"page": 0}, {"per_page": 0}, {"per_page": 101}, {"page": "x"}):
        r = await client.get("/api/ocds/releases", params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "request.invalid", params
    for bad in (ocid(draft.tender.code), ocid("NO-SUCH-CODE"), f"ocds-zzzzzz-{w.tender.code}", "ocds-ggzy01-"):
        for kind in ("releases", "records"):
            r = await client.get(f"/api/ocds/{kind}/{bad}")
            assert r.status_code == 404 and r.json()["error"]["code"] == "ocds.not_found", (kind, bad)


async def test_a_deliberately_broken_release_package_or_record_is_caught(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Every fault is reported at its place: the JSON Schema (types, required fields, closed code lists, formats,
    the bid extension's fields), the open code lists, references to parties, repeated release ids."""
    w = await make_world(db, client, clock.now(), bidders=0)
    releases, record = await packages(client, w.tender.code)
    good = releases["releases"][1]
    assert good["tag"] == ["tender"] and not validate.release_problems(good)

    def broken(change: Any) -> list[str]:
        release = copy.deepcopy(good)
        change(release)
        return [str(p) for p in validate.release_problems(release)]

    def fault(problems: list[str], path: str, words: str) -> None:
        assert any(p.startswith(path) and words in p for p in problems), problems

    fault(broken(lambda r: r.pop("ocid")), "/", "'ocid' is a required property")
    fault(broken(lambda r: r["tender"]["value"].update(amount="1300000.00")), "/tender/value/amount", "is not of type")
    fault(broken(lambda r: r["tender"]["value"].update(currency="RMB")), "/tender/value/currency",
          "'RMB' is not one of")
    fault(broken(lambda r: r.update(date="2026-03-02 09:00")), "/date", "is not a 'date-time'")
    fault(broken(lambda r: r.update(tag=["announcement"])), "/tag/0", "is not one of")
    fault(broken(lambda r: r["tender"].update(status="open")), "/tender/status", "'open' is not one of")
    fault(broken(lambda r: r["tender"]["lots"][0].update(status="failed")), "/tender/lots/0/status", "is not one of")
    fault(broken(lambda r: r["tender"]["lots"][0].pop("id")), "/tender/lots/0", "'id' is a required property")
    fault(broken(lambda r: r["tender"]["documents"][0].update(url="not a url")), "/tender/documents/0/url", "uri")
    fault(broken(lambda r: r.update(bids={"details": [{"id": "b1", "status": "won"}]})), "/bids/details/0/status",
          "'won' is not one of")
    fault(broken(lambda r: r.update(bids={"statistics": [{"id": "s", "measure": "bids"}]})), "/bids/statistics/0",
          "'value' is a required property")
    fault(broken(lambda r: r["parties"][0].update(roles=["owner"])), "/parties/0/roles", "not a code of partyRole")
    fault(broken(lambda r: r["tender"].update(submissionMethod=["fax"])), "/tender/submissionMethod", "not a code")
    fault(broken(lambda r: r["buyer"].update(id="someone-else")), "/buyer", "names no party of the release")

    package = copy.deepcopy(releases)
    package["releases"].append(copy.deepcopy(good))
    del package["publisher"]
    problems = [str(p) for p in validate.release_package_problems(package)]
    fault(problems, "/", "'publisher' is a required property")
    fault(problems, "/releases/2/id", "repeats within")

    bad_record = copy.deepcopy(record)
    bad_record_package = {**releases, "records": [bad_record]}
    del bad_record_package["releases"]
    assert_valid(validate.record_package_problems(bad_record_package))
    bad_record["compiledRelease"]["tender"]["value"]["amount"] = None
    bad_record["compiledRelease"]["tender"]["lots"][0]["value"]["amount"] = "1,000,000"
    bad_record["compiledRelease"]["ocid"] = "ocds-ggzy01-OTHER"
    problems = [str(p) for p in validate.record_package_problems(bad_record_package)]
    fault(problems, "/records/0/compiledRelease/tender/lots/0/value/amount", "is not of type")
    fault(problems, "/records/0/compiledRelease/ocid", "differs from the record's ocid")
    assert not any("/tender/value/amount" in p for p in problems)  # null is a valid amount
