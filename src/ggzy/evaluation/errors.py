"""Named errors of the evaluation room (评标), each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class EvaluationNotFound(DomainError):
    """Also what anyone outside the room gets: the room is closed (nobody learns more than the tender status)."""

    status = 404
    code = "evaluation.not_found"
    message_zh = "找不到该评标"
    message_en = "Evaluation not found"


class BadEvaluationTransition(DomainError):
    status = 409
    code = "evaluation.bad_transition"
    message_zh = "评标当前阶段不允许此操作"
    message_en = "The evaluation's current stage does not allow this"


class CentreOnly(DomainError):
    status = 403
    code = "evaluation.centre_only"
    message_zh = "只有交易中心工作人员可以开启评标"
    message_en = "Only centre staff may open the evaluation session"


class NotAMember(DomainError):
    status = 403
    code = "evaluation.not_a_member"
    message_zh = "只有本项目评标委员会成员可以执行此操作"
    message_en = "Only a member of this tender's evaluation committee may do this"


class NotChair(DomainError):
    status = 403
    code = "evaluation.not_chair"
    message_zh = "只有评标委员会负责人（组长）可以执行此操作"
    message_en = "Only the committee's chair may do this"


class TenderNotOpened(DomainError):
    status = 409
    code = "evaluation.tender_not_opened"
    message_zh = "开标尚未结束（开标记录未公布），不能开始评标"
    message_en = "The opening is not closed (record not published); evaluation cannot start"


class CommitteeIncomplete(DomainError):
    status = 409
    code = "evaluation.committee_incomplete"
    message_zh = "评标委员会尚未组建完成（专家抽取未确定或有成员未确认参加）"
    message_en = "The committee is not complete (draw not decided or a seat not accepted)"


class AlreadyStarted(DomainError):
    status = 409
    code = "evaluation.already_started"
    message_zh = "本项目已开始评标"
    message_en = "This tender's evaluation has already started"


class AlreadyVoted(DomainError):
    status = 409
    code = "evaluation.already_voted"
    message_zh = "您已投票推选负责人，不能再次投票"
    message_en = "You have already voted for the chair"


class NotACandidate(DomainError):
    status = 422
    code = "evaluation.not_a_candidate"
    message_zh = "被推选人不是本评标委员会成员"
    message_en = "The person voted for is not a member of this committee"


class EntryNotFound(DomainError):
    status = 404
    code = "evaluation.entry_not_found"
    message_zh = "找不到该投标"
    message_en = "Bid not found in this evaluation"


class AutoRejected(DomainError):
    status = 409
    code = "evaluation.auto_rejected"
    message_zh = "该投标已因法定情形被否决，无需审查表决"
    message_en = "This bid is rejected by a rule of law; there is nothing to vote on"


class ReasonRequired(DomainError):
    status = 422
    code = "evaluation.reason_required"
    message_zh = "审查不通过时须写明理由"
    message_en = "A failing opinion needs its reason"


class TextRequired(DomainError):
    status = 422
    code = "evaluation.text_required"
    message_zh = "请填写内容"
    message_en = "Please enter the text"


class ReviewIncomplete(DomainError):
    status = 409
    code = "evaluation.review_incomplete"
    message_zh = "尚有成员未对全部投标给出审查意见"
    message_en = "Some members have not given their review opinion on every bid"


class ClarificationOpen(DomainError):
    status = 409
    code = "evaluation.clarification_open"
    message_zh = "尚有澄清未答复且未到截止时间"
    message_en = "A clarification is still waiting for its answer or its deadline"


class RejectAllNotAllowed(DomainError):
    status = 409
    code = "evaluation.reject_all_not_allowed"
    message_zh = "有效投标不少于3家，不得否决全部投标（《评标委员会和评标方法暂行规定》第二十七条）"
    message_en = "At least 3 valid bids remain; the committee may not reject them all (Evaluation Rules Art.27)"


class LotNotFound(DomainError):
    status = 404
    code = "evaluation.lot_not_found"
    message_zh = "找不到该标段"
    message_en = "Lot not found in this evaluation"


class LotRejected(DomainError):
    status = 409
    code = "evaluation.lot_rejected"
    message_zh = "该标段已否决全部投标"
    message_en = "Every bid of this lot has been rejected"


class DeadlineInvalid(DomainError):
    status = 422
    code = "evaluation.deadline_invalid"
    message_zh = "澄清截止时间须晚于当前时间且不超过7日"
    message_en = "The clarification deadline must be in the future and within 7 days"


class ClarificationNotFound(DomainError):
    status = 404
    code = "evaluation.clarification_not_found"
    message_zh = "找不到该澄清"
    message_en = "Clarification not found"


class ClarificationClosed(DomainError):
    status = 409
    code = "evaluation.clarification_closed"
    message_zh = "澄清截止时间已过或已答复，不能再答复"
    message_en = "The clarification deadline has passed or it was already answered"


class NotValidBid(DomainError):
    status = 409
    code = "evaluation.not_a_valid_bid"
    message_zh = "该投标未通过审查，不参与评分"
    message_en = "This bid did not pass review and is not scored"


class CriterionNotFound(DomainError):
    status = 422
    code = "evaluation.criterion_not_found"
    message_zh = "评分因素不存在或不由专家打分（价格分由系统计算）"
    message_en = "No such criterion scored by members (the price score is computed)"


class ScoreOutOfBounds(DomainError):
    status = 422
    code = "evaluation.score_out_of_bounds"
    message_zh = "评分超出该评分因素的分值范围"
    message_en = "The score lies outside the criterion's bounds"


class SheetSubmitted(DomainError):
    status = 409
    code = "evaluation.sheet_submitted"
    message_zh = "您已提交评分表，不能再修改"
    message_en = "You have submitted your score sheet; it can no longer change"


class SheetIncomplete(DomainError):
    status = 409
    code = "evaluation.sheet_incomplete"
    message_zh = "评分表尚有未打分项"
    message_en = "Your score sheet has empty cells"


class LotWithoutValidBids(DomainError):
    status = 409
    code = "evaluation.lot_without_valid_bids"
    message_zh = "该标段没有通过审查的投标，请先否决全部投标（《评标委员会和评标方法暂行规定》第二十七条）"
    message_en = "No bid of this lot passed review; reject them all first (Evaluation Rules Art.27)"


class MembersPending(DomainError):
    status = 409
    code = "evaluation.members_pending"
    message_zh = "尚有成员未提交评分表"
    message_en = "Some members have not submitted their score sheets"


class AlreadySubmitted(DomainError):
    status = 409
    code = "evaluation.already_submitted"
    message_zh = "评标结果已提交，不能再次提交"
    message_en = "The evaluation has already been submitted"


class AlreadyConfirmed(DomainError):
    status = 409
    code = "evaluation.already_confirmed"
    message_zh = "您已确认评标报告"
    message_en = "You have already confirmed the report"


class ConfirmClosed(DomainError):
    status = 409
    code = "evaluation.confirm_closed"
    message_zh = "评标报告确认时间已过"
    message_en = "The time to confirm the report is over"


class ReportNotFinal(DomainError):
    status = 404
    code = "evaluation.report_not_final"
    message_zh = "评标报告尚未生成"
    message_en = "The evaluation report is not final yet"


class ReportMismatch(DomainError):
    status = 409
    code = "evaluation.report_mismatch"
    message_zh = "评标报告无法按原样重新生成，请联系交易中心"
    message_en = "The evaluation report PDF cannot be reproduced as stored; contact the centre"


class EnvelopeMissing(DomainError):
    status = 404
    code = "evaluation.envelope_missing"
    message_zh = "投标文件密文不在存储中"
    message_en = "The bid's envelope is not in storage"
