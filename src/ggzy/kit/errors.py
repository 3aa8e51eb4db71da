"""Named domain errors: each carries an HTTP status, a stable code and a message in Chinese and English.

A user never sees a 500 for a business conflict or for bad input: every domain raises a subclass
of DomainError (or DomainError itself with its own code) and the app turns it into JSON or a page.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "error"
    message_zh: str = "请求无法完成"
    message_en: str = "The request could not be completed"

    def __init__(
        self,
        code: str | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
        *,
        status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if message_zh is not None:
            self.message_zh = message_zh
        if message_en is not None:
            self.message_en = message_en
        if status is not None:
            self.status = status
        self.detail = detail or {}
        super().__init__(f"{self.code}: {self.message_en}")

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message_zh, "message_en": self.message_en}
        if self.detail:
            body["detail"] = self.detail
        return {"error": body}


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message_zh = "找不到该记录"
    message_en = "Not found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message_zh = "无权执行此操作"
    message_en = "You are not allowed to do this"


class Unauthenticated(DomainError):
    status = 401
    code = "auth.required"
    message_zh = "请先登录"
    message_en = "Please log in first"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"
    message_zh = "输入有误"
    message_en = "Invalid input"


def not_found(what_zh: str, what_en: str, code: str) -> NotFound:
    return NotFound(code, f"找不到{what_zh}", f"{what_en} not found")
