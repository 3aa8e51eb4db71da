"""The two tenders `ggzy demo` plays, as data: who runs them, what is bought, who bids what, who evaluates.

The stage functions (demo/stages_*.py) are the same for both; only these scenarios differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ggzy.demo.experts import CONSTRUCTION_COMMITTEE, PROCUREMENT_COMMITTEE

POINT = Decimal("0.01")


@dataclass(frozen=True)
class BidPlan:
    username: str
    price: str
    duration_days: int
    project_lead: str
    certificate: str
    quality: str = "合格"
    decrypts: bool = True
    """False: the bidder never hands over its data key (视为撤销, E-Bidding Measures Art.31)."""
    merit: Decimal = Decimal("0.80")
    """How good the committee finds the bid: each member scores about this share of each criterion's max."""


@dataclass(frozen=True)
class Scenario:
    key: str
    """"construction" | "procurement": also the key of its run in the demo's state."""
    agency: str
    tenderer: str
    """The tenderer's login (it signs the contract)."""
    tenderer_name: str
    """Part of the tenderer organisation's name, to find its id."""
    supervisor: str
    project: dict[str, Any]
    tender: dict[str, Any]
    """The tender body without project_id and the timetable."""
    document: str
    downloaders: tuple[str, ...]
    bids: tuple[BidPlan, ...]
    committee: tuple[tuple[str, int], ...]
    priority: dict[str, str] | None = None
    opening_objection: tuple[str, str, str] | None = None
    """(bidder, objection, the agency's answer) raised during 唱标 (Bidding Regs Art.44)."""
    confirmers: int = 2
    """Bidders that sign the opening record; the others are deemed to (MOF 87 Art.42)."""
    decline: str = ""
    """A drawn expert declines with this reason (the seat is redrawn, Bidding Regs Art.48); empty: all accept."""
    silent_members: int = 0
    """Members who neither sign nor dissent: deemed to agree when the confirmation time runs out (Art.43)."""
    contract_days: int = 0

    @property
    def bidders(self) -> tuple[str, ...]:
        return tuple(b.username for b in self.bids)

    def bid_of(self, username: str) -> BidPlan:
        return next(b for b in self.bids if b.username == username)

    @property
    def committee_size(self) -> int:
        return sum(n for _, n in self.committee)


def member_score(criterion_max: Decimal, merit: Decimal, seat: int) -> str:
    """A member's score: the bid's merit share of the max, ±2% of the max by seat (members differ a little),
    within [0, max] and to 0.01 — what a real committee's sheets look like, without an outlier to flag."""
    value = criterion_max * merit + criterion_max * Decimal("0.01") * (seat % 5 - 2)
    return str(min(max(value, Decimal(0)), criterion_max).quantize(POINT, rounding=ROUND_HALF_UP))


CONSTRUCTION = Scenario(
    key="construction", agency="agency1", tenderer="tenderer1", tenderer_name="住房和城乡建设局",
    supervisor="sup_housing",
    project={"name": "云州市滨江路市政道路改造工程", "line": "construction", "region": "云州市",
             "description": "滨江路（青山大道至望江桥段）道路、排水及照明改造。", "funding_source": "市级财政资金",
             "state_funded": True, "amount": "12800000.00"},
    priority={"priority": "city_operation", "reason": "城市主干道汛前改造"},
    tender={
        "title": "云州市滨江路市政道路改造工程施工招标", "evaluation_method": "comprehensive_assessment",
        "has_rescue_plan": False, "description": "施工总承包，工期 240 日历天。",
        "qualification": "市政公用工程施工总承包二级及以上资质。",
        "lots": [
            {"name": "一标段：道路及排水", "budget": "9600000.00", "ceiling_price": "9400000.00",
             "bond_amount": "180000.00"},
            {"name": "二标段：照明及附属", "budget": "3200000.00", "ceiling_price": "3150000.00",
             "bond_amount": "60000.00"},
        ],
        # 下浮系数 as a fraction: the base price is lowered by 0.25%-1.5% (DOMAIN.md; methods/base_price.py).
        "coefficient_range": {"min": "0.0025", "max": "0.015", "step": "0.0025"},
        "evaluation_plan": {"category": "works",
                            "base_price": {"drop_extremes_above": 5, "deduction_above": "2.00",
                                           "deduction_below": "1.00"}},
    },
    document=("云州市滨江路市政道路改造工程施工招标文件\n第一章 招标公告\n第二章 投标人须知\n"
              "第三章 评标办法（综合评估法，平均值下浮基准价）\n第四章 合同条款\n第五章 工程量清单\n"),
    downloaders=("bidder1", "bidder2", "bidder3"),
    bids=(
        BidPlan("bidder1", "9185000.00", 220, "王建国", "苏132000000001", merit=Decimal("0.86")),
        BidPlan("bidder2", "9236800.00", 225, "李卫东", "苏132000000002", merit=Decimal("0.82")),
        BidPlan("bidder3", "9098500.50", 230, "陈志强", "苏132000000003", merit=Decimal("0.78")),
        BidPlan("bidder4", "9310000.00", 235, "赵海涛", "苏132000000004", decrypts=False),
    ),
    committee=CONSTRUCTION_COMMITTEE,
    opening_objection=("bidder2", "请核对第三名投标人的工期是否超过招标文件要求。",
                       "经核对，其工期满足招标文件不超过240日历天的要求，异议不成立。"),
    decline="评标当日另有外地评审任务，无法到场。",
    contract_days=240,
)
"""施工招标: lot 1 gets four bids (one never decrypted), lot 2 none and fails alone (Bidding Regs Art.44)."""

PROCUREMENT = Scenario(
    key="procurement", agency="agency2", tenderer="tenderer2", tenderer_name="第一中学",
    supervisor="sup_finance",
    project={"name": "云州市第一中学理化生实验室设备采购项目", "line": "procurement", "region": "云州市",
             "description": "采购物理、化学、生物实验室设备一批，含安装调试与教师培训。",
             "funding_source": "教育专项资金", "state_funded": True, "amount": "2680000.00"},
    tender={
        "title": "云州市第一中学理化生实验室设备采购项目", "evaluation_method": "comprehensive_scoring",
        "has_rescue_plan": False, "description": "公开招标，货物类，交货期 60 日历天。",
        "qualification": "具有独立承担民事责任的能力；参加采购活动前三年内无重大违法记录（政府采购法第二十二条）。",
        "lots": [{"name": "理化生实验室设备", "budget": "2680000.00", "ceiling_price": "2680000.00",
                  "bond_amount": "50000.00"}],
        # 综合评分法, goods: price 30 (≥ 30, MOF 87 Art.55), technical 50, commercial 20.
        "evaluation_plan": {"category": "goods", "criteria": [
            {"id": "price", "name": "价格", "kind": "price", "max": "30"},
            {"id": "technical", "name": "技术参数响应", "kind": "technical", "max": "50"},
            {"id": "commercial", "name": "售后服务与业绩", "kind": "commercial", "max": "20"}]},
    },
    document=("云州市第一中学理化生实验室设备采购项目招标文件\n第一章 投标邀请\n第二章 供应商须知\n"
              "第三章 评标方法和标准（综合评分法）\n第四章 政府采购合同\n第五章 采购需求\n"),
    downloaders=("bidder6", "bidder7", "bidder8", "bidder12"),
    bids=(
        BidPlan("bidder6", "2498000.00", 55, "杨晓峰", "PMP-530900-061", "质保三年", merit=Decimal("0.84")),
        BidPlan("bidder7", "2575000.00", 60, "周敏", "PMP-530900-071", "质保三年", merit=Decimal("0.76")),
        BidPlan("bidder8", "2452600.00", 50, "吴昊", "PMP-530900-081", "质保五年", merit=Decimal("0.88")),
        BidPlan("bidder12", "2610000.00", 58, "郑洁", "PMP-530900-121", "质保三年", merit=Decimal("0.72")),
    ),
    committee=PROCUREMENT_COMMITTEE,
    confirmers=4,
    silent_members=1,
    contract_days=60,
)
"""政府采购 public tender for goods: four suppliers, every bid decrypted; one member never signs the report."""

SCENARIOS = (CONSTRUCTION, PROCUREMENT)
