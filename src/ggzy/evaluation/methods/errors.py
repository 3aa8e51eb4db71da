"""Named errors of the evaluation methods (评标办法): bad plans, bad inputs to a ranking.

The methods are pure, so these only surface through the services that call them (tender creation for a plan,
the chair's submission for a ranking); each has a stable code, zh and en messages and a 4xx status.
"""

from __future__ import annotations

from typing import Any

from ggzy.kit.errors import DomainError


class PlanInvalid(DomainError):
    """The evaluation plan breaks a rule; the code is the first problem's, detail lists every problem."""

    status = 422
    code = "tender.plan_invalid"
    message_zh = "评标办法设置有误"
    message_en = "Invalid evaluation plan"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        first = problems[0]
        zh = "；".join(f"{p['zh']}（{p['article_zh']}）" if p.get("article_zh") else p["zh"] for p in problems)
        en = "; ".join(f"{p['en']} ({p['article_en']})" if p.get("article_en") else p["en"] for p in problems)
        super().__init__(first["code"], zh, en, detail={"violations": problems})


class PlanMismatch(DomainError):
    """The plan handed to a method is not one that method can rank (a programming or data error)."""

    status = 409
    code = "evaluation.plan_mismatch"
    message_zh = "评标办法与评分方案不一致"
    message_en = "The evaluation plan does not fit the method"


class ScoreMissing(DomainError):
    status = 409
    code = "evaluation.score_missing"
    message_zh = "评分表不完整：有评委尚未对某投标的某项评分因素打分"
    message_en = "The score sheet is incomplete: a member has not scored a criterion of a bid"


class ScoreOutOfRange(DomainError):
    status = 422
    code = "evaluation.score_out_of_range"
    message_zh = "评分须在 0 至该评分因素满分之间，且最多两位小数"
    message_en = "A score must lie between 0 and the criterion's maximum, with at most two decimals"


class UnknownCriterion(DomainError):
    status = 422
    code = "evaluation.unknown_criterion"
    message_zh = "评分表含有评标办法中不存在的评分因素（价格分由系统计算，不能手工打分）"
    message_en = "The score sheet names a criterion the plan does not have (the price score is computed, not scored)"


class PriceInvalid(DomainError):
    status = 422
    code = "evaluation.price_invalid"
    message_zh = "评标价必须大于零"
    message_en = "An evaluated price must be greater than zero"


class DuplicateBid(DomainError):
    status = 422
    code = "evaluation.duplicate_entry"
    message_zh = "同一投标在排序中出现两次"
    message_en = "The same bid appears twice in the ranking input"


class CoefficientInvalid(DomainError):
    status = 422
    code = "evaluation.coefficient_invalid"
    message_zh = "下浮系数须为 0 至 1 之间的小数（如 0.01 表示下浮 1%）"
    message_en = "The floating coefficient must be a fraction from 0 up to 1 (0.01 means 1% down)"


class UnknownMethod(DomainError):
    status = 422
    code = "evaluation.unknown_method"
    message_zh = "未知的评标办法"
    message_en = "Unknown evaluation method"
