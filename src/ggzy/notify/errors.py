"""Named errors of the notify domain."""

from ggzy.kit.errors import DomainError


class NotificationNotFound(DomainError):
    status = 404
    code = "notify.not_found"
    message_zh = "找不到该消息"
    message_en = "Notification not found"
