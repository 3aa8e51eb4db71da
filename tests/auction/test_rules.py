"""Pure rules of the auction journey (DOMAIN.md "The auction journey"; Land Order Art.10/19/20; Property Order
Art.13): periods in working days with make-up days, the next minimum, the countdown, amounts, results, states."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from ggzy.auction import rules
from ggzy.auction.errors import BadAmount, BadTransition, ReserveBroken
from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.auction.reserve import commitment, new_lot_key, seal, unseal
from ggzy.auction.state import AUCTION_MACHINE, transition_to
from ggzy.kit.timefmt import SHANGHAI
from ggzy.workdays.rules import Overrides


def bj(*parts: int) -> datetime:
    """A Beijing time from (year, month, day[, hour[, minute[, second]]])."""
    y, mo, d, h, mi, sec = (*parts, 0, 0, 0)[:6]
    return datetime(y, mo, d, h, mi, sec, tzinfo=SHANGHAI)


def test_land_listing_of_10_working_days_skips_the_national_day_holiday_and_counts_the_make_up_saturday() -> None:
    """DOMAIN.md: listing ≥ 10 working days with the holiday calendar (2025: Oct 1–8 off, Sat Oct 11 works)."""
    end = rules.listing_period_end(bj(2025, 9, 29, 9, 0), 10)
    # Sep 30, Oct 9, 10, 11 (make-up Saturday), 13, 14, 15, 16, 17, 20.
    assert end == rules.Period(bj(2025, 10, 20, 9, 0), False)


def test_listing_beyond_published_years_is_provisional_and_counts_weekends_only() -> None:
    end = rules.listing_period_end(bj(2027, 1, 4, 9, 0), 10)
    assert end.provisional and end.end == bj(2027, 1, 18, 9, 0)


def test_centre_calendar_overrides_the_package() -> None:
    days = {date(2026, 3, 3): False}  # the centre declares Tuesday off
    end = rules.listing_period_end(bj(2026, 3, 2, 9, 0), 1, Overrides.from_days(days))
    assert end.end == bj(2026, 3, 4, 9, 0)


def _terms(**over: object) -> list[rules.Violation]:
    kw: dict[str, object] = {"line": "land", "live": False, "listing_days": 10, "first_listing": True,
                             "start_price": Decimal("1000000"), "increment": Decimal("10000"),
                             "deposit": Decimal("200000"), "countdown_seconds": 240}
    kw.update(over)
    return rules.check_terms(**kw)  # type: ignore[no-any-return]


def test_land_listing_needs_10_working_days_land_order_art19() -> None:
    assert _terms() == []
    assert [v.code for v in _terms(listing_days=9)] == ["listing_days"]


def test_property_first_listing_needs_20_working_days_relisting_5_property_order_art13() -> None:
    assert [v.code for v in _terms(line="property", listing_days=19)] == ["listing_days"]
    assert _terms(line="property", listing_days=20) == []
    assert _terms(line="property", listing_days=5, first_listing=False) == []
    assert [v.code for v in _terms(line="property", listing_days=4, first_listing=False)] == ["listing_days"]


def test_live_auction_has_no_listing_period_but_other_terms_hold() -> None:
    assert _terms(live=True, listing_days=0) == []
    codes = {v.code for v in _terms(line="construction", increment=Decimal(0), deposit=Decimal(-1),
                                    countdown_seconds=30)}
    assert codes == {"line", "price", "deposit", "countdown"}


def test_land_announcement_at_least_20_days_before_listing_land_order_art10() -> None:
    now = bj(2026, 3, 2, 9, 0)
    assert rules.check_announcement("land", now, now + timedelta(days=20)) is None
    late = rules.check_announcement("land", now, now + timedelta(days=20) - timedelta(seconds=1))
    assert late is not None and late.code == "announce_days"
    assert rules.check_announcement("property", now, now + timedelta(hours=1)) is None
    assert rules.check_announcement("property", now, now - timedelta(hours=1)) is not None


def test_next_minimum_is_start_price_first_then_current_plus_increment() -> None:
    assert rules.next_minimum(None, Decimal("100.00"), Decimal("5.00")) == Decimal("100.00")
    assert rules.next_minimum(Decimal("130.00"), Decimal("100.00"), Decimal("5.00")) == Decimal("135.00")


@pytest.mark.parametrize("value", ["abc", "", "1e3", "12.345", "0", "-5", "NaN", "Infinity", None, 1.5, True,
                                   "99999999999999999.00"])
def test_amounts_refuse_non_numeric_over_precise_or_non_positive(value: object) -> None:
    with pytest.raises(BadAmount):
        rules.parse_amount(value)


def test_amounts_accept_decimals_with_two_places() -> None:
    assert rules.parse_amount("1200000.5") == Decimal("1200000.50")
    assert rules.parse_amount(" 7 ") == Decimal("7.00")
    assert rules.parse_amount(Decimal("3.10")) == Decimal("3.10")


def test_countdown_restarts_from_the_bid_and_refuses_at_the_end_to_the_microsecond() -> None:
    at = bj(2026, 3, 20, 10, 0, 0)
    end = rules.countdown_end(at, 240)
    assert end == bj(2026, 3, 20, 10, 4, 0)
    assert rules.countdown_open(end - timedelta(microseconds=1), end)
    assert not rules.countdown_open(end, end)
    assert not rules.countdown_open(end + timedelta(milliseconds=1), end)
    assert not rules.countdown_open(at, None)


def test_result_highest_at_or_above_reserve_sells_below_or_no_bid_is_no_sale() -> None:
    """DOMAIN.md: below the reserve, no sale (流拍)."""
    assert rules.outcome(Decimal("100"), Decimal("100")) == rules.Outcome.sold
    assert rules.outcome(Decimal("100"), None) == rules.Outcome.sold
    assert rules.outcome(Decimal("99.99"), Decimal("100")) == rules.Outcome.below_reserve
    assert rules.outcome(None, Decimal("1")) == rules.Outcome.no_bid


def test_two_continuing_bidders_go_to_timed_bidding_land_order_art20() -> None:
    assert not rules.goes_to_timed(1)
    assert rules.goes_to_timed(2)


def test_state_machine_table_allows_only_the_journey() -> None:
    S = AuctionStatus
    assert AUCTION_MACHINE.can(S.listing, S.timed) and not AUCTION_MACHINE.can(S.timed, S.listing)
    assert not AUCTION_MACHINE.can(S.sold, S.unsold) and not AUCTION_MACHINE.can(S.draft, S.listing)
    lot = AuctionLot(status=S.timed)
    assert transition_to(lot, S.sold) == S.timed and lot.status == S.sold
    with pytest.raises(BadTransition):
        transition_to(lot, S.timed)


def test_reserve_seals_to_the_lot_key_and_opens_only_with_the_server_secret_and_matching_commitment() -> None:
    pub, wrapped = new_lot_key("server-secret", "lot1")
    env, com = seal(pub, "lot1", Decimal("1500000.00"))
    assert "1500000" not in env and "1500000" not in com
    assert unseal("server-secret", "lot1", wrapped, env, com) == Decimal("1500000.00")
    with pytest.raises(ReserveBroken):
        unseal("another-secret", "lot1", wrapped, env, com)
    with pytest.raises(ReserveBroken):
        unseal("server-secret", "lot2", wrapped, env, com)  # bound to its lot
    with pytest.raises(ReserveBroken):
        unseal("server-secret", "lot1", wrapped, env, commitment("lot1", Decimal("1.00"), "x"))
