"""The releases of one tender (lines 工程建设 and 政府采购), built from its loaded rows (pure: no I/O).

One release per public event, in the order they happened:

| event | tag | what it adds |
|---|---|---|
| project admitted (进场) | planning | budget, buyer |
| 招标公告 / 采购公告 | tender | the tender with its lots, periods, method; buyer and procuring entity |
| 更正公告 | tenderAmendment | the corrected tender and an amendment naming the release it amends |
| 暂停 / 恢复公告, 中标候选人公示, 投诉处理决定 | tenderUpdate | the notice (and the review body) |
| 开标记录 (published) | tenderUpdate | tenderers, bids.statistics and bids.details with values |
| 流标公告 / 废标公告 | tenderUpdate | failed lots (or the whole tender) unsuccessful, the published counts |
| 终止公告 | tenderCancellation | the tender and its open lots cancelled |
| 中标（成交）结果公告 | award | the award, the supplier, the lot complete |
| award revoked after its notice | awardCancellation | the award cancelled, the lot open again |
| contract recorded | contract | the contract with its signing date and amount |

The bids appear only in the opening record's release and later ones: the loader gives no opening before its record
is public, so nothing here can publish who bid or at what price before the opening (E-Bidding Measures Art.21).
Past states come from the notices' structured data (the announcement's timetable and lots, each correction's
before/after), not from today's rows, so each release says what was public at its date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from ggzy.award.models import Award, Contract
from ggzy.kit.money import fmt
from ggzy.ocds import rules
from ggzy.ocds.common import Parties, document, release
from ggzy.opening.models import Opening, OpeningEntry
from ggzy.party.models import Organisation
from ggzy.project.models import Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.tender.models import Lot, Tender
from ggzy.tender.rules import TIMETABLE_FIELDS
from ggzy.tender.service import METHOD_LABELS

K = NoticeKind
METHOD_DETAILS = {TradingLine.construction: "公开招标（工程建设）", TradingLine.procurement: "公开招标（政府采购）"}
SUBMISSION_DETAILS = "投标文件在投标人端加密后网上递交，逾期不予受理；不见面网上开标，投标人在线解密"
ORDER = {"planning": 0, K.tender_announcement: 1, K.correction: 2, K.suspension: 3, K.resumption: 4,
         K.tender_failed: 5, K.opening_record: 6, K.evaluation_failed: 7, K.candidate_publicity: 8,
         K.complaint_decision: 9, K.result: 10, "award_revoked": 11, "contract": 12, K.termination: 13}
"""Events at the same instant are released in the order the tender goes through them."""


@dataclass(frozen=True)
class TenderFacts:
    """Everything public about one published tender, as ocds.service loads it."""

    prefix: str
    base_url: str
    tender: Tender
    project: Project
    lots: Sequence[Lot]
    orgs: Mapping[str, Organisation]
    """Every organisation the rows below name."""
    notices: Sequence[Notice]
    """The tender's published notices, oldest first."""
    opening: Opening | None = None
    """Only once the opening record is published (E-Bidding Measures Art.32)."""
    entries: Sequence[OpeningEntry] = ()
    """The opening's entries (empty without a published record)."""
    awards: Sequence[Award] = ()
    """Awards whose result notice is published."""
    award_entries: Mapping[str, str] = field(default_factory=dict)
    """award id → the opening entry of the awarded candidate's bid."""
    contracts: Sequence[Contract] = ()
    review_bodies: Mapping[str, str] = field(default_factory=dict)
    """complaint decision notice id → the organisation (supervisor) that decided it."""


@dataclass
class _Lot:
    number: str
    title: str
    budget: Decimal
    ceiling: Decimal | None
    bond: Decimal
    status: str = "active"

    def ocds(self) -> dict[str, Any]:
        notes = [f"最高投标限价 {fmt(self.ceiling)} 元" if self.ceiling is not None else "",
                 f"投标保证金 {fmt(self.bond)} 元"]
        return {"id": self.number, "title": self.title, "description": "；".join(n for n in notes if n),
                "status": self.status, "value": rules.value(self.budget)}


def _data(n: Notice) -> dict[str, Any]:
    """A notice's structured data, loosely typed (it is JSON)."""
    return dict(n.data or {})


def _decimal(raw: Any) -> Decimal | None:
    return None if raw in (None, "") else Decimal(str(raw))


class _Builder:
    def __init__(self, f: TenderFacts) -> None:
        self.f = f
        t = f.tender
        self.ocid = rules.ocid(f.prefix, t.code)
        self.parties = Parties(f.orgs)
        self.lot_number = {lot.id: str(lot.number) for lot in f.lots}
        self.lots: dict[str, _Lot] = {}
        self.timetable: dict[str, str | None] = {}
        self.description = self._initial_description()
        self.status = "planned"
        self.last_tender_release = ""
        self.awards = {a.id: a for a in f.awards}
        self.out: list[dict[str, Any]] = []

    # -------------------------------------------------------------- state

    def _initial_description(self) -> str:
        """The description as announced: undo the corrections that changed it, newest first."""
        text = self.f.tender.description
        for n in reversed(self.f.notices):
            change = (_data(n).get("changes") or {}).get("description") if n.kind == K.correction else None
            if isinstance(change, dict) and "before" in change:
                text = str(change["before"] or "")
        return text

    def _announce(self, notice: Notice) -> None:
        data = _data(notice)
        timetable = data.get("timetable") or {}
        t = self.f.tender
        for key in TIMETABLE_FIELDS:
            moment = getattr(t, key)
            self.timetable[key] = timetable.get(key) or (moment.isoformat() if moment else None)
        rows = data.get("lots") or [{"number": lot.number, "name": lot.name, "budget": lot.budget,
                                     "ceiling_price": lot.ceiling_price, "bond_amount": lot.bond_amount}
                                    for lot in self.f.lots]
        for row in rows:
            number = str(row["number"])
            self.lots[number] = _Lot(number, str(row["name"]), _decimal(row["budget"]) or Decimal(0),
                                     _decimal(row.get("ceiling_price")), _decimal(row.get("bond_amount")) or Decimal(0))

    def _period(self, start: str, end: str) -> dict[str, str] | None:
        a, b = self.timetable.get(start), self.timetable.get(end)
        period = {k: rules.when(rules.parse_when(v)) for k, v in (("startDate", a), ("endDate", b)) if v}
        return period or None

    def _status(self) -> str:
        self.status = rules.tender_status([lot.status for lot in self.lots.values()], self.status)
        return self.status

    # -------------------------------------------------------------- sections

    def buyer(self) -> dict[str, Any]:
        return self.parties.ref(self.f.tender.tenderer_org_id, "buyer")

    def procuring_entity(self) -> dict[str, Any]:
        t = self.f.tender
        return self.parties.ref(t.agency_org_id or t.tenderer_org_id, "procuringEntity")

    def full_tender(self, docs: list[dict[str, Any]]) -> dict[str, Any]:
        t = self.f.tender
        method = str(t.evaluation_method)
        section: dict[str, Any] = {
            "id": t.code, "title": t.title, "status": self.status, "procuringEntity": self.procuring_entity(),
            "value": rules.value(sum((lot.budget for lot in self.lots.values()), Decimal(0))),
            "procurementMethod": "open",
            "procurementMethodDetails": METHOD_DETAILS.get(TradingLine(t.line), "公开招标"),
            "mainProcurementCategory": rules.main_category(str(t.line), t.evaluation_plan),
            "awardCriteria": rules.AWARD_CRITERIA.get(method, "ratedCriteria"),
            "awardCriteriaDetails": METHOD_LABELS.get(method, (method, ""))[0],
            "submissionMethod": ["electronicSubmission"], "submissionMethodDetails": SUBMISSION_DETAILS,
        }
        if self.description:
            section["description"] = self.description
        for key, (start, end) in {"tenderPeriod": ("doc_start", "bid_deadline"),
                                  "enquiryPeriod": ("doc_start", "question_deadline")}.items():
            period = self._period(start, end)
            if period:
                section[key] = period
        if t.qualification:
            section["eligibilityCriteria"] = t.qualification
        section["lots"] = [lot.ocds() for lot in self.lots.values()]
        section["documents"] = docs
        return section

    def emit(self, release_id: str, at: datetime, tag: str, body: dict[str, Any]) -> str:
        self.out.append(release(self.ocid, release_id, at, tag, body))
        return release_id

    def with_parties(self, body: dict[str, Any], refs: list[dict[str, Any]]) -> dict[str, Any]:
        if refs:
            body["parties"] = self.parties.listed(refs)
        return body

    # -------------------------------------------------------------- events

    def planning(self, at: datetime) -> None:
        p, t = self.f.project, self.f.tender
        buyer = self.buyer()
        plan: dict[str, Any] = {}
        if p.description:
            plan["rationale"] = p.description
        if p.amount is not None:
            budget: dict[str, Any] = {"id": p.code, "amount": rules.value(p.amount), "project": p.name,
                                      "projectID": p.code}
            if p.funding_source:
                budget["description"] = p.funding_source
            plan["budget"] = budget
        body = {"buyer": buyer, "planning": plan, "tender": {"id": t.code, "title": t.title, "status": "planned"}}
        self.emit(f"planning-{p.id}", at, "planning", self.with_parties(body, [buyer]))

    def announcement(self, n: Notice) -> None:
        self._announce(n)
        self.status = "active"
        buyer = self.buyer()
        tender = self.full_tender([document(n, self.f.base_url)])
        body = {"buyer": buyer, "tender": tender}
        self.last_tender_release = self.emit(f"tender-{n.id}", n.published_at, "tender",
                                             self.with_parties(body, [buyer, tender["procuringEntity"]]))

    def correction(self, n: Notice) -> None:
        data = _data(n)
        for key, change in (data.get("changes") or {}).items():
            if not isinstance(change, dict):
                continue
            if key in TIMETABLE_FIELDS:
                self.timetable[key] = change.get("after")
            elif key == "description":
                self.description = str(change.get("after") or "")
        for number, upd in (data.get("lots") or {}).items():
            lot = self.lots.get(str(number))
            if lot is None or not isinstance(upd, dict):
                continue
            lot.title = str(upd.get("name", lot.title))
            lot.budget = _decimal(upd.get("budget")) or lot.budget
            if "ceiling_price" in upd:
                lot.ceiling = _decimal(upd["ceiling_price"])
            lot.bond = _decimal(upd.get("bond_amount")) or lot.bond
        release_id = f"correction-{n.id}"
        buyer = self.buyer()
        tender = self.full_tender([document(n, self.f.base_url)])
        tender["amendments"] = [{"id": n.id, "date": rules.when(n.published_at), "description": n.title,
                                 "rationale": n.body, "amendsReleaseID": self.last_tender_release,
                                 "releaseID": release_id}]
        body = {"buyer": buyer, "tender": tender}
        self.last_tender_release = self.emit(release_id, n.published_at, "tenderAmendment",
                                             self.with_parties(body, [buyer, tender["procuringEntity"]]))

    def notice_only(self, n: Notice, refs: list[dict[str, Any]] | None = None) -> None:
        body = {"tender": {"id": self.f.tender.code, "documents": [document(n, self.f.base_url)]}}
        self.emit(f"{n.kind}-{n.id}", n.published_at, "tenderUpdate", self.with_parties(body, refs or []))

    def complaint(self, n: Notice) -> None:
        reviewer = self.f.review_bodies.get(n.id)
        self.notice_only(n, [self.parties.ref(reviewer, "reviewBody")] if reviewer and reviewer in self.f.orgs else [])

    def lots_failed(self, n: Notice, *, measure: str, count_key: str) -> None:
        """流标 (fewer than 3 bids: Bidding Regs Art.44) or 废标 (fewer than 3 valid: Evaluation Rules Art.27)."""
        changed, stats = [], []
        for row in _data(n).get("lots") or []:
            number = self.lot_number.get(str(row.get("lot_id")), str(row.get("number")))
            lot = self.lots.get(number)
            if lot is None:
                continue
            lot.status = "unsuccessful"
            changed.append(lot.ocds())
            if isinstance(row.get(count_key), int):
                stats.append({"id": f"{measure}-{number}", "measure": measure, "value": row[count_key],
                              "date": rules.when(n.published_at), "relatedLot": number})
        body: dict[str, Any] = {"tender": {"id": self.f.tender.code, "status": self._status(), "lots": changed,
                                           "documents": [document(n, self.f.base_url)]}}
        if stats:
            body["bids"] = {"statistics": stats}
        self.emit(f"{n.kind}-{n.id}", n.published_at, "tenderUpdate", body)

    def opening_record(self, n: Notice) -> None:
        """The bids, once the record is public: who bid, at what price, how each bid fared at the opening."""
        opening = self.f.opening
        if opening is None:
            self.notice_only(n)
            return
        refs: dict[str, dict[str, Any]] = {}
        details: list[dict[str, Any]] = []
        per_lot: dict[str, int] = {}
        for e in self.f.entries:
            ref = refs.setdefault(e.bidder_org_id, self.parties.ref(e.bidder_org_id, "tenderer"))
            number = self.lot_number.get(e.lot_id, "")
            per_lot[number] = per_lot.get(number, 0) + 1
            detail: dict[str, Any] = {"id": e.id, "status": rules.BID_STATUS.get(e.decrypt_status, "pending"),
                                      "tenderers": [ref]}
            if e.price is not None:
                detail["value"] = rules.value(e.price)
            if number:
                detail["relatedLots"] = [number]
            details.append(detail)
        at = rules.when(n.published_at)
        stats = [{"id": f"bids-{number}", "measure": "bids", "value": count, "date": at, "relatedLot": number}
                 for number, count in sorted(per_lot.items())]
        stats.append({"id": "bidders", "measure": "bidders", "value": len(refs), "date": at})
        tenderers = list(refs.values())
        body = {"tender": {"id": self.f.tender.code, "numberOfTenderers": len(tenderers), "tenderers": tenderers,
                           "documents": [document(n, self.f.base_url)]},
                "bids": {"statistics": stats, "details": details}}
        self.emit(f"{n.kind}-{n.id}", n.published_at, "tenderUpdate", self.with_parties(body, tenderers))

    def award(self, n: Notice) -> None:
        award = self.awards.get(str(_data(n).get("award_id")))
        if award is None:
            self.notice_only(n)
            return
        number = self.lot_number[award.lot_id]
        lot = self.lots[number]
        lot.status = "complete"
        supplier = self.parties.ref(award.bidder_org_id, "supplier")
        section: dict[str, Any] = {
            "id": award.id, "title": f"{self.f.tender.title} 标段{number} {lot.title}", "status": "active",
            "date": rules.when(award.notified_at or n.published_at), "value": rules.value(award.price),
            "suppliers": [supplier], "relatedLots": [number], "documents": [document(n, self.f.base_url)],
        }
        body: dict[str, Any] = {"awards": [section],
                                "tender": {"id": self.f.tender.code, "status": self._status(), "lots": [lot.ocds()]}}
        entry = self.f.award_entries.get(award.id)
        if entry and any(e.id == entry for e in self.f.entries):
            section["relatedBid"] = entry
            body["bids"] = {"details": [{"id": entry, "status": "valid"}]}
        self.emit(f"award-{n.id}", n.published_at, "award", self.with_parties(body, [supplier]))

    def award_revoked(self, award: Award, at: datetime) -> None:
        """An upheld objection or complaint disqualified the winner before the contract: the lot is open again."""
        number = self.lot_number[award.lot_id]
        lot = self.lots[number]
        lot.status = "active"
        section = {"id": award.id, "status": "cancelled"}
        if award.revoked_reason:
            section["description"] = award.revoked_reason
        body = {"awards": [section], "tender": {"id": self.f.tender.code, "status": self._status(),
                                                "lots": [lot.ocds()]}}
        self.emit(f"award-revoked-{award.id}", at, "awardCancellation", body)

    def contract(self, c: Contract, at: datetime, notice: Notice | None) -> None:
        number = self.lot_number.get(c.lot_id, "")
        section: dict[str, Any] = {
            "id": c.id, "awardID": c.award_id, "title": f"{self.f.tender.title} 标段{number} 合同",
            "status": "active", "value": rules.value(c.amount), "dateSigned": rules.on_day(c.signed_on),
        }
        if notice is not None:
            section["documents"] = [document(notice, self.f.base_url)]
        self.emit(f"contract-{c.id}", at, "contract", {"contracts": [section]})

    def termination(self, n: Notice) -> None:
        changed = []
        for lot in self.lots.values():
            if lot.status not in rules.FINISHED_LOT:
                lot.status = "cancelled"
                changed.append(lot.ocds())
        self.status = "cancelled"
        body = {"tender": {"id": self.f.tender.code, "status": self.status, "lots": changed,
                           "documents": [document(n, self.f.base_url)]}}
        self.emit(f"{n.kind}-{n.id}", n.published_at, "tenderCancellation", body)

    # -------------------------------------------------------------- run

    def run(self) -> list[dict[str, Any]]:
        f = self.f
        if not any(n.kind == K.tender_announcement for n in f.notices):
            return []  # not published: nothing to say
        notices = {n.id: n for n in f.notices}
        events: list[tuple[datetime, int, int, Callable[[], None]]] = []

        def add(at: datetime, kind: str, action: Callable[[], None]) -> None:
            events.append((at, ORDER[kind], len(events), action))

        p = f.project
        first = min(n.published_at for n in f.notices)
        if p.status == ProjectStatus.admitted and p.decided_at is not None and p.decided_at <= first:
            add(p.decided_at, "planning", partial(self.planning, p.decided_at))
        handlers: dict[str, Callable[[Notice], None]] = {
            K.tender_announcement: self.announcement, K.correction: self.correction,
            K.suspension: self.notice_only, K.resumption: self.notice_only,
            K.candidate_publicity: self.notice_only, K.complaint_decision: self.complaint,
            K.tender_failed: partial(self.lots_failed, measure="bids", count_key="bids"),
            K.evaluation_failed: partial(self.lots_failed, measure="validBids", count_key="valid"),
            K.opening_record: self.opening_record, K.result: self.award, K.termination: self.termination,
        }
        for n in f.notices:
            handler = handlers.get(n.kind)
            if handler is not None:
                add(n.published_at, str(n.kind), partial(handler, n))
        for a in f.awards:
            if a.revoked_at is not None:
                add(a.revoked_at, "award_revoked", partial(self.award_revoked, a, a.revoked_at))
        for c in f.contracts:
            if c.award_id in self.awards:
                notice = notices.get(c.notice_id or "")
                at = notice.published_at if notice else c.recorded_at
                add(at, "contract", partial(self.contract, c, at, notice))
        for _at, _order, _seq, action in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            action()
        return self.out


def build(facts: TenderFacts) -> list[dict[str, Any]]:
    """Every release of the tender, oldest first (none before its announcement is published)."""
    return _Builder(facts).run()
