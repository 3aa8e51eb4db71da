"""codec: strict base64, canonical JSON, key ids, UTC stamps (docs/sealed-bids.md, "Conventions")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ggzy.kit.timefmt import SHANGHAI
from ggzy.sealing.codec import b64d, b64e, canonical_json, key_id, utc_stamp


def test_b64_round_trip_and_padding() -> None:
    for raw in (b"", b"a", b"ab", b"abc", bytes(range(256))):
        assert b64d(b64e(raw)) == raw
    assert b64e(b"a") == "YQ=="


@pytest.mark.parametrize("bad", ["YQ", "YQ=", "Y Q==", "YR==", "YQ==\n", "____", "YQ==YQ==", "é", "-_8="])
def test_b64d_is_strict(bad: str) -> None:
    with pytest.raises(ValueError):
        b64d(bad)


def test_b64d_refuses_non_strings() -> None:
    with pytest.raises(ValueError):
        b64d(b"YQ==")  # type: ignore[arg-type]


def test_canonical_json_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["张", True, None, {"d": "x", "c": 0}]}) == \
        '{"a":["张",true,null,{"c":0,"d":"x"}],"b":1}'.encode()


def test_canonical_json_refuses_floats() -> None:
    with pytest.raises(ValueError):
        canonical_json({"price": 1.5})


def test_key_id_is_32_hex_of_sha256() -> None:
    assert key_id(b"") == "e3b0c44298fc1c149afbf4c8996fb924"


def test_utc_stamp() -> None:
    assert utc_stamp(datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=SHANGHAI)) == "2026-03-02T01:00:00.123456Z"
    assert utc_stamp(datetime(2026, 3, 2, 1, tzinfo=UTC)) == "2026-03-02T01:00:00.000000Z"
    with pytest.raises(ValueError):
        utc_stamp(datetime(2026, 3, 2))
