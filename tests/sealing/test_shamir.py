"""Shamir shares over GF(2⁸) and the rescue key (E-Bidding Measures Art.31 rescue plan)."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.sealing import shamir
from ggzy.sealing.envelope import decrypt, unwrap_data_key
from ggzy.sealing.errors import ShareInvalid
from ggzy.sealing.x25519 import x25519_public_of
from tests.sealing.helpers import key_set, seal_bytes


def test_gf256_field_axioms() -> None:
    for a in range(1, 256):
        assert shamir._mul(a, shamir._div(1, a)) == 1
    assert shamir._mul(0x57, 0x83) == 0xC1  # FIPS-197 §4.2 example


def test_any_k_of_n_recombine_and_k_minus_1_do_not() -> None:
    secret = os.urandom(32)
    shares = shamir.split(secret, 3, 5)
    assert [x for x, _ in shares] == [1, 2, 3, 4, 5]
    for combo in itertools.combinations(shares, 3):
        assert shamir.combine(list(combo)) == secret
    for combo in itertools.combinations(shares, 4):
        assert shamir.combine(list(combo)) == secret
    for combo in itertools.combinations(shares, 2):
        assert shamir.combine(list(combo)) != secret


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=40), st.integers(1, 7), st.integers(0, 5), st.randoms())
def test_split_combine_property(secret: bytes, k: int, extra: int, rnd: object) -> None:
    n = k + extra
    shares = shamir.split(secret, k, n)
    pick = list(shares)
    rnd.shuffle(pick)  # type: ignore[attr-defined]
    assert shamir.combine(pick[:k]) == secret


def test_one_share_alone_says_nothing() -> None:
    """With k=2 every value of the secret byte is equally consistent with one share (perfect secrecy)."""
    seen = {shamir.split(b"\x00", 2, 2)[0][1] for _ in range(2000)}
    assert len(seen) > 200


def test_bad_parameters() -> None:
    for k, n in ((0, 1), (3, 2), (2, 256)):
        with pytest.raises(ValueError):
            shamir.split(b"x", k, n)
    with pytest.raises(ValueError):
        shamir.split(b"", 1, 1)
    with pytest.raises(ValueError):
        shamir.combine([])
    with pytest.raises(ValueError):
        shamir.combine([(1, b"a"), (1, b"b")])
    with pytest.raises(ValueError):
        shamir.combine([(1, b"a"), (2, b"bb")])


def _custodians(n: int = 5) -> list[tuple[str, bytes]]:
    return [(key_set(f"custodian{i}").enc_key_id, key_set(f"custodian{i}").enc_public) for i in range(n)]


def test_rescue_key_shares_open_a_bid_without_the_bidder() -> None:
    """E-Bidding Measures Art.31: with k custodians' shares the platform decrypts a bid through the rescue key."""
    rescue_public, sealed = shamir.make_rescue_shares(_custodians(), 3)
    assert len(sealed) == 5 and all(s["rescue_key_id"] == sealed[0]["rescue_key_id"] for s in sealed)
    data, header = seal_bytes(b"the bid", rescue=(sealed[0]["rescue_key_id"], rescue_public))
    docs = [shamir.open_share(sealed[i], key_set(f"custodian{i}").enc_private) for i in (4, 1, 3)]
    assert docs[0]["x"] == 5 and docs[0]["k"] == 3 and docs[0]["n"] == 5
    private = shamir.recover_rescue_key(docs, rescue_public)
    assert x25519_public_of(private) == rescue_public
    key = unwrap_data_key(header, role="rescue", enc_private=private)
    assert key == unwrap_data_key(header, enc_private=key_set().enc_private)
    assert b"".join(decrypt([data], key)) == b"the bid"


def test_too_few_or_foreign_shares_are_refused() -> None:
    rescue_public, sealed = shamir.make_rescue_shares(_custodians(), 3)
    docs = [shamir.open_share(sealed[i], key_set(f"custodian{i}").enc_private) for i in range(5)]
    with pytest.raises(ShareInvalid) as info:
        shamir.recover_rescue_key(docs[:2], rescue_public)
    assert info.value.check == "too_few"
    with pytest.raises(ShareInvalid):
        shamir.recover_rescue_key([docs[0], docs[0], docs[1]], rescue_public)
    other_public, _ = shamir.make_rescue_shares(_custodians(), 3)
    with pytest.raises(ShareInvalid) as info:
        shamir.recover_rescue_key(docs[:3], other_public)
    assert info.value.check == "rescue_key"
    forged = dict(docs[2], y=docs[3]["y"])
    with pytest.raises(ShareInvalid) as info:
        shamir.recover_rescue_key([docs[0], docs[1], forged], rescue_public)
    assert info.value.check == "rescue_key"


def test_a_share_opens_only_for_its_custodian() -> None:
    _, sealed = shamir.make_rescue_shares(_custodians(), 3)
    with pytest.raises(ShareInvalid):
        shamir.open_share(sealed[0], key_set("custodian1").enc_private)
    tampered = dict(sealed[0], wrapped=sealed[1]["wrapped"])
    with pytest.raises(ShareInvalid):
        shamir.open_share(tampered, key_set("custodian0").enc_private)
    with pytest.raises(ShareInvalid):
        shamir.open_share({"suite": "rot13"}, key_set("custodian0").enc_private)


@pytest.mark.parametrize("changes", [
    {"format": "x"}, {"k": 0}, {"x": 6}, {"y": "AAAA"}, {"rescue_key_id": "nope"}, {"extra": 1}, {"k": True},
])
def test_check_share(changes: dict[str, object]) -> None:
    good = shamir.share_doc(rescue_key_id="0" * 32, k=3, n=5, x=1, y=bytes(32))
    assert shamir.check_share(good) == good
    with pytest.raises(ShareInvalid):
        shamir.check_share({**good, **changes})
