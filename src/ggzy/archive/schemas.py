"""Pydantic out-models of the archive API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from ggzy.archive.models import Archive


class ArchiveOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tender_id: str
    project_id: str
    sha256: str
    """SHA-256 of the ZIP (also sent as X-Content-SHA256 with the download)."""
    size: int
    manifest_sha256: str
    platform_key_id: str
    """Check the archive with `ggzy archive verify FILE --url <platform>` (GET /api/platform/keys)."""
    file_count: int
    audit_first_seq: int | None
    audit_last_seq: int | None
    chain_head_seq: int
    chain_head_hash: str
    built_at: datetime
    built_by: str
    tender_status: str
    retention_years: int
    keep_until: date
    audit_hash: str
    download_url: str


def archive_out(a: Archive) -> ArchiveOut:
    return ArchiveOut.model_validate({
        **{k: getattr(a, k) for k in ArchiveOut.model_fields if k != "download_url"},
        "download_url": f"/api/tenders/{a.tender_id}/archive/download",
    })
