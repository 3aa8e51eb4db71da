from tests.factories import create_party, login_cookie
from ggzy.party.models import OrgKind, OrgStatus
import pathlib
CSS = pathlib.Path("/work/main/src/ggzy/static").as_uri()

async def test_shot(client, db, clock):
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    csrf = await login_cookie(client, staff)
    await client.post("/workspace/centre/calendar", data={"csrf_token": csrf, "year": "2028", "schedule": "2028-01-01 休 元旦"})
    r = await client.get("/workspace/centre/calendar", params={"year": "2027", "start": "2026-12-20", "n": "10"})
    pathlib.Path("/tmp/gshot/cal.html").write_text(r.text.replace('/static/', CSS + '/'))
    r = await client.post("/workspace/centre/calendar", data={"csrf_token": csrf, "year": "2027", "schedule": "2027-01-01 休 元旦\n2027-01-05 班\nbad"})
    pathlib.Path("/tmp/gshot/err.html").write_text(r.text.replace('/static/', CSS + '/'))
    client.cookies.clear()
    _, b, _ = await create_party(db, OrgKind.bidder, now=clock.now(), status=OrgStatus.rejected, reject_reason="营业执照已过期")
    await login_cookie(client, b)
    r = await client.get("/workspace/account")
    pathlib.Path("/tmp/gshot/acc.html").write_text(r.text.replace('/static/', CSS + '/'))
