"""Pure auth rules: where a login may send the browser next."""

from __future__ import annotations

import pytest

from ggzy.auth.rules import safe_next


@pytest.mark.parametrize("value", ["/workspace", "/tenders/abc?tab=docs", "/workspace/account#pw"])
def test_local_paths_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    ["", None, "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "evil.example", "/ok\r\nSet-Cookie: x=1", "http:/evil"],
)
def test_foreign_or_odd_targets_fall_back_to_the_workspace(value: str | None) -> None:
    assert safe_next(value) == "/workspace"
