"""`ggzy demo --json` plays the whole tender on an embedded platform and reports every stage."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from ggzy.cli import app as cli_app
from ggzy.demo.play import STAGES

EXPECTED = ["login", "project_entry", "tender_draft", "documents_upload", "announcement_published",
            "documents_downloaded", "question_answered", "correction", "suspension", "keys_registered", "bids_sealed",
            "bid_deadline", "opening_decrypt", "opening_announced", "opening_record", "audit_verify"]


async def test_demo_json_plays_every_stage_embedded_art21_art22() -> None:
    """Covers E-Bidding Measures Art.21 (downloads and bids secret until the deadline), Art.22 (answers reach all),
    Art.27 (receipts), Art.31 (a bidder that does not decrypt: 视为撤销) and MOF 87 Art.42 (silence accepts)."""
    result = await asyncio.to_thread(CliRunner().invoke, cli_app, ["demo", "--json"])
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output  # exactly one JSON object on stdout
    summary = json.loads(lines[0])
    assert [s["name"] for s in summary["stages"]] == EXPECTED == [name for name, _, _ in STAGES]
    failed = [s for s in summary["stages"] if not s["ok"]]
    assert failed == [], failed
    assert summary["audit_ok"] is True and summary["ok"] is True and summary["embedded"] is True
    assert summary["tender_id"]
    assert result.exit_code == 0
    by_name = {s["name"]: s for s in summary["stages"]}
    assert by_name["documents_downloaded"]["art21_secret_kept"] is True
    assert by_name["bids_sealed"]["receipts_verified"] == 4 and by_name["bids_sealed"]["visible_before_deadline"] == 0
    assert by_name["bid_deadline"]["status"] == "opening"  # 4 bids on lot 1: the hall opens (Bidding Regs Art.44)
    assert (by_name["opening_decrypt"]["decrypted"], by_name["opening_decrypt"]["deemed_revoked"]) == (3, 1)
    assert by_name["opening_announced"]["objections_answered"] == 1
    record = by_name["opening_record"]
    assert record["deemed_confirmed"] == 2 and record["tender_status"] == "opened" and len(record["audit_hash"]) == 64
