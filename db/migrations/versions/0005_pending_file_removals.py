"""remember recording folders still to be removed, so a crash between the database
delete and the file removal cannot leave files behind

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_file_removals",
        sa.Column("interview_id", sa.UUID(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("interview_id", name=op.f("pk_pending_file_removals")),
    )


def downgrade() -> None:
    op.drop_table("pending_file_removals")
