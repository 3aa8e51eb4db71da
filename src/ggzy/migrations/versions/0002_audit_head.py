"""signed audit chain head: catches entries cut off the end of the chain

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ggzy.audit.service import head_mac
from ggzy.config import get_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # An existing chain gets its head signed now, with the key the platform runs with (GGZY_SECRET_KEY).
    last = op.get_bind().execute(sa.text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).first()
    if last is not None:
        op.get_bind().execute(
            sa.text("INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, :seq, :hash, :mac)"),
            {"seq": last[0], "hash": last[1], "mac": head_mac(get_settings().secret_key, last[0], last[1])},
        )


def downgrade() -> None:
    op.drop_table("audit_head")
