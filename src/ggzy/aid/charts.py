"""The progress page's charts as server-side SVG (no JavaScript, no CDN), each with its table and a CSV file.

One `Chart` holds both the drawing's data and the table's rows, so the picture, the table beside it and the
CSV download cannot disagree. The SVG is plain markup (bars are <rect>s with a <title> tooltip) that reads
without scripts, prints, and renders the same in a browser, an <img> or a file viewer.

Money is summed as Decimal by rules.py; only the pixel geometry here goes through float.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Final
from xml.sax.saxutils import escape

from ggzy.aid import rules
from ggzy.aid.errors import ChartNotFound
from ggzy.aid.models import ProjectCategory
from ggzy.aid.service import Progress
from ggzy.kit.i18n import t
from ggzy.kit.money import fmt

GREY: Final = "#8c9bab"
GREEN: Final = "#1e7d3c"
RED: Final = "#b3191f"
BLUE: Final = "#1a4f8b"
ORANGE: Final = "#d98a00"
INK: Final = "#1d2329"
MUTED: Final = "#64707d"
LINE: Final = "#dce1e7"
FONT: Final = "'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif"
KEYS: Final = ("households", "category", "partner", "year", "visits")


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[Decimal, ...]
    color: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    """What the value axis counts (户, 万元, 次)."""
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    """The table beside the chart, formatted for reading (thousands separators)."""
    csv_rows: tuple[tuple[str, ...], ...]
    """The same rows for the CSV file: plain numbers, money in yuan to the fen."""
    foot: tuple[str, ...] = ()
    csv_foot: tuple[str, ...] = ()
    integer: bool = True
    """Counts (integer ticks) rather than amounts."""


# ---------------------------------------------------------------- building the charts from the figures


def _n(value: int) -> Decimal:
    return Decimal(value)


def households_chart(p: Progress) -> Chart:
    years = p.years
    head = (t("年份", "Year"), t("累计建档", "Registered"), t("新识别", "New"), t("当年脱贫", "Lifted in year"),
            t("返贫", "Fell back"), t("年末已脱贫", "Lifted at end"), t("年末未脱贫", "Poor at end"))
    rows = tuple((str(y.year), str(y.registered), str(y.newly_registered), str(y.lifted_in_year),
                  str(y.fell_back_in_year), str(y.lifted), str(y.poor)) for y in years)
    return Chart(
        key="households", title=t("脱贫户数与建档立卡户数", "Households lifted vs registered"),
        unit=t("户", "households"),
        categories=tuple(str(y.year) for y in years),
        series=(Series(t("建档立卡户（累计）", "Registered"), tuple(_n(y.registered) for y in years), GREY),
                Series(t("已脱贫", "Lifted out"), tuple(_n(y.lifted) for y in years), GREEN)),
        horizontal=False, head=head, rows=rows, csv_rows=rows,
    )


def _money_chart(key: str, title: str, label_head: str, *, totals: Sequence[rules.Total], names: Sequence[str],
                 total: Decimal, horizontal: bool, color: str) -> Chart:
    head = (label_head, t("金额（元）", "Amount (yuan)"), t("占比", "Share"))
    rows = tuple((name, fmt(x.amount), f"{x.share}%") for name, x in zip(names, totals, strict=True))
    csv_rows = tuple((name, str(x.amount), str(x.share)) for name, x in zip(names, totals, strict=True))
    return Chart(
        key=key, title=title, unit=t("万元", "10k yuan"), categories=tuple(names),
        series=(Series(t("投入资金", "Invested"), tuple(rules.wan(x.amount) for x in totals), color),),
        horizontal=horizontal, head=head, rows=rows, csv_rows=csv_rows,
        foot=(t("合计", "Total"), fmt(total), "100%" if totals else ""),
        csv_foot=(t("合计", "Total"), str(total), "100.0" if totals else ""), integer=False,
    )


def category_chart(p: Progress) -> Chart:
    names = [t(*rules.CATEGORY_LABELS[ProjectCategory(x.key)]) for x in p.by_category]
    return _money_chart("category", t("按项目类别的投入资金", "Money by category"), t("类别", "Category"),
                        totals=p.by_category, names=names, total=p.total, horizontal=True, color=RED)


def partner_chart(p: Progress) -> Chart:
    names = [p.partner_name(x.key) for x in p.by_partner]
    return _money_chart("partner", t("按帮扶单位的投入资金", "Money by partner unit"), t("帮扶单位", "Partner unit"),
                        totals=p.by_partner, names=names, total=p.total, horizontal=True, color=BLUE)


def year_chart(p: Progress) -> Chart:
    return _money_chart("year", t("按年度的投入资金", "Money by year"), t("年度", "Year"), totals=p.by_year,
                        names=[x.key for x in p.by_year], total=p.total, horizontal=False, color=RED)


def visits_chart(p: Progress) -> Chart:
    qs = p.quarters
    head = (t("季度", "Quarter"), t("走访次数", "Visits"), t("走访户数", "Households visited"),
            t("发现问题", "Problems found"), t("解决问题", "Problems solved"), t("季末未解决", "Open at quarter end"))
    rows = tuple((q.label, str(q.visits), str(q.households_visited), str(q.problems_found), str(q.problems_solved),
                  str(q.open_at_end)) for q in qs)
    pt = p.problems
    foot = (t("合计", "Total"), str(pt.visits), str(pt.households_visited), str(pt.found), str(pt.solved), str(pt.open))
    return Chart(
        key="visits", title=t("每季度入村走访", "Visits per quarter"), unit=t("次 / 个", "count"),
        categories=tuple(q.label for q in qs),
        series=(Series(t("走访次数", "Visits"), tuple(_n(q.visits) for q in qs), BLUE),
                Series(t("发现问题", "Problems found"), tuple(_n(q.problems_found) for q in qs), ORANGE),
                Series(t("解决问题", "Problems solved"), tuple(_n(q.problems_solved) for q in qs), GREEN)),
        horizontal=False, head=head, rows=rows, csv_rows=rows, foot=foot, csv_foot=foot,
    )


BUILDERS: Final = {"households": households_chart, "category": category_chart, "partner": partner_chart,
                   "year": year_chart, "visits": visits_chart}


def build_charts(p: Progress) -> list[Chart]:
    return [BUILDERS[k](p) for k in KEYS]


def build_chart(p: Progress, key: str) -> Chart:
    if key not in BUILDERS:
        raise ChartNotFound(detail={"chart": key[:40], "charts": list(KEYS)})
    return BUILDERS[key](p)


# ---------------------------------------------------------------- CSV


def to_csv(chart: Chart) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs open the Chinese headers correctly."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(chart.head)
    w.writerows(chart.csv_rows)
    if chart.csv_foot:
        w.writerow(chart.csv_foot)
    return ("\ufeff" + out.getvalue()).encode()


# ---------------------------------------------------------------- SVG


def text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK and full-width characters are one em, others a little over half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def clip(text: str, size: float, width: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def nice_ticks(top: Decimal, *, integer: bool, count: int = 5) -> list[Decimal]:
    """0, step, 2·step… up to the first tick ≥ top, with step 1/2/2.5/5 × 10ⁿ (no 2.5 for counts)."""
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = top / count
    base = Decimal(1).scaleb(raw.adjusted())
    steps = (1, 2, 5, 10) if integer else (1, 2, Decimal("2.5"), 5, 10)
    step = next(base * m for m in steps if base * m >= raw)
    if integer:
        step = max(step, Decimal(1))
    n = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * i for i in range(n + 1)]


def tick_label(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_label(value: Decimal, integer: bool) -> str:
    return str(int(value)) if integer else f"{value:,.2f}"


def _svg_open(chart: Chart, width: int, height: int, *, titled: bool) -> list[str]:
    tid, did = f"aid-{chart.key}-title", f"aid-{chart.key}-desc"
    desc = "；".join(f"{s.label}: " + ", ".join(f"{c} {value_label(v, chart.integer)}"
                                                for c, v in zip(chart.categories, s.values, strict=True))
                    for s in chart.series)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{tid} {did}" font-family="{FONT}" data-chart="{chart.key}" class="aid-chart">',
        f'<title id="{tid}">{escape(chart.title)}</title><desc id="{did}">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    if titled:  # a downloaded file stands alone; on the page the section heading names the chart
        out.append(f'<text x="12" y="24" font-size="15" font-weight="bold" fill="{INK}">{escape(chart.title)}</text>')
    return out


def _legend(chart: Chart, right: float, y: float) -> list[str]:
    out: list[str] = []
    x = right
    for s in reversed(chart.series):
        x -= text_width(s.label, 12) + 26
        out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{s.color}" rx="2"/>'
                   f'<text x="{x + 17:.1f}" y="{y:.1f}" font-size="12" fill="{INK}">{escape(s.label)}</text>')
    return out


def _empty(chart: Chart, width: int, height: int, *, titled: bool) -> str:
    out = _svg_open(chart, width, height, titled=titled)
    out.append(f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" font-size="14" fill="{MUTED}" text-anchor="middle">'
               f'{escape(t("暂无数据", "No data yet"))}</text></svg>')
    return "".join(out)


def render_svg(chart: Chart, *, titled: bool = True) -> str:
    """The chart as an SVG document; `titled=False` leaves the title out of the picture (the page shows it)."""
    if not chart.categories or not any(v for s in chart.series for v in s.values):
        return _empty(chart, 720, 200, titled=titled)
    return _horizontal(chart, titled) if chart.horizontal else _vertical(chart, titled)


def _vertical(chart: Chart, titled: bool) -> str:
    width, height = 720, 340 if titled else 310
    left, right, top, bottom = 56.0, 16.0, 58.0 if titled else 28.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    # A little headroom above the tallest bar, so its value label never sits on the top grid line.
    ticks = nice_ticks(max(v for s in chart.series for v in s.values) * Decimal("1.06"), integer=chart.integer)
    ymax = ticks[-1]
    out = _svg_open(chart, width, height, titled=titled)
    if len(chart.series) > 1:
        out += _legend(chart, width - right, top - 12)
    out.append(f'<text x="{left - 8:.0f}" y="{top - 14:.0f}" font-size="11" fill="{MUTED}" text-anchor="end">'
               f'{escape(chart.unit)}</text>')
    for tick in ticks:
        y = top + plot_h - float(tick / ymax) * plot_h
        out.append(f'<line x1="{left:.0f}" x2="{width - right:.0f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"/>'
                   f'<text x="{left - 8:.0f}" y="{y + 4:.1f}" font-size="11" fill="{MUTED}" text-anchor="end">'
                   f'{tick_label(tick)}</text>')
    n, k = len(chart.categories), len(chart.series)
    slot = plot_w / n
    bar = min(40.0, slot * 0.8 / k)
    label_every = max(1, math.ceil((max(text_width(c, 11) for c in chart.categories) + 8) / slot))
    show_values = bar >= 16
    for i, cat in enumerate(chart.categories):
        x0 = left + slot * i + (slot - bar * k) / 2
        for j, s in enumerate(chart.series):
            v = s.values[i]
            h = float(v / ymax) * plot_h
            x, y = x0 + bar * j, top + plot_h - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="{s.color}">'
                       f'<title>{escape(cat)} {escape(s.label)}: {value_label(v, chart.integer)}</title></rect>')
            if show_values and v:
                out.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="10" fill="{INK}" '
                           f'text-anchor="middle">{value_label(v, chart.integer)}</text>')
        if i % label_every == 0:
            out.append(f'<text x="{left + slot * (i + 0.5):.1f}" y="{top + plot_h + 18:.1f}" font-size="11" '
                       f'fill="{INK}" text-anchor="middle">{escape(cat)}</text>')
    out.append(f'<line x1="{left:.0f}" x2="{width - right:.0f}" y1="{top + plot_h:.1f}" y2="{top + plot_h:.1f}" '
               f'stroke="{MUTED}"/></svg>')
    return "".join(out)


def _horizontal(chart: Chart, titled: bool) -> str:
    width = 720
    n = len(chart.categories)
    row_h, top, bottom, right = 30.0, 50.0 if titled else 34.0, 30.0, 90.0
    height = int(top + n * row_h + bottom)
    label_w = min(230.0, max(text_width(c, 12) for c in chart.categories) + 12)
    left = label_w + 12
    plot_w = width - left - right
    s = chart.series[0]
    ticks = nice_ticks(max(s.values), integer=chart.integer)
    xmax = ticks[-1]
    out = _svg_open(chart, width, height, titled=titled)
    out.append(f'<text x="{width - 12}" y="{top - 16:.0f}" font-size="11" fill="{MUTED}" text-anchor="end">'
               f'{escape(t("单位：", "Unit: ") + chart.unit)}</text>')
    base = top + n * row_h
    for tick in ticks:
        x = left + float(tick / xmax) * plot_w
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6:.0f}" y2="{base:.0f}" stroke="{LINE}"/>'
                   f'<text x="{x:.1f}" y="{base + 16:.0f}" font-size="11" fill="{MUTED}" text-anchor="middle">'
                   f'{tick_label(tick)}</text>')
    for i, (cat, v) in enumerate(zip(chart.categories, s.values, strict=True)):
        y = top + row_h * i
        w = float(v / xmax) * plot_w
        out.append(f'<text x="{left - 8:.1f}" y="{y + row_h / 2 + 4:.1f}" font-size="12" fill="{INK}" '
                   f'text-anchor="end">{escape(clip(cat, 12, label_w))}</text>'
                   f'<rect x="{left:.1f}" y="{y + 5:.1f}" width="{w:.1f}" height="{row_h - 10:.1f}" fill="{s.color}">'
                   f'<title>{escape(cat)}: {value_label(v, chart.integer)} {escape(chart.unit)}</title></rect>'
                   f'<text x="{left + w + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" font-size="11" fill="{INK}">'
                   f'{value_label(v, chart.integer)}</text>')
    out.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top - 6:.0f}" y2="{base:.0f}" stroke="{MUTED}"/></svg>')
    return "".join(out)
