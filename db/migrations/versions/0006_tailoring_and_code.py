"""job description and résumé of an interview; the code of an answer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interviews", sa.Column("job_description", sa.Text(), nullable=True))
    op.add_column("interviews", sa.Column("resume_text", sa.Text(), nullable=True))
    op.add_column("interviews", sa.Column("resume_file", sa.String(length=200), nullable=True))
    op.add_column("interviews", sa.Column("resume_kind", sa.String(length=8), nullable=True))
    op.add_column("interviews", sa.Column("resume_name", sa.String(length=200), nullable=True))
    op.add_column("interviews", sa.Column("resume_bytes", sa.Integer(), nullable=True))
    op.add_column("answers", sa.Column("code", sa.Text(), nullable=True))
    op.add_column("answers", sa.Column("code_lang", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("answers", "code_lang")
    op.drop_column("answers", "code")
    for column in ("resume_bytes", "resume_name", "resume_kind", "resume_file", "resume_text",
                   "job_description"):
        op.drop_column("interviews", column)
