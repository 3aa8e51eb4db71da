"""`ggzy demo --json` plays the whole tender on an embedded platform and reports every stage."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from ggzy.cli import app as cli_app
from ggzy.demo.play import STAGES

EXPECTED = ["login", "project_entry", "tender_draft", "documents_upload", "announcement_published",
            "documents_downloaded", "question_answered", "correction", "suspension", "bid_deadline", "audit_verify"]


async def test_demo_json_plays_every_stage_embedded_art21_art22() -> None:
    """Covers E-Bidding Measures Art.21 (downloads secret until the deadline) and Art.22 (answers reach all)."""
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
    assert by_name["bid_deadline"]["status"] in ("opening", "failed")  # the opening hook ran (Bidding Regs Art.44)
