"""The evaluation room is closed: only the committee acts, the line's supervisor and centre staff watch read-only,
a bidder sees only its own clarification requests, everyone else gets 404 (Evaluation Rules Art.8)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.evaluation.builders import build_room, elect, start, view
from tests.factories import bearer


async def test_only_members_act_watchers_read_and_everyone_else_gets_404(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    room = await build_room(app, client, db, clock, tmp_path, reps=1)  # seat 5: the tenderer's representative
    url = room.url
    tenderer_staff = await bearer(client, room.hall.w.cast.tenderer_user)

    # Before the session: members and watchers see the committee, nobody else anything.
    v = await view(client, room, room.headers[0])
    assert v["status"] is None and v["role"] == "member" and len(v["members"]) == 5
    assert v["members"][4]["kind"] == "tenderer_rep"
    assert (await view(client, room, room.headers[4]))["role"] == "member"
    assert (await view(client, room, room.centre))["ready"] is True
    for outsider in (room.bidder_headers(0), room.outsider_headers, room.other_supervisor_headers, {},
                     tenderer_staff, room.hall.host):
        r = await client.get(url, headers=outsider)
        assert r.status_code == 404 and r.json()["error"]["code"] == "evaluation.not_found"
    # Only centre staff open the session.
    for who in (room.headers[0], room.supervisor_headers, room.hall.host):
        r = await client.post(url, headers=who)
        assert r.status_code == 403 and r.json()["error"]["code"] == "evaluation.centre_only"
    await start(client, room)
    r = await client.post(url, headers=room.centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "evaluation.already_started"

    # A non-member cannot act (403), whoever they are; nothing was recorded for them.
    for who in (room.outsider_headers, room.supervisor_headers, room.centre, room.bidder_headers(1)):
        r = await client.post(f"{url}/chair-votes", json={"member_id": room.members[0]}, headers=who)
        assert r.status_code == 403 and r.json()["error"]["code"] == "evaluation.not_a_member", r.text
    assert (await view(client, room, room.headers[0]))["progress"]["votes"] == 0
    await elect(client, room)

    # The supervisor of the tender's line watches read-only; the other line's supervisor sees nothing.
    sv = await view(client, room, room.supervisor_headers)
    assert sv["role"] == "watcher" and sv["status"] == "reviewing" and "me" not in sv
    assert "deviation_flags" in sv
    assert [m["name"] for m in sv["members"]] == room.names
    mv = await view(client, room, room.headers[1])
    assert mv["role"] == "member" and "deviation_flags" not in mv and mv["me"]["vote"] == room.members[0]
    assert (await view(client, room, room.headers[0]))["role"] == "chair"
    for outsider in (room.bidder_headers(0), room.outsider_headers, room.other_supervisor_headers, {},
                     tenderer_staff, room.hall.host):
        assert (await client.get(url, headers=outsider)).status_code == 404
        assert (await client.get(f"{url}/entries/{room.entry_of(0)}/envelope", headers=outsider)).status_code in (
            403, 401)
    # Members fetch the sealed envelope (ciphertext) of a bid; the fetch is recorded.
    r = await client.get(f"{url}/entries/{room.entry_of(0)}/envelope", headers=room.headers[2])
    assert r.status_code == 200 and r.headers["x-content-sha256"] and len(r.content) > 100

    # Clarifications: a bidder sees only its own request, answers it; another bidder sees none of it.
    deadline = (clock.now() + timedelta(hours=2)).isoformat()
    r = await client.post(f"{url}/clarifications", json={"entry_id": room.entry_of(0), "question": "请说明工期安排",
                                                         "deadline": deadline}, headers=room.headers[3])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    mine = (await client.get(f"{url}/clarifications/mine", headers=room.bidder_headers(0))).json()
    assert [c["id"] for c in mine] == [cid] and mine[0]["question"] == "请说明工期安排"
    assert (await client.get(f"{url}/clarifications/mine", headers=room.bidder_headers(1))).json() == []
    r = await client.post(f"{url}/clarifications/{cid}/answer", json={"answer": "不是我的"},
                          headers=room.bidder_headers(1))
    assert r.status_code == 404 and r.json()["error"]["code"] == "evaluation.clarification_not_found"
    r = await client.post(f"{url}/clarifications/{cid}/answer", json={"answer": "工期180日历天，分三阶段"},
                          headers=room.bidder_headers(0))
    assert r.status_code == 200 and r.json()["status"] == "answered"
    # The committee and the supervisor see the answer; the bidder's page shows it too.
    assert (await view(client, room, room.supervisor_headers))["clarifications"][0]["answer"].startswith("工期")
    page = await client.get(f"/tenders/{room.tender_id}/evaluation/clarifications", headers=room.bidder_headers(0))
    assert page.status_code == 200 and "工期180日历天" in page.text
    other = await client.get(f"/tenders/{room.tender_id}/evaluation/clarifications", headers=room.bidder_headers(1))
    assert other.status_code == 200 and "请说明工期安排" not in other.text

    # Nobody outside the room fetches a report (there is none yet, and it names the experts).
    r = await client.get(f"/tenders/{room.tender_id}/evaluation/report.pdf", headers=room.bidder_headers(0))
    assert r.status_code == 404
