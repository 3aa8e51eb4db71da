"""/workspace: a dashboard per role, scoped to the caller, never revealing downloaders before the deadline."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from ggzy.notify.models import Notification
from ggzy.party.models import OrgKind, OrgStatus
from ggzy.project.models import Priority, ProjectStatus, TradingLine
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from ggzy.tender.models import Question
from tests.factories import create_party
from tests.portal.builders import login_cookie, make_download, make_project, make_tender

HTML = {"accept": "text/html"}


async def test_anonymous_is_redirected_to_login(client: AsyncClient) -> None:
    r = await client.get("/workspace", headers=HTML)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/workspace"


async def test_agency_sees_its_projects_and_tender_stages(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    ten_org, _, _ = await create_party(db, OrgKind.tenderer, now=now)
    ag_org, ag_user, _ = await create_party(db, OrgKind.agency, now=now)
    other_ag, other_user, _ = await create_party(db, OrgKind.agency, now=now)
    mine = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now, name="我的项目甲")
    await make_tender(db, mine, creator=ag_user, now=now, title="我的招标乙")
    theirs = await make_project(db, tenderer=ten_org, applicant=other_user, agency=other_ag, now=now,
                                name="别家的项目丙")
    await make_tender(db, theirs, creator=other_user, now=now, title="别家的招标丁")
    await login_cookie(client, db, settings, ag_user, ag_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert r.status_code == 200
    assert "我的项目甲" in r.text and "我的招标乙" in r.text
    assert "别家的项目丙" not in r.text and "别家的招标丁" not in r.text
    assert "文件获取期" in r.text  # day 0 of a 7-day document period
    assert 'href="/workspace/tenders"' in r.text and 'data-testid="card-inbox"' in r.text
    clock.advance(days=8)
    await login_cookie(client, db, settings, ag_user, ag_org, now=clock.now())  # sessions last 12 hours
    r = await client.get("/workspace", headers=HTML)
    assert "答疑期" in r.text
    clock.advance(days=14)
    await login_cookie(client, db, settings, ag_user, ag_org, now=clock.now())
    r = await client.get("/workspace", headers=HTML)
    assert "待开标" in r.text


async def test_nobody_but_the_downloader_sees_downloads_e_bidding_measures_art21(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """Before the bid deadline no role learns who or how many downloaded (E-Bidding Measures Art.21)."""
    now = clock.now()
    ten_org, ten_user, _ = await create_party(db, OrgKind.tenderer, now=now, name="采购人单位")
    ag_org, ag_user, _ = await create_party(db, OrgKind.agency, now=now, name="代理机构单位")
    centre_org, centre_user, _ = await create_party(db, OrgKind.centre, now=now, name="交易中心")
    sup_org, sup_user, _ = await create_party(db, OrgKind.supervisor, now=now, name="住建局",
                                              supervised_lines=["construction"])
    b1_org, b1_user, _ = await create_party(db, OrgKind.bidder, now=now, name="甲建设集团有限公司")
    b2_org, b2_user, _ = await create_party(db, OrgKind.bidder, now=now, name="乙工程有限公司")
    project = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now)
    tender = await make_tender(db, project, creator=ag_user, now=now, title="保密测试招标")
    await make_download(db, tender, bidder_org=b1_org, bidder_user=b1_user, uploader=ag_user, now=now)

    await login_cookie(client, db, settings, b1_user, b1_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert r.text.count('data-testid="download-row"') == 1 and "保密测试招标" in r.text

    for user, org in ((ag_user, ag_org), (ten_user, ten_org), (centre_user, centre_org), (sup_user, sup_org),
                      (b2_user, b2_org)):
        client.cookies.clear()
        await login_cookie(client, db, settings, user, org, now=now)
        r = await client.get("/workspace", headers=HTML)
        assert r.status_code == 200, org.name
        assert "甲建设集团有限公司" not in r.text, org.name
        assert b1_user.display_name not in r.text, org.name
        assert 'data-testid="download-row"' not in r.text, org.name
        assert "下载" not in r.text.replace("我的下载", "").replace("下载过招标文件", ""), org.name


async def test_bidder_sees_questions_inbox_and_pending_verification(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    ag_org, ag_user, _ = await create_party(db, OrgKind.agency, now=now)
    ten_org, _, _ = await create_party(db, OrgKind.tenderer, now=now)
    b_org, b_user, _ = await create_party(db, OrgKind.bidder, now=now, status=OrgStatus.pending)
    other_org, other_user, _ = await create_party(db, OrgKind.bidder, now=now)
    project = await make_project(db, tenderer=ten_org, applicant=ag_user, agency=ag_org, now=now)
    tender = await make_tender(db, project, creator=ag_user, now=now, title="提问测试招标")
    db.add(Question(tender_id=tender.id, asker_org_id=b_org.id, asker_user_id=b_user.id, body="工期可否调整？",
                    asked_at=now))
    db.add(Question(tender_id=tender.id, asker_org_id=other_org.id, asker_user_id=other_user.id,
                    body="别人的问题", asked_at=now))
    for i in range(3):
        db.add(Notification(org_id=b_org.id, kind="test", title_zh=f"消息{i}", title_en=f"msg{i}", created_at=now,
                            read_at=now if i == 0 else None))
    db.add(Notification(org_id=other_org.id, kind="test", title_zh="别人的消息", title_en="x", created_at=now))
    await db.commit()
    await login_cookie(client, db, settings, b_user, b_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert 'data-testid="card-verification"' in r.text and "待核验" in r.text
    assert "工期可否调整？" in r.text and "别人的问题" not in r.text and "待答复" in r.text
    assert 'data-testid="inbox-unread">2<' in r.text
    assert "消息1" in r.text and "别人的消息" not in r.text
    assert 'href="/workspace/questions"' in r.text and 'href="/workspace/inbox"' in r.text


async def test_rejected_bidder_sees_the_reason(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    b_org, b_user, _ = await create_party(db, OrgKind.bidder, now=now, status=OrgStatus.rejected,
                                          reject_reason="营业执照不清晰")
    await login_cookie(client, db, settings, b_user, b_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert "营业执照不清晰" in r.text and "未通过" in r.text


async def test_centre_queue_lists_priority_first(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    c_org, c_user, _ = await create_party(db, OrgKind.centre, now=now)
    ten_org, ten_user, _ = await create_party(db, OrgKind.tenderer, now=now)
    await create_party(db, OrgKind.bidder, now=now, name="待核验供应商", status=OrgStatus.pending)
    await make_project(db, tenderer=ten_org, applicant=ten_user, now=now - timedelta(days=2),
                       status=ProjectStatus.submitted, name="普通项目早")
    await make_project(db, tenderer=ten_org, applicant=ten_user, now=now, status=ProjectStatus.submitted,
                       name="防疫物资采购", priority=Priority.epidemic)
    done = await make_project(db, tenderer=ten_org, applicant=ten_user, now=now, name="已进场项目")
    db.add(Suspension(scope=SuspensionScope.project, project_id=done.id, reason="投诉处理中",
                      status=SuspensionStatus.active, requested_by=c_user.id, requested_at=now, started_at=now))
    await db.commit()
    await login_cookie(client, db, settings, c_user, c_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert r.status_code == 200
    assert r.text.index("防疫物资采购") < r.text.index("普通项目早")
    assert "已进场项目" in r.text  # shown only because of its suspension
    assert "投诉处理中" in r.text and "待核验供应商" in r.text
    for link in ("/workspace/centre/projects", "/workspace/centre/orgs", "/workspace/centre/suspensions"):
        assert f'href="{link}"' in r.text


async def test_supervisor_sees_only_its_lines(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    _, c_user, _ = await create_party(db, OrgKind.centre, now=now)
    s_org, s_user, _ = await create_party(db, OrgKind.supervisor, now=now, supervised_lines=["procurement"])
    ten_org, ten_user, _ = await create_party(db, OrgKind.tenderer, now=now)
    gp = await make_project(db, tenderer=ten_org, applicant=ten_user, now=now, line=TradingLine.procurement,
                            name="办公家具采购")
    cw = await make_project(db, tenderer=ten_org, applicant=ten_user, now=now, name="道路工程")
    for p, reason in ((gp, "采购暂停理由"), (cw, "工程暂停理由")):
        db.add(Suspension(scope=SuspensionScope.project, project_id=p.id, reason=reason,
                          status=SuspensionStatus.pending_approval, requested_by=c_user.id, requested_at=now))
    await db.commit()
    await login_cookie(client, db, settings, s_user, s_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert "办公家具采购" in r.text and "采购暂停理由" in r.text
    assert "道路工程" not in r.text and "工程暂停理由" not in r.text
    assert 'href="/workspace/supervision"' in r.text


async def test_expert_sees_profile_and_inbox(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    e_org, e_user, _ = await create_party(db, OrgKind.expert, now=now)
    db.add(Notification(org_id=e_org.id, kind="test", title_zh="专家库年度考核通知", title_en="Review",
                        created_at=now))
    await db.commit()
    await login_cookie(client, db, settings, e_user, e_org, now=now)
    r = await client.get("/workspace", headers=HTML)
    assert f'data-testid="profile-name">{e_user.display_name}<' in r.text
    assert e_user.username in r.text and "评标专家" in r.text
    assert "专家库年度考核通知" in r.text and 'href="/workspace/account"' in r.text
    r = await client.get("/workspace?lang=en", headers=HTML)
    assert "My profile" in r.text and "Inbox" in r.text
