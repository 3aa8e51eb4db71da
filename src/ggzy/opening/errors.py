"""Named errors of the opening hall (不见面开标), each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class OpeningNotFound(DomainError):
    status = 404
    code = "opening.not_found"
    message_zh = "该项目尚未开标"
    message_en = "This tender has no opening (yet)"


class EntryNotFound(DomainError):
    status = 404
    code = "opening.entry_not_found"
    message_zh = "找不到该投标记录"
    message_en = "Opening entry not found"


class BadOpeningTransition(DomainError):
    status = 409
    code = "opening.bad_transition"
    message_zh = "开标当前阶段不允许此操作"
    message_en = "The opening's current stage does not allow this"


class NotHost(DomainError):
    status = 403
    code = "opening.not_host"
    message_zh = "只有代理机构（无代理时为招标人）或交易中心工作人员可以主持开标"
    message_en = "Only the agency (the tenderer when there is none) or centre staff may run the opening"


class NotABidder(DomainError):
    status = 403
    code = "opening.not_a_bidder"
    message_zh = "只有本项目的投标人可以执行此操作"
    message_en = "Only a bidder of this tender may do this"


class CentreOnly(DomainError):
    status = 403
    code = "opening.centre_only"
    message_zh = "只有交易中心工作人员可以登记平台故障"
    message_en = "Only centre staff may record a platform fault"


class NotHallParty(DomainError):
    status = 403
    code = "opening.not_a_party"
    message_zh = "开标记录公布前，仅投标人、招标人、代理机构、交易中心及监督部门可进入开标大厅"
    message_en = "Until the record is published only the bidders, the tenderer, the agency, the centre and the " \
                 "supervisors may enter the hall"


class SignInClosed(DomainError):
    status = 409
    code = "opening.sign_in_closed"
    message_zh = "签到已结束（解密时间已过）"
    message_en = "Sign-in has closed (the decryption window is over)"


class WindowClosed(DomainError):
    status = 409
    code = "opening.window_closed"
    message_zh = "解密时间已过，不能再解密"
    message_en = "The decryption window has closed"


class NotPending(DomainError):
    status = 409
    code = "opening.not_pending"
    message_zh = "该投标文件已处理，不能再次解密"
    message_en = "This bid has already been dealt with"


class BadDataKey(DomainError):
    status = 422
    code = "opening.bad_data_key"
    message_zh = "数据密钥不正确，无法解密投标文件；请核对密钥文件后在解密时间内重试"
    message_en = "The data key does not open this bid; check the key file and retry within the window"


class ObjectionsOpen(DomainError):
    status = 409
    code = "opening.objections_open"
    message_zh = "尚有未答复的异议，不能结束唱标（《招标投标法实施条例》第四十四条）"
    message_en = "Objections are still unanswered (Bidding Regs Art.44)"


class RescuePending(DomainError):
    status = 409
    code = "opening.rescue_pending"
    message_zh = "补救解密尚未完成，补救时限届满前不能结束唱标"
    message_en = "The rescue decryption is not finished; wait for it or for its time limit"


class ObjectionNotFound(DomainError):
    status = 404
    code = "opening.objection_not_found"
    message_zh = "找不到该异议"
    message_en = "Objection not found"


class AlreadyAnswered(DomainError):
    status = 409
    code = "opening.objection_answered"
    message_zh = "该异议已答复"
    message_en = "This objection has already been answered"


class TextRequired(DomainError):
    status = 422
    code = "opening.text_required"
    message_zh = "请填写内容"
    message_en = "Please enter the text"


class NothingToRescue(DomainError):
    status = 409
    code = "opening.nothing_to_rescue"
    message_zh = "没有登记为平台原因解密失败的投标文件，无需提交密钥分片"
    message_en = "No bid was recorded as failed through a platform fault; no share is needed"


class ConfirmClosed(DomainError):
    status = 409
    code = "opening.confirm_closed"
    message_zh = "开标记录确认时间已过"
    message_en = "The time to confirm the record is over"


class RecordMismatch(DomainError):
    status = 409
    code = "opening.record_mismatch"
    message_zh = "开标记录表无法按原样重新生成，请联系交易中心"
    message_en = "The opening record PDF cannot be reproduced as published; contact the centre"


class RecordNotPublished(DomainError):
    status = 404
    code = "opening.record_not_published"
    message_zh = "开标记录尚未公布"
    message_en = "The opening record is not published yet"
