"""The statistics as charts, each with its table and CSV (kit.charts draws them)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from ggzy.kit.charts import BLUE, GREEN, GREY, ORANGE, RED, Chart, Series
from ggzy.kit.errors import not_found
from ggzy.kit.i18n import t
from ggzy.kit.money import fmt
from ggzy.project.models import LINE_LABELS, TradingLine
from ggzy.stats import rules

COLORS: Final = {"construction": BLUE, "procurement": GREEN, "land": ORANGE, "property": RED}
WAN: Final = Decimal(10000)
MONTHS: Final = tuple(range(1, 13))


def _line(code: str) -> str:
    return t(*LINE_LABELS[TradingLine(code)])


def _month(m: int) -> str:
    return t(f"{m}月", f"{m:02d}")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value}"


def tenders_chart(f: rules.Figures) -> Chart:
    series = tuple(Series(_line(line), tuple(Decimal(f.monthly_count[(line, m)]) for m in MONTHS), COLORS[line])
                   for line in rules.TENDER_LINES)
    head = (t("月份", "Month"), *(s.label for s in series))
    rows = tuple((_month(m), *(str(f.monthly_count[(line, m)]) for line in rules.TENDER_LINES)) for m in MONTHS)
    total = (t("合计", "Total"), *(str(f.line(line).tenders) for line in rules.TENDER_LINES))
    return Chart("tenders", t("每月发布的招标项目数", "Tenders published per month"), t("个", "tenders"),
                 tuple(_month(m) for m in MONTHS), series, False, head, rows, rows, total, total)


def value_chart(f: rules.Figures) -> Chart:
    series = tuple(Series(_line(line), tuple((f.monthly_value[(line, m)] / WAN).quantize(Decimal("0.01"))
                                             for m in MONTHS), COLORS[line]) for line in rules.TENDER_LINES)
    head = (t("月份", "Month"), *(t(f"{s.label}（万元）", f"{s.label} (10k yuan)") for s in series))
    rows = tuple((_month(m), *(fmt(f.monthly_value[(line, m)] / WAN) for line in rules.TENDER_LINES)) for m in MONTHS)
    csv_rows = tuple((str(m), *(f"{f.monthly_value[(line, m)]:.2f}" for line in rules.TENDER_LINES)) for m in MONTHS)
    total = (t("合计", "Total"), *(fmt(f.line(line).value / WAN) for line in rules.TENDER_LINES))
    csv_total = (t("合计", "Total"), *(f"{f.line(line).value:.2f}" for line in rules.TENDER_LINES))
    return Chart("value", t("每月招标项目预算金额", "Budget of the tenders published per month"), t("万元", "10k yuan"),
                 tuple(_month(m) for m in MONTHS), series, False, head, rows, csv_rows, total, csv_total,
                 integer=False)


Metric = Callable[[rules.LineFigures], Decimal | None]
Column = tuple[str, Callable[[rules.LineFigures], str]]


def _per_line(f: rules.Figures, key: str, title: str, unit: str, *, lines: tuple[str, ...], value: Metric,
              extra: tuple[Column, ...]) -> Chart:
    """One bar per trading line that has figures this year, with the counts behind the ratio in the table."""
    shown = [(line, f.lines[line]) for line in lines if line in f.lines]
    series = (Series(title, tuple(value(x) or Decimal(0) for _, x in shown), GREY if key == "failure" else BLUE),)
    head = (t("交易类型", "Line"), f"{title}（{unit}）", *(h for h, _ in extra))
    rows = tuple((_line(line), _plain(value(x)), *(fn(x) for _, fn in extra)) for line, x in shown)
    return Chart(key, title, unit, tuple(_line(line) for line, _ in shown), series, True, head, rows, rows,
                 integer=False)


def build_charts(f: rules.Figures) -> list[Chart]:
    tl, al = rules.TENDER_LINES, rules.AUCTION_LINES
    return [
        tenders_chart(f), value_chart(f),
        _per_line(f, "bidders", t("平均投标人数", "Average bidders per opened tender"), t("家", "bidders"),
                  lines=tl, value=lambda x: x.avg_bidders,
                  extra=((t("已开标项目", "Opened"), lambda x: str(x.opened)),)),
        _per_line(f, "savings", t("节约率", "Savings against budget"), "%", lines=tl, value=lambda x: x.savings_pct,
                  extra=((t("定标标段预算（元）", "Budget awarded (yuan)"), lambda x: f"{x.awarded_budget:.2f}"),
                         (t("中标金额（元）", "Awarded (yuan)"), lambda x: f"{x.awarded_price:.2f}"))),
        _per_line(f, "failure", t("流标率", "Failure rate"), "%", lines=tl, value=lambda x: x.failure_pct,
                  extra=((t("已截止", "Past the deadline"), lambda x: str(x.closed)),
                         (t("流标", "Failed"), lambda x: str(x.failed)))),
        _per_line(f, "award_days", t("公告至定标平均天数", "Days from announcement to award"), t("天", "days"),
                  lines=tl, value=lambda x: x.avg_award_days,
                  extra=((t("定标标段", "Lots awarded"), lambda x: str(x.awards)),)),
        _per_line(f, "premium", t("拍卖平均溢价率", "Auction premium over the start price"), "%", lines=al,
                  value=lambda x: x.premium_pct, extra=((t("成交", "Sold"), lambda x: str(x.lots_sold)),
                                                        (t("流拍", "No sale"), lambda x: str(x.lots_unsold)))),
    ]


KEYS: Final = ("tenders", "value", "bidders", "savings", "failure", "award_days", "premium")


def build_chart(f: rules.Figures, key: str) -> Chart:
    for chart in build_charts(f):
        if chart.key == key:
            return chart
    raise not_found("图表", "Chart", "stats.chart_not_found")
