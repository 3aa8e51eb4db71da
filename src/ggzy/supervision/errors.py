"""Named errors of the supervision domain (suspension of trading)."""

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
