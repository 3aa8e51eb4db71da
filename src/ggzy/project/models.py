"""Project entry (进场登记) and the public notices (公告) every trading line publishes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType


class TradingLine(StrEnum):
    construction = "construction"  # 工程建设
    procurement = "procurement"  # 政府采购
    property = "property"  # 国有产权
    land = "land"  # 国有土地


LINE_LABELS: dict[TradingLine, tuple[str, str]] = {
    TradingLine.construction: ("工程建设", "Construction"),
    TradingLine.procurement: ("政府采购", "Government procurement"),
    TradingLine.property: ("国有产权", "State property rights"),
    TradingLine.land: ("国有土地", "State land-use rights"),
}

TENDER_LINES = frozenset({TradingLine.construction, TradingLine.procurement})
AUCTION_LINES = frozenset({TradingLine.property, TradingLine.land})


class Priority(StrEnum):
    city_operation = "city_operation"  # 城市运行
    epidemic = "epidemic"  # 疫情防控
    livelihood = "livelihood"  # 重大民生
    enterprise_urgent = "enterprise_urgent"  # 企业急需


PRIORITY_LABELS: dict[Priority, tuple[str, str]] = {
    Priority.city_operation: ("城市运行", "City operation"),
    Priority.epidemic: ("疫情防控", "Epidemic control"),
    Priority.livelihood: ("重大民生", "Major livelihood"),
    Priority.enterprise_urgent: ("企业急需", "Urgent for enterprises"),
}


class ProjectStatus(StrEnum):
    submitted = "submitted"  # 待受理
    admitted = "admitted"  # 已进场
    returned = "returned"  # 已退回 (with a reason; the applicant may amend and resubmit)


class Project(IdMixin, Base):
    __tablename__ = "projects"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    """Human reference, e.g. GC-2026-00012 (line prefix, year, sequence)."""
    name: Mapped[str] = mapped_column(String(200))
    line: Mapped[TradingLine] = mapped_column(String(16), index=True)
    region: Mapped[str] = mapped_column(String(64), default="", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    funding_source: Mapped[str] = mapped_column(String(200), default="")
    state_funded: Mapped[bool] = mapped_column(Boolean, default=False)
    """State-funded construction must award rank 1 (Bidding Regs Art.55)."""
    amount: Mapped[Decimal | None]
    """Estimated investment / budget / listing value declared at entry, yuan."""
    tenderer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    agency_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    applicant_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[Priority | None] = mapped_column(String(24))
    priority_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(String(16), index=True, default=ProjectStatus.submitted)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    suspended_at: Mapped[datetime | None]
    """Set while a project-level suspension (暂停交易) is active; the Suspension row is the record."""
    created_at: Mapped[datetime]


class NoticeKind(StrEnum):
    tender_announcement = "tender_announcement"  # 招标公告 / 采购公告
    correction = "correction"  # 更正公告
    suspension = "suspension"  # 暂停公告
    resumption = "resumption"  # 恢复公告
    termination = "termination"  # 终止公告 (a published tender cancelled)
    tender_failed = "tender_failed"  # 流标公告 (fewer than 3 bids, Bidding Regs Art.44)
    opening_record = "opening_record"  # 开标记录 (E-Bidding Measures Art.32)
    candidate_publicity = "candidate_publicity"  # 中标候选人公示 (Bidding Regs Art.54)
    result = "result"  # 中标(成交)结果公告 (MOF 87 Art.69; E-Bidding Measures Art.41)
    evaluation_failed = "evaluation_failed"  # 废标 / all bids rejected (Evaluation Rules Art.27)
    complaint_decision = "complaint_decision"  # 投诉处理决定 (Bidding Regs Art.61)
    contract = "contract"  # 合同公告 (GP Law Art.43 / GP Regs Art.50)
    draw_commitment = "draw_commitment"  # 专家抽取承诺: the seed's hash, published before the draw
    auction_announcement = "auction_announcement"  # 出让（挂牌/拍卖）公告 / 产权转让公告 (land, property)
    auction_failed = "auction_failed"  # 流拍公告: below the reserve or no valid bid


NOTICE_LABELS: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.tender_announcement: ("招标公告", "Tender announcement"),
    NoticeKind.correction: ("更正公告", "Correction notice"),
    NoticeKind.suspension: ("暂停公告", "Suspension notice"),
    NoticeKind.resumption: ("恢复公告", "Resumption notice"),
    NoticeKind.termination: ("终止公告", "Termination notice"),
    NoticeKind.tender_failed: ("流标公告", "Failed tender notice"),
    NoticeKind.opening_record: ("开标记录", "Opening record"),
    NoticeKind.candidate_publicity: ("中标候选人公示", "Candidate publicity"),
    NoticeKind.result: ("中标（成交）结果公告", "Result notice"),
    NoticeKind.evaluation_failed: ("废标公告", "All bids rejected"),
    NoticeKind.complaint_decision: ("投诉处理决定", "Complaint decision"),
    NoticeKind.contract: ("合同公告", "Contract notice"),
    NoticeKind.draw_commitment: ("专家抽取承诺", "Expert draw commitment"),
    NoticeKind.auction_announcement: ("出让（转让）公告", "Auction announcement"),
    NoticeKind.auction_failed: ("流拍公告", "No-sale notice"),
}


class Notice(IdMixin, Base):
    """A public announcement: readable by anyone without login once published."""

    __tablename__ = "notices"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    tender_id: Mapped[str | None] = mapped_column(ForeignKey("tenders.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(String(32), index=True)
    line: Mapped[TradingLine] = mapped_column(String(16), index=True)
    region: Mapped[str] = mapped_column(String(64), default="", index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    """Plain text; pages escape it and keep the line breaks."""
    data: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    """Structured content (timetable, changed fields) for the portal and open data."""
    published_at: Mapped[datetime] = mapped_column(index=True)
    published_by: Mapped[str] = mapped_column(String(32))
