"""Automatic rejections with their articles, words over figures (Evaluation Rules Art.19), the 大写 parser,
Art.27's reject-all threshold, and the candidate list (Bidding Regs Art.53)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.evaluation.methods.base import Ranked
from ggzy.evaluation.methods.candidates import candidates
from ggzy.evaluation.methods.rejections import EntryFacts, auto_reasons, evaluated_price, may_reject_all
from ggzy.evaluation.methods.words import WordsUnreadable, parse_words
from ggzy.kit.money import in_words

D = Decimal


def facts(**over: Any) -> EntryFacts:
    base: dict[str, Any] = {
        "entry_id": "e1", "decrypt_status": "decrypted", "signature_ok": True, "price": D("950000.00"),
        "price_in_words": in_words(D("950000.00")), "budget": D("1000000.00"), "ceiling": D("980000.00"),
        "sheet": {"price": "950000.00"}, "line": "construction",
    }
    base.update(over)
    return EntryFacts(**base)


def codes(f: EntryFacts) -> list[str]:
    return [r["code"] for r in auto_reasons(f)]


# ---------------------------------------------------------------- automatic rejections


def test_a_clean_bid_has_no_reason() -> None:
    assert auto_reasons(facts()) == []
    assert auto_reasons(facts(decrypt_status="rescued")) == []


@pytest.mark.parametrize(("status", "code"), [
    ("pending", "evaluation.reject.not_decrypted"),
    ("failed", "evaluation.reject.not_decrypted"),
    ("deemed_revoked", "evaluation.reject.deemed_revoked"),
    ("deemed_withdrawn", "evaluation.reject.deemed_withdrawn"),
])
def test_not_decrypted_e_bidding_measures_art31(status: str, code: str) -> None:
    reasons = auto_reasons(facts(decrypt_status=status, signature_ok=None, price=None, price_in_words=""))
    assert [r["code"] for r in reasons] == [code]
    assert reasons[0]["article"] == "E-Bidding Measures Art.31"
    assert "《电子招标投标办法》第三十一条" in reasons[0]["zh"] and "Art.31" in reasons[0]["en"]


@pytest.mark.parametrize(("line", "article"), [
    ("construction", "Bidding Regs Art.51"), ("procurement", "MOF 87 Art.63"),
    (None, "Bidding Regs Art.51; MOF 87 Art.63"),
])
def test_missing_or_invalid_signature_bidding_regs_art51(line: str | None, article: str) -> None:
    for ok in (False, None):
        reasons = auto_reasons(facts(signature_ok=ok, line=line))
        assert [(r["code"], r["article"]) for r in reasons] == [("evaluation.reject.signature_invalid", article)]


def test_price_above_the_ceiling_bidding_regs_art51_mof87_art63() -> None:
    over = facts(price=D("980000.01"), price_in_words=in_words(D("980000.01")))
    assert codes(over) == ["evaluation.reject.above_ceiling"]
    assert auto_reasons(over)[0]["article"] == "Bidding Regs Art.51"
    assert codes(facts(price=D("980000.00"), price_in_words=in_words(D("980000.00")))) == []  # at the ceiling: fine
    proc = replace(over, line="procurement")
    assert auto_reasons(proc)[0]["article"] == "MOF 87 Art.63"


def test_budget_caps_procurement_only_mof87_art63() -> None:
    above = {"price": D("1000000.01"), "price_in_words": in_words(D("1000000.01")), "ceiling": None}
    assert codes(facts(**above, line="procurement")) == ["evaluation.reject.above_budget"]
    assert auto_reasons(facts(**above, line="procurement"))[0]["article"] == "MOF 87 Art.63"
    # A construction lot's budget is the estimated price (估算价): above it but under the ceiling is lawful.
    assert codes(facts(**{**above, "ceiling": D("1100000.00")}, line="construction")) == []
    assert codes(facts(**above, line="construction")) == []
    # Line unknown: the budget caps only a lot without a ceiling.
    assert codes(facts(**above, line=None)) == ["evaluation.reject.above_budget"]
    assert codes(facts(**{**above, "ceiling": D("1100000.00")}, line=None)) == []


def test_the_words_decide_the_ceiling_check_evaluation_rules_art19() -> None:
    # Figures under the ceiling, words above it: the words prevail, so the bid is over the ceiling.
    f = facts(price=D("970000.00"), price_in_words="玖拾玖万元整")
    assert f.evaluated == D("990000.00") and codes(f) == ["evaluation.reject.above_ceiling"]


@pytest.mark.parametrize("over", [
    {"sheet": {"price": "950000.00", "alternative_price": "940000.00"}},
    {"sheet": {"price": "950000.00", "prices": ["950000.00", "930000.00"]}},
    {"sheet": {"price": "950000.00", "备选报价": "900000"}},
    {"price_in_words": "玖拾伍万元整或玖拾肆万元整"},
])
def test_two_prices_bidding_regs_art51(over: dict[str, Any]) -> None:
    reasons = auto_reasons(facts(**over))
    assert [(r["code"], r["article"]) for r in reasons] == [("evaluation.reject.two_prices", "Bidding Regs Art.51")]


def test_one_price_repeated_is_not_two_prices() -> None:
    assert codes(facts(sheet={"price": "950000.00", "prices": ["950000.00"], "unit_price": "12.00"})) == []


def test_every_reason_applies_at_once() -> None:
    f = facts(signature_ok=False, price=D("990000.00"), price_in_words=in_words(D("990000.00")),
              sheet={"price": "990000.00", "second_price": "980000.00"})
    assert codes(f) == ["evaluation.reject.signature_invalid", "evaluation.reject.two_prices",
                        "evaluation.reject.above_ceiling"]


def test_entry_facts_of_an_opening_entry_and_lot() -> None:
    entry = SimpleNamespace(id="e9", decrypt_status="decrypted", signature_ok=True, price=D("10.00"),
                            price_in_words="拾元整", sheet={"price": "10.00"})
    lot = SimpleNamespace(budget=D("20.00"), ceiling_price=None)
    f = EntryFacts.of(entry, lot, "procurement")  # type: ignore[arg-type]
    assert (f.entry_id, f.budget, f.ceiling, f.line, f.evaluated) == ("e9", D("20.00"), None, "procurement",
                                                                      D("10.00"))


# ---------------------------------------------------------------- words over figures (Evaluation Rules Art.19)


@pytest.mark.parametrize(("figures", "words", "expected"), [
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", "1234567.89"),  # agree
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元整", "1234567.00"),  # differ: the words
    ("950000.00", "人民币玖拾伍万零伍佰元正", "950500.00"),  # differ, with 人民币 and 正
    ("950000.00", "玖拾伍万伍元", "950000.00"),  # ambiguous words: the figures stand
    ("950000.00", "", "950000.00"),  # no words
])
def test_words_prevail_over_figures_evaluation_rules_art19(figures: str, words: str, expected: str) -> None:
    assert evaluated_price(SimpleNamespace(price=D(figures), price_in_words=words)) == D(expected)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the 大写 parser

PARSED = [
    ("零元整", "0.00"), ("伍角", "0.50"), ("伍分", "0.05"), ("壹元零伍分", "1.05"), ("拾伍元", "15.00"),
    ("壹拾伍元", "15.00"), ("叁拾圆整", "30.00"), ("壹佰零伍元正", "105.00"), ("拾万元", "100000.00"),
    ("壹万零伍元", "10005.00"), ("壹亿零伍佰万元", "105000000.00"), ("壹亿壹万元", "100010000.00"),
    ("壹万亿元", "1000000000000.00"), ("陆万亿肆仟零捌拾陆亿伍仟万元", "6408650000000.00"),
    ("人民币 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", "1234567.89"), ("大写：玖仟玖佰玖拾玖元玖角玖分", "9999.99"),
]


@pytest.mark.parametrize(("words", "expected"), PARSED)
def test_parse_words(words: str, expected: str) -> None:
    assert parse_words(words) == D(expected)


@pytest.mark.parametrize("words", [
    "", "壹佰", "壹万伍元", "壹佰伍元", "壹亿伍元", "壹壹元", "佰元", "元整", "壹拾佰元", "伍角伍", "伍分伍角",
    "abc", "负壹元", "壹元整整", "壹元元", "壹万万元", "壹亿亿元", "壹万亿壹万亿元", "零伍元伍",
])
def test_unreadable_words_are_refused_not_guessed(words: str) -> None:
    with pytest.raises(WordsUnreadable):
        parse_words(words)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=D("9999999999999999.99"), places=2, allow_nan=False,
                   allow_infinity=False))
def test_parse_words_inverts_in_words(amount: Decimal) -> None:
    assert parse_words(in_words(amount)) == amount


# ---------------------------------------------------------------- Art.27 and the candidate list


@pytest.mark.parametrize(("valid", "may"), [(0, True), (1, True), (2, True), (3, False), (7, False)])
def test_fewer_than_three_valid_bids_may_be_rejected_evaluation_rules_art27(valid: int, may: bool) -> None:
    assert may_reject_all(valid) is may


def _ranked(*ids: str) -> list[Ranked]:
    return [Ranked(entry_id=e, bidder_org_id=f"o-{e}", price=D(n), price_score=None, rank=n)
            for n, e in enumerate(ids, start=1)]


def test_candidates_are_the_top_three_never_a_rejected_bid_bidding_regs_art53() -> None:
    ranked = _ranked("a", "b", "c", "d", "e")
    assert [(r.entry_id, r.rank) for r in candidates(ranked, set())] == [("a", 1), ("b", 2), ("c", 3)]
    assert [(r.entry_id, r.rank) for r in candidates(ranked, {"b"})] == [("a", 1), ("c", 2), ("d", 3)]
    assert [r.entry_id for r in candidates(ranked, {"a", "b", "c", "d"}, max_n=2)] == ["e"]
    assert candidates(_ranked("a"), {"a"}) == []
    with pytest.raises(ValueError, match=r"Art\.53"):
        candidates(ranked, set(), max_n=4)
