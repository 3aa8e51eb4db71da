"""The centre's fee invoice (收费凭证) and the monthly statement (月度收费报表) as PDFs with the embedded CJK font.

Like the award notice (award/letter.py) each PDF is a pure function of its data (reportlab's invariant mode), so
the SHA-256 the invoice row keeps can be checked against a rebuild. The tax invoice proper (增值税发票) comes from
the tax authority's system; this voucher carries the same items and is what the payer and the finance office
(财务科) reconcile against.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import show
from ggzy.opening.record import _font_name


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    basis: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentLine:
    bank_reference: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class InvoiceData:
    no: str
    centre: str
    payer: str
    payer_credit_code: str
    kind: str
    """收费项目 in Chinese, e.g. 交易服务费."""
    line: str
    """交易类型 in Chinese, e.g. 工程建设."""
    items: tuple[InvoiceLine, ...]
    total: Decimal
    issued_at: datetime
    status: str
    """issued | paid | void."""
    paid_at: datetime | None = None
    payments: tuple[PaymentLine, ...] = ()
    voided_at: datetime | None = None
    void_reason: str = ""


STATUS_ZH = {"issued": "已开具，待收款", "paid": "已收款", "void": "已作废"}


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    font = _font_name()
    plain = ParagraphStyle("plain", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "plain": plain,
        "right": ParagraphStyle("right", parent=plain, alignment=2),
        "title": ParagraphStyle("title", parent=plain, fontSize=20, leading=28, alignment=1, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=plain, fontSize=9.5, leading=13),
        "num": ParagraphStyle("num", parent=plain, fontSize=9.5, leading=13, alignment=2),
        "small": ParagraphStyle("small", parent=plain, fontSize=8, leading=11, textColor=colors.HexColor("#444444")),
        "stamp": ParagraphStyle("stamp", parent=plain, fontSize=16, leading=22, alignment=1,
                                textColor=colors.HexColor("#b42318")),
    }


def _esc(text: str) -> str:
    return (text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _grid(rows: list[list[object]], widths: list[float], *, head: bool = True) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if head else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if head:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f4f8")))
    table.setStyle(TableStyle(style))
    return table


def render_invoice(data: InvoiceData) -> bytes:
    """收费凭证 on one A4 page: number, payer, items, the total in figures and in capitals, the state."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    s = _styles()

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(_esc(text), s[style])

    head = _grid([[p("缴费单位"), p(data.payer), p("统一社会信用代码"), p(data.payer_credit_code or "—")],
                  [p("收费项目"), p(data.kind), p("交易类型"), p(data.line)],
                  [p("开具日期"), p(show(data.issued_at, "%Y年%m月%d日")), p("状态"),
                   p(STATUS_ZH.get(data.status, data.status))]],
                 [26 * mm, 62 * mm, 32 * mm, 46 * mm], head=False)
    rows: list[list[object]] = [[p("序号"), p("项目"), p("计费依据"), p("金额（元）")]]
    for i, item in enumerate(data.items, 1):
        rows.append([p(str(i)), p(item.description), p(item.basis), p(fmt(item.amount), "num")])
    rows.append([p(" "), p("合计"), p(f"人民币（大写）{in_words(data.total)}"), p(fmt(data.total), "num")])
    story: list[object] = [
        p("公共资源交易服务收费凭证", "title"),
        p(f"编号：{data.no}", "right"),
        Spacer(1, 3 * mm), head, Spacer(1, 3 * mm),
        _grid(rows, [12 * mm, 58 * mm, 68 * mm, 28 * mm]),
        Spacer(1, 3 * mm),
        p(f"合计金额：人民币 {fmt(data.total)} 元（大写：{in_words(data.total)}）", "plain"),
    ]
    if data.payments:
        story += [Spacer(1, 2 * mm), p("收款记录", "plain"), _grid(
            [[p("银行流水号"), p("到账日期"), p("金额（元）")]]
            + [[p(x.bank_reference), p(x.paid_on.strftime("%Y年%m月%d日")), p(fmt(x.amount), "num")]
               for x in data.payments], [70 * mm, 50 * mm, 46 * mm])]
    if data.status == "paid":
        story += [Spacer(1, 4 * mm), p(f"已收款（{show(data.paid_at, '%Y年%m月%d日')}）", "stamp")]
    elif data.status == "void":
        story += [Spacer(1, 4 * mm), p(f"作废（{show(data.voided_at, '%Y年%m月%d日')}）", "stamp"),
                  p(f"作废原因：{data.void_reason}", "plain")]
    story += [
        Spacer(1, 8 * mm),
        p(f"收款单位：{data.centre}", "right"),
        Spacer(1, 8 * mm),
        p("本凭证由公共资源交易平台按收费标准生成；请按本凭证编号缴费。增值税发票由财务科另行开具。"
          "金额四舍五入至分。", "small"),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"收费凭证 {data.no}", author="ggzy", creator="ggzy fees",
                            subject=data.no, invariant=1, leftMargin=22 * mm, rightMargin=22 * mm,
                            topMargin=20 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------- the monthly statement


@dataclass(frozen=True)
class StatementRow:
    booked_at: datetime
    entry: str
    """收费 / 收款, with 冲销 for a reversal."""
    kind: str
    line: str
    ref: str
    """Charge: the tender's title; payment: invoice number and bank reference."""
    payer: str
    amount: Decimal
    code: str = ""
    """charge | charge_reversal | payment | payment_reversal."""
    kind_code: str = ""
    line_code: str = ""
    id: str = ""


@dataclass(frozen=True)
class StatementTotal:
    kind: str
    line: str
    charged: Decimal
    received: Decimal
    kind_code: str = ""
    line_code: str = ""


@dataclass(frozen=True)
class StatementData:
    centre: str
    month: str
    """YYYY-MM (Beijing time)."""
    rows: tuple[StatementRow, ...]
    totals: tuple[StatementTotal, ...]
    charged: Decimal
    received: Decimal
    made_at: datetime


def render_statement(data: StatementData) -> bytes:
    """月度收费报表 for 财务科: totals by kind and line, then every entry of the month."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    s = _styles()

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(_esc(text), s[style])

    year, month = data.month.split("-")
    totals: list[list[object]] = [[p("收费项目"), p("交易类型"), p("应收（元）"), p("实收（元）")]]
    totals += [[p(x.kind), p(x.line), p(fmt(x.charged), "num"), p(fmt(x.received), "num")] for x in data.totals]
    totals.append([p("合计"), p(" "), p(fmt(data.charged), "num"), p(fmt(data.received), "num")])
    rows: list[list[object]] = [[p("记账时间"), p("类别"), p("收费项目"), p("交易类型"), p("摘要"), p("缴费单位"),
                                 p("金额（元）")]]
    rows += [[p(show(r.booked_at)), p(r.entry), p(r.kind), p(r.line), p(r.ref), p(r.payer), p(fmt(r.amount), "num")]
             for r in data.rows]
    story: list[object] = [
        p(f"{data.centre} {year}年{int(month)}月收费月报", "title"),
        p(f"报送：财务科　　统计口径：北京时间 {data.month} 月内记账的收费与收款（冲销在其记账月份列示）　　"
          f"生成时间：{show(data.made_at)}", "plain"),
        Spacer(1, 3 * mm),
        _grid(totals, [60 * mm, 50 * mm, 50 * mm, 50 * mm]),
        Spacer(1, 3 * mm),
        p(f"本月应收合计 人民币 {fmt(data.charged)} 元（{in_words(data.charged)}）；"
          f"实收合计 人民币 {fmt(data.received)} 元（{in_words(data.received)}）", "plain"),
        Spacer(1, 4 * mm),
        p("明细", "plain") if data.rows else p("本月无收费或收款记录。", "plain"),
    ]
    if data.rows:
        story.append(_grid(rows, [30 * mm, 18 * mm, 28 * mm, 20 * mm, 92 * mm, 58 * mm, 28 * mm]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=f"收费月报 {data.month}", author="ggzy",
                            creator="ggzy fees", subject=data.month, invariant=1, leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    doc.build(story)
    return out.getvalue()
