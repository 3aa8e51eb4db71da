"""The statistics' arithmetic on hand-made rows, with the expected figures computed by hand (Decimal)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ggzy.kit.charts import render_svg, to_csv
from ggzy.kit.timefmt import SHANGHAI
from ggzy.stats import charts, rules


def bj(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


TENDERS = [
    rules.TenderRow("t1", "construction", "awarded", bj(3, 2), Decimal("5000000"), 5),
    rules.TenderRow("t2", "construction", "failed", bj(3, 20), Decimal("1000000"), 2),
    rules.TenderRow("t3", "construction", "published", bj(4, 1), Decimal("2000000"), None),
    rules.TenderRow("t4", "procurement", "contracted", bj(1, 1, 0), Decimal("800000"), 3),  # 00:00 Beijing = Jan
    rules.TenderRow("t0", "procurement", "awarded", bj(12, 31, 9, year=2025), Decimal("9"), 9),  # another year
]
AWARDS = [
    rules.AwardRow("t1", "construction", Decimal("5000000"), Decimal("4600000"), bj(3, 2), bj(4, 11, 21)),
    rules.AwardRow("t4", "procurement", Decimal("800000"), Decimal("760000"), bj(1, 1, 0), bj(1, 31, 0)),
]
AUCTIONS = [
    rules.AuctionRow("land", True, Decimal("1000000"), Decimal("1250000"), bj(5, 6)),
    rules.AuctionRow("land", True, Decimal("3000000"), Decimal("3000000"), bj(6, 6)),
    rules.AuctionRow("land", False, Decimal("2000000"), None, bj(7, 6)),
]


def test_figures_by_line_and_month_by_hand() -> None:
    f = rules.compute(2026, TENDERS, AWARDS, AUCTIONS)
    c, p, land = f.lines["construction"], f.lines["procurement"], f.lines["land"]
    assert (c.tenders, c.value) == (3, Decimal("8000000"))
    assert f.monthly_count[("construction", 3)] == 2 and f.monthly_count[("construction", 4)] == 1
    assert f.monthly_count[("procurement", 1)] == 1 and f.monthly_value[("procurement", 12)] == 0
    assert c.avg_bidders == Decimal("3.5")  # (5 + 2) / 2 opened
    assert c.failure_pct == Decimal("50.00")  # 1 failed of 2 past the deadline (t3 still open)
    assert c.savings_pct == Decimal("8.00")  # 400,000 / 5,000,000
    assert c.avg_award_days == Decimal("40.5")  # 2 Mar 09:00 → 11 Apr 21:00
    assert p.savings_pct == Decimal("5.00") and p.avg_award_days == Decimal("30.0") and p.avg_bidders == 3
    assert (land.lots_sold, land.lots_unsold) == (2, 1)
    assert land.premium_pct == Decimal("6.25")  # 250,000 / 4,000,000
    assert "property" not in f.lines


def test_charts_tables_and_csv_agree() -> None:
    f = rules.compute(2026, TENDERS, AWARDS, AUCTIONS)
    built = {c.key: c for c in charts.build_charts(f)}
    assert list(built) == list(charts.KEYS)
    savings = built["savings"]
    assert [r[:2] for r in savings.rows] == [("工程建设", "8.00"), ("政府采购", "5.00")]
    assert built["premium"].rows == (("国有土地", "6.25", "2", "1"),)
    value = built["value"]
    assert value.csv_rows[2] == ("3", "6000000.00", "0.00") and value.csv_foot == ("合计", "8000000.00", "800000.00")
    csv = to_csv(value).decode("utf-8-sig")
    assert csv.splitlines()[0] == "月份,工程建设（万元）,政府采购（万元）" and "8000000.00" in csv
    svg = render_svg(built["tenders"])
    assert svg.startswith("<svg") and 'data-chart="tenders"' in svg and "<title>3月 工程建设: 2</title>" in svg


def test_an_empty_year_draws_no_data_and_no_division_by_zero() -> None:
    f = rules.compute(2024, TENDERS, AWARDS, AUCTIONS)
    assert not f.lines
    for chart in charts.build_charts(f):
        assert "暂无数据" in render_svg(chart) or chart.key in ("tenders", "value")
