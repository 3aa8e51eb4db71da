"""Named errors of the award and the contract, each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class AwardNotFound(DomainError):
    status = 404
    code = "award.not_found"
    message_zh = "找不到该定标记录"
    message_en = "Award not found"


class NotManager(DomainError):
    status = 403
    code = "award.not_manager"
    message_zh = "只有本项目的招标人（采购人）或其代理机构可以定标和备案合同"
    message_en = "Only the tender's tenderer (purchaser) or its agency may award and record the contract"


class NotReady(DomainError):
    status = 409
    code = "award.not_ready"
    message_zh = "项目当前阶段不能定标"
    message_en = "The tender cannot be awarded at this stage"


class PublicityRunning(DomainError):
    status = 409
    code = "award.publicity_running"
    message_zh = "中标候选人公示期未满，不能定标（《招标投标法实施条例》第五十四条）"
    message_en = "The candidate publicity has not ended; no award yet (Bidding Regs Art.54)"


class ObjectionOpen(DomainError):
    status = 409
    code = "award.objection_open"
    message_zh = "有尚未答复的异议（质疑），招标投标活动暂停（《招标投标法实施条例》第五十四条）"
    message_en = "An objection awaits its answer; the process is paused (Bidding Regs Art.54)"


class ComplaintOpen(DomainError):
    status = 409
    code = "award.complaint_open"
    message_zh = "有尚未处理完毕的投诉，暂不能定标或备案合同"
    message_en = "A complaint is being handled; no award or contract for now"


class CandidateNotFound(DomainError):
    status = 422
    code = "award.candidate_not_found"
    message_zh = "所选单位不是本标段的中标候选人"
    message_en = "The chosen bidder is not a candidate of this lot"


class CandidateExcluded(DomainError):
    status = 409
    code = "award.candidate_excluded"
    message_zh = "该中标候选人已放弃中标或被取消资格，不能确定为中标人"
    message_en = "This candidate gave up or was disqualified and cannot be awarded"


class RankOneRequired(DomainError):
    status = 409
    code = "award.rank_one_required"
    message_zh = "应当确定排名第一的中标候选人为中标人；排名在前的候选人放弃中标等情形须说明理由" \
                 "（国有资金占控股或者主导地位的项目：《招标投标法实施条例》第五十五条；政府采购：财政部87号令第六十八条）"
    message_en = "Rank 1 must be awarded; passing over a better-ranked candidate (it gave up, …) needs the reason " \
                 "(state-funded construction: Bidding Regs Art.55; procurement: MOF 87 Art.68)"


class ReasonRequired(DomainError):
    status = 422
    code = "award.reason_required"
    message_zh = "确定非排名第一的中标候选人为中标人，须说明理由"
    message_en = "Give the reason for awarding a candidate other than rank 1"


class AlreadyAwarded(DomainError):
    status = 409
    code = "award.already_awarded"
    message_zh = "该标段已经确定中标人"
    message_en = "This lot already has its winner"


class BadAwardTransition(DomainError):
    status = 409
    code = "award.bad_transition"
    message_zh = "定标记录当前状态不允许此操作"
    message_en = "The award's current status does not allow this"


class LetterNotIssued(DomainError):
    status = 404
    code = "award.letter_not_issued"
    message_zh = "中标通知书尚未发出"
    message_en = "The award notice has not been issued"


class LetterMismatch(DomainError):
    status = 409
    code = "award.letter_mismatch"
    message_zh = "中标通知书无法按原样重新生成，请联系交易中心"
    message_en = "The award notice PDF cannot be reproduced as issued; contact the centre"


class BadContract(DomainError):
    status = 422
    code = "award.bad_contract"
    message_zh = "合同信息有误"
    message_en = "The contract details are invalid"


class ContractNotFound(DomainError):
    status = 404
    code = "award.contract_not_found"
    message_zh = "合同尚未备案"
    message_en = "No contract recorded"


class ContractExists(DomainError):
    status = 409
    code = "award.contract_exists"
    message_zh = "该标段的合同已经备案"
    message_en = "The contract of this lot is already recorded"
