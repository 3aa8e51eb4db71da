"""Who sees and does what: centre staff see every charge, invoice and statement and are the only ones who write;
a payer sees its own charges and invoices (JSON and pages); anybody else — another bidder, a supervisor, the
agency — sees none, and an invoice that is not theirs does not exist for them."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.service import actor_for
from ggzy.fees.models import PayerRole
from ggzy.kit.clock import FrozenClock
from ggzy.kit.timefmt import SHANGHAI
from ggzy.party.models import OrgKind
from ggzy.project.models import TradingLine
from tests.auction.helpers import Who, who
from tests.fees.helpers import charges, err, sold_lot
from tests.tender.qa_helpers import Party, page_client


async def test_every_role_sees_only_what_it_pays_and_only_centre_staff_write(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Any
) -> None:
    a, _lot = await sold_lot(app, db, client, clock, line=TradingLine.property)
    by_role = {c.payer_role: c for c in await charges(db)}
    buyer_fee, seller_fee = by_role[PayerRole.buyer], by_role[PayerRole.seller]
    agency = await who(db, OrgKind.agency, clock.now())
    centre = a.centre.h
    r = await client.post("/api/fees/invoices", json={"charge_ids": [buyer_fee.id]}, headers=centre)
    assert r.status_code == 201, r.text
    inv = r.json()
    month = buyer_fee.booked_at.astimezone(SHANGHAI).strftime("%Y-%m")

    # Centre staff: everything.
    assert {c["id"] for c in (await client.get("/api/fees/charges", headers=centre)).json()} == {
        buyer_fee.id, seller_fee.id}
    assert [i["id"] for i in (await client.get("/api/fees/invoices", headers=centre)).json()] == [inv["id"]]
    for path in (f"/api/fees/charges/{seller_fee.id}", f"/api/fees/invoices/{inv['id']}",
                 f"/api/fees/invoices/{inv['id']}/pdf", f"/api/fees/statements/{month}",
                 f"/api/fees/statements/{month}/csv", f"/api/fees/statements/{month}/pdf"):
        assert (await client.get(path, headers=centre)).status_code == 200, path

    # Each payer: its own charge and invoice only.
    buyer, seller = a.bidders[0].h, a.seller.h
    assert [c["id"] for c in (await client.get("/api/fees/charges", headers=buyer)).json()] == [buyer_fee.id]
    assert [c["id"] for c in (await client.get("/api/fees/charges", headers=seller)).json()] == [seller_fee.id]
    assert (await client.get(f"/api/fees/invoices/{inv['id']}", headers=buyer)).json()["total"] == "5000.00"
    assert (await client.get("/api/fees/invoices", headers=seller)).json() == []
    err(await client.get(f"/api/fees/charges/{buyer_fee.id}", headers=seller), 404, "fees.charge_not_found")
    for path in (f"/api/fees/invoices/{inv['id']}", f"/api/fees/invoices/{inv['id']}/pdf"):
        err(await client.get(path, headers=seller), 404, "fees.invoice_not_found")

    # Nobody else sees anything; only centre staff write; the statement is the centre's.
    others = {"other bidder": a.bidders[1].h, "supervisor": a.supervisor.h, "agency": agency.h}
    for name, h in {**others, "buyer": buyer, "seller": seller}.items():
        if name in others:
            assert (await client.get("/api/fees/charges", headers=h)).json() == [], name
            assert (await client.get("/api/fees/invoices", headers=h)).json() == [], name
            err(await client.get(f"/api/fees/charges/{buyer_fee.id}", headers=h), 404, "fees.charge_not_found")
            err(await client.get(f"/api/fees/invoices/{inv['id']}/pdf", headers=h), 404, "fees.invoice_not_found")
        for method, path, body in (
            ("get", f"/api/fees/statements/{month}", None), ("get", f"/api/fees/statements/{month}/csv", None),
            ("post", "/api/fees/assess", None), ("post", "/api/fees/invoices", {"charge_ids": [seller_fee.id]}),
            ("post", f"/api/fees/invoices/{inv['id']}/payments",
             {"amount": "1", "bank_reference": "X1", "paid_on": "2026-03-02"}),
            ("post", f"/api/fees/invoices/{inv['id']}/void", {"reason": "x"}),
            ("post", f"/api/fees/charges/{seller_fee.id}/reverse", {"reason": "x"}),
        ):
            r = await client.request(method, path, json=body, headers=h)
            err(r, 403, "fees.forbidden")
    # Anonymous: 401 everywhere.
    for path in ("/api/fees/charges", "/api/fees/invoices", f"/api/fees/invoices/{inv['id']}/pdf",
                 f"/api/fees/statements/{month}"):
        assert (await client.get(path)).status_code == 401, path

    # Pages, with a browser session: the desk lists what each may see.
    async with page_client(app, db, settings, _party(a.centre), clock.now()) as (c, _csrf):
        desk = await c.get("/workspace/fees")
        assert desk.status_code == 200 and desk.text.count('data-testid="charge"') == 2
        assert 'data-testid="pending-group"' in desk.text and a.seller.org.name in desk.text
        assert (await c.get(f"/workspace/fees/statement?month={month}")).status_code == 200
        assert (await c.get(f"/workspace/fees/invoices/{inv['id']}")).status_code == 200
        pdf = await c.get(f"/workspace/fees/invoices/{inv['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    async with page_client(app, db, settings, _party(a.bidders[0]), clock.now()) as (c, _csrf):
        desk = await c.get("/workspace/fees")
        assert desk.status_code == 200 and desk.text.count('data-testid="charge"') == 1
        assert a.seller.org.name not in desk.text and 'data-testid="pending-group"' not in desk.text
        assert (await c.get(f"/workspace/fees/invoices/{inv['id']}")).status_code == 200
        assert (await c.get(f"/workspace/fees/statement?month={month}")).status_code == 403
    async with page_client(app, db, settings, _party(a.bidders[1]), clock.now()) as (c, _csrf):
        desk = await c.get("/workspace/fees")
        assert desk.status_code == 200 and 'data-testid="no-charges"' in desk.text
        assert (await c.get(f"/workspace/fees/invoices/{inv['id']}")).status_code == 404
        assert (await c.get(f"/workspace/fees/charges/{buyer_fee.id}")).status_code == 404
    r = await client.get("/workspace/fees", headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def _party(w: Who) -> Party:
    return Party(w.org, w.user, actor_for(w.user, w.org, "203.0.113.9"))
