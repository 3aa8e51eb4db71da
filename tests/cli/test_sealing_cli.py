"""`ggzy keys new/show`, `ggzy seal`, `ggzy unwrap`, `ggzy receipt verify`, `ggzy platform-key`: the bidder's
offline tools, checked against the library the platform uses to open bids."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ggzy import cli
from ggzy.config import get_settings
from ggzy.sealing import keys
from ggzy.sealing.codec import b64d, b64e
from ggzy.sealing.envelope import open_bid, scan_file
from ggzy.sealing.receipt import PlatformKey

SHEET = {"lot_id": "L-1", "price": "980000.00", "price_in_words": "玖拾捌万元整", "duration_days": 90,
         "quality": "合格", "project_lead": "李四", "lead_certificate": "苏132100000002"}


def _run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bidder(tmp_path: Path) -> dict[str, Path]:
    pw = tmp_path / "pw.txt"
    pw.write_text("correct horse 电池\n", encoding="utf-8")
    key = tmp_path / "acme.ggzykey"
    code, out, err = _run("keys", "new", "--org", "ORG-1", "--out", str(key), "--passphrase-file", str(pw),
                          "--iterations", "10000")
    assert code == 0, err
    sheet = tmp_path / "bid.json"
    sheet.write_text(json.dumps(SHEET, ensure_ascii=False), encoding="utf-8")
    doc1 = tmp_path / "商务标.pdf"
    doc1.write_bytes(b"%PDF-1.7 business" * 10_000)
    doc2 = tmp_path / "技术标.pdf"
    doc2.write_bytes(b"%PDF-1.7 technical" * 3)
    (tmp_path / "public.json").write_text(out, encoding="utf-8")
    return {"pw": pw, "key": key, "sheet": sheet, "doc1": doc1, "doc2": doc2, "public": tmp_path / "public.json"}


def _keyset(b: dict[str, Path]) -> keys.KeyPairSet:
    return keys.read_keyfile(json.loads(b["key"].read_text(encoding="utf-8")), "correct horse 电池")


def test_keys_new_writes_a_private_file_and_prints_public_keys(bidder: dict[str, Path]) -> None:
    public = json.loads(bidder["public"].read_text(encoding="utf-8"))
    assert stat.S_IMODE(bidder["key"].stat().st_mode) == 0o600
    ks = _keyset(bidder)  # the trailing newline of the passphrase file is not part of the passphrase
    assert public == {"org_id": "ORG-1", **ks.public_doc()}
    doc = json.loads(bidder["key"].read_text(encoding="utf-8"))
    assert doc["kdf"]["iterations"] == 10_000 and doc["org_id"] == "ORG-1"


def test_keys_new_refuses_to_overwrite(bidder: dict[str, Path]) -> None:
    before = bidder["key"].read_bytes()
    code, _, err = _run("keys", "new", "--org", "ORG-1", "--out", str(bidder["key"]),
                        "--passphrase-file", str(bidder["pw"]))
    assert code == 2 and "refusing to overwrite" in err
    assert bidder["key"].read_bytes() == before


def test_keys_new_prompts_twice(tmp_path: Path) -> None:
    key = tmp_path / "k.ggzykey"
    code, _, err = _run("keys", "new", "--org", "O", "--out", str(key), "--iterations", "10000",
                        input="s3cret\ns3cret\n")
    assert code == 0, err
    keys.read_keyfile(json.loads(key.read_text(encoding="utf-8")), "s3cret")
    code, _, _ = _run("keys", "new", "--org", "O", "--out", str(tmp_path / "k2"), input="a\nb\n")
    assert code != 0 and not (tmp_path / "k2").exists()


def test_keys_new_unknown_suite(tmp_path: Path) -> None:
    code, _, err = _run("keys", "new", "--org", "O", "--out", str(tmp_path / "k"), "--suite", "rot13")
    assert code == 2 and "unknown suite" in err


def test_keys_show(bidder: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = _run("keys", "show", str(bidder["key"]))
    assert code == 0
    shown = json.loads(out)
    assert shown["enc_key_id"] == _keyset(bidder).enc_key_id and "cipher" not in shown
    bad = tmp_path / "bad.ggzykey"
    bad.write_text('{"format": "zip"}', encoding="utf-8")
    code, _, err = _run("keys", "show", str(bad))
    assert code == 1 and "keys.keyfile_invalid" in err
    bad.write_text("not json", encoding="utf-8")
    assert _run("keys", "show", str(bad))[0] == 2


def _seal(b: dict[str, Path], out: Path, *extra: str) -> tuple[int, str, str]:
    return _run("seal", "--key-file", str(b["key"]), "--tender", "T-1", "--lot", "L-1", "--bidder", "ORG-1",
                "--sheet", str(b["sheet"]), "--out", str(out), "--passphrase-file", str(b["pw"]),
                "--chunk-size", "65536", *extra, str(b["doc1"]), str(b["doc2"]))


def test_seal_then_unwrap_then_open(bidder: dict[str, Path], tmp_path: Path) -> None:
    env = tmp_path / "bid.ggzyenv"
    code, out, err = _seal(bidder, env)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["size"] == env.stat().st_size and summary["recipients"] == ["bidder"]
    header = scan_file(env)
    code, key_b64, err = _run("unwrap", "--key-file", str(bidder["key"]), "--envelope", str(env),
                              "--passphrase-file", str(bidder["pw"]))
    assert code == 0, err
    opened = open_bid(env, b64d(key_b64.strip()), expected_sha256=summary["sha256"],
                      sign_public=_keyset(bidder).sign_public)
    assert opened.problems == [] and opened.sheet == SHEET
    assert [f[0] for f in opened.files] == ["商务标.pdf", "技术标.pdf"]
    # the header alone (what the platform shows the bidder at the opening) is enough to unwrap
    header_file = tmp_path / "header.json"
    header_file.write_text(json.dumps(header), encoding="utf-8")
    code, again, _ = _run("unwrap", "--key-file", str(bidder["key"]), "--header", str(header_file),
                          "--passphrase-file", str(bidder["pw"]))
    assert code == 0 and again == key_b64


def test_seal_with_a_rescue_key(bidder: dict[str, Path], tmp_path: Path) -> None:
    rescue = keys.generate()
    env = tmp_path / "bid.ggzyenv"
    code, out, err = _seal(bidder, env, "--rescue-key-id", rescue.enc_key_id,
                           "--rescue-public", b64e(rescue.enc_public))
    assert code == 0, err
    assert json.loads(out)["recipients"] == ["bidder", "rescue"]
    code, _, err = _seal(bidder, tmp_path / "x.ggzyenv", "--rescue-key-id", "0" * 32,
                         "--rescue-public", b64e(rescue.enc_public))
    assert code == 2 and "does not match" in err
    code, _, _ = _seal(bidder, tmp_path / "y.ggzyenv", "--rescue-key-id", rescue.enc_key_id)
    assert code == 2


def test_seal_refuses_a_bad_sheet_or_passphrase(bidder: dict[str, Path], tmp_path: Path) -> None:
    bidder["sheet"].write_text(json.dumps({**SHEET, "price": "98万"}, ensure_ascii=False), encoding="utf-8")
    env = tmp_path / "bid.ggzyenv"
    code, _, err = _seal(bidder, env)
    assert code == 1 and "bid.package_invalid" in err and "price" in err
    assert not env.exists() and not list(tmp_path.glob("*.part"))
    bidder["sheet"].write_text(json.dumps(SHEET), encoding="utf-8")
    bidder["pw"].write_text("wrong", encoding="utf-8")
    code, _, err = _seal(bidder, env)
    assert code == 1 and "keys.bad_passphrase" in err


def test_unwrap_with_another_bidders_key_fails(bidder: dict[str, Path], tmp_path: Path) -> None:
    env = tmp_path / "bid.ggzyenv"
    assert _seal(bidder, env)[0] == 0
    other = tmp_path / "other.ggzykey"
    assert _run("keys", "new", "--org", "O2", "--out", str(other), "--passphrase-file", str(bidder["pw"]),
                "--iterations", "10000")[0] == 0
    code, _, err = _run("unwrap", "--key-file", str(other), "--envelope", str(env),
                        "--passphrase-file", str(bidder["pw"]))
    assert code == 1 and "bid.decrypt_failed" in err
    assert _run("unwrap", "--key-file", str(other), "--passphrase-file", str(bidder["pw"]))[0] == 2


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GGZY_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_platform_key_and_receipt_verify(data_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _run("platform-key")
    assert code == 0
    shown = json.loads(out)
    key = PlatformKey.load_or_create(data_dir / "platform-signing-key.pem")
    assert shown == key.public_doc()
    receipt = key.sign({"format": "ggzy-receipt", "version": 1, "bid_id": "B1", "tender_id": "T-1",
                        "lot_id": "L-1", "bidder_org_id": "ORG-1", "sha256": "ab" * 32, "size": 10,
                        "received_at": "2026-03-02T01:00:00.000000Z"})
    rfile = tmp_path / "receipt.json"
    rfile.write_text(json.dumps(receipt), encoding="utf-8")
    pub_json = tmp_path / "platform.pub"
    pub_json.write_text(out, encoding="utf-8")
    pub_b64 = tmp_path / "platform.b64"
    pub_b64.write_text(shown["public"] + "\n", encoding="utf-8")
    for k in (shown["public"], str(pub_json), str(pub_b64)):
        code, out2, err = _run("receipt", "verify", str(rfile), "--key", k)
        assert code == 0 and "receipt OK" in out2, err
    rfile.write_text(json.dumps({**receipt, "size": 11}), encoding="utf-8")
    code, _, err = _run("receipt", "verify", str(rfile), "--key", shown["public"])
    assert code == 1 and "receipt.invalid" in err
    code, _, err = _run("receipt", "verify", str(rfile), "--key", "nonsense!")
    assert code == 2
