"""per-answer delivery metrics, so reports and dashboards need not read the event log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_metrics",
        sa.Column("question_id", sa.UUID(), nullable=False),
        sa.Column("interview_id", sa.UUID(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("fillers", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("fillers_per_100", sa.Float(), nullable=False),
        sa.Column("wpm", sa.Float(), nullable=True),
        sa.Column("longest_pause_s", sa.Float(), nullable=True),
        sa.Column("eye_contact_share", sa.Float(), nullable=True),
        sa.Column("face_missing_s", sa.Float(), nullable=True),
        sa.Column("pauses", sa.Integer(), nullable=False),
        sa.Column("pace", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("pause_marks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"],
            name=op.f("fk_answer_metrics_interview_id_interviews"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"],
            name=op.f("fk_answer_metrics_question_id_questions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_answer_metrics")),
    )
    op.create_index(
        op.f("ix_answer_metrics_interview_id"), "answer_metrics", ["interview_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_answer_metrics_interview_id"), table_name="answer_metrics")
    op.drop_table("answer_metrics")
