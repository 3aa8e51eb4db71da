"""Named errors of the village-aid ledger (对口帮扶), each with a stable code and zh + en messages."""

from __future__ import annotations

from typing import Any, ClassVar

from ggzy.kit.errors import DomainError

# ---------------------------------------------------------------- who may do what


class AidReadersOnly(DomainError):
    status = 403
    code = "aid.forbidden"
    message_zh = "帮扶台账仅供交易中心工作人员和监督部门查看"
    message_en = "Only centre staff and supervisors may read the aid ledger"


class AidStaffOnly(DomainError):
    status = 403
    code = "aid.staff_only"
    message_zh = "只有交易中心工作人员可以录入帮扶台账或查看贫困户个人信息"
    message_en = "Only centre staff may write the aid ledger or see households' personal data"


# ---------------------------------------------------------------- not found


class VillageNotFound(DomainError):
    status = 404
    code = "aid.village_not_found"
    message_zh = "找不到该帮扶村"
    message_en = "Village not found"


class HouseholdNotFound(DomainError):
    status = 404
    code = "aid.household_not_found"
    message_zh = "找不到该贫困户"
    message_en = "Household not found"


class PartnerNotFound(DomainError):
    status = 404
    code = "aid.partner_not_found"
    message_zh = "找不到该帮扶单位"
    message_en = "Partner unit not found"


class ProjectNotFound(DomainError):
    status = 404
    code = "aid.project_not_found"
    message_zh = "找不到该帮扶项目"
    message_en = "Aid project not found"


class ProblemNotFound(DomainError):
    status = 404
    code = "aid.problem_not_found"
    message_zh = "找不到该问题"
    message_en = "Problem not found"


class ChartNotFound(DomainError):
    status = 404
    code = "aid.chart_not_found"
    message_zh = "没有这个图表"
    message_en = "No such chart"


# ---------------------------------------------------------------- conflicts with what is recorded


class VillageExists(DomainError):
    status = 409
    code = "aid.village_exists"
    message_zh = "该县乡已有同名帮扶村"
    message_en = "A village of that name is already recorded in that township"


class PartnerExists(DomainError):
    status = 409
    code = "aid.partner_exists"
    message_zh = "已有同名帮扶单位"
    message_en = "A partner unit of that name already exists"


class HouseholdCodeTaken(DomainError):
    status = 409
    code = "aid.household_code_taken"
    message_zh = "本村已有该户编号"
    message_en = "That household number is already used in this village"


class MemberDuplicate(DomainError):
    status = 409
    code = "aid.member_duplicate"
    message_zh = "该身份证号已登记在本村贫困户中，同一人不能重复登记"
    message_en = "That ID number is already registered in this village; a person is registered once"


class TooManyHouseholds(DomainError):
    status = 409
    code = "aid.households_exceed_profile"
    message_zh = "建档立卡户数不能超过村情中的总户数，请先更新村情"
    message_en = "Registered households cannot outnumber the village's households; update the profile first"


class ProfileBelowRecords(DomainError):
    status = 409
    code = "aid.profile_below_records"
    message_zh = "总户数不能少于已登记的建档立卡户数，总人口不能少于其人数"
    message_en = "The village cannot have fewer households (people) than its registered poor households (members)"


class BadStatusChange(DomainError):
    status = 409
    code = "aid.bad_status_change"
    message_zh = "贫困户状态不能这样变更（已建档立卡 → 计划当年脱贫 → 已脱贫；已脱贫返贫的回到已建档立卡）"
    message_en = "That status change is not allowed (registered → to be lifted → lifted; a lifted household " \
                 "that falls back returns to registered)"


class StatusBackdated(DomainError):
    status = 409
    code = "aid.status_backdated"
    message_zh = "状态变更日期不能早于建档立卡日期或上一次变更的日期（状态历史只能追加）"
    message_en = "A status change cannot take effect before registration or the previous change (history is " \
                 "append-only)"


class ProblemAlreadySolved(DomainError):
    status = 409
    code = "aid.problem_already_solved"
    message_zh = "该问题已登记为解决"
    message_en = "This problem is already recorded as solved"


# ---------------------------------------------------------------- bad input


class AidInvalid(DomainError):
    """Input that does not have the right shape; `detail["fields"]` lists each field and what is wrong."""

    status = 422
    code = "aid.invalid"
    message_zh = "输入有误，请检查标出的字段"
    message_en = "Invalid input; check the fields marked"

    @classmethod
    def fields(cls, fields: list[dict[str, Any]]) -> AidInvalid:
        return cls(detail={"fields": fields})


class IdNumberInvalid(DomainError):
    status = 422
    code = "aid.id_number_invalid"
    message_zh = "身份证号码无效"
    message_en = "Invalid ID number"

    REASONS: ClassVar[dict[str, tuple[str, str]]] = {
        "format": ("应为 17 位数字加 1 位数字或 X", "it must be 17 digits followed by a digit or X"),
        "region": ("地区码不存在", "the region code does not exist"),
        "birth_date": ("出生日期无效", "the birth date is not valid"),
        "check_digit": ("校验码不符", "the check character does not match"),
    }

    @classmethod
    def because(cls, reason: str, *, name: str = "") -> IdNumberInvalid:
        zh, en = cls.REASONS.get(reason, ("格式有误", "it is malformed"))
        who_zh, who_en = (f"（{name}）", f" ({name})") if name else ("", "")
        return cls(message_zh=f"身份证号码无效{who_zh}：{zh}", message_en=f"Invalid ID number{who_en}: {en}",
                   detail={"reason": reason})


class HeadRequired(DomainError):
    status = 422
    code = "aid.head_required"
    message_zh = "每户须有且只有一名户主"
    message_en = "A household has exactly one head (户主)"


class DateInFuture(DomainError):
    status = 422
    code = "aid.date_in_future"
    message_zh = "日期不能晚于今天"
    message_en = "The date cannot be later than today"


class DateTooEarly(DomainError):
    status = 422
    code = "aid.date_too_early"
    message_zh = "日期过早"
    message_en = "The date is too early"


class BeforePairing(DomainError):
    status = 422
    code = "aid.before_pairing"
    message_zh = "日期不能早于结对帮扶开始日期"
    message_en = "The date cannot be before the centre began supporting the village"


class CompletedBeforeStart(DomainError):
    status = 422
    code = "aid.completed_before_start"
    message_zh = "完工日期不能早于开工日期"
    message_en = "A project cannot be completed before it started"


class PopulationBelowHouseholds(DomainError):
    status = 422
    code = "aid.population_below_households"
    message_zh = "总人口不能少于总户数"
    message_en = "The village cannot have fewer people than households"


class VisitedTooMany(DomainError):
    status = 422
    code = "aid.visited_exceeds_households"
    message_zh = "走访户数不能超过全村总户数"
    message_en = "A visit cannot cover more households than the village has"


class BeneficiariesExceed(DomainError):
    status = 422
    code = "aid.beneficiaries_exceed_households"
    message_zh = "受益户数不能超过全村总户数"
    message_en = "A project cannot benefit more households than the village has"


class SolvedBeforeFound(DomainError):
    status = 422
    code = "aid.solved_before_found"
    message_zh = "解决日期不能早于发现问题的走访日期"
    message_en = "A problem cannot be solved before the visit that found it"


class AsOfInvalid(DomainError):
    status = 422
    code = "aid.as_of_invalid"
    message_zh = "统计截止日期应为 YYYY-MM-DD 格式，且不早于 2000-01-01、不晚于今天"
    message_en = "The as-of date must be YYYY-MM-DD, from 2000-01-01 up to today"
