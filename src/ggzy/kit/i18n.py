"""Chinese first, English on request: text lives beside its translation where it is used.

Pages call `t("中文", "English")`; the language comes from the `lang` cookie (or ?lang=), so no
central catalogue has to be kept in step with the templates.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

Lang = Literal["zh", "en"]
current_lang: ContextVar[Lang] = ContextVar("current_lang", default="zh")


def pick_lang(value: str | None) -> Lang:
    return "en" if (value or "").lower().startswith("en") else "zh"


def t(zh: str, en: str) -> str:
    return en if current_lang.get() == "en" else zh
