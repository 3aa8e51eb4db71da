"""The one-page progress sheet (对口帮扶工作进展表) as a PDF: aggregates only, never a household's name.

A4 portrait with the embedded CJK face of the opening record (opening/record.py). The whole content sits in
a shrink-to-fit frame, so a village with many years, partners or quarters still prints on exactly one page;
long lists are folded (the smallest partners into one "其他" line, visits by year instead of by quarter).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from ggzy.aid import rules
from ggzy.aid.models import ProjectCategory
from ggzy.kit.money import fmt, in_words
from ggzy.kit.timefmt import show
from ggzy.opening.record import CJK_FONT_FILE

if TYPE_CHECKING:
    from ggzy.aid.service import Progress

_FONT: Final = "GgzyAidCJK"
MAX_PARTNERS: Final = 6
"""Partner units listed by name; the rest are summed into one line."""
MAX_YEARS: Final = 11
"""Years shown in the by-year rows (2016-2026 of a programme that began in 2016); earlier ones are folded."""


def _font_name() -> str:
    """The embedded 文泉驿微米黑 face (as the opening record uses), or reportlab's STSong-Light without it."""
    from reportlab.pdfbase import pdfmetrics

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return _FONT
    if CJK_FONT_FILE.is_file():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(_FONT, str(CJK_FONT_FILE), subfontIndex=0))
        return _FONT
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # not embedded: only where the face is missing
    return "STSong-Light"


def _partner_rows(p: Progress) -> list[tuple[str, Decimal, Decimal]]:
    rows = [(p.partner_name(x.key), x.amount, x.share) for x in p.by_partner]
    if len(rows) <= MAX_PARTNERS:
        return rows
    rest = rows[MAX_PARTNERS - 1:]
    amount = sum((r[1] for r in rest), rules.ZERO)
    return [*rows[:MAX_PARTNERS - 1], (f"其他 {len(rest)} 家", amount, rules.percent(amount, p.total))]


def _year_columns(p: Progress) -> tuple[list[str], list[Decimal]]:
    years = p.by_year
    if len(years) <= MAX_YEARS:
        return [x.key for x in years], [x.amount for x in years]
    early, late = years[:len(years) - MAX_YEARS + 1], years[len(years) - MAX_YEARS + 1:]
    return ([f"{early[-1].key}及以前", *[x.key for x in late]],
            [sum((x.amount for x in early), rules.ZERO), *[x.amount for x in late]])


def _visits_by_year(p: Progress) -> list[tuple[str, int, int, int, int]]:
    acc: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for q in p.quarters:
        row = acc[q.quarter[0]]
        row[0] += q.visits
        row[1] += q.households_visited
        row[2] += q.problems_found
        row[3] += q.problems_solved
    return [(str(y), *acc[y]) for y in sorted(acc)]  # type: ignore[misc]


def _bars(p: Progress, font: str, width: float, height: float) -> Any:
    """Registered vs lifted households by year: a small grouped bar drawing."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    years = p.years[-MAX_YEARS:]
    if not years:
        return d
    top = max(1, *(y.registered for y in years))
    left, base, plot_h = 22.0, 14.0, height - 36.0
    slot = (width - left - 4) / len(years)
    bar = min(16.0, slot * 0.36)
    grey, green = colors.HexColor("#8c9bab"), colors.HexColor("#1e7d3c")
    d.add(Line(left, base, width - 4, base, strokeColor=colors.HexColor("#64707d"), strokeWidth=0.5))
    previous: tuple[int, int] | None = None
    for i, y in enumerate(years):
        x = left + slot * i + slot / 2 - bar
        for j, (value, color) in enumerate(((y.registered, grey), (y.lifted, green))):
            h = plot_h * value / top
            d.add(Rect(x + j * bar, base, bar - 1, h, fillColor=color, strokeColor=None))
            # Label a bar only where its figure changed: eleven years of "38 38" would be unreadable.
            if previous is None or previous[j] != value:
                d.add(String(x + j * bar + bar / 2, base + h + 2, str(value), fontName=font, fontSize=6.5,
                             textAnchor="middle"))
        previous = (y.registered, y.lifted)
        d.add(String(left + slot * i + slot / 2, base - 9, str(y.year), fontName=font, fontSize=7,
                     textAnchor="middle"))
    d.add(Rect(left, height - 9, 7, 7, fillColor=grey, strokeColor=None))
    d.add(String(left + 10, height - 8, "建档立卡户（累计）", fontName=font, fontSize=7))
    d.add(Rect(left + 80, height - 9, 7, 7, fillColor=green, strokeColor=None))
    d.add(String(left + 90, height - 8, "已脱贫户（年末）", fontName=font, fontSize=7))
    return d


def render_sheet(p: Progress, *, printed_at: datetime) -> bytes:
    """The sheet's PDF bytes (reportlab invariant mode: the same figures give the same bytes)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    num = ParagraphStyle("num", parent=cell, alignment=2)
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=24, alignment=1, spaceAfter=2)
    sub = ParagraphStyle("sub", parent=body, fontSize=9, leading=13, alignment=1, textColor=colors.HexColor("#444"))
    head = ParagraphStyle("head", parent=body, fontSize=11.5, leading=16, spaceBefore=7, spaceAfter=3,
                          textColor=colors.HexColor("#8a1116"))
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=colors.HexColor("#555"))

    def p_(text: object, style: ParagraphStyle = cell) -> Paragraph:
        safe = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe, style)

    def table(rows: list[list[Any]], widths: list[float], *, total_row: bool = False) -> Table:
        tb = Table(rows, colWidths=[w * mm for w in widths])
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa4ae")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if total_row:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f7f9fb")))
        tb.setStyle(TableStyle(style))
        return tb

    v, c = p.village, p.counts
    story: list[Any] = [
        p_(f"{v.name}对口帮扶工作进展表", title),
        p_(f"{v.county} {v.township} {v.name} · 结对帮扶自 {v.paired_since.isoformat()} · 统计截至 "
           f"{p.as_of.isoformat()}" + (f" · 驻村第一书记 {v.first_secretary}" if v.first_secretary else ""), sub),
        Spacer(1, 2 * mm),
        p_("一、村情与脱贫进展", head),
        table([
            [p_(h) for h in ("全村户数", "全村人口", "建档立卡户", "建档立卡人口", "已脱贫户", "已脱贫人口",
                             "计划当年脱贫", "未脱贫户", "脱贫率")],
            [p_(x, num) for x in (v.households, v.population, c.households, c.members, c.lifted, c.members_lifted,
                                   c.to_lift, c.poor, f"{c.lifted_share}%")],
        ], [18, 18, 21, 24, 18, 21, 24, 18, 18]),
        Spacer(1, 2 * mm),
    ]
    year_rows = [[p_(h) for h in ("年份", "累计建档", "新识别", "当年脱贫", "返贫", "年末已脱贫", "年末未脱贫")]]
    for y in p.years[-MAX_YEARS:]:
        year_rows.append([p_(y.year), *[p_(x, num) for x in (y.registered, y.newly_registered, y.lifted_in_year,
                                                              y.fell_back_in_year, y.lifted, y.poor)]])
    side = Table([[table(year_rows, [10, 15, 12, 15, 9, 18, 18]), _bars(p, font, 84 * mm, 44 * mm)]],
                 colWidths=[99 * mm, 86 * mm])
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(side)

    story.append(p_("二、帮扶资金", head))
    story.append(p_(f"累计投入 {fmt(p.total)} 元（{in_words(p.total)}），合 {rules.wan(p.total)} 万元；帮扶项目 "
                    f"{p.projects} 个，已完工 {p.projects_completed} 个。", body))
    story.append(Spacer(1, 1.5 * mm))
    cat_rows = [[p_("项目类别"), p_("金额（元）"), p_("占比")]]
    for x in p.by_category:
        cat_rows.append([p_(rules.CATEGORY_LABELS[ProjectCategory(x.key)][0]), p_(fmt(x.amount), num),
                         p_(f"{x.share}%", num)])
    cat_rows.append([p_("合计"), p_(fmt(p.total), num), p_("100%" if p.by_category else "", num)])
    partner_rows = [[p_("帮扶单位"), p_("金额（元）"), p_("占比")]]
    for name, amount, share in _partner_rows(p):
        partner_rows.append([p_(name), p_(fmt(amount), num), p_(f"{share}%", num)])
    partner_rows.append([p_("合计"), p_(fmt(p.total), num), p_("100%" if p.by_partner else "", num)])
    money = Table([[table(cat_rows, [24, 34, 16], total_row=True), table(partner_rows, [48, 30, 14], total_row=True)]],
                  colWidths=[78 * mm, 104 * mm])
    money.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(money)
    labels, amounts = _year_columns(p)
    if labels:
        story.append(Spacer(1, 1.5 * mm))
        width = min(22.0, 162.0 / len(labels))
        story.append(table([[p_("年度"), *[p_(x) for x in labels]],
                            [p_("投入（万元）"), *[p_(rules.wan(a), num) for a in amounts]]],
                           [22] + [width] * len(labels)))

    story.append(p_("三、入村走访与问题解决", head))
    pt = p.problems
    avg = f"，平均 {pt.average_days_to_solve} 天解决" if pt.average_days_to_solve is not None else ""
    story.append(p_(f"累计走访 {pt.visits} 次、{pt.households_visited} 户次；发现问题 {pt.found} 个，已解决 "
                    f"{pt.solved} 个（{pt.solved_share}%）{avg}，尚未解决 {pt.open} 个。", body))
    visit_rows = [[p_(h) for h in ("年份", "走访次数", "走访户次", "发现问题", "解决问题")]]
    for row in _visits_by_year(p)[-MAX_YEARS:]:
        visit_rows.append([p_(row[0]), *[p_(x, num) for x in row[1:]]])
    story.append(Spacer(1, 1.5 * mm))
    story.append(table(visit_rows, [24, 24, 24, 24, 24]))
    story += [
        Spacer(1, 3 * mm),
        p_("说明：建档立卡户按建档日期计入，状态取统计截止日前最近一次变更；资金按到位日期计入年度。本表仅含汇总数据，"
           "不含贫困户个人信息。" + f"打印时间：{show(printed_at)}（北京时间）", small),
    ]

    out = io.BytesIO()
    margin = 12 * mm
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{v.name}对口帮扶工作进展表", author="ggzy", creator="ggzy aid",
                            subject=f"截至 {p.as_of.isoformat()}", invariant=1, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin)
    frame = KeepInFrame(A4[0] - 2 * margin - 1, A4[1] - 2 * margin - 1, story, mode="shrink")
    doc.build([frame])
    return out.getvalue()
