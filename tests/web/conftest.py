"""Browser tests: a real uvicorn server in a thread and Debian's chromium driven by Playwright.

One server and one browser for the package (fast); a fresh browser context (cookies, viewport) per test.
The server runs on SQLite in a temp dir with a FrozenClock the tests move; rows are seeded on the
server's own event loop through its sessionmaker, so there is exactly one engine per database.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession

import ggzy.models  # noqa: F401  (registers every table)
from ggzy.app import create_app
from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Base
from tests.conftest import START

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

T = TypeVar("T")


@dataclass
class LiveServer:
    """The running platform: its URL, clock and a way to run database code on its loop."""

    url: str
    app: FastAPI
    clock: FrozenClock
    loop: asyncio.AbstractEventLoop
    settings: Settings

    def run(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `fn(session)` on the server's event loop and wait for its result."""

        async def _go() -> T:
            async with self.app.state.sessionmaker() as session:
                return await fn(session)

        return asyncio.run_coroutine_threadsafe(_go(), self.loop).result(timeout=30)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API owns an event loop while it is alive, which
    pytest-asyncio's per-test loops must not meet, so it starts after and stops before them."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web")
    db_file = data_dir / "web.db"
    sync_engine = create_engine(f"sqlite:///{db_file}")
    Base.metadata.create_all(sync_engine)
    sync_engine.dispose()
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite+aiosqlite:///{db_file}", run_sweeper=False, secret_key="web-test",
    )
    clock = FrozenClock(START)
    app = create_app(settings, clock=clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    loop = asyncio.new_event_loop()

    def _serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=_serve, name="ggzy-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app, clock=clock, loop=loop, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture
def server(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server with its clock put back to the start after each test."""
    live_server.clock.set(START)
    yield live_server
    live_server.clock.set(START)


def _context(browser: Browser, viewport: dict[str, int], **kw: Any) -> BrowserContext:
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **kw)
    ctx.set_default_timeout(10_000)
    return ctx


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A laptop-sized page in a fresh context (no cookies)."""
    ctx = _context(browser, LAPTOP)
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (390×844, touch) in a fresh context."""
    ctx = _context(browser, PHONE, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/ (git-ignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def no_horizontal_overflow(page: Page) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the document: the first must not exceed the second."""
    sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return int(sw), int(iw)
