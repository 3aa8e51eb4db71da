"""The draw benchmark runs end to end at a small size (on PostgreSQL too when GGZY_TEST_POSTGRES is set), so a
broken benchmark is caught by CI. No timing is asserted; the full run is `benchmarks/expert_draw.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_ADMIN_URL

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "expert_draw.py"


def test_expert_draw_benchmark_runs() -> None:
    cmd = [sys.executable, str(SCRIPT), "--experts", "1500", "--repeat", "2"]
    if PG_ADMIN_URL:
        cmd += ["--postgres", PG_ADMIN_URL]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "ratio draw / scan" in done.stdout and "scanned 1500 rows" in done.stdout and "picked 11" in done.stdout
