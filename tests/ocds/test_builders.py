"""The pure parts of the OCDS publication: amounts, ocids, the merge into a compiled release, and the events the
platform walks need many steps to reach (废标, a complaint decided by the supervisor, an award revoked) built from
rows in memory and validated like the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ggzy.award.models import Award, AwardStatus
from ggzy.kit.ids import new_id
from ggzy.kit.timefmt import SHANGHAI
from ggzy.ocds import compile, rules, validate
from ggzy.ocds.build_tender import TenderFacts, build
from ggzy.party.models import Organisation, OrgKind
from ggzy.project.models import Notice, NoticeKind, Project, ProjectStatus, TradingLine
from ggzy.tender.models import EvaluationMethod, Lot, Tender, TenderStatus
from tests.ocds.helpers import assert_valid

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def test_amounts_are_exact_json_numbers_from_decimal() -> None:
    assert rules.money(Decimal("950000.00")) == 950000 and isinstance(rules.money(Decimal("950000.00")), int)
    assert rules.money(Decimal("948000.50")) == 948000.5
    assert repr(rules.money(Decimal("9999999999999.99"))) == "9999999999999.99"  # ten trillion yuan, to the fen
    with pytest.raises(rules.NotExact):
        rules.money(Decimal("0.12345678901234567890"))
    assert rules.value(Decimal("1.10")) == {"amount": 1.1, "currency": "CNY"}


def test_ocids_carry_the_configured_prefix_and_only_it_is_recognised() -> None:
    assert rules.ocid("ocds-ggzy01", "GC-2026-00001-01") == "ocds-ggzy01-GC-2026-00001-01"
    assert rules.code_of("ocds-ggzy01", "ocds-ggzy01-GC-2026-00001-01") == "GC-2026-00001-01"
    assert rules.code_of("ocds-ggzy01", "ocds-other1-GC-2026-00001-01") is None
    assert rules.code_of("ocds-ggzy01", "ocds-ggzy01-") is None


def test_a_bad_ocid_prefix_in_the_settings_is_refused() -> None:
    from pydantic import ValidationError

    from ggzy.config import Settings

    with pytest.raises(ValidationError):
        Settings(ocds_prefix="ggzy")
    assert Settings(ocds_prefix="ocds-abc123").ocds_prefix == "ocds-abc123"


def _org(kind: OrgKind, name: str, code: str | None = None) -> Organisation:
    return Organisation(id=new_id(), kind=kind, name=name, credit_code=code, region="青山区", address="",
                        contact_name="王工", contact_phone="0551-1234567")


def _notice(tender: Tender, kind: NoticeKind, at: datetime, **data: object) -> Notice:
    return Notice(id=new_id(), project_id=tender.project_id, tender_id=tender.id, kind=kind, line=tender.line,
                  region="青山区", title=f"{tender.title}{kind.value}", body="……", data=data, published_at=at,
                  published_by="test")


def _world() -> tuple[TenderFacts, dict[str, Organisation], list[Lot]]:
    buyer = _org(OrgKind.tenderer, "市第一中学", "12340100MB0000000X")
    agency = _org(OrgKind.agency, "某招标代理有限公司")
    winner = _org(OrgKind.bidder, "某建设集团有限公司", "91340100MA0000000Y")
    regulator = _org(OrgKind.supervisor, "市住房和城乡建设局")
    project = Project(id=new_id(), code="GC-2026-00009", name="教学楼", line=TradingLine.construction,
                      region="青山区", description="新建教学楼", funding_source="财政资金",
                      amount=Decimal("2000000.00"), tenderer_org_id=buyer.id, status=ProjectStatus.admitted,
                      decided_at=T0 - timedelta(days=3))
    tender = Tender(id=new_id(), project_id=project.id, code="GC-2026-00009-01", title="教学楼施工",
                    line=TradingLine.construction, status=TenderStatus.evaluated, agency_org_id=agency.id,
                    tenderer_org_id=buyer.id, evaluation_method=EvaluationMethod.lowest_evaluated_price,
                    description="新建教学楼", qualification="施工总承包二级", evaluation_plan=None,
                    doc_start=T0, doc_end=T0 + timedelta(days=7), question_deadline=T0 + timedelta(days=15),
                    bid_deadline=T0 + timedelta(days=21), published_at=T0)
    lots = [Lot(id=new_id(), tender_id=tender.id, number=n, name=f"标段{n}", budget=Decimal("1000000.00"),
                ceiling_price=None, bond_amount=Decimal("20000.00")) for n in (1, 2)]
    orgs = {o.id: o for o in (buyer, agency, winner, regulator)}
    facts = TenderFacts(prefix="ocds-ggzy01", base_url="https://ggzy.example.cn", tender=tender, project=project,
                        lots=lots, orgs=orgs, notices=[_notice(tender, NoticeKind.tender_announcement, T0)])
    return facts, orgs, lots


def _check(releases: list[dict[str, Any]]) -> dict[str, Any]:
    for r in releases:
        assert_valid(validate.release_problems(r))
    record = compile.record(releases)
    package = compile.record_package([record], uri="https://ggzy.example.cn/api/ocds/records/x",
                                     published=rules.when(T0), publisher="中心", base_url="https://ggzy.example.cn")
    assert_valid(validate.record_package_problems(package))
    compiled: dict[str, Any] = record["compiledRelease"]
    return compiled


def test_a_lot_rejected_by_the_committee_a_complaint_decision_and_a_revoked_award_evaluation_rules_art27() -> None:
    """Evaluation Rules Art.27: lot 2 with fewer than 3 valid bids is unsuccessful (validBids published); Bidding
    Regs Art.61: the supervisor that decided a complaint is the review body; an award revoked after its result
    notice is cancelled and its lot open again — then a new award completes the tender."""
    facts, orgs, lots = _world()
    _buyer, _agency, winner, regulator = orgs.values()
    tender = facts.tender
    award = Award(id=new_id(), tender_id=tender.id, lot_id=lots[0].id, evaluation_id=new_id(), candidate_id=new_id(),
                  bidder_org_id=winner.id, rank=1, price=Decimal("912345.67"), status=AwardStatus.revoked,
                  confirmed_by=new_id(), confirmed_at=T0 + timedelta(days=30), notified_at=T0 + timedelta(days=30),
                  revoked_at=T0 + timedelta(days=35), revoked_reason="投诉成立：资质不符")
    second = Award(id=new_id(), tender_id=tender.id, lot_id=lots[0].id, evaluation_id=award.evaluation_id,
                   candidate_id=new_id(), bidder_org_id=winner.id, rank=2, price=Decimal("930000.00"),
                   status=AwardStatus.notified, confirmed_by=new_id(), confirmed_at=T0 + timedelta(days=40),
                   notified_at=T0 + timedelta(days=40))
    failed = _notice(tender, NoticeKind.evaluation_failed, T0 + timedelta(days=22),
                     lots=[{"lot_id": lots[1].id, "number": 2, "name": "标段2", "valid": 2}], whole_tender=False)
    result = _notice(tender, NoticeKind.result, T0 + timedelta(days=30), award_id=award.id)
    decision = _notice(tender, NoticeKind.complaint_decision, T0 + timedelta(days=35))
    result2 = _notice(tender, NoticeKind.result, T0 + timedelta(days=40), award_id=second.id)
    facts = TenderFacts(**{**facts.__dict__, "notices": [*facts.notices, failed, result, decision, result2],
                           "awards": [award, second], "review_bodies": {decision.id: regulator.id}})
    releases = build(facts)
    assert [r["tag"][0] for r in releases] == [
        "planning", "tender", "tenderUpdate", "award", "tenderUpdate", "awardCancellation", "award"]
    assert releases[0]["planning"]["budget"]["amount"] == {"amount": 2000000, "currency": "CNY"}
    assert releases[2]["bids"]["statistics"] == [{"id": "validBids-2", "measure": "validBids", "value": 2,
                                                  "date": releases[2]["date"], "relatedLot": "2"}]
    assert releases[3]["tender"]["status"] == "complete"  # lot 1 awarded, lot 2 unsuccessful
    reviewer = releases[4]["parties"][0]
    assert reviewer["roles"] == ["reviewBody"] and reviewer["name"] == "市住房和城乡建设局"
    assert releases[4]["tender"]["documents"][0]["documentType"] == "complaints"
    assert releases[5]["awards"] == [{"id": award.id, "status": "cancelled", "description": "投诉成立：资质不符"}]
    assert releases[5]["tender"]["status"] == "active"
    compiled = _check(releases)
    assert compiled["tender"]["status"] == "complete"
    assert {a["id"]: a["status"] for a in compiled["awards"]} == {award.id: "cancelled", second.id: "active"}
    parties = {p["name"]: p for p in compiled["parties"]}
    assert parties["市第一中学"]["identifier"] == {"scheme": "CN-USCC", "id": "12340100MB0000000X",
                                                 "legalName": "市第一中学"}
    assert parties["市第一中学"]["contactPoint"] == {"name": "王工", "telephone": "0551-1234567"}
    assert "contactPoint" not in parties["某建设集团有限公司"]  # a bidder's contacts are never published
    assert parties["某建设集团有限公司"]["roles"] == ["supplier"]


def test_merge_follows_the_ocds_rules_last_value_wins_and_arrays_merge_by_id() -> None:
    """The compiled release (ocdsmerge): a later release's value replaces an earlier one, objects in arrays are
    matched by id (documents, lots, bids), roles are replaced as a whole list, tags never merge."""
    facts, _, _ = _world()
    tender = facts.tender
    cancelled = _notice(tender, NoticeKind.termination, T0 + timedelta(days=3), reason="资金未落实")
    releases = build(TenderFacts(**{**facts.__dict__, "notices": [*facts.notices, cancelled]}))
    compiled = _check(releases)
    assert compiled["tag"] == ["compiled"] and compiled["id"] == f"{releases[-1]['ocid']}-{releases[-1]['date']}"
    t = compiled["tender"]
    assert t["status"] == "cancelled" and [lot["status"] for lot in t["lots"]] == ["cancelled", "cancelled"]
    assert [lot["title"] for lot in t["lots"]] == ["标段1", "标段2"]  # kept from the tender release
    assert [d["documentType"] for d in t["documents"]] == ["tenderNotice", "cancellationDetails"]
    assert t["procurementMethod"] == "open" and compiled["planning"]["rationale"] == "新建教学楼"
