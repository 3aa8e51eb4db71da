"""The OpenAPI document and /docs work offline: no asset comes from a CDN."""

from __future__ import annotations

import re

from httpx import AsyncClient


async def test_openapi_document_is_served(client: AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/auth/token" in doc["paths"]


async def test_docs_page_uses_only_local_assets(client: AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", r.text) + re.findall(r"url: *'([^']+)'", r.text)
    assert urls, "the docs page should reference its assets"
    for url in urls:
        assert not url.startswith(("http://", "https://", "//")), f"external asset on /docs: {url}"
        if url.startswith("/static/"):
            asset = await client.get(url)
            assert asset.status_code == 200, url
