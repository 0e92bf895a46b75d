"""keep the interviewer's plan and each question's key points

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interviews", sa.Column("plan", postgresql.JSONB(), nullable=True))
    op.add_column(
        "questions",
        sa.Column("key_points", postgresql.JSONB(), server_default="[]", nullable=False),
    )
    op.alter_column("questions", "topic", type_=sa.String(length=120), existing_nullable=True)


def downgrade() -> None:
    op.alter_column("questions", "topic", type_=sa.String(length=80), existing_nullable=True)
    op.drop_column("questions", "key_points")
    op.drop_column("interviews", "plan")
