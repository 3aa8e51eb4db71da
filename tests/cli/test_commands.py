"""`ggzy db upgrade`, `ggzy db seed` and `ggzy serve --demo-data` on the embedded default."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from ggzy import cli
from ggzy.config import get_settings
from ggzy.demo.seed import DEMO_PASSWORD
from ggzy.party.models import Organisation


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty embedded data dir, as a fresh machine would have."""
    monkeypatch.setenv("GGZY_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GGZY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _orgs(db_file: Path) -> int:
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Organisation)).scalar_one())
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_embedded_database(data_dir: Path) -> None:
    result = CliRunner().invoke(cli.app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "upgraded to head" in result.output
    assert _orgs(data_dir / "ggzy.db") == 0
    again = CliRunner().invoke(cli.app, ["db", "upgrade"])
    assert again.exit_code == 0


def test_serve_upgrades_seeds_once_and_prints_logins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, Any]] = []

    def fake_run(app: Any, **kw: Any) -> None:
        started.append({"app": app, **kw})

    monkeypatch.setattr("uvicorn.run", fake_run)
    result = CliRunner().invoke(cli.app, ["serve", "--demo-data", "--port", "8123", "--no-sweeper"])
    assert result.exit_code == 0, result.output
    assert started and started[0]["port"] == 8123 and started[0]["host"] == "127.0.0.1"
    assert started[0]["app"].state.settings.run_sweeper is False
    for text in ("admin", "agency1", "bidder12", "sup_land", DEMO_PASSWORD):
        assert text in result.output
    seeded = _orgs(data_dir / "ggzy.db")
    assert seeded >= 24
    second = CliRunner().invoke(cli.app, ["serve", "--demo-data"])
    assert second.exit_code == 0 and "agency1" in second.output
    assert _orgs(data_dir / "ggzy.db") == seeded


def test_db_seed_uploads_documents_queues_a_project_and_runs_twice_without_change(data_dir: Path) -> None:
    assert CliRunner().invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    first = CliRunner().invoke(cli.app, ["db", "seed"])
    assert first.exit_code == 0, first.output
    assert "bidder13" in first.output and "nothing new" not in first.output
    engine = create_engine(f"sqlite:///{data_dir / 'ggzy.db'}")
    tables = ("organisations", "projects", "tenders", "tender_documents", "questions", "notifications", "audit_events")

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()) for t in tables}

    try:
        before = counts()
        with engine.connect() as conn:
            docs = conn.exec_driver_sql("SELECT sha256, size FROM tender_documents").all()
            submitted = conn.exec_driver_sql("SELECT count(*) FROM projects WHERE status = 'submitted'").scalar_one()
        assert len(docs) == 2 and submitted == 1 and before["questions"] == 1
        for sha, size in docs:  # the PDF sits in the blob store beside the database, under its own hash
            blob = (data_dir / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes()
            assert blob.startswith(b"%PDF-") and len(blob) == size and hashlib.sha256(blob).hexdigest() == sha
        second = CliRunner().invoke(cli.app, ["db", "seed"])
        assert second.exit_code == 0, second.output
        assert "nothing new" in second.output and counts() == before
    finally:
        engine.dispose()
    verified = CliRunner().invoke(cli.app, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit chain intact" in verified.output


def test_serve_without_demo_data_leaves_the_database_empty(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    assert _orgs(data_dir / "ggzy.db") == 0
    assert DEMO_PASSWORD not in result.output


def test_serve_demo_data_never_seeds_into_a_used_database(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    assert CliRunner().invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    engine = create_engine(f"sqlite:///{data_dir / 'ggzy.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organisations (id, kind, name, region, contact_name, contact_phone, address, status,"
            " reject_reason, department, supervised_lines, created_at) VALUES ('o1', 'agency', '真实代理机构', '',"
            " '', '', '', 'verified', '', '', '[]', '2026-03-02 01:00:00.000000')"
        )
    engine.dispose()
    result = CliRunner().invoke(cli.app, ["serve", "--demo-data"])
    assert result.exit_code == 0, result.output
    assert _orgs(data_dir / "ggzy.db") == 1
    assert "nothing seeded" in result.output
