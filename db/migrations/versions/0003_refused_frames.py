"""remember refused client frames so that acknowledgements can cover them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_frames",
        sa.Column("interview_id", sa.UUID(), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("client_seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"],
            name=op.f("fk_refused_frames_interview_id_interviews"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interview_id", "stream", "client_seq", name=op.f("pk_refused_frames")),
    )


def downgrade() -> None:
    op.drop_table("refused_frames")
