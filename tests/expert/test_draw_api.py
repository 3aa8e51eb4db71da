"""The draw over HTTP: the seed appears in no response before the reveal (every GET route of the draw is scanned,
as every party), names stay hidden from everyone but the centre until the result, and after the reveal the
verification data, the snapshots and the public page's server-side re-run all agree. Pages work as forms."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from httpx import AsyncClient, Response
from sqlalchemy import select, update

from ggzy.expert import draw_endpoints, draw_pages
from ggzy.expert import draw_rules as rules
from ggzy.expert import draw_service as service
from ggzy.expert.models import DrawRound, MemberStatus
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.tender.models import Tender, TenderStatus
from tests.expert.draw_builders import accept_all, add_pool, draw_world, request_body, seats
from tests.factories import bearer, create_party, login_cookie, query


def body_json(now: Any, **over: Any) -> dict[str, Any]:
    return request_body(now, **over).model_dump(mode="json")


def get_routes() -> list[str]:
    """Every GET path the draw serves (API and pages): the scan below must cover each one."""
    return sorted(r.path for mod in (draw_endpoints, draw_pages) for r in mod.router.routes
                  if isinstance(r, APIRoute) and "GET" in r.methods)


async def test_the_seed_is_in_no_response_before_the_reveal(app, client: AsyncClient, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 8)
    _, bidder_user, _ = await create_party(db, OrgKind.bidder, now=now)
    agency = await bearer(client, w.cast.agency_user)
    centre = await bearer(client, w.cast.centre_user)
    callers: dict[str, dict[str, str]] = {"public": {}, "agency": agency, "centre": centre,
                                          "bidder": await bearer(client, bidder_user),
                                          "tenderer": await bearer(client, w.cast.tenderer_user)}
    seen: list[Response] = []

    r = await client.post(f"/api/tenders/{w.tender_id}/draws", json=body_json(now, reserve_per_specialty=1),
                          headers=agency)
    assert r.status_code == 201, r.text
    seen.append(r)
    draw_id = r.json()["id"]
    seed = (await query(db, select(service.ExpertDraw.seed).where(service.ExpertDraw.id == draw_id)))[0].seed
    r = await client.post(f"/api/draws/{draw_id}/draw", headers=centre)
    assert r.status_code == 200, r.text
    seen.append(r)
    seat = next(s for s in await seats(db, draw_id) if s.status == MemberStatus.notified)
    callers["expert"] = await bearer(client, w.users[seat.expert_id])

    ids = {"tender_id": w.tender_id, "draw_id": draw_id, "number": "1"}
    covered: set[str] = set()
    for path in get_routes():
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], path)
        for headers in callers.values():
            resp = await client.get(url, headers={**headers, "accept": "text/html" if not path.startswith("/api")
                                                  else "application/json"})
            assert resp.status_code < 500, (url, resp.text)
            seen.append(resp)
        covered.add(path)
    assert covered == set(get_routes()) and len(covered) >= 8
    for url in (f"/api/notices?tender_id={w.tender_id}", "/api/audit/events?page_size=200", f"/tenders/{w.tender_id}"):
        for headers in callers.values():
            seen.append(await client.get(url, headers=headers))
    for resp in seen:
        assert seed not in resp.text, resp.request.url
    assert (await client.get(f"/api/draws/{draw_id}/verification")).json()["error"]["code"] == \
        "expert.draw_not_revealed"

    # The decision reveals it, everywhere a verifier looks.
    await accept_all(db, w, draw_id, clock)
    assert (await client.get(f"/api/draws/{draw_id}")).json()["seed"] == seed
    assert seed in (await client.get(f"/draws/{draw_id}")).text


async def test_names_are_hidden_from_the_agency_and_the_public_until_the_result(app, client: AsyncClient, db,
                                                                               clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    experts = await add_pool(db, w, now, 6)
    names = [e.name for e in experts]
    agency = await bearer(client, w.cast.agency_user)
    centre = await bearer(client, w.cast.centre_user)
    draw_id = (await client.post(f"/api/tenders/{w.tender_id}/draws", json=body_json(now), headers=agency)).json()["id"]
    assert (await client.post(f"/api/draws/{draw_id}/draw", headers=centre)).status_code == 200

    for headers in ({}, agency):
        api = await client.get(f"/api/draws/{draw_id}", headers=headers)
        page = await client.get(f"/draws/{draw_id}", headers=headers)
        assert len(api.json()["members"]) == 6 and api.json()["names_visible"] is False
        assert 'data-testid="names-hidden"' in page.text and 'data-testid="member-pseudonym"' in page.text
        for n in names:
            assert n not in api.text and n not in page.text
    assert "request" not in (await client.get(f"/api/draws/{draw_id}")).json()  # the public waits for the reveal
    staff = await client.get(f"/draws/{draw_id}", headers=centre)
    assert sum(n in staff.text for n in names) == 6 and 'data-testid="draw-button"' not in staff.text

    await db.execute(update(Tender).where(Tender.id == w.tender_id).values(status=TenderStatus.awarded))
    await db.commit()
    public = await client.get(f"/api/draws/{draw_id}")
    assert public.json()["names_visible"] is True and sum(n in public.text for n in names) == 6


async def test_after_the_reveal_anyone_can_verify_and_the_page_re_runs_it(app, client: AsyncClient, db,
                                                                          clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 9)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=app.state.blobs)
    first = next(s for s in await seats(db, draw_id) if s.status == MemberStatus.notified)
    await service.decline(db, w.actors[first.expert_id], draw_id, first.id, "回避：曾为投标人提供咨询", now=now,
                          blobs=None)  # round 2's snapshot goes only to the row; the download refills the store
    await accept_all(db, w, draw_id, clock)

    doc = (await client.get(f"/api/draws/{draw_id}/verification")).json()
    result = rules.verify_draw(doc)
    assert result.ok, result.failures
    assert len(doc["rounds"]) == 2 and doc["replaced_experts"] == [first.expert_id]
    for rnd in doc["rounds"]:
        raw = await client.get(rnd["snapshot_url"])
        assert raw.status_code == 200 and rules.sha256_hex(raw.content) == rnd["pool_sha256"]
    assert await app.state.blobs.exists(doc["rounds"][1]["pool_sha256"])

    page = await client.get(f"/draws/{draw_id}")
    assert 'data-testid="matches">是' in page.text and doc["seed"] in page.text
    assert page.text.count('data-testid="snapshot-link"') == 2

    # A tampered row shows on the page as a mismatch (the page re-runs, it does not trust the stored picks).
    await db.execute(update(DrawRound).where(DrawRound.draw_id == draw_id, DrawRound.number == 1)
                     .values(picked=list(reversed(doc["rounds"][0]["picked"]))))
    await db.commit()
    assert 'data-testid="matches">否' in (await client.get(f"/draws/{draw_id}?lang=zh")).text


async def test_forms_request_draw_and_answer(app, client: AsyncClient, db, clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 7)
    agency = await bearer(client, w.cast.agency_user)
    form = {"size": "5", "specialties": "a0801 5", "tenderer_reps": "", "regions": "330100",
            "evaluation_at": "2026-03-04T09:00", "evaluation_hours": "4", "venue": "room", "room": "第2评标室",
            "reserve_per_specialty": "2", "answer_minutes": "30"}
    page = await client.get(f"/tenders/{w.tender_id}/draws/new", headers=agency)
    assert page.status_code == 200 and 'data-testid="draw-request-form"' in page.text
    bad = await client.post(f"/tenders/{w.tender_id}/draws/new", data={**form, "size": "4"}, headers=agency)
    assert bad.status_code == 422 and 'data-code="expert.committee_size"' in bad.text
    r = await client.post(f"/tenders/{w.tender_id}/draws/new", data=form, headers=agency)
    assert r.status_code == 303, r.text
    draw_id = r.headers["location"].rsplit("/", 1)[1]
    stored = await query(db, select(service.ExpertDraw.request).where(service.ExpertDraw.id == draw_id))
    assert stored[0].request["evaluation_at"] == "2026-03-04T01:00:00.000000Z"  # entered in Beijing time

    centre = await bearer(client, w.cast.centre_user)
    assert (await client.post(f"/draws/{draw_id}/draw", headers=agency)).status_code == 403
    r = await client.post(f"/draws/{draw_id}/draw", headers=centre)
    assert r.status_code == 303
    # The expert answers through the page with a real session cookie and its CSRF token.
    seat = next(s for s in await seats(db, draw_id) if s.status == MemberStatus.notified)
    token = await login_cookie(client, w.users[seat.expert_id])
    inv = await client.get("/expert/invitations")
    assert inv.text.count('data-testid="invitation"') == 1 and "第2评标室" in inv.text
    assert 'data-testid="nav-invitations"' in inv.text
    refused = await client.post(f"/draws/{draw_id}/members/{seat.id}/answer", data={"choice": "accept"})
    assert refused.status_code == 403  # no CSRF token
    r = await client.post(f"/draws/{draw_id}/members/{seat.id}/answer",
                          data={"choice": "decline", "reason": "", "csrf_token": token})
    assert r.status_code == 422 and "expert.reason_required" in r.text
    r = await client.post(f"/draws/{draw_id}/members/{seat.id}/answer",
                          data={"choice": "accept", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("done=accept")
    assert next(s for s in await seats(db, draw_id) if s.id == seat.id).status == MemberStatus.accepted
    en = await client.get("/expert/invitations?lang=en")
    assert "Accepted" in en.text
