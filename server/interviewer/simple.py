"""A small deterministic interviewer: the question bank plus heuristic scoring, offline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence

from .bank import Bank, load_bank, plan
from .base import (
    FOLLOW_UP_SUFFIX,
    SKIPPED,
    AnswerAnalysis,
    CoachingHint,
    FinalReport,
    InterviewSpec,
    PlannedQuestion,
)
from .scoring import assess, content_stems, covers, words

WORDS_PER_PIECE = 3
# A longer answer is worth discussing as it stands, even if it missed points.
FOLLOW_UP_MAX_WORDS = 60
LONG_ANSWER_WORDS = 250
OFF_TOPIC_AFTER_WORDS = 60
FAST_WPM = 180.0
WORD = re.compile(r"\S+")


class SimpleInterviewer:
    def __init__(self, bank: Bank | None = None) -> None:
        self._bank = bank if bank is not None else load_bank()

    async def plan_questions(
        self, spec: InterviewSpec, history: Sequence[str]
    ) -> list[PlannedQuestion]:
        return plan(self._bank, spec, history)

    async def ask(self, question: PlannedQuestion) -> AsyncIterator[str]:
        text = question.text
        starts = [m.start() for m in WORD.finditer(text)][WORDS_PER_PIECE::WORDS_PER_PIECE]
        bounds = [0, *starts, len(text)]
        for begin, end in zip(bounds, bounds[1:]):
            if begin < end:
                yield text[begin:end]

    async def follow_up(self, question: PlannedQuestion, answer: str) -> PlannedQuestion | None:
        if question.is_follow_up:
            return None
        entry = self._bank.by_topic(question.topic)
        if entry is None:
            return None
        key_points = self._key_points(question)
        result = assess(answer, key_points)
        if 2 * len(result.missing) < len(key_points) or result.words >= FOLLOW_UP_MAX_WORDS:
            return None
        # The follow-up is judged on what the first answer left out.
        return PlannedQuestion(entry.follow_up, question.topic + FOLLOW_UP_SUFFIX, result.missing)

    async def coach(
        self, question: PlannedQuestion, partial_answer: str, metrics: Mapping[str, float]
    ) -> CoachingHint | None:
        wpm = metrics.get("wpm")
        if wpm is not None and wpm > FAST_WPM:
            return CoachingHint("pace", "warn", "Slow down a little: you are speaking fast.", wpm)
        n = len(words(partial_answer))
        if n >= LONG_ANSWER_WORDS:
            return CoachingHint("length", "info", "Consider wrapping up this answer.", float(n))
        key_points = self._key_points(question)
        stems = content_stems(partial_answer)
        if (
            n >= OFF_TOPIC_AFTER_WORDS
            and key_points
            and not any(covers(point, stems) for point in key_points)
        ):
            return CoachingHint(
                "relevance",
                "warn",
                f"Bring the answer back to the question, for example: {key_points[0]}.",
            )
        return None

    async def analyze(
        self, question: PlannedQuestion, answer: str, metrics: Mapping[str, float]
    ) -> AnswerAnalysis:
        skipped = metrics.get(SKIPPED, 0.0) > 0
        key_points = self._key_points(question)
        result = assess("" if skipped else answer, key_points)
        if result.words == 0:
            summary = "Skipped: nothing was answered." if skipped else "Nothing was answered."
            improvements = ["Answer the question, even briefly: a partial answer beats none."]
            if key_points:
                improvements.append(f"A good answer covers: {', '.join(key_points)}.")
            rubric = {"coverage": 0.0, "depth": 0.0, "clarity": 0.0}
            return AnswerAnalysis(0.0, summary, (), tuple(improvements), rubric, answered=False)
        strengths: list[str] = []
        improvements = []
        if result.covered:
            strengths.append(f"Covered {', '.join(result.covered)}.")
        if result.specifics:
            strengths.append("Gave concrete details and examples.")
        if result.clarity >= 8 and result.words >= 30:
            strengths.append("Clear, well-structured sentences.")
        if result.missing:
            improvements.append(f"Also address {', '.join(result.missing)}.")
        if result.words < 40:
            improvements.append("Develop the answer: explain your reasoning and give an example.")
        if not result.specifics:
            improvements.append("Add specifics: numbers, names, concrete outcomes.")
        if result.filler_ratio > 0.03:
            improvements.append("Cut filler words.")
        if result.mean_sentence_words > 30:
            improvements.append("Use shorter sentences.")
        points = len(key_points)
        summary = (
            f"Covered {len(result.covered)} of {points} key points in {result.words} words."
            if points
            else f"Answered in {result.words} words."
        )
        rubric = {"coverage": result.coverage, "depth": result.depth, "clarity": result.clarity}
        return AnswerAnalysis(
            result.score, summary, tuple(strengths), tuple(improvements), rubric
        )

    async def report(
        self, spec: InterviewSpec, results: Sequence[tuple[PlannedQuestion, AnswerAnalysis]]
    ) -> FinalReport:
        answered = [a for _, a in results if a.answered]
        skipped = len(results) - len(answered)
        score = round(sum(a.score for _, a in results) / len(results), 1) if results else 0.0
        metrics: dict[str, float] = {"answered": len(answered), "skipped": skipped}
        for name in ("coverage", "depth", "clarity"):
            values = [a.rubric[name] for a in answered if name in a.rubric]
            if values:
                metrics[name] = round(sum(values) / len(values), 1)
        if not answered:
            summary = "No question was answered."
        else:
            summary = (
                f"{spec.role_title}, {spec.kind} interview: answered {len(answered)} of "
                f"{len(results)} questions; mean score {score:g}/10."
            )
        return FinalReport(score, summary, metrics)

    def _key_points(self, question: PlannedQuestion) -> tuple[str, ...]:
        """The question's key points, or its bank entry's when it arrives without them."""
        if question.key_points or question.is_follow_up:
            return question.key_points
        entry = self._bank.by_topic(question.topic)
        return entry.key_points if entry is not None else ()
