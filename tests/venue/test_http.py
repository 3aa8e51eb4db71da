"""The venue over HTTP: the JSON API and the pages (httpx). Bad input everywhere gets a clear 4xx with a stable
code, never a 500 and never a half-written record; anonymous visitors go to the login page, others get 403."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.kit.idcard import make_id_number
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind
from ggzy.venue.models import Booking, Room, Visitor
from tests.factories import bearer, create_party, login_cookie
from tests.venue.helpers import make_venue, published, sessions_of

VALID = make_id_number("110105", date(1985, 7, 14), 27)


def code(r: Any) -> str:
    return str(r.json()["error"]["code"])


async def _count(db: AsyncSession, model: type) -> int:
    n = int((await db.execute(select(func.count()).select_from(model))).scalar_one())
    await db.commit()
    return n


async def test_api_refuses_bad_input_with_named_4xx(client: AsyncClient, db: AsyncSession,
                                                    clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    h = await bearer(client, v.cast.centre_user)
    _, bidder_user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    b = await bearer(client, bidder_user)
    rooms_before = await _count(db, Room)
    later = (clock.now() + timedelta(days=1)).isoformat()
    checks: list[tuple[str, str, dict[str, Any] | None, dict[str, str], int, str]] = [
        ("get", "/api/venue/rooms", None, {}, 401, "auth.required"),
        ("get", "/api/venue/rooms", None, b, 403, "venue.centre_only"),
        ("post", "/api/venue/rooms", {"code": "KB-01", "name": "重复", "kind": "opening", "capacity": 5}, h, 409,
         "venue.room_code_taken"),
        ("post", "/api/venue/rooms", {"code": "YC-09", "name": "远程", "kind": "remote", "capacity": 5}, h, 422,
         "venue.remote_needs_centre"),
        ("post", "/api/venue/rooms", {"code": "K B", "name": "x", "kind": "opening", "capacity": 5}, h, 422,
         "venue.room_code_invalid"),
        ("post", "/api/venue/rooms", {"code": "KB-09", "name": "x", "kind": "ballroom", "capacity": 5}, h, 422,
         "request.invalid"),
        ("post", "/api/venue/rooms", {"code": "KB-09", "name": "x", "kind": "opening", "capacity": 0}, h, 422,
         "request.invalid"),
        ("patch", "/api/venue/rooms/nope", {"capacity": 3}, h, 404, "venue.room_not_found"),
        ("get", "/api/venue/bookings?day=2026-02-30", None, h, 422, "venue.bad_day"),
        ("get", "/api/venue/bookings/nope", None, h, 404, "venue.booking_not_found"),
        ("post", "/api/venue/bookings", {"title": "会", "kind": "qa", "starts_at": "2026-03-03T09:00:00",
                                         "ends_at": "2026-03-03T10:00:00"}, h, 422, "request.invalid"),  # naive
        ("post", "/api/venue/bookings", {"title": "会", "kind": "qa", "starts_at": later, "ends_at": later}, h, 422,
         "venue.booking_end_before_start"),
        ("post", "/api/venue/bookings/nope/cancel", {"reason": "x"}, h, 404, "venue.booking_not_found"),
        ("post", "/api/venue/visitors", {"name": "张三", "id_number": VALID[:-1] + "0", "temperature": "36.5"}, h,
         422, "venue.id_number_invalid"),
        ("post", "/api/venue/visitors", {"name": "张三", "id_number": VALID, "temperature": "hot"}, h, 422,
         "request.invalid"),
        ("post", "/api/venue/visitors", {"name": "张三", "id_number": VALID, "temperature": "47"}, h, 422,
         "venue.temperature_implausible"),
        ("post", "/api/venue/visitors/scan", {"text": "没有号码"}, h, 422, "venue.scan_unreadable"),
        ("post", "/api/venue/duty/shifts", {"role": "officer", "user_id": "nope", "starts_at": later,
                                            "ends_at": later}, h, 422, "venue.shift_end_before_start"),
        ("post", "/api/venue/duty/shifts/nope/handover", {"note": "x"}, h, 404, "venue.shift_not_found"),
        ("post", "/api/venue/duty/alerts/nope/ack", None, h, 404, "venue.alert_not_found"),
        ("delete", "/api/venue/duty/shifts/nope", None, h, 404, "venue.shift_not_found"),
    ]
    for method, url, body, headers, status, want in checks:
        r = await client.request(method, url, json=body, headers=headers)
        assert (r.status_code, code(r)) == (status, want), (method, url, r.text)
    r = await client.post("/api/venue/rooms", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert (r.status_code, code(r)) == (400, "request.malformed_json")
    assert await _count(db, Room) == rooms_before and await _count(db, Visitor) == 0


async def test_api_books_registers_and_reports(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    h = await bearer(client, v.cast.centre_user)
    r = await client.get(f"/api/venue/tenders/{tender.id}/bookings", headers=h)
    assert [(x["purpose"], x["status"]) for x in r.json()] == [("opening", "booked"), ("evaluation", "booked")]
    day = r.json()[0]["starts_at"][:10]
    listed = await client.get(f"/api/venue/bookings?day={day}", headers=h)
    assert len(listed.json()) == 2
    scan = await client.post("/api/venue/visitors/scan", json={"text": f"姓名 张三\n公民身份号码 {VALID}"}, headers=h)
    assert scan.json() == {"name": "张三", "id_number": VALID}
    reg = await client.post("/api/venue/visitors", headers=h, json={
        "scan_text": f"姓名 张三\n公民身份号码 {VALID}", "temperature": "37.5", "organisation": "某公司"})
    assert reg.status_code == 201 and reg.json()["admitted"] is False and reg.json()["refusal"] == "fever"
    assert reg.json()["id_number_masked"] == VALID[:4] + "**********" + VALID[-4:]
    report = (await client.get("/api/venue/visitors", headers=h)).json()
    assert (report["total"], report["refused"], report["by_refusal"]) == (1, 1, {"fever": 1})
    csv = await client.get("/api/venue/visitors.csv", headers=h)
    assert csv.headers["content-type"].startswith("text/csv") and VALID in csv.text
    clash = await client.post("/api/venue/bookings", headers=h, json={
        "title": "答疑会", "kind": "opening", "starts_at": r.json()[0]["starts_at"],
        "ends_at": r.json()[0]["ends_at"]})
    assert (clash.status_code, code(clash)) == (409, "venue.no_room_free")
    alternatives = clash.json()["error"]["detail"]["alternatives"]
    # Later in the same room (after the opening and the disinfection gap), or the Q&A room at that time.
    start = datetime.fromisoformat(r.json()[0]["starts_at"])
    assert [(a["code"], datetime.fromisoformat(a["starts_at"]) == start) for a in alternatives] == [
        ("KB-01", False), ("DY-01", True)]


async def test_pages_for_staff_and_refusals_for_others(client: AsyncClient, db: AsyncSession,
                                                       clock: FrozenClock) -> None:
    v = await make_venue(db, clock.now())
    tender = await published(db, v.cast, clock.now())
    s = await sessions_of(db, tender.id)
    day = s["opening"].starts_at.astimezone(SHANGHAI).date()
    pages = ["/workspace/centre/venue", f"/workspace/centre/venue/calendar?day={day}",
             f"/workspace/centre/venue/rooms/{v.rooms['PB-01'].id}?day={day}",
             f"/workspace/centre/venue/bookings/{s['evaluation'].id}", "/workspace/centre/venue/reception",
             "/workspace/centre/venue/visitors", "/workspace/centre/venue/duty"]
    for url in pages:
        r = await client.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url
    _, bidder_user, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    await login_cookie(client, bidder_user)
    r = await client.get(pages[0], headers={"accept": "text/html"})
    assert r.status_code == 403 and "venue.centre_only" in r.text
    client.cookies.clear()
    csrf = await login_cookie(client, v.cast.centre_user)
    for url in pages:
        r = await client.get(url, headers={"accept": "text/html"})
        assert r.status_code == 200, (url, r.text[:300])
    cal = await client.get(pages[1])
    assert tender.title in cal.text and 'data-room="PB-01"' in cal.text and "window.print()" in cal.text
    en = await client.get(pages[1] + "&lang=en")
    assert "Room calendar" in en.text
    await client.get(pages[1] + "&lang=zh")  # the switch is a cookie: back to Chinese

    # Bad form input: the page again with the named error and a 4xx, nothing written.
    bad = await client.post("/workspace/centre/venue/reception", headers={"accept": "text/html"}, data={
        "csrf_token": csrf, "name": "张三", "id_number": VALID[:-1] + "0", "temperature": "36.5", "mask": "on"})
    assert bad.status_code == 422 and "venue.id_number_invalid" in bad.text and "校验位" in bad.text
    bad = await client.post("/workspace/centre/venue/reception", headers={"accept": "text/html"}, data={
        "csrf_token": csrf, "name": "张三", "id_number": VALID, "temperature": "hot", "mask": "on"})
    assert bad.status_code == 422 and "venue.temperature_implausible" in bad.text
    bad = await client.post("/workspace/centre/venue/rooms", headers={"accept": "text/html"}, data={
        "csrf_token": csrf, "code": "KB-01", "name": "重复", "kind": "opening", "capacity": "x"})
    assert bad.status_code == 422 and "venue.bad_number" in bad.text
    bad = await client.post("/workspace/centre/venue/bookings", headers={"accept": "text/html"}, data={
        "csrf_token": csrf, "title": "会", "kind": "qa", "starts_at": "tomorrow", "ends_at": ""})
    assert bad.status_code == 422 and "venue.bad_time" in bad.text
    bad = await client.post(f"/workspace/centre/venue/bookings/{s['evaluation'].id}/cancel",
                            headers={"accept": "text/html"}, data={"csrf_token": csrf, "reason": " "})
    assert bad.status_code == 422 and "venue.reason_required" in bad.text
    bad = await client.post("/workspace/centre/venue/duty/shifts", headers={"accept": "text/html"}, data={
        "csrf_token": csrf, "role": "officer", "user_id": v.cast.centre_user.id, "starts_at": "2026-03-03T08:00",
        "ends_at": "2026-03-03T07:00"})
    assert bad.status_code == 422 and "venue.shift_end_before_start" in bad.text
    assert await _count(db, Visitor) == 0

    ok = await client.post("/workspace/centre/venue/reception", data={
        "csrf_token": csrf, "scan_text": f"姓名 张三\n公民身份号码 {VALID}", "temperature": "36.4", "mask": "on",
        "booking_id": s["opening"].id})
    assert ok.status_code == 303
    shown = await client.get(ok.headers["location"])
    assert 'data-admitted="1"' in shown.text and "张三" in shown.text and VALID not in shown.text  # masked
    scanned = await client.post("/workspace/centre/venue/reception/scan", data={
        "scan_text": f"姓名 李四\n公民身份号码 {VALID}"}, headers={"x-csrf-token": csrf, "hx-request": "true"})
    assert scanned.status_code == 200 and 'value="李四"' in scanned.text and f'value="{VALID}"' in scanned.text
    unreadable = await client.post("/workspace/centre/venue/reception/scan", data={"scan_text": "???"},
                                   headers={"x-csrf-token": csrf, "hx-request": "true"})
    assert (unreadable.status_code, code(unreadable)) == (422, "venue.scan_unreadable")
    added = await client.post("/workspace/centre/venue/duty/shifts", data={
        "csrf_token": csrf, "role": "leader", "user_id": v.cast.centre_user.id, "starts_at": "2026-03-03T08:30",
        "ends_at": "2026-03-04T08:30"})
    assert added.status_code == 303
    duty_page = await client.get(added.headers["location"])
    row = duty_page.text[duty_page.text.index('data-day="2026-03-03"'):duty_page.text.index('data-day="2026-03-04"')]
    assert "03-03 08:30 – 03-04 08:30" in row and "无带班领导 00:00–08:30" in row
    assert "无带班领导 00:00–24:00" in duty_page.text  # a day with nobody at all
    place = await client.post(f"/workspace/centre/venue/bookings/{s['evaluation'].id}/remote",
                              data={"csrf_token": csrf, "remote": "1"})
    assert place.status_code == 303
    moved = (await db.execute(select(Booking.room_id).where(Booking.id == s["evaluation"].id))).scalar_one()
    assert moved == v.rooms["YC-01"].id
    await db.commit()
