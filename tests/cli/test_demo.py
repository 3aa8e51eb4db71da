"""`ggzy demo --json` plays a construction and a procurement tender and a land auction on an embedded platform and
reports every stage: announcement → sealed bids → remote opening → expert draw → evaluation → (publicity, award,
contract); lot → announcement → approved bidders → listing → sealed reserve → timed bidding → result."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise
from typing import Any

import pytest
from typer.testing import CliRunner

from ggzy.cli import app as cli_app
from ggzy.demo.play import STAGES

TENDER = ["project_entry", "tender_draft", "documents_upload", "announcement_published", "documents_downloaded"]
SEALED = ["keys_registered", "bids_sealed", "bid_deadline", "opening_decrypt", "opening_announced", "opening_record"]
COMMITTEE = ["expert_draw", "experts_answer", "evaluation_chair", "evaluation_review", "evaluation_scoring",
             "evaluation_report"]
CONSTRUCTION = [*TENDER, "question_answered", "correction", "suspension", *SEALED, *COMMITTEE,
                "candidate_publicity", "award_notice", "contract"]
PROCUREMENT = [f"procurement_{name}" for name in (*TENDER, *SEALED, *COMMITTEE, "winner_confirmed", "result_notice",
                                                  "contract")]
AUCTION = ["auction_lot", "auction_announced", "auction_applications", "auction_listing", "auction_reserve",
           "auction_continue", "auction_timed", "auction_result"]
EXPECTED = ["login", *CONSTRUCTION, *PROCUREMENT, *AUCTION, "audit_verify"]
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    """One run of the demo shared by the checks below (it plays two whole tenders and an auction)."""
    result = CliRunner().invoke(cli_app, ["demo", "--json"])
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output  # exactly one JSON object on stdout
    out: dict[str, Any] = json.loads(lines[0])
    out["exit_code"] = result.exit_code
    return out


def _stages(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in summary["stages"]}


def test_demo_json_plays_every_stage_embedded(summary: dict[str, Any]) -> None:
    assert [s["name"] for s in summary["stages"]] == EXPECTED == [name for name, _, _ in STAGES]
    failed = [s for s in summary["stages"] if not s["ok"]]
    assert failed == [], failed
    assert summary["audit_ok"] is True and summary["ok"] is True and summary["embedded"] is True
    assert summary["exit_code"] == 0
    assert summary["tender_id"] == summary["tenders"]["construction"] != summary["tenders"]["procurement"]


def test_demo_keeps_bids_secret_until_the_opening_art21_art22_art27_art31_mof87_art42(
        summary: dict[str, Any]) -> None:
    """E-Bidding Measures Art.21 (downloads and bids secret until the deadline), Art.22 (answers reach all),
    Art.27 (receipts), Art.31 (a bidder that does not decrypt: 视为撤销) and MOF 87 Art.42 (silence accepts)."""
    by_name = _stages(summary)
    assert by_name["documents_downloaded"]["art21_secret_kept"] is True
    assert by_name["question_answered"]["art22_every_downloader"] is True
    assert by_name["bids_sealed"]["receipts_verified"] == 4 and by_name["bids_sealed"]["visible_before_deadline"] == 0
    assert by_name["bid_deadline"]["status"] == "opening"  # 4 bids on lot 1: the hall opens (Bidding Regs Art.44)
    assert (by_name["opening_decrypt"]["decrypted"], by_name["opening_decrypt"]["deemed_revoked"]) == (3, 1)
    assert by_name["opening_announced"]["objections_answered"] == 1
    record = by_name["opening_record"]
    assert record["deemed_confirmed"] == 2 and record["tender_status"] == "opened" and len(record["audit_hash"]) == 64
    assert by_name["procurement_opening_decrypt"]["decrypted"] == 4
    assert by_name["procurement_opening_record"]["tender_status"] == "opened"


def test_demo_floating_coefficient_is_a_fraction_of_the_published_set(summary: dict[str, Any]) -> None:
    """DOMAIN.md construction base price: the 下浮系数 is drawn at the opening from a set like 0.25%-1.5%, and
    the base price is the mean of the valid prices lowered by that fraction (never multiplied by it)."""
    by_name = _stages(summary)
    assert by_name["tender_draft"]["coefficient_range"] == {"min": "0.0025", "max": "0.015", "step": "0.0025"}
    coefficient = Decimal(by_name["opening_announced"]["floating_coefficient"])
    assert Decimal("0.0025") <= coefficient <= Decimal("0.015") and coefficient % Decimal("0.0025") == 0
    scoring = by_name["evaluation_scoring"]
    valid = [Decimal(r["price"]) for r in scoring["ranking"]]
    with localcontext() as ctx:  # 3 valid prices: nothing dropped (drop_extremes_above = 5)
        ctx.prec = 60
        mean = sum(valid) / len(valid)
        expected = (sum(valid) * (1 - coefficient) / len(valid)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert Decimal(scoring["base_price"]) == expected < mean


def test_demo_draws_verifiable_committees_evaluation_rules_art9_art12_bidding_regs_art46_art48(
        summary: dict[str, Any]) -> None:
    """Evaluation Rules Art.9 (5 members, odd), Art.12 (an expert employed by a bidder is never drawn), Bidding
    Regs Art.46/48 (drawn at random by specialty; a decline is redrawn) — and the revealed seed re-runs."""
    by_name = _stages(summary)
    for prefix, declined, rounds in (("", 1, 2), ("procurement_", 0, 1)):
        draw, answer = by_name[f"{prefix}expert_draw"], by_name[f"{prefix}experts_answer"]
        assert draw["committee_size"] == 5 == answer["accepted"] == sum(draw["specialties"].values())
        assert len(draw["seed_commitment"]) == 64 and draw["notified"] == 5
        assert (answer["status"], answer["verified"], answer["seed_revealed"]) == ("decided", True, True)
        assert (answer["declined"], answer["rounds"]) == (declined, rounds)
        assert answer["names_visible_to_agency"] is False  # Evaluation Rules Art.8: secret until the result
    assert by_name["expert_draw"]["excluded"] == {"employer_bidder": 1}
    assert by_name["evaluation_chair"]["votes_to_elect"] == 3  # a majority of 5 elects the chair


def test_demo_evaluates_both_tenders_bidding_regs_art53_evaluation_rules_art43_mof87_art55(
        summary: dict[str, Any]) -> None:
    """Bidding Regs Art.53 (1-3 ranked candidates), Evaluation Rules Art.43 (a silent member is deemed to agree),
    MOF 87 Art.55 (procurement price score = lowest valid price ÷ price × weight)."""
    by_name = _stages(summary)
    assert by_name["evaluation_review"]["valid"] == 3
    assert list(by_name["evaluation_review"]["rejected"].values()) == [["evaluation.reject.deemed_revoked"]]
    for prefix, bids, deemed in (("", 3, 0), ("procurement_", 4, 1)):
        scoring, report = by_name[f"{prefix}evaluation_scoring"], by_name[f"{prefix}evaluation_report"]
        ranking = scoring["ranking"]
        assert [r["rank"] for r in ranking] == list(range(1, bids + 1)) and scoring["candidates"] == 3
        assert scoring["winner"] and scoring["price"] == ranking[0]["price"] and scoring["total"] == ranking[0]["total"]
        totals = [Decimal(r["total"]) for r in ranking]
        assert totals == sorted(totals, reverse=True)
        assert (report["status"], report["tender_status"], report["deemed"]) == ("reported", "evaluated", deemed)
        assert report["signed"] + report["deemed"] == 5 and len(report["report_sha256"]) == 64
    ranking = by_name["procurement_evaluation_scoring"]["ranking"]
    lowest = min(Decimal(r["price"]) for r in ranking)
    for r in ranking:
        with localcontext() as ctx:
            ctx.prec = 60
            expected = (lowest * 30 / Decimal(r["price"])).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(r["price_score"]) == expected


def test_demo_awards_and_contracts_both_tenders_bidding_regs_art54_art55_mof87_art69_evaluation_rules_art49(
        summary: dict[str, Any]) -> None:
    """Bidding Regs Art.54 (candidates published ≥ 3 days; an objection pauses the award until answered), Art.55
    (state-funded: rank 1 wins), MOF 87 Art.69 (the result notice names the committee, whose names are secret
    until then, Evaluation Rules Art.8), Evaluation Rules Art.49 (contract within 30 days; GP Regs Art.50: a
    procurement contract is published)."""
    by_name = _stages(summary)
    publicity = by_name["candidate_publicity"]
    assert publicity["window_days"] >= 3 and publicity["candidates"] == 3 and publicity["status"] == "ended"
    assert publicity["paused_by_objection"] is True and publicity["objections_answered"] == 1
    for prefix, award in (("", by_name["award_notice"]), ("procurement_", by_name["procurement_winner_confirmed"])):
        scoring, contract = by_name[f"{prefix}evaluation_scoring"], by_name[f"{prefix}contract"]
        assert (award["rank"], award["winner"], award["price"]) == (1, scoring["winner"], scoring["price"])
        assert contract["amount"] == scoring["price"] and contract["late"] is False
        assert 0 <= contract["days_after_award_notice"] <= 30 and contract["tender_status"] == "contracted"
    assert by_name["award_notice"]["tender_status"] == "awarded" and by_name["award_notice"]["letter_bytes"] > 0
    result = by_name["procurement_result_notice"]
    assert result["committee_named"] == 5 and result["names_visible_to_agency"] is True
    assert (result["winner"], result["tender_status"]) == (by_name["procurement_evaluation_scoring"]["winner"],
                                                          "awarded")
    assert "contract_notice" in by_name["procurement_contract"] and "contract_notice" not in by_name["contract"]


def test_demo_sells_the_land_lot_after_timed_bidding_land_order_art10_art19_art20(summary: dict[str, Any]) -> None:
    """Land Order Art.10 (announced ≥ 20 days before the listing), Art.19 (listing ≥ 10 working days), Art.20 (two
    or more bidders wanting to continue at listing end → timed bidding); DOMAIN.md "The auction journey": bidders
    appear by number only, the reserve is entered once under supervision and stays hidden until the result, the
    countdown restarts on every valid bid and the server clock decides, the highest bid at or above the reserve
    wins, the winner's deposit becomes part of the price and the others are released."""
    by_name = _stages(summary)
    lot = by_name["auction_lot"]
    assert (lot["mode"], lot["countdown_seconds"], lot["project"]) == ("listing", 240, "seeded")
    assert lot["listing_workdays"] >= 10
    assert by_name["auction_announced"]["days_before_listing"] >= 20
    applications = by_name["auction_applications"]
    numbers = applications["numbers"]
    assert applications["approved"] == 4 == len(set(numbers)) and applications["names_only_for_centre"] is True
    assert all(len(n) == 6 and n.isdigit() for n in numbers)
    assert by_name["auction_listing"]["below_minimum_refused"] == "auction.outbid"
    reserve = by_name["auction_reserve"]
    assert len(reserve["commitment"]) == 64 and reserve["in_audit_chain"] is True
    assert reserve["readable_before_result"] is False and reserve["witness"] == "sup_land"
    assert reserve["refused"] == {"wrong_witness_password": "auction.witness_required",
                                  "not_the_officer": "auction.not_reserve_officer",
                                  "second_entry": "auction.reserve_entered"}
    assert by_name["auction_continue"]["continuing"] == 3 and by_name["auction_continue"]["not_continuing"] == 1
    timed = by_name["auction_timed"]
    assert timed["restarts"] >= 3 and timed["restarts"] == len(timed["bids"])
    assert timed["refused"] == {"not_continuing": "auction.not_continuing", "below_minimum": "auction.outbid"}
    assert all(0 < b["seconds_left"] < 240 for b in timed["bids"])  # each bid before the running countdown ended
    amounts = [Decimal(by_name["auction_listing"]["price"]), *(Decimal(b["amount"]) for b in timed["bids"])]
    assert all(later - earlier >= 200000 for earlier, later in pairwise(amounts))  # the increment (加价幅度)
    result = by_name["auction_result"]
    assert (result["status"], result["final_price"]) == ("sold", timed["bids"][-1]["amount"])
    assert Decimal(result["final_price"]) >= Decimal(result["reserve_revealed"])
    assert result["bids"] == by_name["auction_listing"]["bids"] + timed["restarts"]
    assert result["restarts"] == timed["restarts"] and result["winner_number"] == timed["bids"][-1]["number"]
    assert result["late_bid_refused"] == "auction.countdown_over"
    assert result["confirmation_bytes"] > 0
    assert result["confirmation_refused_to_others"] == "auction.confirmation_forbidden"
    assert result["deposits"] == {n: "to_price" if n == result["winner_number"] else "release" for n in numbers}
    assert result["replayed"] == result["live_events"] - result["reconnected_after_seq"] > 0
