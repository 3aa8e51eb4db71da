"""Tenders (lines 工程建设 and 政府采购): lots, timetable, documents, downloads, questions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, JSONType
from ggzy.project.models import TradingLine


class TenderStatus(StrEnum):
    draft = "draft"  # 草稿
    published = "published"  # 招标中: announcement out, documents on offer, bids accepted
    bid_closed = "bid_closed"  # 投标截止 = 开标时间 reached; the opening hook decides what follows
    opening = "opening"  # 开标中: the remote opening hall is running
    opened = "opened"  # 开标结束: record published; the expert draw and the evaluation follow
    evaluating = "evaluating"  # 评标中: the committee is in session
    evaluated = "evaluated"  # 评标结束: report final; candidate publicity (or result notice) follows
    publicity = "publicity"  # 公示中: candidate publicity open; objections (异议) pause it
    awarded = "awarded"  # 已定标: award notice sent; contract due within 30 days
    contracted = "contracted"  # 合同已备案: every awarded lot has its contract recorded
    archived = "archived"  # 已归档: archive built and signed; nothing changes any more
    failed = "failed"  # 流标 (e.g. fewer than 3 bidders)
    cancelled = "cancelled"  # 终止


class EvaluationMethod(StrEnum):
    lowest_evaluated_price = "lowest_evaluated_price"  # 经评审的最低投标价法 (construction)
    comprehensive_assessment = "comprehensive_assessment"  # 综合评估法 (construction)
    base_price_deviation = "base_price_deviation"  # 平均值下浮基准价法 (construction, local practice)
    lowest_price = "lowest_price"  # 最低评标价法 (procurement)
    comprehensive_scoring = "comprehensive_scoring"  # 综合评分法 (procurement)


class Tender(IdMixin, Base):
    __tablename__ = "tenders"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    line: Mapped[TradingLine] = mapped_column(String(16), index=True)
    ruleset_version: Mapped[str] = mapped_column(String(16))
    """The rules table version the tender was created under; later rule changes never reach it."""
    status: Mapped[TenderStatus] = mapped_column(String(16), index=True, default=TenderStatus.draft)
    agency_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    tenderer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    evaluation_method: Mapped[EvaluationMethod] = mapped_column(String(32))
    has_rescue_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    """补救方案: bids are also wrapped to the tender's rescue key (E-Bidding Measures Art.31)."""
    rescue_threshold: Mapped[int] = mapped_column(Integer, default=3)
    """k of the k-of-n Shamir split of the rescue key."""
    rescue_custodians: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    """[{"org_id", "label"}]: who holds a share (n = len); each needs a registered key set."""
    evaluation_plan: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """评标办法 details checked at creation (evaluation.methods.plan): category, criteria with their maxima
    (the price criterion's max is the price weight), the base-price rule; None = the method's defaults."""
    coefficient_range: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    """下浮系数 drawn at the opening (construction): {"min", "max", "step"} as decimal strings; None = unused."""
    description: Mapped[str] = mapped_column(Text, default="")
    qualification: Mapped[str] = mapped_column(Text, default="")
    """资格要求 as published in the announcement."""
    doc_start: Mapped[datetime | None]
    doc_end: Mapped[datetime | None]
    question_deadline: Mapped[datetime | None]
    bid_deadline: Mapped[datetime | None] = mapped_column(index=True)
    """投标截止时间, which is also the opening time (开标时间)."""
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    """A working-day count ran past the published holiday calendars; staff were warned."""
    max_bid_bytes: Mapped[int] = mapped_column(BigInteger, default=200 * 1024 * 1024)
    decryption_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    published_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    """Earliest time the chronograph has something to do for this tender."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Lot(IdMixin, Base):
    """标段 / 包: a tender has at least one; prices and bonds are per lot."""

    __tablename__ = "lots"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    budget: Mapped[Decimal]
    """Construction: estimated contract price (估算价); procurement: budget (预算金额), yuan."""
    ceiling_price: Mapped[Decimal | None]
    """最高投标限价; a bid above it is rejected (Bidding Regs Art.51)."""
    bond_amount: Mapped[Decimal]
    """投标保证金, ≤ 2% of budget (Bidding Regs Art.26; GP Regs Art.33)."""


class TenderDocument(IdMixin, Base):
    """A tender document file; the bytes live content-addressed in the blob store."""

    __tablename__ = "tender_documents"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    """False once a correction replaced the file; old versions stay for the archive."""
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class DocumentDownload(IdMixin, Base):
    """Who fetched the documents. Secret until the bid deadline (E-Bidding Measures Art.21)."""

    __tablename__ = "document_downloads"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("tender_documents.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(64), default="")


class Question(IdMixin, Base):
    """A downloader's question; the asker is hidden from everyone but the centre's audit."""

    __tablename__ = "questions"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    asker_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    asker_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    clarification_id: Mapped[str | None] = mapped_column(ForeignKey("clarifications.id"))


class Clarification(IdMixin, Base):
    """答疑澄清: sent to every party that downloaded the documents (E-Bidding Measures Art.22)."""

    __tablename__ = "clarifications"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    question_text: Mapped[str] = mapped_column(Text, default="")
    """The question being answered, copied without its asker."""
    body: Mapped[str] = mapped_column(Text)
    changes_documents: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    published_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime]
