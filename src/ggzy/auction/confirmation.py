"""The confirmation (成交确认书) as data and as a PDF in Chinese, in the house style of award/letter.py.

The PDF is a pure function of `ConfirmationData` (reportlab's invariant mode): it is rebuilt from the database on
each download and its SHA-256 checked against the one the lot kept at the result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import local, show
from ggzy.opening.record import _font_name


@dataclass(frozen=True)
class BidLine:
    seq: int
    number: str
    amount: Decimal
    at: datetime
    phase: str


@dataclass(frozen=True)
class ConfirmationData:
    lot_code: str
    lot_title: str
    land: bool
    seller: str
    winner: str
    winner_number: str
    price: Decimal
    deposit: Decimal
    start_price: Decimal
    result_at: datetime
    bids: tuple[BidLine, ...]


def _day(at: datetime) -> str:
    loc = local(at)
    assert loc is not None
    return f"{loc.year}年{loc.month}月{loc.day}日"


def render_pdf(data: ConfirmationData) -> bytes:
    """成交确认书: the terms and the three parties' signature blocks, then the full bid record (every bid ever
    placed) as its annex, which may run over several pages (its header repeats; every page is numbered)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, wordWrap="CJK", firstLineIndent=23)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    right = ParagraphStyle("right", parent=plain, alignment=2)
    title = ParagraphStyle("title", parent=plain, fontSize=22, leading=30, alignment=1, spaceAfter=2)
    heading = ParagraphStyle("heading", parent=plain, fontSize=12.5, leading=20, spaceBefore=2, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=plain, fontSize=10, leading=14)
    cell_c = ParagraphStyle("cell_c", parent=cell, alignment=1)
    cell_r = ParagraphStyle("cell_r", parent=cell, alignment=2)
    sign = ParagraphStyle("sign", parent=plain, fontSize=10.5, leading=17)
    small = ParagraphStyle("small", parent=plain, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))
    grey, shade = colors.HexColor("#888888"), colors.HexColor("#f1f4f8")
    # Table widths add up to the frame's width (170 mm of text less the frame's 2 × 6 pt padding).

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph((text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    seller_role, buyer_role = ("出让人", "竞得人") if data.land else ("转让方", "受让方")
    rows = [["标的编号", data.lot_code], ["标的名称", data.lot_title], [seller_role, data.seller],
            [buyer_role, f"{data.winner}（竞买号 {data.winner_number}）"],
            ["起始价", f"人民币 {fmt(data.start_price)} 元（大写：{in_words(data.start_price)}）"],
            ["成交价", f"人民币 {fmt(data.price)} 元（大写：{in_words(data.price)}）"],
            ["成交时间", f"{show(data.result_at, '%Y-%m-%d %H:%M:%S')}（北京时间，以服务器时间为准）"],
            ["有效报价", f"{len(data.bids)} 次（全部报价记录见附件）"]]
    terms = Table([[p(k, cell), p(v, cell)] for k, v in rows], colWidths=[26 * mm, 139 * mm])
    terms.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, grey), ("BACKGROUND", (0, 0), (0, -1), shade),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))

    # Signature blocks side by side: the winner, the seller and the centre each sign (签章) and date.
    day = _day(data.result_at)
    parties = [(f"{buyer_role}（签章）", data.winner), (f"{seller_role}（签章）", data.seller),
               ("交易中心（签章）", "公共资源交易中心")]
    signatures = Table([[p(f"{role}：", sign) for role, _ in parties],
                        [p(name, sign) for _, name in parties],
                        [p(" ", sign) for _ in parties],
                        [p(f"日期：{day}", sign) for _ in parties]],
                       colWidths=[57 * mm, 54 * mm, 54 * mm])
    signatures.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 2), (-1, 2), 14),
    ]))

    header = [p(h, cell_c) for h in ("序号", "竞买号", "报价（元）", "报价时间（北京时间）", "阶段")]
    bid_rows = [header] + [[p(str(b.seq), cell_c), p(b.number, cell_c), p(fmt(b.amount), cell_r),
                            p(show(b.at, "%Y-%m-%d %H:%M:%S"), cell_c),
                            p("限时竞价" if b.phase == "timed" else "挂牌", cell_c)] for b in data.bids]
    bids = Table(bid_rows, colWidths=[14 * mm, 26 * mm, 44 * mm, 52 * mm, 29 * mm], repeatRows=1)
    bids.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, grey), ("BACKGROUND", (0, 0), (-1, 0), shade),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))

    story: list[object] = [
        p("成 交 确 认 书", title), p(f"编号：{data.lot_code}-CJ", right), Spacer(1, 4 * mm),
        p(f"{data.winner}：", plain),
        p(f"你方以竞买号 {data.winner_number} 参加{data.lot_title}（编号 {data.lot_code}）的网上交易，"
          f"以最高有效报价竞得该标的，且不低于底价。成交信息如下："),
        Spacer(1, 2 * mm), terms, Spacer(1, 3 * mm),
        p(f"你方已交纳的竞买保证金人民币 {fmt(data.deposit)} 元转作成交价款的一部分；"
          "请按出让（转让）文件的约定签订合同并支付剩余价款。其他竞买人的保证金依规定予以退还。"),
        Spacer(1, 8 * mm), KeepTogether([signatures]), Spacer(1, 6 * mm),
        p(f"本确认书由公共资源交易平台电子生成，{buyer_role}、{seller_role}与交易中心各执一份，与纸质文书具有同等效力。",
          small),
        Spacer(1, 8 * mm),
        KeepTogether([p(f"附件：全部报价记录（共 {len(data.bids)} 次，每次报价均予保留）", heading), bids]),
    ]

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{data.lot_code} 成交确认书 · 第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{data.lot_title} 成交确认书", author="ggzy",
                            creator="ggzy auction", subject=data.lot_code, invariant=1,
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
