"""`ggzy demo`: play a whole construction tender, a whole procurement tender and a land auction through the
platform's HTTP API, stage by stage (demo/stages.py lists them; demo/scenarios.py says what each tender is,
demo/land.py the auction).

Without --url it starts an embedded platform (uvicorn in a thread, a temporary data directory, SQLite,
GGZY_DEMO_CLOCK=1) whose clock the demo moves forward through /api/demo/clock/advance. Against another
platform the time-dependent stages run only when that platform has the demo clock; otherwise they are
reported as skipped, with the reason. Every stage appears in the summary: nothing is skipped silently.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import tempfile
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ggzy.demo.api import Api, StageFailed, StageSkipped
from ggzy.demo.context import Play, TenderRun
from ggzy.demo.scenarios import SCENARIOS
from ggzy.demo.seed import DEMO_PASSWORD
from ggzy.demo.stages import STAGES
from ggzy.kit.errors import DomainError

__all__ = ["STAGES", "EmbeddedPlatform", "play", "run_demo"]


@dataclass
class StageResult:
    name: str
    title: str
    ok: bool
    seconds: float
    skipped: str = ""
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "title": self.title, "ok": self.ok,
                               "seconds": round(self.seconds, 3)}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.error:
            out["error"] = self.error
        out.update(self.detail)
        return out


def play(base_url: str, *, password: str = DEMO_PASSWORD, console: Console | None = None) -> dict[str, Any]:
    """Run every stage against `base_url`; returns the summary (see run_demo)."""
    console = console or Console(stderr=True)
    api = Api(base_url, password)
    state = Play(api, runs={sc.key: TenderRun(sc) for sc in SCENARIOS})
    results: list[StageResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("ggzy demo", total=len(STAGES))
            for name, title, fn in STAGES:
                progress.update(task, description=title)
                started = time.perf_counter()
                try:
                    detail = fn(state)
                    res = StageResult(name, title, True, time.perf_counter() - started, detail=detail)
                except StageSkipped as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started, skipped=str(exc))
                except StageFailed as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started, error=str(exc),
                                      detail=exc.detail)
                except (httpx.HTTPError, KeyError, ValueError, TypeError, DomainError) as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started,
                                      error=f"{type(exc).__name__}: {exc}")
                results.append(res)
                progress.advance(task)
                mark = "[green]✓[/green]" if res.ok else ("[yellow]–[/yellow]" if res.skipped else "[red]✗[/red]")
                note = res.skipped or res.error or ", ".join(f"{k}={v}" for k, v in list(res.detail.items())[:3])
                progress.console.print(f"{mark} {title}  [dim]{note}[/dim]", highlight=False)
    finally:
        api.close()
        if state.workdir is not None:
            shutil.rmtree(state.workdir, ignore_errors=True)
    return {
        "ok": all(r.ok for r in results),
        "url": base_url,
        "stages": [r.as_dict() for r in results],
        "project_id": state.runs["construction"].project_id or None,
        "tender_id": state.runs["construction"].tender_id or None,
        "tenders": {key: run.tender_id or None for key, run in state.runs.items()},
        "audit_ok": state.audit_ok is True,
        "clock_movable": state.clock_movable,
    }


class EmbeddedPlatform:
    """A throw-away platform: temp data dir, SQLite, demo clock, uvicorn in a daemon thread."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ggzy-demo-")
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> EmbeddedPlatform:
        import uvicorn

        from ggzy.app import create_app
        from ggzy.config import Settings
        from ggzy.migrations import upgrade

        settings = Settings(
            data_dir=Path(self._tmp.name), database_url="", demo_clock=True, run_sweeper=True,
            sweeper_interval_seconds=0.2, secret_key=secrets.token_hex(16), redis_url="",
        )
        upgrade(settings.effective_database_url)
        asyncio.run(_seed(settings))
        port = _free_port()
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ggzy-demo-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the embedded platform did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._tmp.cleanup()


async def _seed(settings: Any) -> None:
    from ggzy.demo.seed import seed_demo
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.storage.blobstore import LocalBlobStore

    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine, audit_key=settings.secret_key)() as session:
            await seed_demo(session, now=SystemClock().now(), blobs=LocalBlobStore(settings.blob_dir))
    finally:
        await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_demo(*, url: str | None = None, json_mode: bool = False, password: str | None = None,
             console: Console | None = None) -> dict[str, Any]:
    """Play the demo against `url`, or against an embedded platform started (and removed) for the occasion."""
    console = console or Console(stderr=json_mode)
    if url:
        summary = play(url, password=password or DEMO_PASSWORD, console=console)
        summary["embedded"] = False
        return summary
    starting: AbstractContextManager[Any] = (
        console.status("starting an embedded platform…") if console.is_terminal and not json_mode else nullcontext()
    )
    with starting:
        platform = EmbeddedPlatform().__enter__()
    try:
        if not json_mode:
            console.print(f"embedded platform at {platform.url} (demo password: {DEMO_PASSWORD})")
        summary = play(platform.url, password=password or DEMO_PASSWORD, console=console)
    finally:
        platform.__exit__(None, None, None)
    summary["embedded"] = True
    return summary
