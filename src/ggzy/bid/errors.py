"""Named errors of the bid domain: key sets, sealed-bid submission, rescue shares."""

from __future__ import annotations

from ggzy.kit.errors import DomainError

# ---------------------------------------------------------------- key sets


class KeySetInvalid(DomainError):
    status = 422
    code = "keys.invalid"
    message_zh = "公钥格式错误"
    message_en = "Malformed public key"


class UnknownSuite(DomainError):
    status = 422
    code = "keys.unknown_suite"
    message_zh = "不支持的密码套件"
    message_en = "Unknown cipher suite"


class BadProof(DomainError):
    status = 422
    code = "keys.bad_proof"
    message_zh = "持有证明签名无效：请用与登记公钥配对的签名私钥签名"
    message_en = "Invalid proof of possession: sign with the private key that matches the registered signing key"


class CaNotConfigured(DomainError):
    status = 422
    code = "keys.ca_not_configured"
    message_zh = "本平台尚未接入 CA 数字证书，请使用软件密钥"
    message_en = "No certificate authority is configured on this platform; use software keys"


class KeysAlreadyRegistered(DomainError):
    status = 409
    code = "keys.already_registered"
    message_zh = "该公钥已登记，请生成新的密钥"
    message_en = "These public keys are already registered; generate new keys"


class KeySetNotFound(DomainError):
    status = 404
    code = "keys.not_found"
    message_zh = "找不到有效的密钥"
    message_en = "No active key set"


class KeysNeedOrganisation(DomainError):
    status = 403
    code = "keys.org_required"
    message_zh = "只有已审核单位的用户可以登记密钥"
    message_en = "Only users of a verified organisation may register keys"


# ---------------------------------------------------------------- submission


class BiddersOnly(DomainError):
    status = 403
    code = "bid.bidders_only"
    message_zh = "只有已审核的投标人可以投标"
    message_en = "Only verified bidders may submit bids"


class OperatorMayNotBid(DomainError):
    status = 403
    code = "bid.operator_may_not_bid"
    message_zh = "交易平台运营机构不得参与投标（《电子招标投标办法》第二十三条）"
    message_en = "The platform operator may not bid (E-Bidding Measures Art.23)"


class OwnTender(DomainError):
    status = 403
    code = "bid.own_tender"
    message_zh = "本项目的招标人或代理机构不得投标"
    message_en = "The tender's own tenderer or agency may not bid"


class NotAcceptingBids(DomainError):
    status = 409
    code = "bid.not_accepting"
    message_zh = "该招标项目当前不接受投标"
    message_en = "This tender is not accepting bids"


class DeadlinePassed(DomainError):
    status = 409
    code = "bid.deadline_passed"
    message_zh = "投标截止时间已过，投标文件不予受理（《电子招标投标办法》第二十九条）"
    message_en = "The bid deadline has passed; the bid is refused (E-Bidding Measures Art.29)"


class IdempotencyKeyRequired(DomainError):
    status = 422
    code = "bid.idempotency_key_required"
    message_zh = "请在 Idempotency-Key 请求头中提供 8–64 位的幂等键"
    message_en = "Send an Idempotency-Key header of 8–64 characters"


class IdempotencyConflict(DomainError):
    status = 409
    code = "bid.idempotency_conflict"
    message_zh = "该幂等键已用于另一份投标文件"
    message_en = "This idempotency key was already used for a different envelope"


class BidTooLarge(DomainError):
    status = 413
    code = "bid.too_large"
    message_zh = "投标文件超过本项目允许的大小"
    message_en = "The sealed bid is larger than this tender allows"


class EnvelopeMismatch(DomainError):
    status = 422
    code = "bid.envelope_mismatch"
    message_zh = "加密投标文件的信封与本次投标不符（项目、标段或投标人）"
    message_en = "The envelope is addressed to another tender, lot or bidder"


class WrongBidderKey(DomainError):
    status = 422
    code = "bid.wrong_key"
    message_zh = "投标文件未加密到本单位当前登记的加密公钥，请用当前密钥重新加密"
    message_en = "The bid is not sealed to your organisation's current encryption key; seal it again"


class SuiteNotAllowed(DomainError):
    status = 422
    code = "bid.suite_not_allowed"
    message_zh = "本项目有补救方案，只接受 x25519-aes256gcm 套件加密的投标文件"
    message_en = "This tender has a rescue plan and accepts only x25519-aes256gcm envelopes"


class RescueRecipientMismatch(DomainError):
    status = 422
    code = "bid.rescue_recipient"
    message_zh = "补救密钥收件人与本项目的补救方案不符"
    message_en = "The rescue recipient does not match this tender's rescue plan"


class UploadIncomplete(DomainError):
    status = 400
    code = "bid.upload_incomplete"
    message_zh = "上传中断，投标文件未被接收，请重新上传"
    message_en = "The upload was interrupted; the bid was not received. Upload it again"


class BlobMissing(DomainError):
    status = 503
    code = "bid.store_retry"
    message_zh = "存储暂时失败，投标文件未被接收，请重新上传"
    message_en = "Storage failed for a moment; the bid was not received. Upload it again"


class NoKeySet(DomainError):
    status = 409
    code = "bid.no_key_set"
    message_zh = "本单位尚未登记加密公钥，请先生成并登记密钥"
    message_en = "Your organisation has no registered key set; create and register keys first"


class NoRescueKey(DomainError):
    status = 409
    code = "bid.no_rescue_key"
    message_zh = "该项目的补救密钥尚未生成，暂不能投标"
    message_en = "This tender's rescue key does not exist yet; bids cannot be accepted"


class BidsSealed(DomainError):
    status = 409
    code = "bid.sealed"
    message_zh = "投标截止前不得提取投标文件（《电子招标投标办法》第二十一条、第二十七条）"
    message_en = "Bids cannot be taken out before the deadline (E-Bidding Measures Art.21, Art.27)"


class BidNotFound(DomainError):
    status = 404
    code = "bid.not_found"
    message_zh = "找不到本单位在该标段的投标"
    message_en = "Your organisation has no bid for this lot"


# ---------------------------------------------------------------- rescue plan


class CustodiansInvalid(DomainError):
    status = 422
    code = "rescue.custodians_invalid"
    message_zh = "补救方案的密钥保管人设置有误"
    message_en = "The rescue plan's custodians are not valid"


class NoRescuePlan(DomainError):
    status = 404
    code = "rescue.no_plan"
    message_zh = "该招标项目没有补救方案"
    message_en = "This tender has no rescue plan"


class NotCustodian(DomainError):
    status = 403
    code = "rescue.not_custodian"
    message_zh = "本单位不是该项目补救密钥的保管人"
    message_en = "Your organisation holds no rescue share for this tender"


class ShareGone(DomainError):
    status = 410
    code = "rescue.share_gone"
    message_zh = "密钥分片已下载，平台不再保存副本"
    message_en = "The share was already downloaded; the platform no longer keeps a copy"


class BadShare(DomainError):
    status = 422
    code = "rescue.bad_share"
    message_zh = "密钥分片无效"
    message_en = "Invalid key share"


class ShareAlreadySubmitted(DomainError):
    status = 409
    code = "rescue.share_submitted"
    message_zh = "本单位的密钥分片已提交"
    message_en = "Your share was already submitted"


class NotEnoughShares(DomainError):
    status = 409
    code = "rescue.not_enough_shares"
    message_zh = "提交的密钥分片不足，无法恢复补救密钥"
    message_en = "Not enough shares were submitted to rebuild the rescue key"


class RescueKeyMismatch(DomainError):
    status = 422
    code = "rescue.key_mismatch"
    message_zh = "由分片恢复的密钥与补救公钥不符"
    message_en = "The key rebuilt from the shares does not match the rescue public key"
