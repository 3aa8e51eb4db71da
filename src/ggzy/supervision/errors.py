from ggzy.kit.errors import DomainError


class TradingSuspended(DomainError):
    status = 409
    code = "supervision.suspended"
    message_zh = "交易已暂停，暂不受理此操作"
    message_en = "Trading is suspended; this action is not accepted now"
