"""E-Bidding Measures Art.21: before the bid deadline nobody learns who or how many downloaded the documents.

Every role walks every GET endpoint and page (API and HTML) before any download, after one bidder downloaded
and after three did. For everyone but the downloaders the answers must be byte-for-byte the same, and a
downloader's own view must not change when others download. After the deadline the list becomes visible,
which shows the walk would notice a leak.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.api.routes import all_routes
from tests.api.world import World, build_world
from tests.factories import bearer, login_cookie

CONTENT = "招标文件内容".encode()
# Routes that cannot be walked by GET without changing what is being measured or that never end:
# the file download itself records a download; the SSE stream stays open.
SKIP_SUFFIXES = ("/download", "/visitors.csv")  # reads that are themselves audited (a personal-data export)
SKIP_PREFIXES = ("/api/realtime",)
DOWNLOADERS = ("bidder_a", "bidder_b", "bidder_c")

PARAMS = {
    "project": "project", "tender": "tender", "notice": "notice", "document": "document", "suspension": "suspension",
    "org": "org", "user": "user", "lot": "lot", "notification": "notification",
}


def get_paths(world: World) -> list[str]:
    paths = set()
    for route in all_routes():
        if "GET" not in route.methods:
            continue
        path = route.path
        if path.endswith(SKIP_SUFFIXES) or path.startswith(SKIP_PREFIXES):
            continue
        for name in route.param_convertors:
            kind = name.removesuffix("_id") if name != "id" else ""
            value = world.ids.get(PARAMS.get(kind, ""), "")
            if not value:
                # A parameter we cannot fill (e.g. {decision}); try the tender id, which is the one that matters.
                value = world.ids["tender"]
            path = path.replace("{" + name + "}", value).replace("{" + name + ":path}", value)
        paths.add(path)
    return sorted(paths)


async def snapshot(clients: dict[str, AsyncClient], paths: list[str]) -> dict[tuple[str, str], tuple[int, bytes]]:
    out = {}
    for who, c in clients.items():
        for path in paths:
            accept = "application/json" if path.startswith("/api") else "text/html"
            r = await c.get(path, headers={"accept": accept})
            out[(who, path)] = (r.status_code, r.content)
    return out


def differences(a: dict[Any, Any], b: dict[Any, Any], roles: set[str]) -> list[str]:
    return [f"{who} GET {path}: {a[(who, path)][0]} -> {b[(who, path)][0]}"
            for (who, path) in a if who in roles and a[(who, path)] != b[(who, path)]]


async def test_nobody_sees_who_or_how_many_downloaded_before_deadline_art21(
    app: Any, db: AsyncSession, clock: FrozenClock
) -> None:
    world = await build_world(db, clock)

    async def one_chunk() -> Any:
        yield CONTENT

    await app.state.blobs.put_stream(one_chunk(), max_bytes=1 << 20)
    transport = ASGITransport(app=app, client=("203.0.113.9", 40001))
    clients: dict[str, AsyncClient] = {"anonymous": AsyncClient(transport=transport, base_url="http://t")}
    for who, user in world.users.items():
        c = AsyncClient(transport=transport, base_url="http://t")
        await login_cookie(c, user)
        clients[who] = c
    try:
        paths = get_paths(world)
        assert len(paths) >= 20, paths
        tender, doc = world.ids["tender"], world.ids["document"]

        tokens = {who: await bearer(clients[who], world.users[who]) for who in DOWNLOADERS}
        s_tokens = await snapshot(clients, paths)  # issuing tokens is audited too; start counting after it

        async def download(who: str) -> None:
            r = await clients[who].get(f"/api/tenders/{tender}/documents/{doc}/download", headers=tokens[who])
            assert r.status_code == 200, r.text
            assert r.content == CONTENT

        s0 = s_tokens
        await download("bidder_a")
        await download("bidder_a")  # fetching twice is still one downloader
        s1 = await snapshot(clients, paths)
        await download("bidder_b")
        await download("bidder_c")
        s2 = await snapshot(clients, paths)

        others = set(clients) - set(DOWNLOADERS)
        leaks = differences(s0, s1, others) + differences(s1, s2, others) + differences(s1, s2, {"bidder_a"})
        assert not leaks, "download information visible before the deadline:\n" + "\n".join(leaks)
        # Organisation directories list every company; the tender's own endpoints must not name the downloaders.
        tender_paths = [p for p in paths if any(world.ids[k] in p for k in ("tender", "project", "notice", "document"))]
        assert tender_paths
        for who in others:
            for path in tender_paths:
                body = s2[(who, path)][1]
                for bidder in DOWNLOADERS:
                    assert world.orgs[bidder].name.encode() not in body, f"{who} sees {bidder} on {path}"

        # After the deadline the centre may see the list: the walk above would have caught it earlier.
        clock.advance(timedelta(days=26))
        staff = await bearer(clients["anonymous"], world.users["centre_staff"])
        r = await clients["anonymous"].get(f"/api/tenders/{tender}/downloads", headers=staff)
        assert r.status_code == 200, r.text
        assert {world.orgs[b].name for b in DOWNLOADERS} <= set(r.text.split('"'))
    finally:
        for c in clients.values():
            await c.aclose()


async def test_nobody_learns_who_or_how_many_bid_before_deadline_art21(
    app: Any, db: AsyncSession, clock: FrozenClock, tmp_path: Any
) -> None:
    """E-Bidding Measures Art.21/27: before the deadline no role and no endpoint or page reveals that anyone bid,
    who, or how many — submissions, a replacement and a withdrawal change nothing anyone else can see."""
    import uuid

    from ggzy.auth.service import actor_for
    from ggzy.bid import keys as key_service
    from ggzy.bid.service import active_bids
    from ggzy.sealing import keys as sealing_keys
    from ggzy.sealing.envelope import seal_bid
    from ggzy.tender.models import Tender, TenderStatus
    from tests.bid.helpers import SHEET, key_set_in

    world = await build_world(db, clock)
    bidders = ("bidder_a", "bidder_b", "bidder_c")
    org_ids = {who: org.id for who, org in world.orgs.items()}  # rollbacks below expire the ORM rows
    names = {who: org.name for who, org in world.orgs.items()}
    keysets = {}
    for who in bidders:
        ks = sealing_keys.generate()
        actor = actor_for(world.users[who], world.orgs[who])
        await key_service.register_key_set(db, actor, key_set_in(org_ids[who], ks), now=clock.now())
        keysets[who] = ks
    tender, lot = world.ids["tender"], world.ids["lot"]
    doc = tmp_path / "bid.pdf"
    doc.write_bytes(b"%PDF-1.7 Art.21 bid")

    def envelope(who: str) -> bytes:
        out = tmp_path / f"{uuid.uuid4().hex}.ggzyenv"
        seal_bid(out, keys=keysets[who], tender_id=tender, lot_id=lot, bidder_org_id=org_ids[who],
                 sheet={**SHEET, "lot_id": lot}, files=[doc])
        return out.read_bytes()

    transport = ASGITransport(app=app, client=("203.0.113.9", 40001))
    clients: dict[str, AsyncClient] = {"anonymous": AsyncClient(transport=transport, base_url="http://t")}
    for who, user in world.users.items():
        c = AsyncClient(transport=transport, base_url="http://t")
        await login_cookie(c, user)
        clients[who] = c
    try:
        paths = get_paths(world)
        tokens = {who: await bearer(clients[who], world.users[who]) for who in bidders}
        staff = await bearer(clients["anonymous"], world.users["centre_staff"])  # issuing tokens is audited too

        async def bid(who: str) -> Any:
            r = await clients[who].put(f"/api/tenders/{tender}/lots/{lot}/bid", content=envelope(who),
                                       headers={**tokens[who], "Idempotency-Key": uuid.uuid4().hex})
            assert r.status_code == 201, r.text
            return r

        s0 = await snapshot(clients, paths)
        await bid("bidder_a")
        s1 = await snapshot(clients, paths)
        await bid("bidder_b")
        await bid("bidder_c")
        await bid("bidder_b")  # a replacement
        r = await clients["bidder_c"].delete(f"/api/tenders/{tender}/lots/{lot}/bid", headers=tokens["bidder_c"])
        assert r.status_code == 200, r.text  # a withdrawal
        s2 = await snapshot(clients, paths)

        others = set(clients) - set(bidders)
        leaks = differences(s0, s1, others) + differences(s1, s2, others) + differences(s1, s2, {"bidder_a"})
        assert not leaks, "bid information visible before the deadline:\n" + "\n".join(leaks)
        tender_paths = [p for p in paths if any(world.ids[k] in p for k in ("tender", "project", "notice", "lot"))]
        for who in set(clients) - {"bidder_a", "bidder_b", "bidder_c"}:
            for path in tender_paths:
                for b in bidders:
                    assert names[b].encode() not in s2[(who, path)][1], f"{who} sees {b} on {path}"
        # The opening may not pull bids before the deadline either.
        from ggzy.bid.errors import BidsSealed

        try:
            await active_bids(db, tender)
            raise AssertionError("active_bids answered before the deadline")
        except BidsSealed:
            await db.rollback()

        # After the deadline the record opens: the walk above would have noticed the events.
        clock.advance(timedelta(days=26))
        async with db.begin():
            t = await db.get(Tender, tender)
            assert t is not None
            t.status = TenderStatus.bid_closed
        assert {b.bidder_org_id for b in await active_bids(db, tender)} == {org_ids["bidder_a"], org_ids["bidder_b"]}
        await db.rollback()
        r = await clients["anonymous"].get("/api/audit/events?tag=bid:", headers=staff)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == 5
    finally:
        for c in clients.values():
            await c.aclose()
