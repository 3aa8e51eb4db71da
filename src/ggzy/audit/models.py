"""The append-only, hash-chained audit log (E-Bidding Measures Art.14/49)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, JSONType, append_only


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    """Position in the chain, 1-based and gap-free."""
    tag: Mapped[str] = mapped_column(String(64), index=True)
    """source:subject:action grammar shortened to subject:action, e.g. tender:published."""
    occurred_at: Mapped[datetime]
    actor_user_id: Mapped[str | None] = mapped_column(String(32))
    actor_org_id: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(40), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(32), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's latest entry, signed with a key kept outside the database (settings.secret_key).

    Hash links catch an edited, deleted or moved entry anywhere but at the end; cutting entries off the end
    leaves a valid shorter chain. The signed head, rewritten in every appending transaction, catches that too:
    whoever truncates the chain cannot sign the head that would match it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256(key, "seq:hash")."""


# On PostgreSQL the table refuses UPDATE, DELETE and TRUNCATE outright: history is append-only.
PG_APPEND_ONLY = append_only(AuditEvent.__table__, "ggzy_audit_append_only")
