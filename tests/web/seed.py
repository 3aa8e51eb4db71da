"""Realistic announcements for browser tests and the README screenshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project.models import NoticeKind, TradingLine
from tests.factories import create_org, create_user
from tests.portal.builders import make_notice, make_project, make_tender

BODY = """一、招标条件
本招标项目已由相关部门批准建设，项目业主为{owner}，建设资金来自财政资金，项目已具备招标条件，现对该项目进行公开招标。

二、项目概况与招标范围
{name}，详见招标文件。

三、投标人资格要求
1. 具有独立法人资格，近三年无重大违法记录；
2. 本次招标不接受联合体投标。

四、招标文件的获取
凡有意参加投标者，请于公告载明的时间内登录本平台免费下载电子招标文件。

五、投标文件的递交
投标文件在投标人本地加密后通过平台递交，逾期送达的投标文件平台将拒收。"""


@dataclass
class Demo:
    tenderer: Organisation
    agency: Organisation
    agency_user: User
    notice_ids: dict[str, str] = field(default_factory=dict)


DEMO_ROWS: list[tuple[str, TradingLine, str, str, int]] = [
    # key, line, region, project name, days since publication
    ("school", TradingLine.construction, "东城区", "第一实验小学教学楼扩建工程施工", 0),
    ("equipment", TradingLine.procurement, "西城区", "市人民医院医学影像设备采购项目", 0),
    ("road", TradingLine.construction, "高新区", "科创大道（二期）市政道路及配套工程", 1),
    ("property", TradingLine.property, "市本级", "市交通投资集团所持某物流公司40%股权", 1),
    ("land", TradingLine.land, "经开区", "JK2026-07号地块国有建设用地使用权", 2),
    ("cloud", TradingLine.procurement, "市本级", "政务云平台运维服务采购项目", 3),
    ("water", TradingLine.construction, "南湖区", "南湖片区老旧小区供水管网改造工程", 4),
    ("vehicles", TradingLine.property, "东城区", "市属国有企业公务车辆（12台）", 5),
]


async def seed_demo(db: AsyncSession, now: datetime) -> Demo:
    """Eight announcements over the four lines; the tender lines get real tenders with a timetable."""
    tenderer = await create_org(db, OrgKind.tenderer, now=now, name="市教育局")
    agency = await create_org(db, OrgKind.agency, now=now, name="华信工程咨询有限公司")
    agency_user = await create_user(db, agency, now=now)
    demo = Demo(tenderer=tenderer, agency=agency, agency_user=agency_user)
    for key, line, region, name, days_ago in DEMO_ROWS:
        published = now - timedelta(days=days_ago, hours=1)
        project = await make_project(db, tenderer=tenderer, applicant=agency_user, agency=agency, now=published,
                                     line=line, region=region, name=name)
        tender = None
        if line in (TradingLine.construction, TradingLine.procurement):
            tender = await make_tender(db, project, creator=agency_user, now=published, title=name)
        kind_title = {
            TradingLine.construction: "招标公告", TradingLine.procurement: "公开招标公告",
            TradingLine.property: "转让公告", TradingLine.land: "挂牌出让公告",
        }[line]
        notice = await make_notice(
            db, project, by=agency_user, now=published, tender=tender, title=f"{name}{kind_title}",
            body=BODY.format(owner=tenderer.name, name=name), kind=NoticeKind.tender_announcement,
        )
        demo.notice_ids[key] = notice.id
    return demo
