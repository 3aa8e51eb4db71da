"""Key sets and the passphrase-protected key file."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from ggzy.sealing import keys
from ggzy.sealing.codec import b64d, key_id
from ggzy.sealing.errors import BadPassphrase, KeyFileInvalid
from tests.sealing.helpers import key_set

NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)
FAST = 10_000  # the readers' minimum; the default 600,000 is for real files


def test_generate_gives_x25519_and_ed25519_with_key_ids() -> None:
    ks = keys.generate()
    assert ks.suite == "x25519-aes256gcm"
    assert len(ks.enc_public) == 32 and len(ks.sign_public) == 32
    assert ks.enc_key_id == key_id(ks.enc_public) and len(ks.enc_key_id) == 32
    assert ks.public_doc()["sign_key_id"] == ks.sign_key_id


def test_key_file_round_trip() -> None:
    ks = key_set()
    doc = keys.write_keyfile(ks, "正确的口令 horse", org_id="ORG-1", iterations=FAST, now=NOW)
    assert doc["format"] == "ggzy-keyfile" and doc["created_at"] == "2026-03-02T01:00:00.000000Z"
    assert doc["public"]["enc_key_id"] == ks.enc_key_id
    assert len(b64d(doc["kdf"]["salt"])) == 16 and len(b64d(doc["cipher"]["nonce"])) == 12
    # the file is JSON all the way (what gets saved to disk and read back)
    again = keys.read_keyfile(json.loads(json.dumps(doc)), "正确的口令 horse")
    assert again == ks


def test_key_file_holds_no_private_key_in_clear() -> None:
    ks = key_set()
    text = json.dumps(keys.write_keyfile(ks, "pw", org_id="O", iterations=FAST, now=NOW))
    from ggzy.sealing.codec import b64e

    assert b64e(ks.enc_private) not in text and b64e(ks.sign_private) not in text


def test_wrong_passphrase_is_refused() -> None:
    doc = keys.write_keyfile(key_set(), "right", org_id="O", iterations=FAST, now=NOW)
    with pytest.raises(BadPassphrase) as info:
        keys.read_keyfile(doc, "wrong")
    assert info.value.code == "keys.bad_passphrase" and info.value.status == 422


def test_empty_passphrase_is_refused_when_writing() -> None:
    with pytest.raises(BadPassphrase):
        keys.write_keyfile(key_set(), "", org_id="O", iterations=FAST, now=NOW)


@pytest.mark.parametrize("iterations", [9_999, 0, 20_000_000])
def test_iteration_count_out_of_range_is_refused(iterations: int) -> None:
    doc = keys.write_keyfile(key_set(), "pw", org_id="O", iterations=FAST, now=NOW)
    doc["kdf"]["iterations"] = iterations
    with pytest.raises(KeyFileInvalid):
        keys.read_keyfile(doc, "pw")


def test_swapped_public_keys_are_caught() -> None:
    """A key file whose public half belongs to another key set must not be usable (bids would never open)."""
    doc = keys.write_keyfile(key_set(), "pw", org_id="O", iterations=FAST, now=NOW)
    other = keys.write_keyfile(key_set("other"), "pw", org_id="O", iterations=FAST, now=NOW)
    doc["public"] = copy.deepcopy(other["public"])
    with pytest.raises(KeyFileInvalid) as info:
        keys.read_keyfile(doc, "pw")
    assert info.value.check == "keys"


@pytest.mark.parametrize("path,value", [
    (("format",), "zip"), (("version",), 2), (("suite",), "rot13"), (("kdf", "alg"), "scrypt"),
    (("kdf", "salt"), "AAAA"), (("cipher", "nonce"), "not base64"), (("public", "enc_key_id"), "0" * 32),
    (("cipher", "alg"), "aes-128-gcm"), (("version",), True),
])
def test_malformed_key_files_are_refused(path: tuple[str, ...], value: object) -> None:
    doc = keys.write_keyfile(key_set(), "pw", org_id="O", iterations=FAST, now=NOW)
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    with pytest.raises(KeyFileInvalid):
        keys.read_keyfile(doc, "pw")


def test_missing_sections_are_refused() -> None:
    for section in ("public", "kdf", "cipher"):
        doc = keys.write_keyfile(key_set(), "pw", org_id="O", iterations=FAST, now=NOW)
        del doc[section]
        with pytest.raises(KeyFileInvalid):
            keys.read_keyfile(doc, "pw")
    with pytest.raises(KeyFileInvalid):
        keys.read_keyfile([], "pw")  # type: ignore[arg-type]
