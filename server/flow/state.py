"""The interview as the event log describes it: frozen values rebuilt by :mod:`.replay`."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.enums import InterviewPhase, QuestionKind


@dataclass(frozen=True)
class QuestionState:
    qid: str
    idx: int
    kind: QuestionKind
    text: str
    parent_qid: str | None
    asked_seq: int


@dataclass(frozen=True)
class AnswerState:
    """One answer; ``ended_seq`` is None while the candidate is still answering."""

    qid: str
    transcript: str
    skipped: bool
    started_seq: int
    ended_seq: int | None
    started_ts: int
    ended_ts: int | None
    # The code pad's snapshot when the answer ended ("" when none was sent).
    code: str = ""
    code_lang: str = ""

    @property
    def is_open(self) -> bool:
        return self.ended_seq is None


@dataclass(frozen=True)
class AnalysisState:
    qid: str
    score: float
    summary: str
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    # Sorted by name, so that equal rubrics compare equal whatever their wire order.
    rubric: tuple[tuple[str, float], ...]
    seq: int


@dataclass(frozen=True)
class QuestionScoreState:
    qid: str
    score: float


@dataclass(frozen=True)
class ReportState:
    score: float
    summary: str
    per_question: tuple[QuestionScoreState, ...]
    seq: int


@dataclass(frozen=True)
class Segment:
    """One transcript segment of the open answer; a final one never changes again."""

    seg: int
    text: str
    final: bool


@dataclass(frozen=True)
class CodeSnapshot:
    """The latest ``code`` the candidate sent for a question."""

    qid: str
    text: str
    lang: str
    seq: int


@dataclass(frozen=True)
class InterviewState:
    phase: InterviewPhase = InterviewPhase.LOBBY
    paused: bool = False
    question_idx: int = 0
    current_qid: str | None = None
    questions: tuple[QuestionState, ...] = ()
    answers: tuple[AnswerState, ...] = ()
    analyses: tuple[AnalysisState, ...] = ()
    report: ReportState | None = None
    head: int = 0
    started_ts: int | None = None
    finished_ts: int | None = None
    # Sorted by segment number.
    segments: tuple[Segment, ...] = ()
    # The candidate asked to finish; the report and the finished phase are on their way.
    finishing: bool = False
    # The latest code snapshot of each question that has one, in the order first written.
    codes: tuple[CodeSnapshot, ...] = ()

    @property
    def open_answer(self) -> AnswerState | None:
        if self.answers and self.answers[-1].is_open:
            return self.answers[-1]
        return None

    @property
    def live_transcript(self) -> str:
        """What the candidate has said so far in the open answer."""
        return join_segments(self.segments)

    def question(self, qid: str) -> QuestionState | None:
        for question in self.questions:
            if question.qid == qid:
                return question
        return None

    def answer(self, qid: str) -> AnswerState | None:
        for answer in self.answers:
            if answer.qid == qid:
                return answer
        return None

    def code(self, qid: str) -> CodeSnapshot | None:
        for snapshot in self.codes:
            if snapshot.qid == qid:
                return snapshot
        return None

    def analysis(self, qid: str) -> AnalysisState | None:
        for analysis in reversed(self.analyses):
            if analysis.qid == qid:
                return analysis
        return None

    @property
    def current_question(self) -> QuestionState | None:
        return None if self.current_qid is None else self.question(self.current_qid)

    @property
    def can_start(self) -> bool:
        """The candidate may start the interview (planning begins)."""
        return (
            self.phase is InterviewPhase.LOBBY
            and not self.paused
            and not self.finishing
            and self.started_ts is None
        )

    @property
    def can_start_answer(self) -> bool:
        """The candidate may begin answering the current question now."""
        return (
            self.phase is InterviewPhase.ASKING
            and not self.paused
            and not self.finishing
            and self.current_qid is not None
            and self.open_answer is None
            and self.answer(self.current_qid) is None
        )

    @property
    def can_end_answer(self) -> bool:
        return (
            self.phase is InterviewPhase.ANSWERING
            and not self.paused
            and not self.finishing
            and self.open_answer is not None
        )

    @property
    def can_skip(self) -> bool:
        """The current question may be skipped: it is unanswered or being answered."""
        if (
            self.phase not in (InterviewPhase.ASKING, InterviewPhase.ANSWERING)
            or self.paused
            or self.finishing
            or self.current_qid is None
        ):
            return False
        answer = self.answer(self.current_qid)
        return answer is None or answer.is_open


def join_segments(segments: tuple[Segment, ...]) -> str:
    return " ".join(text for s in segments if (text := s.text.strip()))
