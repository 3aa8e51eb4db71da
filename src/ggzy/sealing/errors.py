"""Sealing errors: stable codes, Chinese and English messages; `detail` names the failed check."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class SealingError(DomainError):
    """An error about one named check (`detail.check`), with an optional English reason for logs and tests."""

    status = 422

    def __init__(self, check: str, reason: str = "") -> None:
        detail = {"check": check}
        if reason:
            detail["reason"] = reason
        super().__init__(detail=detail)
        self.check = check
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.code} [{self.check}]{': ' + self.reason if self.reason else ''}"


class EnvelopeMalformed(SealingError):
    """Not a well-formed envelope (checked without any key): refused at upload."""

    code = "bid.envelope_malformed"
    message_zh = "投标文件不是格式正确的加密信封"
    message_en = "The bid file is not a well-formed sealed envelope"


class EnvelopeAuthFailed(SealingError):
    """Wrong data key or private key, or the envelope bytes were altered."""

    code = "bid.decrypt_failed"
    message_zh = "解密失败：密钥不正确或文件已被改动"
    message_en = "Decryption failed: wrong key or the file was altered"


class PackageInvalid(SealingError):
    """The plaintext inside a (correctly decrypted) envelope is not a valid bid package."""

    code = "bid.package_invalid"
    message_zh = "投标文件包内容无效"
    message_en = "The bid package is invalid"


class BadPassphrase(SealingError):
    code = "keys.bad_passphrase"
    message_zh = "密钥文件口令不正确"
    message_en = "Wrong passphrase for the key file"

    def __init__(self, check: str = "passphrase", reason: str = "") -> None:
        super().__init__(check, reason)


class KeyFileInvalid(SealingError):
    code = "keys.keyfile_invalid"
    message_zh = "密钥文件格式无效"
    message_en = "The key file is not valid"


class ReceiptInvalid(SealingError):
    code = "receipt.invalid"
    message_zh = "回执无效：签名不符或内容被改动"
    message_en = "The receipt is invalid: bad signature or altered content"


class ShareInvalid(SealingError):
    code = "rescue.share_invalid"
    message_zh = "补救密钥分片无效"
    message_en = "The rescue key share is invalid"
