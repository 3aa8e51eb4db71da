"""ASGI application factory."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ggzy import __version__
from ggzy.config import Settings, get_settings
from ggzy.kit.clock import Clock, SystemClock
from ggzy.kit.db import make_engine, make_sessionmaker
from ggzy.kit.errors import DomainError
from ggzy.kit.i18n import current_lang, pick_lang
from ggzy.kit.templating import render
from ggzy.sealing.receipt import PlatformKey
from ggzy.storage.blobstore import LocalBlobStore

log = logging.getLogger("ggzy")

# Every domain contributes an API router (endpoints.py) and a page router (pages.py).
ROUTER_MODULES = [
    "ggzy.auth.endpoints",
    "ggzy.auth.pages",
    "ggzy.party.endpoints",
    "ggzy.party.pages",
    "ggzy.project.endpoints",
    "ggzy.project.pages",
    "ggzy.tender.endpoints",
    "ggzy.tender.pages",
    "ggzy.workdays.endpoints",
    "ggzy.workdays.pages",
    "ggzy.tender.documents",
    "ggzy.tender.documents_pages",
    "ggzy.tender.questions",
    "ggzy.tender.questions_pages",
    "ggzy.notify.endpoints",
    "ggzy.notify.pages",
    "ggzy.bid.endpoints",
    "ggzy.bid.pages",
    "ggzy.opening.endpoints",
    "ggzy.opening.pages",
    "ggzy.auction.endpoints",
    "ggzy.auction.pages",
    "ggzy.exchange.endpoints",
    "ggzy.ocds.endpoints",
    "ggzy.stats.pages",
    "ggzy.fees.endpoints",
    "ggzy.fees.pages",
    "ggzy.evaluation.endpoints",
    "ggzy.evaluation.pages",
    "ggzy.publicity.endpoints",
    "ggzy.publicity.pages",
    "ggzy.award.endpoints",
    "ggzy.award.pages",
    "ggzy.supervision.complaint_endpoints",
    "ggzy.supervision.complaint_pages",
    "ggzy.supervision.endpoints",
    "ggzy.supervision.pages",
    "ggzy.audit.endpoints",
    "ggzy.expert.draw_endpoints",
    "ggzy.expert.draw_pages",
    "ggzy.expert.pool_endpoints",
    "ggzy.expert.pool_pages",
    "ggzy.archive.endpoints",
    "ggzy.archive.pages",
    "ggzy.aid.endpoints",
    "ggzy.aid.pages",
    "ggzy.venue.endpoints",
    "ggzy.venue.pages",
    "ggzy.realtime.endpoints",
    "ggzy.portal.pages",
    "ggzy.portal.workspace",
]

PLATFORM_KEY_FILE = "platform-signing-key.pem"
STATIC_DIR = Path(__file__).resolve().parent / "static"
SWAGGER_DIR = Path(str(swagger_ui_bundle.swagger_ui_path))

MESSAGES = {
    "request.malformed_json": ("请求内容不是有效的 JSON", "The request body is not valid JSON"),
    "request.invalid": ("输入有误，请检查标出的字段", "Invalid input; check the fields listed"),
    "conflict.integrity": ("与已有记录冲突", "Conflicts with an existing record"),
    "internal": ("服务器内部错误，已记录", "Internal error; it has been logged"),
}


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def _error(request: Request, status: int, body: dict[str, Any]) -> Response:
    if wants_html(request):
        return render(request, "error.html", {"error": body["error"], "status": status}, status_code=status)
    return JSONResponse(body, status_code=status)


def _coded(code: str, status: int, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    zh, en = MESSAGES.get(code, (f"请求错误（{status}）", f"Request error ({status})"))
    body: dict[str, Any] = {"code": code, "message": zh, "message_en": en}
    if detail:
        body["detail"] = detail
    return {"error": body}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return _error(request, exc.status, exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(request, 400, _coded("request.malformed_json", 400))
        fields = [
            {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")} for e in errors
        ]
        return _error(request, 422, _coded("request.invalid", 422, {"fields": fields}))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http")
        body = _coded(code, exc.status_code)
        if exc.status_code == 404:
            body["error"].update(message="页面或资源不存在", message_en="Not found")
        return _error(request, exc.status_code, body)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return _error(request, 409, _coded("conflict.integrity", 409))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return _error(request, 500, _coded("internal", 500))


class LanguageMiddleware:
    """Sets the page language (?lang= or the `lang` cookie) for the request; `?lang=` also sets the cookie.

    Plain ASGI rather than `@app.middleware("http")`: the latter wraps every streamed chunk in extra task hops,
    which more than doubled the CPU per event for a hall with 1,000 SSE watchers (benchmarks/hall_watchers.py).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        lang = pick_lang(asked or request.cookies.get("lang"))
        token = current_lang.set(lang)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", f"lang={lang}; Max-Age={365 * 86400}; Path=/; SameSite=lax")
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie if asked is not None else send)
        finally:
            current_lang.reset(token)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from ggzy.chronograph.runner import start_background, stop_background
        from ggzy.realtime.broker import start_broker, stop_broker

        await start_broker(app)
        if settings.run_sweeper:
            start_background(app)
        try:
            yield
        finally:
            await stop_background(app)
            await stop_broker(app)
            await engine.dispose()

    app = FastAPI(
        title="ggzy 公共资源交易平台 API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or _default_clock(settings)
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine, audit_key=settings.secret_key)
    app.state.blobs = LocalBlobStore(settings.blob_dir)
    # Signs bid receipts (docs/sealed-bids.md); created on first start, 0600, beside the data it vouches for.
    app.state.platform_key = PlatformKey.load_or_create(settings.data_dir / PLATFORM_KEY_FILE)

    app.add_middleware(LanguageMiddleware)

    install_error_handlers(app)
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="ggzy API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)
    if settings.demo_clock:
        # Demo only (GGZY_DEMO_CLOCK=1): a movable clock endpoint; absent from every other deployment.
        from ggzy.demo.endpoints import router as demo_router

        app.include_router(demo_router)
    return app


def _default_clock(settings: Settings) -> Clock:
    if settings.demo_clock:
        from ggzy.demo.clock import OffsetClock

        return OffsetClock()
    return SystemClock()
