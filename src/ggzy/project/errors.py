"""Named errors of project entry (进场登记)."""

from ggzy.kit.errors import DomainError


class ProjectNotFound(DomainError):
    status = 404
    code = "project.not_found"
    message_zh = "找不到该项目"
    message_en = "Project not found"


class BadProjectTransition(DomainError):
    status = 409
    code = "project.bad_transition"
    message_zh = "项目当前状态不允许此操作"
    message_en = "The project's current status does not allow this"


class NotApplicant(DomainError):
    status = 403
    code = "project.not_applicant"
    message_zh = "只有招标人（采购人、出让人）或代理机构可以登记项目"
    message_en = "Only a tenderer or an agency may register a project"


class NotProjectParty(DomainError):
    status = 403
    code = "project.not_party"
    message_zh = "只有本项目的招标人或代理机构可以执行此操作"
    message_en = "Only this project's tenderer or agency may do this"


class TendererRequired(DomainError):
    status = 422
    code = "project.tenderer_required"
    message_zh = "代理机构登记项目时须指定招标人（采购人、出让人）"
    message_en = "An agency must name the tenderer organisation"


class BadPartyOrg(DomainError):
    status = 422
    code = "project.bad_party_org"
    message_zh = "所选单位不存在或类型不符"
    message_en = "The organisation named does not exist or is of the wrong kind"


class ReasonRequired(DomainError):
    status = 422
    code = "project.reason_required"
    message_zh = "请填写原因"
    message_en = "A reason is required"
