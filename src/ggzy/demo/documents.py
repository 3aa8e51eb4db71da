"""A small but real 招标文件 (tender document) as a PDF for the demo tenders, with embedded Chinese glyphs, and the
signed contract (合同) `ggzy demo` records at the end of each tender.

The bytes depend only on the arguments (reportlab's invariant mode fixes dates and ids), so the seed can
store the same file again when a blob store lost it, and a test can recompute its SHA-256.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""文泉驿微米黑, embedded as a subset; without it the PDF falls back to a standard, non-embedded CID font."""
_FONT = "GgzyDemoCJK"


@dataclass(frozen=True)
class DocLot:
    name: str
    budget: Decimal
    bond: Decimal


def _font_name() -> str:
    from reportlab.pdfbase import pdfmetrics

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return _FONT
    if CJK_FONT_FILE.is_file():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(_FONT, str(CJK_FONT_FILE), subfontIndex=0))
        return _FONT
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def tender_document_pdf(*, title: str, code: str, tenderer: str, agency: str, method: str,
                        lots: list[DocLot]) -> bytes:
    """The 招标文件 of a demo tender: cover details, the lots, and a short outline of the chapters."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4)
    cover = ParagraphStyle("cover", parent=body, fontSize=20, leading=30, alignment=1, spaceAfter=6)
    centred = ParagraphStyle("centred", parent=body, alignment=1)

    table = Table(
        [["标段", "名称", "预算（估算价，元）", "投标保证金（元）"]]
        + [[str(n), lot.name, _money(lot.budget), _money(lot.bond)] for n, lot in enumerate(lots, start=1)],
        colWidths=[14 * mm, 70 * mm, 44 * mm, 40 * mm],
    )
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    chapters = [
        ("第一章 招标公告", "招标条件、项目概况与招标范围、投标人资格要求、招标文件的获取、投标文件的递交。"
                           "时间安排以本平台发布的招标公告及更正公告为准。"),
        ("第二章 投标人须知", "全流程电子化，不见面开标：投标文件须在投标人端加密后于投标截止时间前上传，"
                             "逾期上传的投标文件不予受理。对招标文件有疑问的，请在答疑截止时间前通过平台提出。"),
        ("第三章 评标办法", f"本项目采用{method}。评标委员会依法组建，按本章规定的标准和方法评审。"),
        ("第四章 合同条款及格式", "采用国家发布的标准合同文本，专用条款另行约定。"),
        ("第五章 技术标准和要求", "详见各标段技术规格书（演示数据，从略）。"),
        ("第六章 投标文件格式", "投标函、法定代表人身份证明、授权委托书、投标保证金、已标价清单等。"),
    ]
    story = [
        Spacer(1, 20 * mm),
        Paragraph(title, cover),
        Paragraph("招 标 文 件", cover),
        Paragraph(f"项目编号：{code}", centred),
        Spacer(1, 8 * mm),
        Paragraph(f"招标人：{tenderer}", centred),
        Paragraph(f"招标代理机构：{agency}", centred),
        Spacer(1, 10 * mm),
        table,
        Spacer(1, 6 * mm),
    ]
    for heading, text in chapters:
        story += [Paragraph(heading, head), Paragraph(text, body)]
    story += [Spacer(1, 10 * mm),
              Paragraph("本文件为 ggzy 平台演示数据，不构成真实的招标活动。Demo data, not a real tender.", centred)]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{title} 招标文件", author=agency, creator="ggzy demo",
                            subject=code, invariant=1, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return out.getvalue()


def contract_pdf(*, title: str, code: str, buyer: str, supplier: str, amount: Decimal, signed_on: str,
                 letter_no: str) -> bytes:
    """The signed contract a demo tenderer records (合同备案): the parties, the price, the award notice it follows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from ggzy.kit.money import in_words

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=19, wordWrap="CJK")
    cover = ParagraphStyle("cover", parent=body, fontSize=18, leading=28, alignment=1, spaceAfter=10)
    lines = [
        f"合同编号：{code}-HT", f"甲方（招标人 / 采购人）：{buyer}", f"乙方（中标人 / 供应商）：{supplier}",
        f"依据中标通知书（{letter_no}）及招标文件、投标文件，双方订立本合同。",
        f"合同价款：人民币 {_money(amount)} 元（{in_words(amount)}）。",
        "合同文件的组成、双方权利义务、履约担保、验收与付款、违约责任等，按招标文件所附合同条款执行。",
        f"签订日期：{signed_on}", "甲方（盖章）：　　　　　　乙方（盖章）：",
    ]
    story = [Spacer(1, 20 * mm), Paragraph(f"{title}<br/>合 同 书", cover), Spacer(1, 8 * mm)]
    story += [Paragraph(line, body) for line in lines]
    story += [Spacer(1, 10 * mm), Paragraph("本文件为 ggzy 平台演示数据。Demo data, not a real contract.", body)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{title} 合同", author=buyer, creator="ggzy demo", subject=code,
                      invariant=1, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm).build(story)
    return out.getvalue()
