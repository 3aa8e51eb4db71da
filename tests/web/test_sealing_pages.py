"""The bidder's pages driven end to end in Chromium: keys (generate, download, register, rotate), seal & submit
(receipt verified in the page and by Python), withdraw, and the public verification view reading envelopes made
by `seal_bid` (ggzy seal) and receipts made by the server."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.bid.models import Bid, BidStatus, KeySet, KeySetStatus
from ggzy.kit.money import in_words
from ggzy.sealing import envelope, keys
from ggzy.sealing.receipt import verify_receipt
from tests.bid.helpers import make_bidder, make_world
from tests.conftest import START
from tests.factories import PASSWORD
from tests.web.conftest import LiveServer, no_horizontal_overflow, shot

pytestmark = pytest.mark.browser

ITER = 10_000
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 600  # ~150 KB
SHEET_PRICE = "950000.5"


@dataclass
class World:
    tender_id: str
    lot_id: str
    org_id: str
    username: str


def seed(server: LiveServer, *, rescue: bool = False, with_keys: bool = False) -> tuple[World, keys.KeyPairSet | None]:
    async def _go(db: AsyncSession) -> tuple[World, keys.KeyPairSet | None]:
        w = await make_world(db, None, START, bidders=0, rescue=rescue)
        b = await make_bidder(db, START, with_keys=with_keys)
        return World(w.tender.id, w.lot.id, b.org.id, b.user.username), b.keys if with_keys else None

    return server.run(_go)


def login(page: Page, server: LiveServer, username: str, next_path: str) -> None:
    page.goto(server.url + next_path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(server.url + next_path)
    page.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")


def fill_sheet(page: Page, lot_id: str, files: list[tuple[str, bytes]]) -> None:
    lot = page.locator(f"[data-lot-id='{lot_id}']")
    lot.get_by_test_id("price").fill(SHEET_PRICE)
    expect(lot.get_by_test_id("price-words")).to_have_value(in_words(Decimal(SHEET_PRICE)))
    lot.get_by_test_id("duration").fill("180")
    lot.get_by_test_id("lead").fill("张三")
    lot.get_by_test_id("cert").fill("苏132100000001")
    lot.get_by_test_id("files").set_input_files(
        [FilePayload(name=n, mimeType="application/octet-stream", buffer=d) for n, d in files])


def unlock(page: Page, keyfile: Path, passphrase: str) -> None:
    page.locator("#key-file").set_input_files(str(keyfile))
    page.fill("#key-pass", passphrase)
    page.get_by_test_id("key-unlock").click()
    expect(page.get_by_test_id("key-msg")).to_have_class(re.compile(r"\bok\b"))


async def _bids(db: AsyncSession, org_id: str) -> list[Bid]:
    return list((await db.execute(select(Bid).where(Bid.bidder_org_id == org_id).order_by(Bid.received_at))).scalars())


def test_d_full_flow_generate_register_seal_submit_and_the_receipt_verifies(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """(d) Keys made in the page, the key file downloaded, public halves registered with a proof of possession;
    the bid sealed in the page, uploaded, the receipt verified in the page — and by Python with the platform key,
    and the stored envelope opens with the downloaded key file (E-Bidding Measures Art.27: the receipt)."""
    w, _ = seed(server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server, w.username, "/workspace/keys")
    expect(page.get_by_test_id("no-keys")).to_be_visible()

    # 1. Generate, download the key file (PBKDF2 at the real 600,000 iterations), register.
    page.fill("#pass1", "correct horse 电池")
    page.fill("#pass2", "correct horse 电池")
    with page.expect_download() as dl:
        page.get_by_test_id("keys-generate").click()
    keyfile = tmp_path / dl.value.suggested_filename
    dl.value.save_as(keyfile)
    assert keyfile.suffix == ".ggzykey"
    doc = json.loads(keyfile.read_text())
    assert doc["kdf"]["iterations"] == 600_000 and doc["org_id"] == w.org_id
    assert "enc" not in json.dumps(doc["cipher"])  # nothing but ciphertext next to the public part
    page.get_by_test_id("keys-saved").check()
    page.get_by_test_id("keys-register").click()
    expect(page).to_have_url(re.compile(r"done=registered"))
    expect(page.get_by_test_id("active-enc-key-id")).to_have_text(doc["public"]["enc_key_id"])
    shot(page, "sealing-1-keys")

    # 2. Seal and submit on the tender's bid page.
    page.goto(server.url + f"/tenders/{w.tender_id}/bid")
    unlock(page, keyfile, "correct horse 电池")
    files = [("商务标.pdf", PDF), ("技术标.pdf", b"%PDF-1.7 technical")]
    fill_sheet(page, w.lot_id, files)
    lot = page.locator(f"[data-lot-id='{w.lot_id}']")
    lot.get_by_test_id("seal-submit").click()
    receipt_box = lot.get_by_test_id("receipt")
    expect(receipt_box).to_be_visible(timeout=30_000)
    expect(receipt_box).to_have_attribute("data-verified", "1")
    shot(page, "sealing-2-receipt")
    with page.expect_download() as rdl:
        lot.get_by_test_id("receipt-download").click()
    receipt = json.loads(Path(rdl.value.path()).read_text())

    # 3. Python agrees: the receipt verifies with the platform key, the row and blob match, the bid opens.
    verify_receipt(receipt, server.app.state.platform_key.public_raw)
    bids = server.run(lambda db: _bids(db, w.org_id))
    assert len(bids) == 1 and bids[0].status == BidStatus.active and bids[0].sha256 == receipt["sha256"]
    blob_path = server.app.state.blobs.path_for(receipt["sha256"])
    ks = keys.read_keyfile(doc, "correct horse 电池")
    header = json.loads(bids[0].header)
    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    opened = envelope.open_bid(blob_path, data_key, expected_sha256=receipt["sha256"], sign_public=ks.sign_public)
    assert opened.signature_ok and opened.sha256_ok and opened.problems == []
    assert opened.sheet["price"] == SHEET_PRICE and opened.sheet["lot_id"] == w.lot_id
    assert [f[0] for f in opened.files] == ["商务标.pdf", "技术标.pdf"]
    assert errors == []


def test_replace_then_withdraw_from_the_page_art27(server: LiveServer, page: Page, tmp_path: Path) -> None:
    """A second submission replaces the first (the last one counts); withdraw marks it withdrawn (Art.27)."""
    w, ks = seed(server, with_keys=True)
    assert ks is not None
    keyfile = tmp_path / "k.ggzykey"
    keyfile.write_text(json.dumps(keys.write_keyfile(ks, "pw-123456", org_id=w.org_id, iterations=ITER,
                                                     now=datetime.now(UTC))))
    login(page, server, w.username, f"/tenders/{w.tender_id}/bid")
    unlock(page, keyfile, "pw-123456")
    lot = page.locator(f"[data-lot-id='{w.lot_id}']")
    for n in range(2):
        fill_sheet(page, w.lot_id, [(f"bid{n}.pdf", PDF + bytes([n]))])
        lot.get_by_test_id("seal-submit").click()
        expect(lot.get_by_test_id("receipt")).to_have_attribute("data-verified", "1", timeout=30_000)
    bids = server.run(lambda db: _bids(db, w.org_id))
    assert [b.status for b in bids] == [BidStatus.replaced, BidStatus.active]

    page.reload()
    page.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")
    expect(page.get_by_test_id("current-bid")).to_have_attribute("data-status", "active")
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("withdraw").click()
    expect(page).to_have_url(re.compile(r"done=withdrawn"))
    expect(page.get_by_test_id("current-bid")).to_have_attribute("data-status", "withdrawn")
    assert [b.status for b in server.run(lambda db: _bids(db, w.org_id))][-1] == BidStatus.withdrawn


def test_with_a_rescue_plan_the_page_wraps_to_the_rescue_key_art31(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """Where the tender has a rescue plan the page fetches the rescue key and adds the rescue recipient."""
    w, ks = seed(server, rescue=True, with_keys=True)
    assert ks is not None
    keyfile = tmp_path / "k.ggzykey"
    keyfile.write_text(json.dumps(keys.write_keyfile(ks, "pw-123456", org_id=w.org_id, iterations=ITER,
                                                     now=datetime.now(UTC))))
    login(page, server, w.username, f"/tenders/{w.tender_id}/bid")
    unlock(page, keyfile, "pw-123456")
    fill_sheet(page, w.lot_id, [("a.pdf", PDF)])
    lot = page.locator(f"[data-lot-id='{w.lot_id}']")
    # The bidder's own 大写 is what is signed, even when it differs from the figures (the page warns only;
    # Evaluation Rules Art.19: the words prevail).
    lot.get_by_test_id("price-words").fill("玖拾伍万元整")
    expect(lot.get_by_test_id("words-hint")).to_contain_text(in_words(Decimal(SHEET_PRICE)))
    lot.get_by_test_id("seal-submit").click()
    expect(lot.get_by_test_id("receipt")).to_have_attribute("data-verified", "1", timeout=30_000)
    (bid,) = server.run(lambda db: _bids(db, w.org_id))
    header = json.loads(bid.header)
    assert [r["role"] for r in header["recipients"]] == ["bidder", "rescue"]
    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    opened = envelope.open_bid(server.app.state.blobs.path_for(bid.sha256), data_key, expected_sha256=bid.sha256,
                               sign_public=ks.sign_public)
    assert opened.signature_ok and opened.sheet["price_in_words"] == "玖拾伍万元整"


def test_a_key_file_that_is_not_the_active_set_is_refused_before_sealing(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    w, _ = seed(server, with_keys=True)
    other = keys.generate()
    keyfile = tmp_path / "old.ggzykey"
    keyfile.write_text(json.dumps(keys.write_keyfile(other, "pw-123456", org_id=w.org_id, iterations=ITER,
                                                     now=datetime.now(UTC))))
    login(page, server, w.username, f"/tenders/{w.tender_id}/bid")
    page.locator("#key-file").set_input_files(str(keyfile))
    page.fill("#key-pass", "wrong-pass")
    page.get_by_test_id("key-unlock").click()
    expect(page.get_by_test_id("key-msg")).to_contain_text("keys.bad_passphrase")
    page.fill("#key-pass", "pw-123456")
    page.get_by_test_id("key-unlock").click()
    expect(page.get_by_test_id("key-msg")).to_have_class(re.compile(r"\berror\b"))
    page.locator(f"[data-lot-id='{w.lot_id}']").get_by_test_id("seal-submit").click()
    expect(page.locator(f"[data-lot-id='{w.lot_id}']").get_by_test_id("seal-msg")).to_be_visible()
    assert server.run(lambda db: _bids(db, w.org_id)) == []


def test_rotation_from_the_keys_page_retires_the_old_set(server: LiveServer, page: Page) -> None:
    w, _ = seed(server, with_keys=True)
    login(page, server, w.username, "/workspace/keys")
    old = page.get_by_test_id("active-enc-key-id").inner_text()
    page.fill("#pass1", "another pass 1")
    page.fill("#pass2", "another pass 1")
    with page.expect_download():
        page.get_by_test_id("keys-generate").click()
    page.get_by_test_id("keys-register").click()  # refused until the "saved" box is ticked
    expect(page.get_by_test_id("keys-msg")).to_have_class(re.compile(r"\berror\b"))
    page.get_by_test_id("keys-saved").check()
    page.get_by_test_id("keys-register").click()
    expect(page).to_have_url(re.compile(r"done=registered"))
    assert page.get_by_test_id("active-enc-key-id").inner_text() != old
    expect(page.locator("[data-testid=key-row][data-status=retired]")).to_have_count(1)

    async def _sets(db: AsyncSession) -> list[str]:
        rows = (await db.execute(select(KeySet).where(KeySet.org_id == w.org_id))).scalars()
        return sorted(str(k.status) for k in rows)

    assert server.run(_sets) == [KeySetStatus.active, KeySetStatus.retired]


# ------------------------------------------------------------------------------------------- verification view


def _sealed_by_python(tmp_path: Path) -> tuple[Path, Path, dict[str, object], list[Path]]:
    ks = keys.generate()
    keyfile = tmp_path / "bidder.ggzykey"
    keyfile.write_text(json.dumps(keys.write_keyfile(ks, "pw-123456", org_id="org-b", iterations=ITER,
                                                     now=datetime.now(UTC))))
    files = [tmp_path / "商务标.pdf", tmp_path / "已标价工程量清单.xlsx"]
    files[0].write_bytes(PDF)
    files[1].write_bytes(b"PK\x03\x04 spreadsheet")
    sheet: dict[str, object] = {
        "lot_id": "lot-1", "price": "1234567.89", "price_in_words": "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
        "duration_days": 180, "quality": "合格", "project_lead": "张三", "lead_certificate": "苏132100000001",
    }
    env = tmp_path / "bid.ggzyenv"
    envelope.seal_bid(env, keys=ks, tender_id="tender-1", lot_id="lot-1", bidder_org_id="org-b", sheet=sheet,
                      files=files)
    return env, keyfile, sheet, files


def _run_verify(page: Page) -> str:
    page.get_by_test_id("verify-run").click()
    page.wait_for_selector("[data-sealing-page][data-done]", state="attached")
    return page.locator("[data-sealing-page]").get_attribute("data-done") or ""


def test_c_an_envelope_sealed_by_ggzy_seal_opens_in_the_verification_view(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """(c) The public page (no login) opens a `seal_bid` envelope with the key file: signature, digests, sheet,
    and offers the files for download, byte for byte."""
    env, keyfile, sheet, files = _sealed_by_python(tmp_path)
    page.goto(server.url + "/tools/verify")
    page.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")
    page.get_by_test_id("env-file").set_input_files(str(env))
    page.get_by_test_id("key-file").set_input_files(str(keyfile))
    page.get_by_test_id("key-pass").fill("pw-123456")
    assert _run_verify(page) == "ok"
    for check in ("keyfile", "framing", "decrypt", "signature", "digests"):
        expect(page.locator(f"[data-check={check}]")).to_have_attribute("data-ok", "1")
    shown = {k: page.locator(f"[data-testid=verify-sheet] tr[data-field={k}] td").inner_text() for k in sheet}
    assert shown == {k: str(v) for k, v in sheet.items()}
    shot(page, "sealing-3-verify")
    with page.expect_download() as dl:
        page.locator("tr[data-file='商务标.pdf'] button").click()
    assert Path(dl.value.path()).read_bytes() == files[0].read_bytes()


def test_the_verification_view_reports_a_tampered_envelope_and_a_wrong_data_key(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    env, keyfile, _, _ = _sealed_by_python(tmp_path)
    raw = bytearray(env.read_bytes())
    raw[-20] ^= 0x01  # inside the last record's ciphertext/tag: framing fine, authentication fails
    bad = tmp_path / "bad.ggzyenv"
    bad.write_bytes(bytes(raw))
    page.goto(server.url + "/tools/verify")
    page.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")
    page.get_by_test_id("env-file").set_input_files(str(bad))
    page.get_by_test_id("key-file").set_input_files(str(keyfile))
    page.get_by_test_id("key-pass").fill("pw-123456")
    assert _run_verify(page) == "failed"
    expect(page.locator("[data-check=framing]")).to_have_attribute("data-ok", "1")
    expect(page.locator("[data-check=decrypt]")).to_have_attribute("data-ok", "0")
    expect(page.locator("[data-check=decrypt]")).to_contain_text("bid.decrypt_failed")

    page.get_by_test_id("env-file").set_input_files(str(env))
    page.get_by_test_id("key-file").set_input_files([])
    page.get_by_test_id("data-key").fill("A" * 43 + "=")  # 32 zero-ish bytes: not this bid's data key
    assert _run_verify(page) == "failed"
    expect(page.locator("[data-check=decrypt]")).to_have_attribute("data-ok", "0")


def test_the_verification_view_checks_a_server_receipt_against_its_envelope(
    server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """A receipt issued by the live server verifies against the platform key fetched by the page and matches the
    envelope's SHA-256; the same receipt next to another envelope does not match."""
    w, ks = seed(server, with_keys=True)
    assert ks is not None
    keyfile = tmp_path / "k.ggzykey"
    keyfile.write_text(json.dumps(keys.write_keyfile(ks, "pw-123456", org_id=w.org_id, iterations=ITER,
                                                     now=datetime.now(UTC))))
    login(page, server, w.username, f"/tenders/{w.tender_id}/bid")
    unlock(page, keyfile, "pw-123456")
    fill_sheet(page, w.lot_id, [("a.pdf", PDF)])
    lot = page.locator(f"[data-lot-id='{w.lot_id}']")
    lot.get_by_test_id("seal-submit").click()
    expect(lot.get_by_test_id("receipt")).to_have_attribute("data-verified", "1", timeout=30_000)
    receipt_path, env_path = tmp_path / "receipt.json", tmp_path / "mine.ggzyenv"
    with page.expect_download() as dl:
        lot.get_by_test_id("receipt-download").click()
    dl.value.save_as(receipt_path)
    with page.expect_download() as dl2:
        lot.locator("[data-role=envelope-download]").click()
    dl2.value.save_as(env_path)

    page.goto(server.url + "/tools/verify")
    page.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")
    page.get_by_test_id("env-file").set_input_files(str(env_path))
    page.get_by_test_id("receipt-file").set_input_files(str(receipt_path))
    assert _run_verify(page) == "ok"
    expect(page.locator("[data-check=receipt_signature]")).to_have_attribute("data-ok", "1")
    expect(page.locator("[data-check=receipt_match]")).to_have_attribute("data-ok", "1")

    other, _, _, _ = _sealed_by_python(tmp_path)
    page.get_by_test_id("env-file").set_input_files(str(other))
    assert _run_verify(page) == "failed"
    expect(page.locator("[data-check=receipt_match]")).to_have_attribute("data-ok", "0")


def test_the_verification_view_fits_a_phone_and_switches_to_english(server: LiveServer, phone: Page) -> None:
    phone.goto(server.url + "/tools/verify?lang=en")
    phone.wait_for_selector("[data-sealing-page][data-ready='1']", state="attached")
    expect(phone.get_by_test_id("verify-run")).to_have_text("Verify")
    sw, iw = no_horizontal_overflow(phone)
    assert sw <= iw
