"""Errors of the demo-only endpoints."""

from ggzy.kit.errors import DomainError


class ClockNotMovable(DomainError):
    status = 409
    code = "demo.clock_not_movable"
    message_zh = "当前时钟不可调整（仅演示模式可用）"
    message_en = "This platform's clock cannot be moved (demo mode only)"


class ClockBackwards(DomainError):
    status = 422
    code = "demo.clock_backwards"
    message_zh = "演示时钟只能向前调整"
    message_en = "The demo clock only moves forward"
