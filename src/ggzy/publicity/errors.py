"""Named errors of publicity and objections, each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class PublicityNotFound(DomainError):
    status = 404
    code = "publicity.not_found"
    message_zh = "该项目尚无中标候选人公示或结果公告"
    message_en = "This tender has no candidate publicity or result notice (yet)"


class NotManager(DomainError):
    status = 403
    code = "publicity.not_manager"
    message_zh = "只有本项目的招标人（采购人）或其代理机构可以执行此操作"
    message_en = "Only the tender's tenderer (purchaser) or its agency may do this"


class NotABidder(DomainError):
    status = 403
    code = "publicity.not_a_bidder"
    message_zh = "只有本项目的投标人（供应商）可以提出异议"
    message_en = "Only a bidder of this tender may object"


class WrongLine(DomainError):
    status = 409
    code = "publicity.wrong_line"
    message_zh = "该操作不适用于本项目的交易类型"
    message_en = "This action does not apply to the tender's trading line"


class AlreadyPublished(DomainError):
    status = 409
    code = "publicity.already_published"
    message_zh = "中标候选人已经公示"
    message_en = "The candidates are already published"


class NotPublished(DomainError):
    status = 409
    code = "publicity.not_published"
    message_zh = "公示尚未开始，暂不受理异议"
    message_en = "The publicity has not started; objections are not accepted yet"


class WindowClosed(DomainError):
    status = 409
    code = "publicity.window_closed"
    message_zh = "已超过异议（质疑）期限，不予受理"
    message_en = "The objection period is over; the objection is not accepted"


class BadWindow(DomainError):
    status = 422
    code = "publicity.bad_window"
    message_zh = "公示期不得少于3日（《招标投标法实施条例》第五十四条），且不超过30日"
    message_en = "The publicity lasts at least 3 days (Bidding Regs Art.54) and at most 30"


class TextRequired(DomainError):
    status = 422
    code = "publicity.text_required"
    message_zh = "请填写内容"
    message_en = "Write the text"


class LotNotInTender(DomainError):
    status = 422
    code = "publicity.bad_lot"
    message_zh = "所选标段不属于本项目"
    message_en = "The lot is not one of this tender's"


class ObjectionNotFound(DomainError):
    status = 404
    code = "publicity.objection_not_found"
    message_zh = "找不到该异议"
    message_en = "Objection not found"


class AlreadyAnswered(DomainError):
    status = 409
    code = "publicity.already_answered"
    message_zh = "该异议已经答复"
    message_en = "This objection has already been answered"


class BadRemedy(DomainError):
    status = 422
    code = "publicity.bad_remedy"
    message_zh = "处理方式与答复不符：异议成立须选择处理方式，取消候选人资格须指明本项目的中标候选人"
    message_en = "The remedy does not fit: an upheld objection needs a remedy, a disqualification names a " \
                 "candidate of this tender"


class RemedyNotPossible(DomainError):
    status = 409
    code = "publicity.remedy_not_possible"
    message_zh = "项目当前状态不能退回评标委员会重新评审（已定标的项目可取消中标人资格并依序确定其他候选人）"
    message_en = "The tender can no longer go back to the committee (an awarded tender may disqualify the " \
                 "winner and award the next candidate)"
