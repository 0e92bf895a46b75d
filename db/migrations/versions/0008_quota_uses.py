"""count per-user uses of rate-limited actions (interviews created, tickets issued)

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_uses",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_uses")),
    )
    op.create_index(
        "ix_quota_uses_action_subject_at", "quota_uses", ["action", "subject", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_quota_uses_action_subject_at", table_name="quota_uses")
    op.drop_table("quota_uses")
