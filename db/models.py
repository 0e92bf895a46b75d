"""The schema, as SQLAlchemy 2 typed models.

The event log (``events``) is the single source of truth for what happened in
an interview; ``questions``, ``answers`` and ``analyses`` are derived rows
written in the same transaction as the events that create them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("candidate", "instructor")
INTERVIEW_KINDS = ("technical", "behavioral", "mixed")
DIFFICULTIES = ("junior", "mid", "senior")
INTERVIEW_STATUSES = ("created", "live", "finished")
PHASES = ("lobby", "asking", "answering", "reviewing", "finished")
QUESTION_KINDS = ("main", "follow_up", "instructor")
TICKET_ROLES = ("candidate", "observer")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def _now() -> Any:
    return func.now()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Interview(Base):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(_one_of("kind", INTERVIEW_KINDS), name="kind"),
        CheckConstraint(_one_of("difficulty", DIFFICULTIES), name="difficulty"),
        CheckConstraint(_one_of("status", INTERVIEW_STATUSES), name="status"),
        CheckConstraint(_one_of("phase", PHASES), name="phase"),
        CheckConstraint("questions_total BETWEEN 1 AND 20", name="questions_total"),
        Index("ix_interviews_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    role_title: Mapped[str] = mapped_column(String(120))
    difficulty: Mapped[str] = mapped_column(String(16))
    questions_total: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="created")
    phase: Mapped[str] = mapped_column(String(16), default="lobby")
    question_idx: Mapped[int] = mapped_column(Integer, default=0)
    # The event log's head: the seq of the last stored event (0 for none).
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    # The interviewer's plan: [{text, topic, key_points}] for each main question.
    plan: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    # Tailoring: the pasted job description and the text extracted from the uploaded résumé.
    job_description: Mapped[str | None] = mapped_column(Text)
    resume_text: Mapped[str | None] = mapped_column(Text)
    # The stored résumé: a name the server chose under the uploads folder, never user input;
    # the name it was uploaded as is kept for display only.
    resume_file: Mapped[str | None] = mapped_column(String(200))
    resume_kind: Mapped[str | None] = mapped_column(String(8))
    resume_name: Mapped[str | None] = mapped_column(String(200))
    resume_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InterviewAccess(Base):
    """An instructor's right to observe (and replay) an interview."""

    __tablename__ = "interview_access"

    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", QUESTION_KINDS), name="kind"),
        Index("ix_questions_interview_idx", "interview_id", "idx"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE")
    )
    idx: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(120))
    key_points: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    asked_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    transcript: Mapped[str] = mapped_column(Text, default="")
    started_seq: Mapped[int | None] = mapped_column(BigInteger)
    ended_seq: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    skipped: Mapped[bool] = mapped_column(default=False)
    # The code pad's content when the answer ended, for a coding question.
    code: Mapped[str | None] = mapped_column(Text)
    code_lang: Mapped[str | None] = mapped_column(String(16))


class Analysis(Base):
    __tablename__ = "analyses"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 10", name="score"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    answer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text)
    strengths: Mapped[list[str]] = mapped_column(JSONB, default=list)
    improvements: Mapped[list[str]] = mapped_column(JSONB, default=list)
    rubric: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    source: Mapped[str] = mapped_column(String(16), default="local")
    created_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class AnswerMetrics(Base):
    """The delivery of one answer as the live coach measured it, written with its analysis.

    Reports and dashboards read these small rows instead of the event log. ``pace`` holds
    ``[ts, wpm]`` samples and ``pause_marks`` ``[ts, seconds]`` of each long pause, with
    ``ts`` the server event time (ms since the epoch).
    """

    __tablename__ = "answer_metrics"

    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    words: Mapped[int] = mapped_column(Integer)
    fillers: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    fillers_per_100: Mapped[float] = mapped_column(Float)
    wpm: Mapped[float | None] = mapped_column(Float)
    longest_pause_s: Mapped[float | None] = mapped_column(Float)
    eye_contact_share: Mapped[float | None] = mapped_column(Float)
    face_missing_s: Mapped[float | None] = mapped_column(Float)
    pauses: Mapped[int] = mapped_column(Integer)
    pace: Mapped[list[list[float]]] = mapped_column(JSONB, default=list)
    pause_marks: Mapped[list[list[float]]] = mapped_column(JSONB, default=list)


class Event(Base):
    """One entry of an interview's append-only event log.

    ``seq`` is gapless per interview. Candidate frames keep their stream and
    client seq so that a resend is recognised by the unique key and not stored
    twice. ``payload`` is the message's ``d`` map encoded as MessagePack.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("interview_id", "stream", "client_seq", name="uq_events_client_frame"),
    )

    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    stream: Mapped[str | None] = mapped_column(String(128))
    client_seq: Mapped[int | None] = mapped_column(BigInteger)
    ts: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class RefusedFrame(Base):
    """A client data message the server refused: not stored, but its seq is used up.

    Keeping the refusal makes ``acked`` (and so resume after a reconnect) cover it, so a
    client that dropped the refused message from its outbox does not run into a gap.
    """

    __tablename__ = "refused_frames"

    interview_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    stream: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Recording(Base):
    """One audio file: the chunks of one candidate stream, appended in order."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("interview_id", "stream", name="uq_recordings_stream"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(128))
    mime: Mapped[str] = mapped_column(String(100))
    # Relative to the recordings root and made by the server, never from user input.
    file_name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    next_chunk: Mapped[int] = mapped_column(Integer, default=0)
    started_ts: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class RecordingChunk(Base):
    __tablename__ = "recording_chunks"

    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True
    )
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    byte_offset: Mapped[int] = mapped_column(BigInteger)
    byte_length: Mapped[int] = mapped_column(Integer)
    event_seq: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[int] = mapped_column(BigInteger)


class PendingFileRemoval(Base):
    """An interview's recording folder still to be removed from disk.

    Written in the transaction that deletes the interview's rows (or before an import
    writes files) and deleted once the folder is gone; start-up and ``purge`` sweep
    what a crash left. No foreign key: the interview row is already gone.
    """

    __tablename__ = "pending_file_removals"

    interview_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Ticket(Base):
    """A single-use websocket ticket; only the SHA-256 of the token is stored."""

    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint(_one_of("role", TICKET_ROLES), name="role"),)

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class QuotaUse(Base):
    """One use of a per-user quota (an interview created, a ticket issued), kept for as long
    as the quota's window, so the limit holds across server processes."""

    __tablename__ = "quota_uses"
    __table_args__ = (Index("ix_quota_uses_action_subject_at", "action", "subject", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
