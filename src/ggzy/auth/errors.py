from ggzy.kit.errors import DomainError


class BadCredentials(DomainError):
    status = 401
    code = "auth.bad_credentials"
    message_zh = "用户名或密码错误"
    message_en = "Wrong username or password"


class RateLimited(DomainError):
    status = 429
    code = "auth.rate_limited"
    message_zh = "登录失败次数过多，请稍后再试"
    message_en = "Too many failed logins; please try again later"


class CsrfFailed(DomainError):
    status = 403
    code = "auth.csrf_failed"
    message_zh = "页面已过期，请刷新后重试"
    message_en = "The page has expired (CSRF check failed); reload and try again"


class AccountInactive(DomainError):
    status = 403
    code = "auth.account_inactive"
    message_zh = "账户未启用或单位尚未通过审核"
    message_en = "The account is inactive or its organisation is not verified yet"
