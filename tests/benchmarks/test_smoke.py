"""Smoke test: every benchmark runs end to end at a tiny size, so a broken one is caught by CI.

No timing is asserted (speed is reported by the benchmarks themselves, not checked here). Each benchmark runs
as the subprocess a person would start, on SQLite, or on PostgreSQL when GGZY_TEST_POSTGRES is set (the
benchmark creates and drops its own database). The hall benchmark also runs through Redis when it is up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _run(script: str, *args: str) -> str:
    cmd = [sys.executable, str(BENCH / script), *args]
    if PG_ADMIN_URL and script != "opening.py":
        cmd += ["--postgres", PG_ADMIN_URL]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done.stdout


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_deadline_rush_runs_and_loses_nothing() -> None:
    out = _run("deadline_rush.py", "--bidders", "5", "--mib", "0.0625", "--concurrency", "4")
    assert "accepted 5, refused with a coded error 0, lost 0" in out, out
    assert "ratio ggzy / raw" in out


def test_opening_runs_and_every_bid_opens() -> None:
    out = _run("opening.py", "--bids", "4", "--mib", "0.0625", "--workers", "1")
    assert "ratio open_bid / raw" in out, out


def test_hall_watchers_runs_with_every_event_delivered() -> None:
    out = _run("hall_watchers.py", "--watchers", "10", "--events", "3", "--interval", "0.05", "--rounds", "3")
    assert "undelivered 0" in out and "refused 0" in out, out


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_hall_watchers_through_redis() -> None:
    out = _run("hall_watchers.py", "--watchers", "10", "--events", "3", "--interval", "0.05", "--rounds", "3",
               "--redis", REDIS_URL)
    assert "broker redis" in out and "undelivered 0" in out, out


def test_opening_service_path_runs() -> None:
    """Three bids (fewer would fail the tender at the deadline, Bidding Regs Art.44) through the services."""
    args = ["--service", "--bids", "3", "--mib", "0.0625", "--workers", "1"]
    if PG_ADMIN_URL:
        args += ["--postgres", PG_ADMIN_URL]
    out = _run("opening.py", *args)
    assert "ratio decrypt_entry / raw" in out, out


def test_auction_watchers_runs_with_every_event_delivered_in_order() -> None:
    out = _run("auction_watchers.py", "--watchers", "10", "--bidders", "3", "--seconds", "1")
    assert "lost 0, duplicated 0, out of order 0" in out and "refused 0" in out, out
    assert "outbid 409" in out and "errors 0;" in out and "ratio p99 bids / bare" in out, out
