"""The progress page's charts (kit.charts draws them as SVG with their table and CSV).

Money is summed as Decimal by rules.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from ggzy.aid import rules
from ggzy.aid.errors import ChartNotFound
from ggzy.aid.models import ProjectCategory
from ggzy.aid.service import Progress
from ggzy.kit.charts import BLUE, GREEN, GREY, ORANGE, RED, Chart, Series, render_svg, to_csv
from ggzy.kit.i18n import t
from ggzy.kit.money import fmt

KEYS: Final = ("households", "category", "partner", "year", "visits")


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


__all__ = ["BUILDERS", "KEYS", "Chart", "build_chart", "build_charts", "render_svg", "to_csv"]
