"""Named errors of the supervision domain: suspension of trading and complaints (投诉)."""

from ggzy.kit.errors import DomainError


class TradingSuspended(DomainError):
    status = 409
    code = "supervision.suspended"
    message_zh = "交易已暂停，暂不受理此操作"
    message_en = "Trading is suspended; this action is not accepted now"


class SuspensionNotFound(DomainError):
    status = 404
    code = "supervision.not_found"
    message_zh = "找不到该暂停交易记录"
    message_en = "Suspension not found"


class BadSuspensionTransition(DomainError):
    status = 409
    code = "supervision.bad_transition"
    message_zh = "该暂停交易记录当前状态不允许此操作"
    message_en = "The suspension's current status does not allow this"


class NotLineSupervisor(DomainError):
    status = 403
    code = "supervision.not_line_supervisor"
    message_zh = "只有该项目所属行业的行政监督部门可以审批"
    message_en = "Only a supervisor of the project's trading line may decide this"


class NotCentreStaff(DomainError):
    status = 403
    code = "supervision.centre_only"
    message_zh = "只有交易中心工作人员可以申请暂停或恢复交易"
    message_en = "Only centre staff may suspend or resume trading"


class ProjectNotFound(DomainError):
    status = 404
    code = "supervision.project_not_found"
    message_zh = "找不到该项目"
    message_en = "Project not found"


class ProjectNotAdmitted(DomainError):
    status = 409
    code = "supervision.project_not_admitted"
    message_zh = "项目尚未进场，无需暂停"
    message_en = "The project has not been admitted; there is nothing to suspend"


class AlreadySuspended(DomainError):
    status = 409
    code = "supervision.already_suspended"
    message_zh = "已有生效或待审批的暂停交易，不能重复申请"
    message_en = "A suspension is already active or awaiting approval for this scope"


class BadScope(DomainError):
    status = 422
    code = "supervision.bad_scope"
    message_zh = "暂停范围与项目不匹配：全平台暂停不填项目，项目暂停必须指定项目"
    message_en = "Scope and project do not match: platform scope takes no project, project scope needs one"


class ReasonRequired(DomainError):
    status = 422
    code = "supervision.reason_required"
    message_zh = "请填写暂停交易的原因"
    message_en = "Give the reason for the suspension"


# ---------------------------------------------------------------- complaints (投诉)


class ComplaintNotFound(DomainError):
    status = 404
    code = "complaint.not_found"
    message_zh = "找不到该投诉"
    message_en = "Complaint not found"


class BadComplaintTransition(DomainError):
    status = 409
    code = "complaint.bad_transition"
    message_zh = "投诉当前状态不允许此操作"
    message_en = "The complaint's current status does not allow this"


class NotObjector(DomainError):
    status = 403
    code = "complaint.not_objector"
    message_zh = "只有提出该异议（质疑）的投标人（供应商）可以就其投诉"
    message_en = "Only the bidder that raised the objection may complain about it"


class NotComplaintHandler(DomainError):
    status = 403
    code = "complaint.not_line_supervisor"
    message_zh = "只有本项目所属行业的行政监督部门可以处理该投诉（《招标投标法实施条例》第六十一条）"
    message_en = "Only a supervisor of the tender's trading line handles this complaint (Bidding Regs Art.61)"


class ObjectionPending(DomainError):
    status = 409
    code = "complaint.objection_pending"
    message_zh = "异议（质疑）尚在答复期内：须待招标人（采购人）答复或答复期满后再投诉" \
                 "（《招标投标法实施条例》第六十条）"
    message_en = "The objection awaits its answer: complain once it is answered or its answer period has passed " \
                 "(Bidding Regs Art.60)"


class ComplaintWindowClosed(DomainError):
    status = 409
    code = "complaint.window_closed"
    message_zh = "已超过投诉期限，不予受理（《招标投标法实施条例》第六十条；《政府采购法》第五十五条）"
    message_en = "The complaint period is over (Bidding Regs Art.60; GP Law Art.55)"


class AlreadyComplained(DomainError):
    status = 409
    code = "complaint.already_filed"
    message_zh = "已就该异议提出投诉"
    message_en = "A complaint about this objection is already filed"


class ComplaintTextRequired(DomainError):
    status = 422
    code = "complaint.text_required"
    message_zh = "请填写内容"
    message_en = "Write the text"
