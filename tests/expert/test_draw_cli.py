"""`ggzy expert verify-draw` re-runs a revealed draw from its published JSON (a file or a URL): exit code 0 when
everything matches, 1 on any tampering or an unreadable source."""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ggzy.cli import app as cli_app
from ggzy.expert import draw_service as service
from ggzy.expert.models import MemberStatus
from ggzy.kit.clock import FrozenClock
from tests.expert.draw_builders import accept_all, add_pool, draw_world, request_body, seats


async def verify(source: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, cli_app, ["expert", "verify-draw", source])


@pytest.fixture
async def revealed(app, db, clock: FrozenClock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 9)
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now), now=now)
    draw_id = draw.id
    await service.perform_draw(db, w.centre, draw_id, now=now, blobs=None)
    first = next(s for s in await seats(db, draw_id) if s.status == MemberStatus.notified)
    await service.decline(db, w.actors[first.expert_id], draw_id, first.id, "出差", now=now, blobs=None)
    await accept_all(db, w, draw_id, clock)
    doc = await service.verification_doc(db, draw_id)
    await db.rollback()
    return doc


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain HTTP server over tmp_path (what any web server publishing the JSON would be)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_verify_draw_passes_on_the_published_data_from_a_file_or_a_url(
        revealed: dict[str, Any], served: tuple[Path, str]) -> None:
    root, base = served
    (root / "draw.json").write_text(json.dumps(revealed, ensure_ascii=False), encoding="utf-8")
    for source in (str(root / "draw.json"), f"{base}/draw.json"):
        result = await verify(source)
        assert result.exit_code == 0, result.output
        assert "OK" in result.output and "round 2 re-run matches" in result.output
        committee = [p["expert_id"] for r in revealed["rounds"] for p in r["picked"] if not p["reserve"]
                     and p["expert_id"] not in revealed["replaced_experts"]]
        assert len(committee) == 5 and all(e[:8] in result.output for e in committee)


@pytest.mark.parametrize("tamper", ["seed", "picked", "snapshot"])
async def test_verify_draw_fails_on_a_tampered_file(revealed: dict[str, Any], tmp_path: Path, tamper: str) -> None:
    doc = json.loads(json.dumps(revealed))
    if tamper == "seed":
        doc["seed"] = "00" * 32
    elif tamper == "picked":
        doc["rounds"][0]["picked"][0]["expert_id"] = doc["rounds"][0]["picked"][-1]["expert_id"]
    else:
        snap = json.loads(doc["rounds"][1]["snapshot"])
        snap["groups"][0]["eligible"] = snap["groups"][0]["eligible"][:-1]
        doc["rounds"][1]["snapshot"] = json.dumps(snap, separators=(",", ":"), sort_keys=True)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = await verify(str(path))
    assert result.exit_code == 1, result.output
    assert "MISMATCH" in result.output


async def test_verify_draw_fails_on_an_unreadable_source(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("not json", encoding="utf-8")
    for source in (str(tmp_path / "x.json"), str(tmp_path / "missing.json")):
        result = await verify(source)
        assert result.exit_code == 1 and "cannot read" in result.output
