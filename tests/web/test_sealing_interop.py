"""Interoperability of the two independent implementations of docs/sealed-bids.md: Chromium's WebCrypto
(static/sealing.js) and the Python sealing library (ggzy.sealing, `ggzy seal`).

Each direction seals or writes on one side and opens or reads on the other: envelopes, key files, receipts,
plus the building blocks whose bytes must agree exactly (SHA-256, canonical JSON, the 大写 of kit/money).
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from ggzy.kit.money import in_words
from ggzy.sealing import envelope, keys
from ggzy.sealing.codec import canonical_json
from ggzy.sealing.errors import BadPassphrase, EnvelopeAuthFailed, EnvelopeMalformed
from ggzy.sealing.receipt import PlatformKey, verify_receipt
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

ITER = 10_000  # test-only: the file records its count, readers accept >= 10,000
SMALL_CHUNK = 65_536  # the smallest legal chunk size, so a few hundred KB cross several records
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def sheet(lot_id: str = "lot-1", price: str = "1234567.89") -> dict[str, Any]:
    return {
        "lot_id": lot_id, "price": price, "price_in_words": in_words(Decimal(price)), "duration_days": 180,
        "quality": "合格", "project_lead": "张三", "lead_certificate": "苏132100000001",
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def js(server: LiveServer, page: Page) -> Page:
    """A page with sealing.js loaded from the platform (WebCrypto needs a secure context: http://127.0.0.1)."""
    page.goto(server.url + "/tools/verify")
    page.wait_for_function("window.GGZY !== undefined")
    assert page.evaluate("GGZY.supported()") is True, "this chromium lacks WebCrypto X25519/Ed25519"
    return page


SEAL_IN_BROWSER = """async ([sheet, files, passphrase, iterations, chunkSize, rescue]) => {
  const ks = await GGZY.generateKeySet();
  const keyfile = await GGZY.writeKeyFile(ks, passphrase, {orgId: "org-b", iterations});
  const sealed = await GGZY.sealBid({
    keys: ks, tenderId: "tender-1", lotId: sheet.lot_id, bidderOrgId: "org-b", sheet, chunkSize, rescue,
    files: files.map(([name, data]) => ({name, data: GGZY.b64d(data)})),
  });
  const env = new Uint8Array(await sealed.blob.arrayBuffer());
  return {keyfile, envelope: GGZY.b64e(env), sha256: sealed.sha256, size: sealed.size};
}"""


@pytest.mark.parametrize("sizes", [[], [0], [SMALL_CHUNK * 3], [200_000, 5, 0, SMALL_CHUNK - 400]],
                         ids=["no-files", "empty-file", "chunk-multiple", "mixed"])
@pytest.mark.parametrize("native_digest", [True, False], ids=["native-sha", "js-sha"])
def test_a_bid_sealed_by_webcrypto_opens_with_python(
    js: Page, tmp_path: Path, sizes: list[int], native_digest: bool
) -> None:
    """(a) Chromium seals; ggzy.sealing reads the key file, unwraps the data key and opens the bid: signature
    verified, sheet equal, file bytes equal, SHA-256 equal to what the browser computed. Both digest paths:
    WebCrypto's one-shot digest (inputs up to 64 MiB) and the incremental one (larger inputs)."""
    if not native_digest:
        js.evaluate("GGZY.configure({nativeDigest: 0})")
    files = [(f"商务标{i}.pdf", os.urandom(n)) for i, n in enumerate(sizes)]
    out = js.evaluate(SEAL_IN_BROWSER, [sheet(), [(n, b64(d)) for n, d in files], "口令 pass", ITER, SMALL_CHUNK, None])
    env = base64.b64decode(out["envelope"])
    assert hashlib.sha256(env).hexdigest() == out["sha256"] and len(env) == out["size"]

    scanner = envelope.EnvelopeScanner()
    scanner.feed(env)
    header = scanner.finish()  # the upload check: well-formed and looks encrypted
    ks = keys.read_keyfile(out["keyfile"], "口令 pass")
    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    path = tmp_path / "bid.ggzyenv"
    path.write_bytes(env)
    extract = tmp_path / "files"
    extract.mkdir()
    opened = envelope.open_bid(path, data_key, expected_sha256=out["sha256"], sign_public=ks.sign_public,
                               extract_to=extract)
    assert opened.signature_ok and opened.sha256_ok and opened.problems == []
    assert opened.sheet == sheet()
    assert opened.files == [(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in files]
    for name, data in files:
        assert (extract / name).read_bytes() == data


def test_a_rescue_recipient_from_the_browser_unwraps_with_the_rescue_key(js: Page, tmp_path: Path) -> None:
    """(a) With a rescue plan the browser wraps the data key to the tender's rescue key as well (Art.31)."""
    rescue = keys.generate()
    out = js.evaluate(SEAL_IN_BROWSER, [sheet(), [("a.pdf", b64(b"%PDF-1.7 bid"))], "pw-12345", ITER, SMALL_CHUNK,
                                        {"key_id": rescue.enc_key_id, "public": b64(rescue.enc_public)}])
    env = base64.b64decode(out["envelope"])
    scanner = envelope.EnvelopeScanner()
    scanner.feed(env)
    header = scanner.finish()
    assert [r["role"] for r in header["recipients"]] == ["bidder", "rescue"]
    by_bidder = envelope.unwrap_data_key(header, enc_private=keys.read_keyfile(out["keyfile"], "pw-12345").enc_private)
    by_rescue = envelope.unwrap_data_key(header, role="rescue", enc_private=rescue.enc_private)
    assert by_bidder == by_rescue
    (tmp_path / "e").write_bytes(env)
    opened = envelope.open_bid(tmp_path / "e", by_rescue, expected_sha256=out["sha256"], sign_public=None)
    assert opened.sheet == sheet()


def test_b_key_files_cross_both_ways(js: Page) -> None:
    """(b) A key file written by the browser is read by Python and one written by Python by the browser; the
    public halves and ids agree, and a wrong passphrase is refused on both sides."""
    browser_doc = js.evaluate("""async () => {
      const ks = await GGZY.generateKeySet();
      return await GGZY.writeKeyFile(ks, "pässwörd 密码", {orgId: "org-x", iterations: 10000});
    }""")
    assert browser_doc["kdf"] == {"alg": "pbkdf2-sha256", "iterations": ITER, "salt": browser_doc["kdf"]["salt"]}
    ks = keys.read_keyfile(browser_doc, "pässwörd 密码")
    public = browser_doc["public"]
    assert (ks.enc_key_id, ks.sign_key_id) == (public["enc_key_id"], public["sign_key_id"])
    with pytest.raises(BadPassphrase):
        keys.read_keyfile(browser_doc, "pässwörd 密码!")

    py_ks = keys.generate()
    py_doc = keys.write_keyfile(py_ks, "秘密 phrase", org_id="org-y", iterations=ITER, now=NOW)
    got = js.evaluate("""async (doc) => {
      const ks = await GGZY.readKeyFile(JSON.stringify(doc), "秘密 phrase");
      return [ks.encKeyId, ks.signKeyId, GGZY.b64e(ks.encPublic), GGZY.b64e(ks.signPublic), ks.orgId];
    }""", py_doc)
    assert got == [py_ks.enc_key_id, py_ks.sign_key_id, b64(py_ks.enc_public), b64(py_ks.sign_public), "org-y"]
    code = js.evaluate("""async (doc) => {
      try { await GGZY.readKeyFile(doc, "wrong"); return "opened"; } catch (e) { return e.code; }
    }""", py_doc)
    assert code == "keys.bad_passphrase"


@pytest.mark.parametrize("native_digest", [True, False], ids=["native-sha", "js-sha"])
def test_b_a_python_sealed_envelope_opens_in_the_browser_library(
    js: Page, tmp_path: Path, native_digest: bool
) -> None:
    """(b/c) `seal_bid` output opens with GGZY.openEnvelope and the Python key file, byte for byte."""
    if not native_digest:
        js.evaluate("GGZY.configure({nativeDigest: 0})")
    ks = keys.generate()
    doc = keys.write_keyfile(ks, "pw-12345", org_id="org-b", iterations=ITER, now=NOW)
    files = []
    for i, n in enumerate([1000, 0, 150_000]):
        p = tmp_path / f"技术标{i}.bin"
        p.write_bytes(os.urandom(n))
        files.append(p)
    out = tmp_path / "bid.ggzyenv"
    info = envelope.seal_bid(out, keys=ks, tender_id="tender-1", lot_id="lot-1", bidder_org_id="org-b",
                             sheet=sheet(), files=files, chunk_size=SMALL_CHUNK)
    got = js.evaluate("""async ([doc, env, sha]) => {
      const ks = await GGZY.readKeyFile(doc, "pw-12345");
      const o = await GGZY.openEnvelope(new Blob([GGZY.b64d(env)]), {keys: ks, expectedSha256: sha});
      const files = [];
      for (const f of o.files) files.push([f.name, f.ok, GGZY.b64e(new Uint8Array(await f.blob.arrayBuffer()))]);
      return {sheet: o.sheet, signatureOk: o.signatureOk, sha256: o.sha256, files, records: o.records};
    }""", [doc, b64(out.read_bytes()), info.sha256])
    assert got["sheet"] == sheet() and got["signatureOk"] is True and got["sha256"] == info.sha256
    shown = [(n, ok, base64.b64decode(d)) for n, ok, d in got["files"]]
    assert shown == [(p.name, True, p.read_bytes()) for p in files]


def test_a_flipped_byte_anywhere_in_a_browser_envelope_is_caught(js: Page) -> None:
    """Both readers refuse a browser envelope with one flipped bit, wherever it is (header, word, body, tag)."""
    out = js.evaluate(SEAL_IN_BROWSER, [sheet(), [("a.pdf", b64(os.urandom(100_000)))], "pw-12345", ITER,
                                        SMALL_CHUNK, None])
    env = bytearray(base64.b64decode(out["envelope"]))
    ks = keys.read_keyfile(out["keyfile"], "pw-12345")
    scanner = envelope.EnvelopeScanner()
    scanner.feed(bytes(env))
    data_key = envelope.unwrap_data_key(scanner.finish(), enc_private=ks.enc_private)
    header_len = int.from_bytes(env[8:12], "big")
    spots = [3, 10, 12 + header_len // 2, 12 + header_len + 1, 12 + header_len + 4 + 100, len(env) - 1]
    for spot in spots:
        bad = bytearray(env)
        bad[spot] ^= 0x01
        with pytest.raises((EnvelopeMalformed, EnvelopeAuthFailed)):
            s = envelope.EnvelopeScanner()
            s.feed(bytes(bad))
            s.finish()
            envelope.open_bid([bytes(bad)], data_key, expected_sha256=out["sha256"], sign_public=ks.sign_public)
        code = js.evaluate("""async ([env, key]) => {
          try { await GGZY.openEnvelope(new Blob([GGZY.b64d(env)]), {dataKey: key}); return "opened"; }
          catch (e) { return e.code || String(e); }
        }""", [b64(bytes(bad)), b64(data_key)])
        assert code in ("bid.envelope_malformed", "bid.decrypt_failed"), (spot, code)


def test_browser_refuses_truncated_and_trailing_envelopes_without_a_key(js: Page, tmp_path: Path) -> None:
    ks = keys.generate()
    p = tmp_path / "f.bin"
    p.write_bytes(os.urandom(70_000))
    out = tmp_path / "e"
    envelope.seal_bid(out, keys=ks, tender_id="t", lot_id="l", bidder_org_id="b", sheet=sheet("l"), files=[p],
                      chunk_size=SMALL_CHUNK)
    env = out.read_bytes()
    checks = js.evaluate("""async (variants) => {
      const out = [];
      for (const v of variants) {
        try { await GGZY.openEnvelope(new Blob([GGZY.b64d(v)])); out.push("ok"); } catch (e) { out.push(e.check); }
      }
      return out;
    }""", [b64(env), b64(env[:-1]), b64(env + b"\0"), b64(env[: len(env) // 2]), b64(b"PK\x03\x04" + env[4:])])
    assert checks == ["ok", "truncated", "trailing_bytes", "truncated", "magic"]


def test_browser_verifies_a_python_receipt_and_refuses_a_tampered_one(js: Page) -> None:
    pk = PlatformKey.generate()
    receipt = pk.sign({"format": "ggzy-receipt", "version": 1, "bid_id": "b1", "tender_id": "t1", "lot_id": "l1",
                       "bidder_org_id": "o1", "sha256": "ab" * 32, "size": 5_242_880,
                       "received_at": "2026-03-02T01:00:00.123456Z"})
    verify_receipt(receipt, pk.public_raw)
    tampered = dict(receipt, size=5_242_881)
    got = js.evaluate("async ([r, t, key]) => [await GGZY.verifyReceipt(r, key), await GGZY.verifyReceipt(t, key)]",
                      [receipt, tampered, b64(pk.public_raw)])
    assert got == [True, False]


def test_sha256_canonical_json_and_amounts_in_words_agree_with_python(js: Page) -> None:
    """The browser's incremental SHA-256 (split at awkward places), its canonical JSON and its 大写 give the
    same bytes and text as hashlib, codec.canonical_json and kit.money.in_words."""
    lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100_003]
    got = js.evaluate("""(lengths) => lengths.map((n) => {
      const d = new Uint8Array(n); for (let i = 0; i < n; i++) d[i] = (i * 7 + 3) & 255;
      const h = new GGZY.Sha256(); const cut = Math.floor(n / 3);
      h.update(d.subarray(0, cut)); h.update(d.subarray(cut, 2 * cut)); h.update(d.subarray(2 * cut));
      return h.hexdigest();
    })""", lengths)
    assert got == [hashlib.sha256(bytes((i * 7 + 3) & 255 for i in range(n))).hexdigest() for n in lengths]

    obj = {"z": [1, {"b": None, "a": True}], "é": "引号\"\\\n\t\u0001\u2028", "a": -5, "𝄞": "astral", "ｚ": ""}
    assert js.evaluate("(o) => GGZY.b64e(GGZY.canonicalJSON(o))", obj) == b64(canonical_json(obj))

    amounts = ["0", "0.05", "0.5", "1", "10", "10.01", "100", "1001", "10000", "10010.1", "100000", "1000000",
               "1010101.01", "1234567.89", "20000000", "100000000", "100010000", "1000000001", "98000000.9",
               "123456789012.34", "3005000.00", "40000.07"]
    words = js.evaluate("(xs) => xs.map((x) => GGZY.inWords(x))", amounts)
    assert words == [in_words(Decimal(a)) for a in amounts]
