"""The archive (归档) of a closed tender: one signed ZIP per tender, kept at least 15 years (GP Law Art.42).

The ZIP itself lives in the blob store under its SHA-256; this row says which blob it is, who built it and until
when it must be kept. Nothing may be altered or destroyed (E-Bidding Measures Art.49): a tender is archived once,
and on PostgreSQL the table refuses UPDATE and DELETE outright, like the audit log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin, append_only


class Archive(IdMixin, Base):
    __tablename__ = "archives"

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the ZIP = its name in the blob store."""
    size: Mapped[int] = mapped_column(BigInteger)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of manifest.json as signed (the bytes the Ed25519 signature covers)."""
    platform_key_id: Mapped[str] = mapped_column(String(32))
    file_count: Mapped[int] = mapped_column(Integer)
    """Files listed in the manifest (manifest.json and manifest.sig not counted)."""
    audit_first_seq: Mapped[int | None] = mapped_column(BigInteger)
    audit_last_seq: Mapped[int | None] = mapped_column(BigInteger)
    chain_head_seq: Mapped[int] = mapped_column(BigInteger)
    """The whole audit chain's head when the archive was built (recorded in the signed manifest)."""
    chain_head_hash: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime]
    built_by: Mapped[str] = mapped_column(String(64))
    """User id of the centre staff member, or `system:<reason>` for `ggzy archive build`."""
    tender_status: Mapped[str] = mapped_column(String(16))
    """How the tender's journey ended (contracted, failed, cancelled) before it became `archived`."""
    retention_years: Mapped[int] = mapped_column(Integer)
    """Years the line's rule required when built (archive/rules.py); a later rule change never shortens it."""
    keep_until: Mapped[date]
    """built_at (Beijing date) + retention_years: not to be destroyed before (GP Law Art.42)."""
    audit_hash: Mapped[str] = mapped_column(String(64))
    """Hash of the audit entry `archive:built`, written in the same transaction as this row."""


# On PostgreSQL the archive register is append-only, like the audit log (E-Bidding Measures Art.49).
PG_APPEND_ONLY = append_only(Archive.__table__, "ggzy_archives_append_only")
