"""Receipts signed with the platform key, verifiable offline (docs/sealed-bids.md, "Receipt")."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from ggzy.sealing.errors import ReceiptInvalid
from ggzy.sealing.receipt import PlatformKey, verify_receipt


def _fields() -> dict[str, object]:
    return {"format": "ggzy-receipt", "version": 1, "bid_id": "B1", "tender_id": "T1", "lot_id": "L1",
            "bidder_org_id": "O1", "sha256": "ab" * 32, "size": 5_242_880,
            "received_at": "2026-03-02T01:00:00.123456Z"}


def test_key_file_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "platform-signing-key.pem"
    k1 = PlatformKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    k2 = PlatformKey.load_or_create(path)
    assert k1.key_id == k2.key_id and k1.public_raw == k2.public_raw
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind


def test_concurrent_creation_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(PlatformKey.load_or_create(path).key_id))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and got[0] == PlatformKey.load_or_create(path).key_id


def test_sign_and_verify(tmp_path: Path) -> None:
    key = PlatformKey.load_or_create(tmp_path / "k.pem")
    receipt = key.sign(_fields())
    assert receipt["platform_key_id"] == key.key_id
    verify_receipt(json.loads(json.dumps(receipt)), key.public_raw)
    assert key.public_doc()["key_id"] == key.key_id


@pytest.mark.parametrize("field,value", [
    ("size", 5_242_881), ("sha256", "cd" * 32), ("received_at", "2026-03-02T01:00:00.123457Z"),
    ("bidder_org_id", "O2"), ("signature", "AAAA"), ("signature", "not base64"),
])
def test_any_tampering_is_refused(field: str, value: object) -> None:
    key = PlatformKey.generate()
    receipt = key.sign(_fields())
    receipt[field] = value
    with pytest.raises(ReceiptInvalid) as info:
        verify_receipt(receipt, key.public_raw)
    assert info.value.code == "receipt.invalid"


def test_added_field_breaks_the_signature() -> None:
    key = PlatformKey.generate()
    receipt = key.sign(_fields())
    receipt["note"] = "late"
    with pytest.raises(ReceiptInvalid):
        verify_receipt(receipt, key.public_raw)


def test_another_platform_key_is_refused() -> None:
    receipt = PlatformKey.generate().sign(_fields())
    with pytest.raises(ReceiptInvalid) as info:
        verify_receipt(receipt, PlatformKey.generate().public_raw)
    assert info.value.check == "key"


def test_malformed_receipts() -> None:
    key = PlatformKey.generate()
    with pytest.raises(ReceiptInvalid):
        verify_receipt([], key.public_raw)
    receipt = key.sign(_fields())
    del receipt["sha256"]
    with pytest.raises(ReceiptInvalid):
        verify_receipt(receipt, key.public_raw)
    with pytest.raises(ValueError):
        key.sign({**_fields(), "signature": "x"})
