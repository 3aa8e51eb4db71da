"""Named errors of the archive (归档), each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class ArchiveNotFound(DomainError):
    status = 404
    code = "archive.not_found"
    message_zh = "该项目尚未归档"
    message_en = "This tender has not been archived"


class ArchiveForbidden(DomainError):
    status = 403
    code = "archive.forbidden"
    message_zh = "仅交易中心工作人员可以归档；归档文件仅交易中心及该行业的行政监督部门可以查看和下载"
    message_en = ("Only centre staff build archives; only the centre and the line's supervisors may see and "
                  "download them")


class AlreadyBuilt(DomainError):
    status = 409
    code = "archive.already_built"
    message_zh = "该项目已归档，归档文件不可重建或修改（《电子招标投标办法》第四十九条）"
    message_en = "This tender is already archived; an archive is never rebuilt or altered (E-Bidding Measures Art.49)"


class NotClosed(DomainError):
    status = 409
    code = "archive.not_closed"
    message_zh = "只有已签订合同、流标或已终止的项目可以归档"
    message_en = "Only a tender whose contract is recorded, or that failed or was cancelled, can be archived"


class ChangedDuringBuild(DomainError):
    status = 409
    code = "archive.changed_during_build"
    message_zh = "归档期间项目记录发生变化，请重试"
    message_en = "The tender's records changed while the archive was being built; try again"


class BlobMissing(DomainError):
    status = 409
    code = "archive.blob_missing"
    message_zh = "存储中缺少应归档的文件，无法归档，请联系系统管理员"
    message_en = "A file that belongs in the archive is missing from storage; contact the administrator"


class BlobCorrupt(DomainError):
    status = 409
    code = "archive.blob_corrupt"
    message_zh = "存储中的文件与其记录的哈希值不符，无法归档，请联系系统管理员"
    message_en = "A stored file does not match its recorded SHA-256; contact the administrator"


class TooEarly(DomainError):
    status = 409
    code = "archive.too_early"
    message_zh = "投标截止时间前不能归档：下载和提问记录在截止前须保密（《电子招标投标办法》第二十一条）"
    message_en = ("Not before the bid deadline: who downloaded or asked stays secret until then "
                  "(E-Bidding Measures Art.21)")
