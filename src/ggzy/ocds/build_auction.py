"""The releases of one auction lot (国有土地 / 国有产权: 挂牌 + 限时竞价, 拍卖), built from its loaded rows (pure).

| event | tag | what it adds |
|---|---|---|
| 出让 / 转让公告 | tender | the lot as the tender: start price as minValue, listing period, documents; the seller |
| 成交公告 | award | the award to the winner at the final price, the tender complete, every bid |
| 流拍公告 | tenderUpdate | the tender unsuccessful, every bid |

The seller (出让人 / 转让方) runs the sale and is the procuring entity; the winner is the award's supplier (the
counterparty of the sale). Bids are published only with the result: the price was public during the bidding but
who stood behind a bidder number (竞买号) was not (only the centre could map it before the result), so every bidder
but the winner — named in the result notice with its number — stays a number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ggzy.auction.models import AuctionBid, AuctionBidder, AuctionLot, AuctionMode, AuctionStatus
from ggzy.kit.money import fmt
from ggzy.ocds import rules
from ggzy.ocds.common import Parties, document, release
from ggzy.party.models import Organisation
from ggzy.project.models import Notice, NoticeKind

K = NoticeKind
MODE_DETAILS = {AuctionMode.listing: "挂牌（挂牌期满两家以上竞买人要求继续报价的，进入限时竞价）",
                AuctionMode.live: "网上拍卖（限时竞价）"}


@dataclass(frozen=True)
class AuctionFacts:
    """Everything public about one announced auction lot, as ocds.service loads it."""

    prefix: str
    base_url: str
    lot: AuctionLot
    orgs: Mapping[str, Organisation]
    notices: Sequence[Notice]
    """The lot's announcement and result (or no-sale) notices, oldest first."""
    bids: Sequence[AuctionBid] = ()
    """Every bid, in sequence; loaded only once the result is out."""
    bidders: Mapping[str, AuctionBidder] = field(default_factory=dict)
    """AuctionBidder id → row, for the bids above."""


def _tender(f: AuctionFacts, parties: Parties, notice: Notice) -> dict[str, Any]:
    lot = f.lot
    docs = [document(notice, f.base_url)]
    docs += [{"id": f"{notice.id}-{i}", "documentType": "biddingDocuments", "title": str(d.get("name", "")),
              "url": str(d["url"])} for i, d in enumerate(lot.documents or [], 1) if d.get("url")]
    seconds = lot.countdown_seconds
    return {
        "id": lot.code, "title": lot.title, "status": "active",
        "procuringEntity": parties.ref(lot.seller_org_id, "procuringEntity"),
        "minValue": rules.value(lot.start_price), "procurementMethod": "open",
        "procurementMethodDetails": MODE_DETAILS.get(AuctionMode(lot.mode), str(lot.mode)),
        "awardCriteria": "priceOnly",
        "awardCriteriaDetails": f"价高者得，最高报价不低于底价方可成交；加价幅度 {fmt(lot.increment)} 元",
        "submissionMethod": ["electronicAuction"],
        "submissionMethodDetails": (f"竞买保证金 {fmt(lot.deposit)} 元到账并经审核后以竞买号报价；限时竞价倒计时 "
                                    f"{seconds // 60} 分 {seconds % 60} 秒，每次有效报价后重新计时；报价不得撤回"),
        "tenderPeriod": {"startDate": rules.when(lot.listing_start), "endDate": rules.when(lot.listing_end)},
        "documents": docs,
        **({"description": lot.description} if lot.description else {}),
    }


def _bids(f: AuctionFacts, parties: Parties, ocid: str, notice: Notice) -> tuple[dict[str, Any], list[Any]]:
    """Every bid with its amount and bidder (the winner by name, the others by number), and the counts."""
    lot = f.lot
    refs: dict[str, dict[str, Any]] = {}
    details = []
    for b in f.bids:
        bidder = f.bidders.get(b.bidder_id)
        if bidder is None:
            continue
        if bidder.id not in refs:
            if bidder.id == lot.winner_id and bidder.org_id in f.orgs:
                refs[bidder.id] = parties.ref(bidder.org_id, "tenderer")
            else:
                refs[bidder.id] = parties.anonymous_ref(f"{ocid}-bidder-{bidder.number}", f"竞买号 {bidder.number}",
                                                        "tenderer")
        details.append({"id": b.id, "date": rules.when(b.at), "status": "valid", "tenderers": [refs[bidder.id]],
                        "value": rules.value(b.amount)})
    at = rules.when(notice.published_at)
    stats: list[dict[str, Any]] = [
        {"id": "bids", "measure": "bids", "value": len(details), "date": at},
        {"id": "bidders", "measure": "bidders", "value": len(refs), "date": at},
    ]
    if f.bids:
        stats.append({"id": "highestValidBidValue", "measure": "highestValidBidValue", "date": at,
                      "value": rules.money(max(b.amount for b in f.bids)), "currency": rules.CURRENCY})
    return {"statistics": stats, "details": details}, list(refs.values())


def build(f: AuctionFacts) -> list[dict[str, Any]]:
    """Every release of the lot, oldest first (none before its announcement)."""
    lot = f.lot
    ocid = rules.ocid(f.prefix, lot.code)
    parties = Parties(f.orgs)
    out: list[dict[str, Any]] = []
    announced = False
    for n in f.notices:
        if n.kind == K.auction_announcement:
            tender = _tender(f, parties, n)
            body = {"tender": tender, "parties": parties.listed([tender["procuringEntity"]])}
            out.append(release(ocid, f"tender-{n.id}", n.published_at, "tender", body))
            announced = True
        elif announced and n.kind == K.result and lot.status == AuctionStatus.sold:
            winner = f.bidders.get(lot.winner_id or "")
            if winner is None or lot.final_price is None or winner.org_id not in f.orgs:
                continue
            bids, tenderers = _bids(f, parties, ocid, n)
            supplier = parties.ref(winner.org_id, "supplier")
            award: dict[str, Any] = {
                "id": f"{lot.code}-award", "title": f"{lot.title}成交", "status": "active",
                "date": rules.when(lot.result_at or n.published_at), "value": rules.value(lot.final_price),
                "suppliers": [supplier], "documents": [document(n, f.base_url)],
            }
            last = next((b.id for b in reversed(f.bids) if b.bidder_id == winner.id), None)
            if last:
                award["relatedBid"] = last
            body = {"awards": [award], "tender": {"id": lot.code, "status": "complete"}, "bids": bids,
                    "parties": parties.listed([*tenderers, supplier])}
            out.append(release(ocid, f"award-{n.id}", n.published_at, "award", body))
        elif announced and n.kind == K.auction_failed:
            bids, tenderers = _bids(f, parties, ocid, n)
            body = {"tender": {"id": lot.code, "status": "unsuccessful", "documents": [document(n, f.base_url)]},
                    "bids": bids}
            if tenderers:
                body["parties"] = parties.listed(tenderers)
            out.append(release(ocid, f"{n.kind}-{n.id}", n.published_at, "tenderUpdate", body))
    return out
