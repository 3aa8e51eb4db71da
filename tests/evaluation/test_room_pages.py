"""The evaluation room page: Chinese first with the English switch, htmx forms for members, a read-only view for
the line's supervisor, 404 for a bidder, the login page for the public."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.evaluation.builders import build_room, close_review, elect, review_all, start, view
from tests.factories import login_cookie


async def test_room_page_for_members_watchers_and_outsiders(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    room = await build_room(app, client, db, clock, tmp_path)
    page = f"/tenders/{room.tender_id}/evaluation"

    # The public is sent to log in (the redirect says nothing about the tender); a bidder gets 404.
    r = await client.get(page)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = await client.get(page, headers={**room.bidder_headers(0), "accept": "text/html"})
    assert r.status_code == 404

    # Centre staff open the session from the page.
    r = await client.get(page, headers=room.centre)
    assert r.status_code == 200 and 'data-testid="start"' in r.text
    await start(client, room)
    await elect(client, room)
    await review_all(client, room)
    await close_review(client, room)

    # A member, logged in through the form: the score sheet in Chinese, then in English.
    csrf = await login_cookie(client, room.users[1])
    r = await client.get(page)
    assert r.status_code == 200 and "评标室" in r.text and 'data-testid="score-form"' in r.text
    assert "我的评分表" in r.text and 'data-testid="close-review"' not in r.text
    r = await client.get(page + "?lang=en")
    assert r.status_code == 200 and "My score sheet" in r.text and "Evaluation room" in r.text
    v = await view(client, room, room.headers[1])
    criterion = v["criteria"][0]
    entry = v["lots"][0]["entries"][0]["id"]
    field = f"s__{entry}__{criterion['id']}"
    assert f'name="{field}"' in r.text
    # The htmx score form: an out-of-bounds value comes back as the fragment with the message, nothing saved.
    over = str(int(float(criterion["max"])) + 1)
    r = await client.post(f"{page}/scores", data={"csrf_token": csrf, field: over}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'data-code="evaluation.score_out_of_bounds"' in r.text
    assert (await view(client, room, room.headers[1]))["me"]["scores"] == []
    r = await client.post(f"{page}/scores", data={"csrf_token": csrf, field: "3.5"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'data-testid="room-error"' not in r.text
    assert re.search(rf'name="{field}" value="3.50"', r.text)

    # The supervisor of the line watches: the same room, no forms.
    r = await client.get(page + "?lang=zh", headers=room.supervisor_headers)
    assert r.status_code == 200 and "只读" in r.text
    for form in ("score-form", "vote-form", "opinion-form", "ask-form", "submit-evaluation"):
        assert f'data-testid="{form}"' not in r.text
