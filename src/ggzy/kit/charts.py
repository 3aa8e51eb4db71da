"""Charts as server-side SVG (no JavaScript, no CDN), each with its table and a CSV file (aid, statistics).

One `Chart` holds both the drawing's data and the table's rows, so the picture, the table beside it and the
CSV download cannot disagree. The SVG is plain markup (bars are <rect>s with a <title> tooltip) that reads
without scripts, prints, and renders the same in a browser, an <img> or a file viewer.

Amounts are summed as Decimal by the callers; only the pixel geometry here goes through float.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Final
from xml.sax.saxutils import escape

from ggzy.kit.i18n import t

GREY: Final = "#8c9bab"
GREEN: Final = "#1e7d3c"
RED: Final = "#b3191f"
BLUE: Final = "#1a4f8b"
ORANGE: Final = "#d98a00"
INK: Final = "#1d2329"
MUTED: Final = "#64707d"
LINE: Final = "#dce1e7"
FONT: Final = "'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif"

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
    tid, did = f"chart-{chart.key}-title", f"chart-{chart.key}-desc"
    desc = "；".join(f"{s.label}: " + ", ".join(f"{c} {value_label(v, chart.integer)}"
                                                for c, v in zip(chart.categories, s.values, strict=True))
                    for s in chart.series)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{tid} {did}" font-family="{FONT}" data-chart="{chart.key}" class="chart">',
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
