"""Enumerate every route the app serves, from the domain routers themselves (FastAPI nests included routers)."""

from __future__ import annotations

import importlib

from fastapi.routing import APIRoute

from ggzy.app import ROUTER_MODULES


def all_routes() -> list[APIRoute]:
    routes: list[APIRoute] = []
    for name in ROUTER_MODULES:
        routes.extend(r for r in importlib.import_module(name).router.routes if isinstance(r, APIRoute))
    return routes
