"""Named errors of the party domain (organisations and users)."""

from ggzy.kit.errors import DomainError


class NotVerified(DomainError):
    status = 403
    code = "party.not_verified"
    message_zh = "贵单位尚未通过交易中心审核，暂不能办理此业务"
    message_en = "Your organisation has not been verified by the centre yet"


class CreditCodeInvalid(DomainError):
    status = 422
    code = "party.credit_code_invalid"
    message_zh = "统一社会信用代码格式或校验位不正确"
    message_en = "The unified social credit code is malformed or its check digit is wrong"


class CreditCodeTaken(DomainError):
    status = 409
    code = "party.credit_code_taken"
    message_zh = "该统一社会信用代码已注册，请直接登录或联系交易中心"
    message_en = "This unified social credit code is already registered; log in or contact the centre"


class UsernameTaken(DomainError):
    status = 409
    code = "party.username_taken"
    message_zh = "该用户名已被使用，请换一个"
    message_en = "This username is already taken; choose another"


class PasswordWeak(DomainError):
    status = 422
    code = "party.password_weak"
    message_zh = "密码至少 10 位，且须同时包含字母和数字"
    message_en = "The password needs at least 10 characters, with both letters and digits"


class PasswordWrong(DomainError):
    status = 422
    code = "party.current_password_wrong"
    message_zh = "当前密码不正确"
    message_en = "The current password is wrong"


class PasswordUnchanged(DomainError):
    status = 422
    code = "party.password_unchanged"
    message_zh = "新密码不能与当前密码相同"
    message_en = "The new password must differ from the current one"


class OrgNotFound(DomainError):
    status = 404
    code = "party.org_not_found"
    message_zh = "找不到该单位"
    message_en = "Organisation not found"


class UserNotFound(DomainError):
    status = 404
    code = "party.user_not_found"
    message_zh = "找不到该用户"
    message_en = "User not found"


class BadStatusTransition(DomainError):
    status = 409
    code = "party.bad_status_transition"
    message_zh = "该单位当前状态不允许此操作"
    message_en = "The organisation's current status does not allow this"


class RejectReasonRequired(DomainError):
    status = 422
    code = "party.reject_reason_required"
    message_zh = "退回注册申请须填写理由"
    message_en = "A reason is required to reject a registration"


class RoleNotAllowed(DomainError):
    status = 422
    code = "party.role_not_allowed"
    message_zh = "该角色与单位类型不符"
    message_en = "This role does not match the organisation's kind"


class DepartmentInvalid(DomainError):
    status = 422
    code = "party.department_invalid"
    message_zh = "行政监督部门须为：财政局、住建局、交通运输局、水利局、国资委、自然资源局之一；其他单位不填"
    message_en = ("A supervisor department must be one of 财政局, 住建局, 交通运输局, 水利局, 国资委, 自然资源局; "
                  "other organisations leave it empty")


class CannotDisableSelf(DomainError):
    status = 409
    code = "party.cannot_disable_self"
    message_zh = "不能停用自己的账户"
    message_en = "You cannot disable your own account"


class CentreAdminOnly(DomainError):
    status = 403
    code = "party.centre_admin_only"
    message_zh = "仅交易中心管理员可执行此操作"
    message_en = "Only a centre administrator may do this"


class CentreStaffOnly(DomainError):
    status = 403
    code = "party.centre_staff_only"
    message_zh = "仅交易中心工作人员可执行此操作"
    message_en = "Only centre staff may do this"


class BidderOnly(DomainError):
    status = 403
    code = "party.bidder_only"
    message_zh = "仅投标人（供应商、竞买人）可修改注册信息并重新提交"
    message_en = "Only a bidder may correct its registration and apply again"


class RegistrationNotRejected(DomainError):
    status = 409
    code = "party.registration_not_rejected"
    message_zh = "只有未通过审核的注册申请可以修改后重新提交"
    message_en = "Only a rejected registration can be corrected and resubmitted"
