"""Shared inputs for party tests."""

from __future__ import annotations

import itertools
from typing import Any

from ggzy.party.rules import credit_code_check_char

_n = itertools.count(1)


def credit_code() -> str:
    """A fresh, valid unified social credit code (GB 32100 check digit)."""
    body = f"91310000MA{next(_n):07d}"
    return body + credit_code_check_char(body)


def registration(**overrides: Any) -> dict[str, Any]:
    n = next(_n)
    data: dict[str, Any] = {
        "org_name": f"上海测试建设有限公司{n}", "credit_code": credit_code(), "region": "上海市",
        "address": "浦东新区世纪大道 1 号", "contact_name": "张三", "contact_phone": "13800000000",
        "username": f"bidder{n}", "display_name": "张三", "password": "Bidder2026pass",
    }
    data.update(overrides)
    return data
