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
from ggzy.kit.timefmt import show
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


def render_pdf(data: ConfirmationData) -> bytes:
    """成交确认书 with the full bid record (every bid ever placed)."""
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
    cell = ParagraphStyle("cell", parent=plain, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=plain, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph((text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    seller_role, buyer_role = ("出让人", "竞得人") if data.land else ("转让方", "受让方")
    rows = [["标的编号", data.lot_code], ["标的名称", data.lot_title], [seller_role, data.seller],
            [buyer_role, f"{data.winner}（竞买号 {data.winner_number}）"],
            ["起始价", f"人民币 {fmt(data.start_price)} 元"],
            ["成交价", f"人民币 {fmt(data.price)} 元（大写：{in_words(data.price)}）"],
            ["成交时间", f"{show(data.result_at, '%Y-%m-%d %H:%M:%S')}（北京时间，以服务器时间为准）"]]
    terms = Table([[p(k, cell), p(v, cell)] for k, v in rows], colWidths=[30 * mm, 136 * mm])
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f8")),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    terms.setStyle(grid)
    bid_rows = [[p(h, cell) for h in ("序号", "竞买号", "报价（元）", "报价时间", "阶段")]]
    bid_rows += [[p(str(b.seq), cell), p(b.number, cell), p(fmt(b.amount), cell),
                  p(show(b.at, "%Y-%m-%d %H:%M:%S"), cell), p("限时竞价" if b.phase == "timed" else "挂牌", cell)]
                 for b in data.bids]
    bids = Table(bid_rows, colWidths=[14 * mm, 26 * mm, 44 * mm, 52 * mm, 30 * mm], repeatRows=1)
    bids.setStyle(grid)
    story: list[object] = [
        p("成 交 确 认 书", title), p(f"编号：{data.lot_code}-CJ", right), Spacer(1, 4 * mm),
        p(f"{data.winner}：", plain),
        p(f"你方以竞买号 {data.winner_number} 参加{data.lot_title}（编号 {data.lot_code}）的网上交易，"
          f"以最高有效报价竞得该标的，且不低于底价。成交信息如下："),
        Spacer(1, 2 * mm), terms, Spacer(1, 3 * mm),
        p(f"你方已交纳的竞买保证金人民币 {fmt(data.deposit)} 元转作成交价款的一部分；"
          "请按出让（转让）文件的约定签订合同并支付剩余价款。其他竞买人的保证金依规定予以退还。"),
        Spacer(1, 3 * mm), p("全部报价记录（每次报价均予保留）：", plain), bids, Spacer(1, 8 * mm),
        p(f"{seller_role}：{data.seller}", right), p("交易中心：公共资源交易中心", right),
        p(f"日期：{show(data.result_at, '%Y年%m月%d日')}", right), Spacer(1, 8 * mm),
        p("本确认书由公共资源交易平台电子生成，竞得人与交易中心各执一份，与纸质文书具有同等效力。", small),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{data.lot_title} 成交确认书", author="ggzy",
                            creator="ggzy auction", subject=data.lot_code, invariant=1,
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=16 * mm)
    doc.build(story)
    return out.getvalue()
