"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'at'], unique=False)
    op.create_index('ix_login_failures_username_at', 'login_failures', ['username', 'at'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('candidate', 'instructor')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('interviews',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('role_title', sa.String(length=120), nullable=False),
    sa.Column('difficulty', sa.String(length=16), nullable=False),
    sa.Column('questions_total', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('question_idx', sa.Integer(), nullable=False),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("difficulty IN ('junior', 'mid', 'senior')", name=op.f('ck_interviews_difficulty')),
    sa.CheckConstraint("kind IN ('technical', 'behavioral', 'mixed')", name=op.f('ck_interviews_kind')),
    sa.CheckConstraint("phase IN ('lobby', 'asking', 'answering', 'reviewing', 'finished')", name=op.f('ck_interviews_phase')),
    sa.CheckConstraint("status IN ('created', 'live', 'finished')", name=op.f('ck_interviews_status')),
    sa.CheckConstraint('questions_total BETWEEN 1 AND 20', name=op.f('ck_interviews_questions_total')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_interviews_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interviews'))
    )
    op.create_index('ix_interviews_owner_created', 'interviews', ['owner_id', 'created_at'], unique=False)
    op.create_table('events',
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('stream', sa.String(length=128), nullable=True),
    sa.Column('client_seq', sa.BigInteger(), nullable=True),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_events_interview_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interview_id', 'seq', name=op.f('pk_events')),
    sa.UniqueConstraint('interview_id', 'stream', 'client_seq', name='uq_events_client_frame')
    )
    op.create_table('interview_access',
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_interview_access_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interview_access_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interview_id', 'user_id', name=op.f('pk_interview_access'))
    )
    op.create_index(op.f('ix_interview_access_user_id'), 'interview_access', ['user_id'], unique=False)
    op.create_table('questions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('topic', sa.String(length=80), nullable=True),
    sa.Column('asked_seq', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('main', 'follow_up', 'instructor')", name=op.f('ck_questions_kind')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_questions_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['questions.id'], name=op.f('fk_questions_parent_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    op.create_index('ix_questions_interview_idx', 'questions', ['interview_id', 'idx'], unique=False)
    op.create_table('recordings',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('stream', sa.String(length=128), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('next_chunk', sa.Integer(), nullable=False),
    sa.Column('started_ts', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_recordings_interview_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings')),
    sa.UniqueConstraint('interview_id', 'stream', name='uq_recordings_stream')
    )
    op.create_table('tickets',
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('candidate', 'observer')", name=op.f('ck_tickets_role')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_tickets_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tickets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_tickets'))
    )
    op.create_index(op.f('ix_tickets_expires_at'), 'tickets', ['expires_at'], unique=False)
    op.create_table('answers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('question_id', sa.UUID(), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=False),
    sa.Column('started_seq', sa.BigInteger(), nullable=True),
    sa.Column('ended_seq', sa.BigInteger(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_answers_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    op.create_index(op.f('ix_answers_interview_id'), 'answers', ['interview_id'], unique=False)
    op.create_table('recording_chunks',
    sa.Column('recording_id', sa.UUID(), nullable=False),
    sa.Column('chunk', sa.Integer(), nullable=False),
    sa.Column('byte_offset', sa.BigInteger(), nullable=False),
    sa.Column('byte_length', sa.Integer(), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_chunks_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'chunk', name=op.f('pk_recording_chunks'))
    )
    op.create_table('analyses',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('interview_id', sa.UUID(), nullable=False),
    sa.Column('question_id', sa.UUID(), nullable=False),
    sa.Column('answer_id', sa.UUID(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('strengths', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('improvements', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('rubric', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_seq', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 10', name=op.f('ck_analyses_score')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_analyses_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_analyses_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_analyses_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analyses'))
    )
    op.create_index(op.f('ix_analyses_interview_id'), 'analyses', ['interview_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_analyses_interview_id'), table_name='analyses')
    op.drop_table('analyses')
    op.drop_table('recording_chunks')
    op.drop_index(op.f('ix_answers_interview_id'), table_name='answers')
    op.drop_table('answers')
    op.drop_index(op.f('ix_tickets_expires_at'), table_name='tickets')
    op.drop_table('tickets')
    op.drop_table('recordings')
    op.drop_index('ix_questions_interview_idx', table_name='questions')
    op.drop_table('questions')
    op.drop_index(op.f('ix_interview_access_user_id'), table_name='interview_access')
    op.drop_table('interview_access')
    op.drop_table('events')
    op.drop_index('ix_interviews_owner_created', table_name='interviews')
    op.drop_table('interviews')
    op.drop_table('users')
    op.drop_index('ix_login_failures_username_at', table_name='login_failures')
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_table('login_failures')
