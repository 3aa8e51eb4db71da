"""The opening record (开标记录表) as data and as a PDF with an embedded Chinese font.

The PDF is a pure function of `RecordData` (reportlab's invariant mode fixes dates and ids), so the bytes whose
SHA-256 the notice publishes can be rebuilt from the database if the blob store ever lost them, and checked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ggzy.kit.money import fmt
from ggzy.kit.timefmt import show

CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""文泉驿微米黑 (as in demo/documents.py), embedded as a subset so the record reads the same everywhere."""
_FONT = "GgzyRecordCJK"


def _font_name() -> str:
    from reportlab.pdfbase import pdfmetrics

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return _FONT
    if CJK_FONT_FILE.is_file():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(_FONT, str(CJK_FONT_FILE), subfontIndex=0))
        return _FONT
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # fallback: standard CID font, not embedded
    return "STSong-Light"


@dataclass(frozen=True)
class RecordRow:
    lot: str
    bidder: str
    price: Decimal | None
    price_in_words: str
    words_match: bool | None
    duration_days: int | None
    quality: str
    project_lead: str
    lead_certificate: str
    result: str
    """The decryption result in Chinese (解密成功 / 视为撤销投标 …), with the reason where there is one."""
    confirmation: str


@dataclass(frozen=True)
class RecordObjection:
    bidder: str
    body: str
    raised_at: datetime
    answer: str
    answered_at: datetime | None


@dataclass(frozen=True)
class RecordData:
    tender_title: str
    tender_code: str
    tenderer: str
    agency: str
    opened_at: datetime
    """开标时间 = the bid deadline."""
    closed_at: datetime | None
    rows: list[RecordRow]
    objections: list[RecordObjection] = field(default_factory=list)
    failed_lots: list[str] = field(default_factory=list)
    coefficient: str | None = None
    coefficient_note: str = ""
    audit_hash: str = ""


def render_pdf(data: RecordData) -> bytes:
    """The 开标记录表: A4 landscape so the nine columns fit without squeezing the Chinese text."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11.5)
    num = ParagraphStyle("num", parent=cell, alignment=2)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        safe = (text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe, style)

    story: list[object] = [
        Paragraph("开 标 记 录 表", title),
        Paragraph(f"项目名称：{data.tender_title}", body),
        Paragraph(f"项目编号：{data.tender_code}", body),
        Paragraph(f"招标人：{data.tenderer}　　招标代理机构：{data.agency or '（无）'}", body),
        Paragraph(f"开标时间：{show(data.opened_at)}（北京时间）　　开标方式：不见面开标（网上开标）", body),
    ]
    if data.closed_at is not None:
        story.append(Paragraph(f"记录公布时间：{show(data.closed_at)}（北京时间）", body))
    if data.coefficient is not None:
        story.append(Paragraph(f"下浮系数（服务器随机抽取）：{data.coefficient}　{data.coefficient_note}", body))
    story.append(Spacer(1, 4 * mm))

    header = ["标段", "投标人", "投标报价（元）", "报价大写", "工期（日历天）", "质量", "项目负责人及证书",
              "解密结果", "确认"]
    rows: list[list[object]] = [[p(h) for h in header]]
    for r in data.rows:
        words = r.price_in_words
        if r.words_match is False:
            words += "（大小写不一致，以大写为准）"
        rows.append([
            p(r.lot), p(r.bidder), p(fmt(r.price) if r.price is not None else "—", num), p(words),
            p(str(r.duration_days) if r.duration_days is not None else "—", num), p(r.quality),
            [p(r.project_lead), p(r.lead_certificate)] if r.lead_certificate else p(r.project_lead),
            p(r.result), p(r.confirmation),
        ])
    widths = [18, 40, 26, 48, 16, 14, 46, 40, 16]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    story.append(table)

    if data.failed_lots:
        story.append(Paragraph("流标标段", head))
        for line in data.failed_lots:
            story.append(Paragraph(line, body))

    story.append(Paragraph("开标异议及答复（《招标投标法实施条例》第四十四条）", head))
    if data.objections:
        obj_rows: list[list[object]] = [[p("提出人"), p("异议内容"), p("提出时间"), p("答复"), p("答复时间")]]
        for o in data.objections:
            obj_rows.append([p(o.bidder), p(o.body), p(show(o.raised_at)), p(o.answer),
                             p(show(o.answered_at) if o.answered_at else "")])
        ot = Table(obj_rows, colWidths=[m * mm for m in (40, 80, 28, 86, 28)], repeatRows=1)
        ot.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(ot)
    else:
        story.append(Paragraph("无。", body))

    story += [
        Spacer(1, 5 * mm),
        Paragraph("说明：投标人未在开标记录确认时间内提出异议或确认的，视为认可开标记录（《政府采购货物和服务招标投标管理"
                  "办法》第四十二条）；因投标人原因未在解密时间内解密的，视为撤销投标；因平台原因未能解密的，视为撤回投标"
                  "（《电子招标投标办法》第三十一条）。报价大小写不一致的，以大写金额为准。", small),
        Spacer(1, 2 * mm),
        Paragraph(f"审计链哈希（发布本记录的审计事件）：{data.audit_hash}", small),
    ]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=f"{data.tender_title} 开标记录表", author="ggzy",
                            creator="ggzy opening", subject=data.tender_code, invariant=1,
                            leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    doc.build(story)
    return out.getvalue()
