"""Named errors of the auction domain, each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class LotNotFound(DomainError):
    status = 404
    code = "auction.not_found"
    message_zh = "找不到该拍卖标的"
    message_en = "Auction lot not found"


class ApplicationNotFound(DomainError):
    status = 404
    code = "auction.application_not_found"
    message_zh = "找不到该竞买申请"
    message_en = "Application not found"


class BadTransition(DomainError):
    status = 409
    code = "auction.bad_transition"
    message_zh = "标的当前状态不允许此操作"
    message_en = "The lot's current status does not allow this"


class CentreOnly(DomainError):
    status = 403
    code = "auction.centre_only"
    message_zh = "只有交易中心工作人员可以执行此操作"
    message_en = "Only centre staff may do this"


class BidderOnly(DomainError):
    status = 403
    code = "auction.bidder_only"
    message_zh = "只有已核验的竞买人可以执行此操作"
    message_en = "Only a verified bidder may do this"


class NotApproved(DomainError):
    status = 403
    code = "auction.not_approved"
    message_zh = "您尚未获得本标的的竞买资格（保证金到账并经审核后方可报价）"
    message_en = "You are not approved for this lot (the deposit must be confirmed first)"


class NotContinuing(DomainError):
    status = 403
    code = "auction.not_continuing"
    message_zh = "您未在挂牌期内申请参加限时竞价"
    message_en = "You did not ask to take part in the timed bidding during the listing"


class BadTerms(DomainError):
    status = 422
    code = "auction.bad_terms"
    message_zh = "标的条件不符合规定"
    message_en = "The lot's terms break a rule"


class BadAmount(DomainError):
    status = 422
    code = "auction.bad_amount"
    message_zh = "金额必须是正数，最多两位小数（单位：元）"
    message_en = "The amount must be a positive number of yuan with at most 2 decimals"


class Outbid(DomainError):
    status = 409
    code = "auction.outbid"
    message_zh = "报价低于当前最低应价，已被他人超出，请刷新后重新报价"
    message_en = "Your bid is below the next minimum: someone bid first; refresh and bid again"


class NotBidding(DomainError):
    status = 409
    code = "auction.not_bidding"
    message_zh = "当前不在报价时间内"
    message_en = "Bids are not accepted now"


class CountdownOver(DomainError):
    status = 409
    code = "auction.countdown_over"
    message_zh = "限时竞价倒计时已结束，报价未被接受（以服务器时间为准）"
    message_en = "The countdown has ended; the bid was not accepted (server time is authoritative)"


class ApplicationsClosed(DomainError):
    status = 409
    code = "auction.applications_closed"
    message_zh = "竞买申请已截止"
    message_en = "Applications are closed"


class AlreadyApplied(DomainError):
    status = 409
    code = "auction.already_applied"
    message_zh = "本单位已提交竞买申请"
    message_en = "Your organisation has already applied"


class AlreadyDecided(DomainError):
    status = 409
    code = "auction.already_decided"
    message_zh = "该申请已审核"
    message_en = "This application has already been decided"


class ReferenceRequired(DomainError):
    status = 422
    code = "auction.reference_required"
    message_zh = "请填写保证金到账的银行流水号"
    message_en = "Enter the bank reference of the deposit"


class ReserveAlreadyEntered(DomainError):
    status = 409
    code = "auction.reserve_entered"
    message_zh = "底价已录入，不能再次录入或修改"
    message_en = "The reserve has already been entered; it cannot be entered again or changed"


class WitnessRequired(DomainError):
    status = 422
    code = "auction.witness_required"
    message_zh = "录入底价须有本行业监督部门人员在场（请填写监督人员账号及密码）"
    message_en = "A supervisor of this line must witness the reserve entry (their username and password)"


class ReserveBroken(DomainError):
    status = 500
    code = "auction.reserve_broken"
    message_zh = "底价无法解封或与承诺值不符，请联系交易中心与监督部门"
    message_en = "The reserve cannot be unsealed or does not match its commitment; contact the centre"


class ResultNotReady(DomainError):
    status = 404
    code = "auction.no_result"
    message_zh = "结果尚未产生"
    message_en = "There is no result yet"
