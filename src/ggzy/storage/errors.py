"""Named errors of the blob store."""

from ggzy.kit.errors import DomainError


class BlobTooLarge(DomainError):
    status = 413
    code = "storage.too_large"
    message_zh = "文件超过允许的大小"
    message_en = "The file is larger than allowed"


class BlobNotFound(DomainError):
    status = 404
    code = "storage.not_found"
    message_zh = "找不到该文件"
    message_en = "File not found"


class BadDigest(DomainError):
    status = 422
    code = "storage.bad_digest"
    message_zh = "文件摘要格式错误"
    message_en = "Malformed file digest"


class BadUpload(DomainError):
    status = 422
    code = "storage.bad_upload"
    message_zh = "上传内容格式错误，请以 multipart/form-data 上传文件"
    message_en = "Malformed upload; send the file as multipart/form-data"
