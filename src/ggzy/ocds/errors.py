"""Named errors of the OCDS publication."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class ProcessNotFound(DomainError):
    status = 404
    code = "ocds.not_found"
    message_zh = "找不到该交易过程（ocid），或其公告尚未发布"
    message_en = "No contracting process has this ocid, or it is not published yet"
