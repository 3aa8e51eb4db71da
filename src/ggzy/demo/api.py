"""The demo's HTTP client: one bearer token per demo user, JSON in and out, and the two ways a stage ends early."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx


class StageFailed(Exception):
    """A stage's request or check did not give what the stage expected."""

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail


class StageSkipped(Exception):
    """The platform cannot play this stage (an endpoint or the demo clock is missing); said out loud."""


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Api:
    """A thin httpx wrapper: one bearer token per demo user, JSON in and out, clear failures."""

    def __init__(self, base_url: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=30.0)
        self.password = password
        self.tokens: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self.http.close()

    def login(self, username: str) -> None:
        r = self.http.post("/api/auth/token", json={"username": username, "password": self.password,
                                                     "name": "ggzy demo"})
        if r.status_code != 200:
            raise StageFailed(f"login of {username} failed ({r.status_code})", response=body_of(r))
        self.tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def ensure_login(self, *usernames: str) -> None:
        for username in usernames:
            if username not in self.tokens:
                self.login(username)

    def request(self, method: str, path: str, *, as_: str | None = None, expect: tuple[int, ...] = (200, 201),
                **kw: Any) -> httpx.Response:
        extra = kw.pop("headers", {})
        r = self.http.request(method, path, headers={**(self.tokens[as_] if as_ else {}), **extra}, **kw)
        if r.status_code == 401 and as_ and _code(r) == "auth.bad_token":
            # Tokens expire by the platform's clock, which the demo moves by weeks: log in again, as a user would.
            self.login(as_)
            r = self.http.request(method, path, headers={**self.tokens[as_], **extra}, **kw)
        if r.status_code in expect:
            return r
        body, code = body_of(r), _code(r)
        if r.status_code == 405 or (r.status_code == 404 and code == "not_found"):
            raise StageSkipped(f"{method} {path} is not available on this platform ({r.status_code})")
        raise StageFailed(f"{method} {path} → {r.status_code}", response=body)

    def json(self, method: str, path: str, *, as_: str | None = None, expect: tuple[int, ...] = (200, 201),
             **kw: Any) -> Any:
        return self.request(method, path, as_=as_, expect=expect, **kw).json()


def body_of(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return r.text[:500]


def _code(r: httpx.Response) -> str:
    body = body_of(r)
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""
