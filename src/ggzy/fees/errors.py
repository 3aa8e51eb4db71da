"""Named errors of fees, invoices and payments, each with a stable code and zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class NoSchedule(DomainError):
    status = 409
    code = "fees.no_schedule"
    message_zh = "没有适用的收费标准"
    message_en = "No fee schedule applies"


class NotAllowed(DomainError):
    status = 403
    code = "fees.forbidden"
    message_zh = "只有交易中心工作人员可以办理收费"
    message_en = "Only centre staff handle fees"


class ChargeNotFound(DomainError):
    status = 404
    code = "fees.charge_not_found"
    message_zh = "找不到该收费记录"
    message_en = "Charge not found"


class InvoiceNotFound(DomainError):
    status = 404
    code = "fees.invoice_not_found"
    message_zh = "找不到该收费凭证"
    message_en = "Invoice not found"


class PaymentNotFound(DomainError):
    status = 404
    code = "fees.payment_not_found"
    message_zh = "找不到该收款记录"
    message_en = "Payment not found"


class BadInput(DomainError):
    status = 422
    code = "fees.bad_input"
    message_zh = "输入有误"
    message_en = "Invalid input"


class NotManager(DomainError):
    status = 403
    code = "fees.not_manager"
    message_zh = "只有本项目的招标人（采购人）或其代理机构可以设置招标文件工本费"
    message_en = "Only the tender's tenderer (purchaser) or its agency may set the document fee"


class DocumentPriceLocked(DomainError):
    status = 409
    code = "fees.document_price_locked"
    message_zh = "招标文件已开始发售，工本费不能再设置或修改"
    message_en = "The documents are already on offer; the document fee can no longer be set or changed"


class DocumentPriceTooHigh(DomainError):
    status = 422
    code = "fees.document_price_too_high"
    message_zh = "招标文件工本费超过收费标准上限（只能补偿印刷、邮寄成本，不得以营利为目的：" \
                 "《招标投标法实施条例》第十六条；财政部87号令第二十四条）"
    message_en = "The document fee exceeds the schedule's ceiling (cost of printing and postage only: Bidding Regs " \
                 "Art.16; MOF 87 Art.24)"


class AlreadyInvoiced(DomainError):
    status = 409
    code = "fees.already_invoiced"
    message_zh = "该收费已开具收费凭证"
    message_en = "The charge is already on an invoice"


class AlreadyReversed(DomainError):
    status = 409
    code = "fees.already_reversed"
    message_zh = "该记录已冲销"
    message_en = "The entry is already reversed"


class NotInvoiceable(DomainError):
    status = 409
    code = "fees.not_invoiceable"
    message_zh = "所选收费不能合并开具一张收费凭证（须为同一缴费单位、同一收费项目和交易类型的未开票收费）"
    message_en = "These charges cannot go on one invoice (one payer, one kind and line, not invoiced or reversed)"


class InvoiceClosed(DomainError):
    status = 409
    code = "fees.invoice_closed"
    message_zh = "收费凭证当前状态不允许此操作"
    message_en = "The invoice's status does not allow this"


class Overpaid(DomainError):
    status = 422
    code = "fees.overpaid"
    message_zh = "收款金额超过收费凭证未收金额"
    message_en = "The payment exceeds what the invoice still owes"


class DuplicateReference(DomainError):
    status = 409
    code = "fees.duplicate_reference"
    message_zh = "该银行流水号已登记过收款"
    message_en = "A payment with this bank reference is already recorded"


class InvoiceMismatch(DomainError):
    status = 409
    code = "fees.invoice_mismatch"
    message_zh = "收费凭证无法按原样重新生成，请联系交易中心"
    message_en = "The invoice PDF cannot be reproduced as recorded; contact the centre"
