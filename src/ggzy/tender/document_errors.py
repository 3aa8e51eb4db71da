"""Named errors of tender documents, downloads, questions and clarifications (engineer C's sub-modules)."""

from ggzy.kit.errors import DomainError


class TenderNotFound(DomainError):
    status = 404
    code = "tender.not_found"
    message_zh = "找不到该招标项目"
    message_en = "Tender not found"


class DocumentNotFound(DomainError):
    status = 404
    code = "document.not_found"
    message_zh = "找不到该招标文件"
    message_en = "Tender document not found"


class NotTenderManager(DomainError):
    status = 403
    code = "document.not_manager"
    message_zh = "只有本项目的代理机构或招标人可以执行此操作"
    message_en = "Only this tender's agency or tenderer may do this"


class DocumentsLocked(DomainError):
    status = 409
    code = "document.tender_not_open"
    message_zh = "招标项目当前状态不允许上传招标文件"
    message_en = "Documents can only be uploaded while the tender is a draft or published"


class EmptyDocument(DomainError):
    status = 422
    code = "document.empty"
    message_zh = "文件为空"
    message_en = "The file is empty"


class BadFilename(DomainError):
    status = 422
    code = "document.bad_filename"
    message_zh = "文件名无效"
    message_en = "Invalid file name"


class BiddersOnly(DomainError):
    status = 403
    code = "document.bidders_only"
    message_zh = "只有投标人可以下载招标文件"
    message_en = "Only bidders can download tender documents"


class BearerRequired(DomainError):
    status = 403
    code = "document.bearer_required"
    message_zh = "接口下载须使用访问令牌；网页请使用“下载”按钮"
    message_en = "API downloads need a bearer token; on the website use the Download button"


class BidderNotVerified(DomainError):
    status = 403
    code = "document.bidder_not_verified"
    message_zh = "贵单位尚未通过交易中心核验，暂不能下载招标文件"
    message_en = "Your organisation has not been verified by the centre yet; it cannot download documents"


class OutsideDocumentPeriod(DomainError):
    status = 409
    code = "document.outside_period"
    message_zh = "不在招标文件获取期内"
    message_en = "The tender documents are not on offer at this time"


class DownloadsSealed(DomainError):
    status = 403
    code = "document.downloads_sealed"
    message_zh = "投标截止前，任何人不得知悉下载招标文件的单位及数量（电子招标投标办法第二十一条）"
    message_en = (
        "Before the bid deadline nobody may learn who or how many downloaded the documents "
        "(E-Bidding Measures Art.21)"
    )


class NotDownloader(DomainError):
    status = 403
    code = "question.not_downloader"
    message_zh = "只有已获取招标文件的单位可以提问"
    message_en = "Only organisations that downloaded the documents may ask questions"


class QuestionDeadlinePassed(DomainError):
    status = 409
    code = "question.deadline_passed"
    message_zh = "已过答疑截止时间"
    message_en = "The question deadline has passed"


class QuestionNotFound(DomainError):
    status = 404
    code = "question.not_found"
    message_zh = "找不到该问题"
    message_en = "Question not found"


class AlreadyAnswered(DomainError):
    status = 409
    code = "question.already_answered"
    message_zh = "该问题已答复"
    message_en = "This question has already been answered"


class ClarificationClosed(DomainError):
    status = 409
    code = "clarification.tender_closed"
    message_zh = "招标项目未处于招标中，不能发布澄清"
    message_en = "Clarifications can only be published while the tender is open for bids"


class EmptyText(DomainError):
    status = 422
    code = "question.empty"
    message_zh = "内容不能为空"
    message_en = "The text must not be empty"
