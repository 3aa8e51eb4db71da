"""The award notice (中标通知书) as data and as a PDF in Chinese with an embedded CJK font.

Like the opening record (opening/record.py), the PDF is a pure function of `LetterData` (reportlab's invariant
mode), so the bytes whose SHA-256 the award row keeps can be rebuilt from the database and checked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import local
from ggzy.opening.record import _font_name


@dataclass(frozen=True)
class LetterData:
    letter_no: str
    tender_title: str
    tender_code: str
    lot: str
    procurement: bool
    winner: str
    tenderer: str
    agency: str
    price: Decimal
    duration_days: int | None
    quality: str
    project_lead: str
    lead_certificate: str
    issued_at: datetime
    contract_due: datetime
    """24:00 of the last day for the contract (Evaluation Rules Art.49)."""
    audit_hash: str = ""


def _day(at: datetime) -> str:
    loc = local(at)
    assert loc is not None
    return f"{loc.year}年{loc.month}月{loc.day}日"


def render_pdf(data: LetterData) -> bytes:
    """中标通知书 on one A4 page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, wordWrap="CJK", firstLineIndent=23)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    right = ParagraphStyle("right", parent=plain, alignment=2)
    title = ParagraphStyle("title", parent=plain, fontSize=22, leading=30, alignment=1, spaceAfter=2)
    small = ParagraphStyle("small", parent=plain, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))
    cell = ParagraphStyle("cell", parent=plain, fontSize=10.5, leading=15)

    def esc(text: str) -> str:
        return (text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(esc(text), style)

    buyer = "采购人" if data.procurement else "招标人"
    rows = [
        ["项目名称", data.tender_title],
        ["项目编号", data.tender_code],
        ["标段（包）", data.lot],
        ["中标人", data.winner],
        ["中标价", f"人民币 {fmt(data.price)} 元（大写：{in_words(data.price)}）"],
    ]
    if not data.procurement:
        lead = data.project_lead + (f"（证书编号：{data.lead_certificate}）" if data.lead_certificate else "")
        rows += [
            ["工期", f"{data.duration_days} 日历天" if data.duration_days is not None else "—"],
            ["质量", data.quality or "—"],
            ["项目负责人", lead or "—"],
        ]
    table = Table([[p(k, cell), p(v, cell)] for k, v in rows], colWidths=[32 * mm, 128 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    law = ("《中华人民共和国政府采购法》第四十六条、《政府采购货物和服务招标投标管理办法》第七十一条"
           if data.procurement else
           "《中华人民共和国招标投标法》第四十六条、《评标委员会和评标方法暂行规定》第四十九条")
    story: list[object] = [
        p("中 标 通 知 书", title),
        p(f"编号：{data.letter_no}", right),
        Spacer(1, 4 * mm),
        p(f"{data.winner}：", plain),
        p(f"你方参加的{data.tender_title}（项目编号：{data.tender_code}）{data.lot}的投标，经评标委员会评审、"
          f"{'中标结果公告' if data.procurement else '中标候选人公示'}，{buyer}确定你方为中标人。中标信息如下："),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 4 * mm),
        p(f"请你方自本通知书发出之日起三十日内，即 {_day(data.contract_due - timedelta(microseconds=1))} 24:00 前，"
          "按照招标文件和你方投标文件"
          f"与{buyer}订立书面合同（{law}）。"),
        p("本通知书发出后，招标人改变中标结果的，或者中标人放弃中标项目的，应当依法承担法律责任。"),
        Spacer(1, 10 * mm),
        p(f"{buyer}：{data.tenderer}", right),
        p(f"{'采购代理机构' if data.procurement else '招标代理机构'}：{data.agency or '（无）'}", right),
        p(f"发出日期：{_day(data.issued_at)}", right),
        Spacer(1, 12 * mm),
        p("本通知书由公共资源交易平台电子发出，与纸质通知书具有同等法律效力。", small),
        p(f"审计链哈希（发出本通知书的审计事件）：{data.audit_hash}", small),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{data.tender_title} 中标通知书", author="ggzy",
                            creator="ggzy award", subject=data.letter_no, invariant=1,
                            leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return out.getvalue()
