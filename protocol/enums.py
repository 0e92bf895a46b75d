"""The closed vocabularies of the protocol (string values on the wire)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    OBSERVER = "observer"


class StateAction(StrEnum):
    START = "start"
    ANSWER_START = "answer_start"
    ANSWER_END = "answer_end"
    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"


class TranscriptSource(StrEnum):
    SPEECH = "speech"
    TYPED = "typed"


class NoteTarget(StrEnum):
    CANDIDATE = "candidate"
    OBSERVERS = "observers"


class InterviewPhase(StrEnum):
    LOBBY = "lobby"
    ASKING = "asking"
    ANSWERING = "answering"
    REVIEWING = "reviewing"
    FINISHED = "finished"


class InterviewKind(StrEnum):
    TECHNICAL = "technical"
    BEHAVIORAL = "behavioral"
    MIXED = "mixed"


class QuestionKind(StrEnum):
    MAIN = "main"
    FOLLOW_UP = "follow_up"
    INSTRUCTOR = "instructor"


class FeedbackLevel(StrEnum):
    GOOD = "good"
    INFO = "info"
    WARN = "warn"


class FeedbackKind(StrEnum):
    """The feedback kinds the specification names. The wire field is open: other kinds pass."""

    PACE = "pace"
    FILLER = "filler"
    PAUSE = "pause"
    LENGTH = "length"
    EYE_CONTACT = "eye_contact"
    FACE_MISSING = "face_missing"
    RELEVANCE = "relevance"
    STRUCTURE = "structure"
