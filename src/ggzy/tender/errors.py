"""Named errors of the tender domain (tenders, lots, announcements, corrections)."""

from __future__ import annotations

from typing import Any

from ggzy.kit.errors import DomainError


class TenderNotFound(DomainError):
    status = 404
    code = "tender.not_found"
    message_zh = "找不到该招标项目"
    message_en = "Tender not found"


class LotNotFound(DomainError):
    status = 404
    code = "tender.lot_not_found"
    message_zh = "找不到该标段（包）"
    message_en = "Lot not found"


class NotTenderManager(DomainError):
    status = 403
    code = "tender.not_manager"
    message_zh = "只有本项目的代理机构或招标人可以执行此操作"
    message_en = "Only this project's agency or tenderer may do this"


class BadTenderTransition(DomainError):
    status = 409
    code = "tender.bad_transition"
    message_zh = "招标项目当前状态不允许此操作"
    message_en = "The tender's current status does not allow this"


class ProjectNotAdmitted(DomainError):
    status = 409
    code = "tender.project_not_admitted"
    message_zh = "项目尚未进场受理，不能创建招标"
    message_en = "The project has not been admitted yet; no tender can be created"


class LineNotTendered(DomainError):
    status = 422
    code = "tender.line_not_tendered"
    message_zh = "国有产权、国有土地项目通过挂牌竞价交易，不能创建招标"
    message_en = "State property and land projects are auctioned, not tendered"


class UnknownRuleset(DomainError):
    status = 409
    code = "tender.unknown_ruleset"
    message_zh = "找不到该规则版本"
    message_en = "Unknown rules version"


class DeadlinePassed(DomainError):
    status = 409
    code = "tender.deadline_passed"
    message_zh = "投标截止时间已过，不能再发布更正公告"
    message_en = "The bid deadline has passed; no correction can be published"


class NothingToCorrect(DomainError):
    status = 422
    code = "tender.correction_empty"
    message_zh = "更正公告没有任何更改内容"
    message_en = "The correction changes nothing"


class ReasonRequired(DomainError):
    status = 422
    code = "tender.reason_required"
    message_zh = "请填写原因"
    message_en = "A reason is required"


class TenderInvalid(DomainError):
    status = 422
    code = "tender.invalid"
    message_zh = "招标信息有误"
    message_en = "Invalid tender data"


class RulesViolated(DomainError):
    """One or more statutory rules fail; the code is the first violation's, detail lists them all."""

    status = 422
    code = "tender.rules_violated"

    def __init__(self, violations: list[dict[str, Any]]) -> None:
        first = violations[0]
        zh = "；".join(f"{v['zh']}（{v['article_zh']}）" if v.get("article_zh") else v["zh"] for v in violations)
        en = "; ".join(f"{v['en']} ({v['article_en']})" if v.get("article_en") else v["en"] for v in violations)
        super().__init__(first["code"], zh, en, detail={"violations": violations})
