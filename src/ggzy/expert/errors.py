"""Named errors of the expert domain (pool and draw), each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError

# ---------------------------------------------------------------- the draw (专家抽取)


class DrawNotFound(DomainError):
    status = 404
    code = "expert.draw_not_found"
    message_zh = "找不到该专家抽取记录"
    message_en = "Expert draw not found"


class MemberNotFound(DomainError):
    status = 404
    code = "expert.member_not_found"
    message_zh = "找不到该评标委员会席位"
    message_en = "Committee seat not found"


class RoundNotFound(DomainError):
    status = 404
    code = "expert.round_not_found"
    message_zh = "找不到该轮抽取"
    message_en = "Draw round not found"


class NotRequester(DomainError):
    status = 403
    code = "expert.not_requester"
    message_zh = "只有本项目的代理机构（无代理时为招标人）或交易中心工作人员可以申请抽取专家"
    message_en = "Only the tender's agency (the tenderer when there is none) or centre staff may request experts"


class DrawCentreOnly(DomainError):
    status = 403
    code = "expert.centre_only"
    message_zh = "只有交易中心工作人员可以在专家抽取室执行抽取"
    message_en = "Only centre staff may run the draw in the draw room"


class NotInvited(DomainError):
    status = 403
    code = "expert.not_invited"
    message_zh = "只有被抽中的专家本人可以答复邀请"
    message_en = "Only the drawn expert may answer this invitation"


class DrawNotAllowed(DomainError):
    status = 409
    code = "expert.draw_not_allowed"
    message_zh = "投标截止后（投标人确定后）方可申请抽取专家"
    message_en = "Experts may be requested only once bidding has closed (the bidders are known)"


class DrawExists(DomainError):
    status = 409
    code = "expert.draw_exists"
    message_zh = "本项目已有进行中或已完成的专家抽取"
    message_en = "This tender already has a running or decided expert draw"


class BadDrawTransition(DomainError):
    status = 409
    code = "expert.bad_draw_transition"
    message_zh = "专家抽取当前阶段不允许此操作"
    message_en = "The draw's current stage does not allow this"


class CommitteeSize(DomainError):
    status = 422
    code = "expert.committee_size"
    message_zh = "评标委员会成员人数应为5人以上单数（《评标委员会和评标方法暂行规定》第九条）"
    message_en = "A committee has 5 or more members, an odd number (Evaluation Rules Art.9)"


class ProcurementSize(DomainError):
    status = 422
    code = "expert.procurement_size"
    message_zh = "采购预算金额在1000万元以上的，评标委员会成员人数应为7人以上单数（财政部87号令第四十七条）"
    message_en = "Procurement with a budget of 10,000,000 yuan or more needs 7 or more members (MOF 87 Art.47)"


class TooManyRepresentatives(DomainError):
    status = 422
    code = "expert.too_many_representatives"
    message_zh = ("专家库专家不得少于成员总数的三分之二，招标人（采购人）代表不得超过三分之一"
                  "（《评标委员会和评标方法暂行规定》第九条；财政部87号令第四十七条）")
    message_en = "Pool experts must be at least 2/3 of the members; representatives at most 1/3 " \
                 "(Evaluation Rules Art.9; MOF 87 Art.47)"


class RepresentativeNotTenderer(DomainError):
    status = 422
    code = "expert.rep_not_tenderer"
    message_zh = "招标人（采购人）代表应为招标人单位的在册用户，且不得重复"
    message_en = "A representative must be an active user of the tenderer's organisation, listed once"


class SpecialtyCounts(DomainError):
    status = 422
    code = "expert.specialty_counts"
    message_zh = ("各专业抽取人数之和应等于专家库专家席位数，且专业不得重复"
                  "（《招标投标法实施条例》第四十六条：按专业随机抽取）")
    message_en = "The specialty counts must add up to the pool seats, each specialty once " \
                 "(Bidding Regs Art.46: drawn at random by specialty)"


class RegionInvalid(DomainError):
    status = 422
    code = "expert.region_invalid"
    message_zh = "地区应为6位行政区划代码"
    message_en = "A region is a 6-digit administrative division code"


class EvaluationInPast(DomainError):
    status = 422
    code = "expert.evaluation_in_past"
    message_zh = "评标时间应晚于当前时间"
    message_en = "The evaluation time must be in the future"


class VenueInvalid(DomainError):
    status = 422
    code = "expert.venue_invalid"
    message_zh = "现场评标须填写评标室；远程评标不填写评标室"
    message_en = "An on-site evaluation names its room; a remote one names none"


class PoolExhausted(DomainError):
    status = 409
    code = "expert.pool_exhausted"
    message_zh = "符合条件的专家人数不足，无法组成评标委员会"
    message_en = "Not enough eligible experts to form the committee"


class AnswerClosed(DomainError):
    status = 409
    code = "expert.answer_closed"
    message_zh = "答复期限已过或该邀请已答复"
    message_en = "The answer window has closed or the invitation was already answered"


class ReasonRequired(DomainError):
    status = 422
    code = "expert.reason_required"
    message_zh = "拒绝邀请须填写理由"
    message_en = "Declining needs a reason"


class DrawNotRevealed(DomainError):
    status = 409
    code = "expert.draw_not_revealed"
    message_zh = "抽取结果确定后才公开随机种子和验证数据"
    message_en = "The seed and the verification data are published once the result is decided"


class SnapshotMismatch(DomainError):
    status = 409
    code = "expert.snapshot_mismatch"
    message_zh = "专家库快照与其哈希不符"
    message_en = "The pool snapshot does not match its hash"


# ---------------------------------------------------------------- the pool (评标专家库)


class ExpertNotFound(DomainError):
    status = 404
    code = "expert.not_found"
    message_zh = "找不到该专家"
    message_en = "Expert not found"


class PoolStaffOnly(DomainError):
    status = 403
    code = "expert.pool_staff_only"
    message_zh = "只有交易中心工作人员可以管理专家库（专家个人信息不对其他人公开）"
    message_en = "Only centre staff manage the expert pool (experts' personal data is not shown to others)"


class ExpertsOnly(DomainError):
    status = 403
    code = "expert.experts_only"
    message_zh = "只有专家本人可以维护自己的信息"
    message_en = "Only the expert may keep their own record"


class NoExpertRecord(DomainError):
    status = 404
    code = "expert.no_record"
    message_zh = "您的账号尚未关联专家库记录，请联系交易中心"
    message_en = "Your account is not linked to an expert record; contact the centre"


class IdNumberInvalid(DomainError):
    status = 422
    code = "expert.id_number_invalid"
    message_zh = "身份证号码不正确"
    message_en = "The ID number is not valid"


class IdNumberTaken(DomainError):
    status = 409
    code = "expert.id_number_taken"
    message_zh = "该身份证号码已在专家库中"
    message_en = "This ID number is already in the pool"


class IdNumberDuplicate(DomainError):
    status = 422
    code = "expert.id_number_duplicate"
    message_zh = "该身份证号码在文件中重复出现"
    message_en = "This ID number appears more than once in the file"


class PhoneInvalid(DomainError):
    status = 422
    code = "expert.phone_invalid"
    message_zh = "手机号码应为11位中国大陆手机号"
    message_en = "The phone must be an 11-digit mainland China mobile number"


class CreditCodeInvalid(DomainError):
    status = 422
    code = "expert.credit_code_invalid"
    message_zh = "统一社会信用代码格式或校验位不正确"
    message_en = "The unified social credit code is malformed or its check digit is wrong"


class SpecialtyInvalid(DomainError):
    status = 422
    code = "expert.specialty_invalid"
    message_zh = "专业代码应为一个大写字母加至少两位数字（如 A08、A0801），至少填写一个"
    message_en = "A specialty code is a capital letter and 2 or more digits (e.g. A08, A0801); give at least one"


class ValueRequired(DomainError):
    status = 422
    code = "expert.value_required"
    message_zh = "此项必填"
    message_en = "This value is required"


class ValueTooLong(DomainError):
    status = 422
    code = "expert.value_too_long"
    message_zh = "内容过长"
    message_en = "The value is too long"


class YearsInvalid(DomainError):
    status = 422
    code = "expert.years_invalid"
    message_zh = "从业年限应为不超过（年龄-16）的非负整数"
    message_en = "Years in the field must be a whole number from 0 up to the expert's age minus 16"


class YesNoInvalid(DomainError):
    status = 422
    code = "expert.yes_no_invalid"
    message_zh = "应填写“是”或“否”"
    message_en = "Write 是 (yes) or 否 (no)"


class DateInvalid(DomainError):
    status = 422
    code = "expert.date_invalid"
    message_zh = "日期应写作 YYYY-MM-DD（如 2020-03-01）"
    message_en = "Dates are written YYYY-MM-DD (e.g. 2020-03-01)"


class DateInFuture(DomainError):
    status = 422
    code = "expert.date_in_future"
    message_zh = "该日期不得晚于今天"
    message_en = "This date may not be in the future"


class EntryInvalid(DomainError):
    status = 422
    code = "expert.entry_invalid"
    message_zh = "条目格式不正确"
    message_en = "The entry is malformed"


class DateOrder(DomainError):
    status = 422
    code = "expert.date_order"
    message_zh = "结束日期不得早于开始日期"
    message_en = "The end date may not be before the start date"


class DeclarationKindInvalid(DomainError):
    status = 422
    code = "expert.declaration_kind_invalid"
    message_zh = "申报类型应为 relative（近亲属）或 interest（利害关系）"
    message_en = "A declaration kind is relative (近亲属) or interest (利害关系)"


class ImportInvalid(DomainError):
    status = 422
    code = "expert.import_invalid"
    message_zh = "导入文件有错误，未导入任何记录；请按错误列表修改后重新导入"
    message_en = "The file has errors and nothing was imported; fix the rows listed and import again"


class ImportUnreadable(DomainError):
    status = 422
    code = "expert.import_unreadable"
    message_zh = "无法读取文件：请上传 UTF-8 编码的 CSV 或 XLSX 文件"
    message_en = "The file cannot be read: upload a UTF-8 CSV or an XLSX file"


class ImportEmpty(DomainError):
    status = 422
    code = "expert.import_empty"
    message_zh = "文件中没有专家数据（第1行为表头，从第2行起每行一位专家）"
    message_en = "The file holds no experts (row 1 is the header, one expert per row from row 2)"


class ImportTooLarge(DomainError):
    status = 413
    code = "expert.import_too_large"
    message_zh = "文件过大或行数过多，请分批导入"
    message_en = "The file is too large or has too many rows; import it in parts"


class UnknownColumn(DomainError):
    status = 422
    code = "expert.import_unknown_column"
    message_zh = "无法识别的列名（可用列名见导入说明）"
    message_en = "Unknown column (see the import help for the column names)"


class MissingColumn(DomainError):
    status = 422
    code = "expert.import_missing_column"
    message_zh = "缺少必需的列"
    message_en = "A required column is missing"


class DuplicateColumn(DomainError):
    status = 422
    code = "expert.import_duplicate_column"
    message_zh = "列名重复"
    message_en = "The column appears twice"


class LoginUnavailable(DomainError):
    status = 409
    code = "expert.login_unavailable"
    message_zh = "手机号和身份证号都已被其他账号用作用户名，无法为该专家创建登录账号"
    message_en = "Both the phone and the ID number are already usernames of other accounts; no login can be made"


class BadExpertTransition(DomainError):
    status = 409
    code = "expert.bad_status_transition"
    message_zh = "专家当前状态不允许此操作"
    message_en = "The expert's current status does not allow this"


class StatusReasonRequired(DomainError):
    status = 422
    code = "expert.status_reason_required"
    message_zh = "暂停、出库或恢复专家须填写理由"
    message_en = "Suspending, retiring or reinstating an expert needs a reason"


class DeclarationNotFound(DomainError):
    status = 404
    code = "expert.declaration_not_found"
    message_zh = "找不到该申报"
    message_en = "Declaration not found"


class DeclarationWithdrawn(DomainError):
    status = 409
    code = "expert.declaration_withdrawn"
    message_zh = "该申报已撤回"
    message_en = "This declaration was already withdrawn"


class UnavailabilityNotFound(DomainError):
    status = 404
    code = "expert.unavailability_not_found"
    message_zh = "找不到该不可参评时段"
    message_en = "Unavailability period not found"


class UnavailabilityInvalid(DomainError):
    status = 422
    code = "expert.unavailability_invalid"
    message_zh = "不可参评时段的结束时间应晚于开始时间，且不超过一年"
    message_en = "An unavailability period ends after it starts and lasts at most a year"


class UnavailabilityPast(DomainError):
    status = 422
    code = "expert.unavailability_past"
    message_zh = "不可参评时段不能从今天以前开始"
    message_en = "An unavailability period may not start before today"


class UnavailabilityStarted(DomainError):
    status = 409
    code = "expert.unavailability_started"
    message_zh = "已开始的不可参评时段不能删除（抽取可能已据此排除，须保留记录）"
    message_en = "A period that has started cannot be removed (a draw may already have relied on it)"


class PenaltyNotFound(DomainError):
    status = 404
    code = "expert.penalty_not_found"
    message_zh = "找不到该处罚记录"
    message_en = "Penalty not found"


class ImportConflict(DomainError):
    status = 409
    code = "expert.import_conflict"
    message_zh = "导入期间其他操作登记了相同的身份证号或用户名，未导入任何记录，请重新导入"
    message_en = "Another change took the same ID number or username during the import; nothing was imported, try again"
