"""Stages of the land auction (demo/land.py): centre staff put a lot on the admitted land project and announce it at
least 20 days before the listing, four bidders are approved on their deposits under anonymous numbers, the listing,
the sealed reserve entered by the designated officer with the land supervisor re-authenticating, three bidders ask
to continue, the timed bidding whose countdown restarts on every bid, and the result with the 成交确认书.

Every step goes through the HTTP API, as a user's would; the demo clock stands in for the weeks of the listing and
the minutes of the countdown. Rules: 招标拍卖挂牌出让国有建设用地使用权规定 ("Land Order") Art.10 (announcement
≥ 20 days ahead), Art.19 (listing ≥ 10 working days, DOMAIN.md), Art.20 (two or more bidders wanting to continue
at listing end → timed bidding); DOMAIN.md "The auction journey" (hidden reserve, the countdown restarting on every
valid bid, the server clock authoritative, every bid kept).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx

from ggzy.demo.api import StageFailed, StageSkipped, body_of, parse_time
from ggzy.demo.context import AuctionRun, Play
from ggzy.demo.land import LAND_AUCTION, LAND_PROJECT, LAND_SELLER, LAND_WITNESS
from ggzy.kit.timefmt import SHANGHAI
from ggzy.workdays.rules import is_workday

PLAN = LAND_AUCTION
ANNOUNCE_LEAD_DAYS = 21
"""The listing starts on the first working day at least 21 calendar days out: more than Land Order Art.10's 20."""
RESERVE_BEFORE_END = timedelta(hours=3)
"""The reserve is entered on the listing's last day, three hours before it ends ("near the end", DOMAIN.md)."""


def _need(run: AuctionRun, *attrs: str) -> None:
    missing = [a for a in attrs if not getattr(run, a)]
    if missing:
        raise StageSkipped(f"an earlier stage did not produce {', '.join(missing)}")


def _url(run: AuctionRun, tail: str = "") -> str:
    return f"/api/auctions/{run.lot_id}{tail}"


def _lot(play: Play, as_: str | None = None) -> dict[str, Any]:
    """The lot as `as_` sees it (the public when None): live state, every bid by number, the server time."""
    data: dict[str, Any] = play.api.json("GET", _url(play.auction), as_=as_)
    return data


def _refusal(play: Play, method: str, path: str, *, as_: str, expect: tuple[int, ...], **kw: Any) -> str:
    """Send a request the platform must refuse with one of `expect`; its stable error code."""
    r = play.api.request(method, path, as_=as_, expect=expect, **kw)
    body = body_of(r)
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _bid(play: Play, username: str, amount: str) -> dict[str, Any]:
    data: dict[str, Any] = play.api.json("POST", _url(play.auction, "/bids"), as_=username, json={"amount": amount})
    return data


def listing_start_after(now: datetime) -> datetime:
    """09:00 Beijing on the first working day at least ANNOUNCE_LEAD_DAYS calendar days after `now`."""
    day = (now + timedelta(days=ANNOUNCE_LEAD_DAYS)).astimezone(SHANGHAI).date()
    while not is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), SHANGHAI)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after the start's date up to and including the end's date (Beijing dates)."""
    first, last = start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()
    return sum(1 for n in range(1, (last - first).days + 1) if is_workday(first + timedelta(days=n)))


def _land_project(play: Play) -> tuple[str, str]:
    """(project id, how it came): the seeded admitted land project, or one the seller enters now and staff admit."""
    found = play.api.json("GET", "/api/projects", as_="staff1",
                          params={"line": "land", "status": "admitted", "q": LAND_PROJECT["name"]})
    match = next((p for p in found if p["name"] == LAND_PROJECT["name"]), None)
    if match is not None:
        return str(match["id"]), "seeded"
    project = play.api.json("POST", "/api/projects", as_=LAND_SELLER, json=LAND_PROJECT)
    play.api.json("POST", f"/api/projects/{project['id']}/admit", as_="staff1", json={})
    return str(project["id"]), "entered"


def auction_lot(play: Play) -> dict[str, Any]:
    """Centre staff create the lot for the seller (自然资源局): listing then timed bidding, 10 working days of
    listing (Land Order Art.19), a 240-second countdown; the seller's officer is designated to enter the reserve."""
    run = play.auction
    play.api.ensure_login("staff1", LAND_SELLER, LAND_WITNESS, *PLAN.bidders)
    run.project_id, source = _land_project(play)
    officer = play.api.json("GET", "/api/auth/me", as_=LAND_SELLER)
    start = listing_start_after(play.now())
    lot = play.api.json("POST", "/api/auctions", as_="staff1", json={
        "project_id": run.project_id, "title": PLAN.title, "description": PLAN.description,
        "documents": [{"name": "QS2026-05号地块国有建设用地使用权挂牌出让文件.pdf"}],
        "mode": "listing", "start_price": PLAN.start_price, "increment": PLAN.increment, "deposit": PLAN.deposit,
        "listing_days": PLAN.listing_days, "countdown_seconds": PLAN.countdown_seconds,
        "listing_start": start.isoformat(), "reserve_officer_id": officer["user_id"],
    })
    run.lot_id = lot["id"]
    run.listing_start, run.listing_end = parse_time(lot["listing_start"]), parse_time(lot["listing_end"])
    workdays = working_days_between(run.listing_start, run.listing_end)
    if workdays < PLAN.listing_days or lot["status"] != "draft":
        raise StageFailed("the listing period is shorter than the lot's working days (Land Order Art.19)",
                          listing_start=lot["listing_start"], listing_end=lot["listing_end"])
    return {"lot_id": run.lot_id, "code": lot["code"], "mode": lot["mode"], "project": source,
            "listing_start": lot["listing_start"], "listing_end": lot["listing_end"], "listing_workdays": workdays,
            "listing_end_provisional": lot["listing_end_provisional"], "countdown_seconds": lot["countdown_seconds"],
            "status": lot["status"]}


def auction_announced(play: Play) -> dict[str, Any]:
    """The 出让公告, published at least 20 days before the listing starts (Land Order Art.10), open to everyone."""
    run = play.auction
    _need(run, "lot_id", "listing_start")
    assert run.listing_start is not None
    published_at = play.now()
    lot = play.api.json("POST", _url(run, "/publish"), as_="staff1", json={})
    notice = play.api.json("GET", f"/api/notices/{lot['announcement_id']}")
    lead = run.listing_start - published_at
    listed = any(item["id"] == run.lot_id for item in play.api.json("GET", "/api/auctions"))
    if lead < timedelta(days=20) or not listed or lot["status"] != "announced":
        raise StageFailed("the announcement is not public 20 days ahead (Land Order Art.10)", listed=listed,
                          days_ahead=lead.days, status=lot["status"])
    return {"notice": notice["title"], "days_before_listing": lead.days, "status": lot["status"],
            "public_list": listed}


def auction_applications(play: Play) -> dict[str, Any]:
    """Four bidders apply; centre staff approve each once its deposit is confirmed with the bank reference, and
    each gets a random anonymous number (竞买号). Only the centre can tell who is behind a number."""
    run = play.auction
    _need(run, "lot_id")
    day = play.now().astimezone(SHANGHAI).strftime("%Y%m%d")
    for i, username in enumerate(PLAN.bidders, start=1):
        applied = play.api.json("POST", _url(run, "/applications"), as_=username, json={})
        if applied["status"] != "applied" or applied["number"] is not None:
            raise StageFailed("an application got a number before its deposit was confirmed", application=applied)
        approved = play.api.json("POST", _url(run, f"/applications/{applied['id']}/approve"), as_="staff1",
                                 json={"bank_reference": f"YZRCB{day}{i:06d}"})
        mine = play.api.json("GET", _url(run, "/me"), as_=username)
        if approved["deposit_status"] != "held" or mine["number"] != approved["number"]:
            raise StageFailed(f"{username} was not approved on its deposit", approved=approved)
        run.numbers[username] = str(approved["number"])
    numbers = list(run.numbers.values())
    if len(set(numbers)) != len(numbers):
        raise StageFailed("two bidders got the same number", numbers=numbers)
    centre = play.api.json("GET", _url(run, "/applications"), as_="staff1")
    named = sum(1 for a in centre if a["number"] in numbers and a["org_name"] and a["bank_reference"])
    hidden = _refusal(play, "GET", _url(run, "/applications"), as_=PLAN.bidders[0], expect=(403,))
    if named != len(numbers) or hidden != "auction.centre_only":
        raise StageFailed("who is behind a number is not the centre's alone", named=named, bidder_refused=hidden)
    return {"approved": len(numbers), "numbers": numbers, "deposits_held": len(numbers),
            "names_only_for_centre": True}


def auction_listing(play: Play) -> dict[str, Any]:
    """The listing starts at its time; the first bid is at least the start price, each next at least the current
    price plus the increment (a lower one is refused); the price, the bids by number and the end are public."""
    run = play.auction
    _need(run, "lot_id", "numbers", "listing_start")
    play.advance_to(run.listing_start)
    status = play.wait_for(lambda: _lot(play)["status"], lambda s: s == "listing")
    if status != "listing":
        raise StageFailed("the listing did not start at its time", status=status)
    for username, amount in PLAN.listing_bids:
        placed = _bid(play, username, amount)
        if placed["ends_at"] is not None:
            raise StageFailed("a listing bid set a countdown", bid=placed)
    current = Decimal(PLAN.listing_bids[-1][1])
    too_low = str(current + Decimal(PLAN.increment) - 1)
    below = _refusal(play, "POST", _url(run, "/bids"), as_=PLAN.bidders[0], expect=(409,), json={"amount": too_low})
    lot = _lot(play)
    shown = [(b["number"], b["amount"]) for b in lot["bids"]]
    expected = [(run.numbers[u], f"{Decimal(a):.2f}") for u, a in PLAN.listing_bids]
    if shown != expected or lot["price"] != f"{current:.2f}" or below != "auction.outbid":
        raise StageFailed("the listing's public record differs from the bids placed", shown=shown, refused=below)
    return {"bids": lot["bid_count"], "price": lot["price"], "next_minimum": lot["next_minimum"],
            "below_minimum_refused": below, "status": lot["status"]}


def auction_reserve(play: Play) -> dict[str, Any]:
    """On the listing's last day the designated officer enters the reserve (底价) once, a supervisor of the land line
    re-authenticating beside them; it is sealed at once, only its commitment is returned and written to the audit
    chain, and nobody — centre staff included — can read the amount through the platform before the result."""
    run = play.auction
    _need(run, "lot_id", "listing_end")
    assert run.listing_end is not None
    play.advance_to(run.listing_end - RESERVE_BEFORE_END)
    path = _url(run, "/reserve")
    body = {"amount": PLAN.reserve, "witness_username": LAND_WITNESS}
    refused = {
        "wrong_witness_password": _refusal(play, "POST", path, as_=LAND_SELLER, expect=(422,),
                                           json={**body, "witness_password": "not-the-password-1"}),
        "not_the_officer": _refusal(play, "POST", path, as_="staff1", expect=(403,),
                                    json={**body, "witness_password": play.api.password}),
    }
    entered = play.api.json("POST", path, as_=LAND_SELLER, json={**body, "witness_password": play.api.password})
    run.commitment = entered["commitment"]
    refused["second_entry"] = _refusal(play, "POST", path, as_=LAND_SELLER, expect=(409,),
                                       json={**body, "amount": "1", "witness_password": play.api.password})
    amount = Decimal(PLAN.reserve)
    spellings = {f"{amount:.2f}", f"{amount:.0f}", f"{amount:,.2f}", f"{amount:,.0f}"}
    readable = []
    for who in ("staff1", LAND_SELLER, LAND_WITNESS, None):
        r = play.api.request("GET", _url(run), as_=who)
        if r.json().get("reserve_commitment") != run.commitment or any(s in r.text for s in spellings):
            readable.append(who or "public")
    witness = play.api.json("GET", "/api/auth/me", as_=LAND_WITNESS)
    events = play.api.json("GET", "/api/audit/events", as_=LAND_WITNESS,
                           params={"project_id": run.project_id, "tag": "auction:reserve_entered"})["items"]
    chained = [e for e in events if e["subject_id"] == run.lot_id and (e["after"] or {}).get("commitment")
               == run.commitment and (e["after"] or {}).get("witness_user_id") == witness["user_id"]]
    expected = {"wrong_witness_password": "auction.witness_required", "not_the_officer": "auction.not_reserve_officer",
                "second_entry": "auction.reserve_entered"}
    if refused != expected or readable or len(chained) != 1:
        raise StageFailed("the reserve was not entered and sealed as the rules say", refused=refused,
                          readable_by=readable, in_audit_chain=len(chained))
    return {"commitment": run.commitment, "witness": LAND_WITNESS, "in_audit_chain": True,
            "readable_before_result": False, "refused": refused}


def auction_continue(play: Play) -> dict[str, Any]:
    """Before the listing ends three bidders say they want to go on to timed bidding (Land Order Art.20)."""
    run = play.auction
    _need(run, "lot_id", "numbers")
    for username in PLAN.continuing:
        app = play.api.json("POST", _url(run, "/continue"), as_=username, json={})
        if not app["continues"]:
            raise StageFailed(f"{username}'s wish to continue was not recorded", application=app)
    stays = [u for u in PLAN.bidders if u not in PLAN.continuing]
    quiet = [u for u in stays if play.api.json("GET", _url(run, "/me"), as_=u)["continues"]]
    if quiet:
        raise StageFailed("a bidder that did not ask is recorded as continuing", bidders=quiet)
    return {"continuing": len(PLAN.continuing), "numbers": [run.numbers[u] for u in PLAN.continuing],
            "not_continuing": len(stays)}


def auction_timed(play: Play) -> dict[str, Any]:
    """At the listing's end two or more want to continue: timed bidding starts with a 240-second countdown that the
    server restarts inside every valid bid's transaction. Each bid here comes shortly before the running countdown
    ends (the demo clock moves to that moment); a bidder that did not ask to continue is refused."""
    run = play.auction
    _need(run, "lot_id", "listing_end")
    assert run.listing_end is not None
    countdown = timedelta(seconds=PLAN.countdown_seconds)
    play.advance_to(run.listing_end)
    lot = play.wait_for(lambda: _lot(play), lambda v: v["status"] == "timed")
    if lot["status"] != "timed" or not lot["ends_at"] or parse_time(lot["ends_at"]) != run.listing_end + countdown:
        raise StageFailed("timed bidding did not start at the listing's end (Land Order Art.20)", status=lot["status"],
                          ends_at=lot["ends_at"])
    run.ends_at = parse_time(lot["ends_at"])
    outsider = next(u for u in PLAN.bidders if u not in PLAN.continuing)
    refused = {"not_continuing": _refusal(play, "POST", _url(run, "/bids"), as_=outsider, expect=(403,),
                                          json={"amount": lot["next_minimum"]})}
    placed = []
    for planned in PLAN.timed_bids:
        assert run.ends_at is not None
        wait = (run.ends_at - timedelta(seconds=planned.before_end) - play.now()).total_seconds()
        if wait > 0:
            play.advance(wait)
        bid = _bid(play, planned.username, planned.amount)
        at, ends_at = parse_time(bid["at"]), parse_time(bid["ends_at"])
        if not at < run.ends_at < ends_at == at + countdown:
            raise StageFailed("a bid before the end did not restart the countdown from its own time", bid=bid,
                              previous_end=run.ends_at.isoformat())
        placed.append({"number": run.numbers[planned.username], "amount": bid["amount"],
                       "seconds_left": round((run.ends_at - at).total_seconds(), 1)})
        run.ends_at = ends_at
        run.restarts += 1
    lot = _lot(play)
    refused["below_minimum"] = _refusal(play, "POST", _url(run, "/bids"), as_=PLAN.continuing[0], expect=(409,),
                                        json={"amount": lot["price"]})
    if lot["ends_at"] is None or parse_time(lot["ends_at"]) != run.ends_at or refused != {
            "not_continuing": "auction.not_continuing", "below_minimum": "auction.outbid"}:
        raise StageFailed("the public countdown or a refusal is not what the rules say", ends_at=lot["ends_at"],
                          refused=refused)
    return {"restarts": run.restarts, "price": lot["price"], "ends_at": lot["ends_at"], "bids": placed,
            "refused": refused}


def _sse(play: Play, channel: str, last_event_id: int, *, until: str) -> list[dict[str, Any]]:
    """Read a channel's server-sent events after `last_event_id` (as a browser's EventSource sends it when it
    reconnects) up to the first event of type `until`, then hang up."""
    out: list[dict[str, Any]] = []
    headers = {"Last-Event-ID": str(last_event_id), "Accept": "text/event-stream"}
    with play.api.http.stream("GET", f"/api/realtime/{channel}", headers=headers,
                              timeout=httpx.Timeout(15.0)) as r:
        if r.status_code != 200:
            raise StageFailed(f"the live channel answered {r.status_code}")
        for event in _events(r.iter_lines()):
            out.append(event)
            if event["type"] == until:
                break
    return out


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    event: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif line.startswith("id:"):
            event["seq"] = int(line[3:].strip())
        elif line.startswith("event:"):
            event["type"] = line[6:].strip()
        elif line.startswith("data:"):
            event["data"] = json.loads(line[5:].strip())


def auction_result(play: Play) -> dict[str, Any]:
    """The countdown expires without a bid (a bid a second later is refused: the server clock decides): the highest
    bid is at least the reserve, so the lot is sold. The result notice names the winner; the winner downloads the
    成交确认书 (no other bidder may); its deposit becomes part of the price, the others are released for refund.
    A watcher of the live room that reconnects with Last-Event-ID gets every event it missed, in order."""
    run = play.auction
    _need(run, "lot_id", "ends_at", "numbers")
    play.advance_to(run.ends_at)
    late_amount = f"{PLAN.final_price + Decimal(PLAN.increment):.2f}"
    late = _refusal(play, "POST", _url(run, "/bids"), as_=PLAN.late_bidder, expect=(409,),
                    json={"amount": late_amount})
    lot = play.wait_for(lambda: _lot(play), lambda v: v["status"] in ("sold", "unsold"))
    amounts = [Decimal(b["amount"]) for b in lot["bids"]]
    placed = len(PLAN.listing_bids) + len(PLAN.timed_bids)
    if (lot["status"], lot["result"], lot["final_price"]) != ("sold", "sold", f"{PLAN.final_price:.2f}") \
            or lot["bid_count"] != placed or len(amounts) != placed or amounts != sorted(set(amounts)) \
            or late != "auction.countdown_over":
        raise StageFailed("the result is not the highest bid at or above the reserve", status=lot["status"],
                          result=lot["result"], final_price=lot["final_price"], late_bid=late)
    winner_number = run.numbers[PLAN.winner]
    notice = play.api.json("GET", f"/api/notices/{lot['result_notice_id']}")
    pdf = play.api.request("GET", _url(run, "/confirmation.pdf"), as_=PLAN.winner)
    loser = next(u for u in PLAN.continuing if u != PLAN.winner)
    withheld = _refusal(play, "GET", _url(run, "/confirmation.pdf"), as_=loser, expect=(403,))
    deposits = {a["number"]: a["deposit_status"] for a in play.api.json("GET", _url(run, "/applications"),
                                                                        as_="staff1")}
    expected_deposits = {n: "to_price" if n == winner_number else "release" for n in run.numbers.values()}
    if not pdf.content.startswith(b"%PDF-") or winner_number not in notice["body"] \
            or withheld != "auction.confirmation_forbidden" or deposits != expected_deposits:
        raise StageFailed("the confirmation, the notice or the deposits are wrong", deposits=deposits,
                          confirmation_refused=withheld)
    live = _live_room(play, run, amounts)
    if Decimal(lot["final_price"]) < Decimal(live["reserve_revealed"]):
        raise StageFailed("sold below the reserve", final_price=lot["final_price"], reserve=live["reserve_revealed"])
    return {"final_price": lot["final_price"], "bids": lot["bid_count"], "restarts": run.restarts,
            "status": lot["status"], "winner_number": winner_number, "notice": notice["title"],
            "confirmation_bytes": len(pdf.content), "late_bid_refused": late,
            "confirmation_refused_to_others": withheld, "deposits": deposits, **live}


def _live_room(play: Play, run: AuctionRun, amounts: list[Decimal]) -> dict[str, Any]:
    """The room's channel from its first event carries every bid in order and the result with the reserve, now
    unsealed; a watcher that last saw the listing's final bid comes back with Last-Event-ID and gets exactly the
    events after it."""
    channel = f"auction:{run.lot_id}"
    stream = _sse(play, channel, 0, until="auction:result")
    seqs = [e["seq"] for e in stream]
    bid_events = [e["data"]["bid"]["amount"] for e in stream if e["type"] == "auction:bid"]
    listing = [i for i, e in enumerate(stream) if e["type"] == "auction:bid" and e["data"]["bid"]["phase"] == "listing"]
    if not listing or stream[-1]["type"] != "auction:result":
        raise StageFailed("the live room's channel lacks the listing bids or the result", seqs=seqs)
    seen = listing[-1]
    missed = _sse(play, channel, stream[seen]["seq"], until="auction:result")
    reserve = stream[-1]["data"].get("reserve")
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))) or missed != stream[seen + 1:] \
            or bid_events != [f"{a:.2f}" for a in amounts] or reserve != f"{Decimal(PLAN.reserve):.2f}":
        raise StageFailed("the live room missed or reordered events", seqs=seqs, bids=bid_events,
                          replayed=[e.get("seq") for e in missed])
    return {"reserve_revealed": reserve, "live_events": len(seqs), "reconnected_after_seq": stream[seen]["seq"],
            "replayed": len(missed)}
