"""Jinja2 environment for server-rendered pages (Chinese first, English switch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ggzy.kit import money, timefmt
from ggzy.kit.i18n import current_lang, t

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
env = templates.env
env.globals.update(t=t, show_time=timefmt.show, money=money.fmt, in_words=money.in_words)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the caller, its CSRF token and the language already in the context."""
    ctx: dict[str, Any] = {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "lang": current_lang.get(),
        "path": request.url.path,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def login_redirect(target: Request | str) -> RedirectResponse:
    """Send an anonymous visitor to the login page, coming back to `target` (a request or a local path)."""
    if isinstance(target, Request):
        target = target.url.path + (f"?{target.url.query}" if target.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
