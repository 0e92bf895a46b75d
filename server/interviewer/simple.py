"""The local interviewer: the question bank, diverse plans, follow-ups keyed to what an
answer lacks and heuristic analysis. Offline and deterministic; the default without a
Gemini key and the fallback when Gemini fails."""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import replace
from collections.abc import AsyncIterator, Mapping, Sequence

from .bank import Bank, BankQuestion, load_bank, plan
from .base import (
    FOLLOW_UP_SUFFIX,
    SKIPPED,
    AnswerAnalysis,
    CoachingHint,
    CodeAnswer,
    FinalReport,
    InterviewSpec,
    PlannedQuestion,
)
from . import code_review
from .code_feedback import with_code
from .feedback import analysis
from .scoring import STAR_POINTS, Assessment, KeyPoint, Style, assess
from .text import words

WORDS_PER_PIECE = 3
# An answer covering this weighted share of the key points gets no follow-up.
COVERED_ENOUGH = 0.6
LONG_ANSWER_WORDS = 250
OFF_TOPIC_AFTER_WORDS = 60
OFF_TOPIC_RELEVANCE = 4.0
NO_ACTION_AFTER_WORDS = 120
NO_RESULT_AFTER_WORDS = 180
FAST_WPM = 180.0
WORD = re.compile(r"\S+")
VARIANT = re.compile(r"\s*\(variant \d+\)$")
STORY = re.compile(
    r"\b(tell me about a time|describe a (time|situation)|give (me )?an example of a time|"
    r"have you ever|talk me through a time)\b",
    re.IGNORECASE,
)
STAR_FOLLOW_UPS: dict[tuple[str, str], str] = {
    ("behavioral", "action"): "What did you do yourself, step by step?",
    ("behavioral", "ownership"): 'You said "we" a lot. What was your own part, step by step?',
    ("behavioral", "result"): "What was the result, ideally in numbers?",
    ("behavioral", "situation"): "Can you set the scene: where was this, and what was at stake?",
    ("situational", "action"): "What exactly would you do first, and what next?",
    ("situational", "ownership"): "What would you do yourself, step by step?",
    ("situational", "result"): "How would you know that it had worked?",
    ("situational", "situation"): "What would you want to find out before acting?",
}
GENERIC_FOLLOW_UP = "You didn't mention {point}. How does that come into it?"


class SimpleInterviewer:
    source = "local"

    def __init__(self, bank: Bank | None = None) -> None:
        self._bank = bank if bank is not None else load_bank()

    async def plan_questions(
        self, spec: InterviewSpec, history: Sequence[str]
    ) -> list[PlannedQuestion]:
        # Tens of milliseconds of pure Python: in a thread, so the event loop (every live
        # interview's acks and fan-out) keeps getting turns while a new interview plans.
        return await asyncio.to_thread(plan, self._bank, spec, history)

    async def ask(self, question: PlannedQuestion) -> AsyncIterator[str]:
        text = question.text
        starts = [m.start() for m in WORD.finditer(text)][WORDS_PER_PIECE::WORDS_PER_PIECE]
        bounds = [0, *starts, len(text)]
        for begin, end in itertools.pairwise(bounds):
            if begin < end:
                yield text[begin:end]

    async def follow_up(self, question: PlannedQuestion, answer: str) -> PlannedQuestion | None:
        """One follow-up for what the answer lacks most: for a story, a missing STAR part
        (own actions, then the result, then the situation); otherwise the heaviest missing
        key point, unless most are covered. Never a follow-up to a follow-up."""
        if question.is_follow_up:
            return None
        entry = self._entry(question)
        points = self._points(question, entry)
        style = self._style(question, entry)
        if entry is None and not points and style == "technical":
            return None
        result = await asyncio.to_thread(self._assess, question, answer, points, style, {})
        if not result.words or "gibberish" in result.flags:
            return None
        topic = (entry.topic if entry else question.topic) + FOLLOW_UP_SUFFIX
        if style != "technical":
            part = _missing_star_part(result)
            if part is not None:
                asked = STAR_POINTS["action" if part == "ownership" else part]
                return PlannedQuestion(STAR_FOLLOW_UPS[style, part], topic, (asked.point,))
        if result.coverage_share >= COVERED_ENOUGH or not result.missing:
            return None
        target = max(result.missing, key=lambda p: p.weight)  # the first of the heaviest
        text = entry.follow_up_for(target.point) if entry else None
        text = text or GENERIC_FOLLOW_UP.format(point=target.point)
        return PlannedQuestion(text, topic, (target.point,))

    async def coach(
        self, question: PlannedQuestion, partial_answer: str, metrics: Mapping[str, float]
    ) -> CoachingHint | None:
        wpm = metrics.get("wpm")
        if wpm is not None and wpm > FAST_WPM:
            return CoachingHint("pace", "warn", "Slow down a little: you are speaking fast.", wpm)
        n = len(words(partial_answer))
        if n >= LONG_ANSWER_WORDS:
            return CoachingHint("length", "info", "Consider wrapping up this answer.", float(n))
        if n < OFF_TOPIC_AFTER_WORDS:
            return None
        entry = self._entry(question)
        points = self._points(question, entry)
        style = self._style(question, entry)
        result = self._assess(question, partial_answer, points, style, {})
        if points and not result.covered and result.rubric["relevance"] < OFF_TOPIC_RELEVANCE:
            heaviest = max(points, key=lambda p: p.weight)
            return CoachingHint(
                "relevance",
                "warn",
                f"Bring the answer back to the question, for example: {heaviest.point}.",
            )
        if style != "technical":
            if n >= NO_ACTION_AFTER_WORDS and not result.star.actions:
                did = "did" if style == "behavioral" else "would do"
                return CoachingHint("structure", "info", f"Say what you {did} yourself.")
            if n >= NO_RESULT_AFTER_WORDS and not result.star.result:
                return CoachingHint("structure", "info", "Head for the result: what changed?")
        return None

    async def analyze(
        self, question: PlannedQuestion, answer: str, metrics: Mapping[str, float],
        *, code: CodeAnswer | None = None,
    ) -> AnswerAnalysis:
        """A coding question's answer is the code and its explanation together: the code is
        reviewed offline (parses, complexity stated, the bank's edge cases handled), never run."""
        skipped = metrics.get(SKIPPED, 0.0) > 0
        entry = self._entry(question)
        points = self._points(question, entry)
        style = self._style(question, entry)
        # Milliseconds of pure Python for a long answer: in a thread, like planning.
        result = await asyncio.to_thread(
            self._assess, question, "" if skipped else answer, points, style, metrics
        )
        spoken = analysis(result, len(points), skipped)
        coding = question.coding or (entry is not None and entry.coding)
        if skipped or not (coding or code is not None):
            return spoken
        if not spoken.answered and code is None:
            return replace(spoken, rubric={**spoken.rubric, "code": 0.0})
        cases = entry.edge_cases if entry is not None else ()
        review = None if code is None else code_review.review(code.text, code.lang, answer, cases)
        return with_code(spoken, review)

    async def report(
        self, spec: InterviewSpec, results: Sequence[tuple[PlannedQuestion, AnswerAnalysis]]
    ) -> FinalReport:
        answered = [a for _, a in results if a.answered]
        skipped = len(results) - len(answered)
        score = round(sum(a.score for _, a in results) / len(results), 1) if results else 0.0
        metrics: dict[str, float] = {"answered": len(answered), "skipped": skipped}
        names = sorted({name for a in answered for name in a.rubric})
        for name in names:
            values = [a.rubric[name] for a in answered if name in a.rubric]
            metrics[name] = round(sum(values) / len(values), 1)
        if not answered:
            return FinalReport(score, "No question was answered.", metrics)
        summary = (
            f"{spec.role_title}, {spec.kind} interview: answered {len(answered)} of "
            f"{len(results)} questions; mean score {score:g}/10."
        )
        if len(names) >= 2:
            best = max(names, key=lambda n: (metrics[n], n))
            worst = min(names, key=lambda n: (metrics[n], n))
            summary += (
                f" Strongest: {best} ({metrics[best]:g}); work on {worst} ({metrics[worst]:g})."
            )
        return FinalReport(score, summary, metrics)

    def _assess(
        self,
        question: PlannedQuestion,
        answer: str,
        points: Sequence[KeyPoint],
        style: Style,
        metrics: Mapping[str, float],
    ) -> Assessment:
        return assess(
            answer,
            question.text,
            points,
            style,
            follow_up=question.is_follow_up,
            metrics=metrics,
            lexicon=self._bank.lexicon,
        )

    def _entry(self, question: PlannedQuestion) -> BankQuestion | None:
        """The bank question asked, or followed up on; found by topic, else by text."""
        topic = question.topic.removesuffix(FOLLOW_UP_SUFFIX)
        entry = self._bank.by_topic(topic)
        if entry is None and not question.is_follow_up:
            entry = self._bank.by_text(VARIANT.sub("", question.text))
        return entry

    def _points(self, question: PlannedQuestion, entry: BankQuestion | None) -> tuple[KeyPoint, ...]:
        """The key points to judge by: the question's own, with keywords from the bank or
        the STAR parts where the names match; the bank entry's when it comes without."""
        if not question.key_points:
            return entry.key_points if entry is not None and not question.is_follow_up else ()
        star = {p.point: p for p in STAR_POINTS.values()}
        found: list[KeyPoint] = []
        for name in question.key_points:
            point = (entry.point(name) if entry else None) or star.get(name) or KeyPoint(name)
            found.append(point)
        return tuple(found)

    def _style(self, question: PlannedQuestion, entry: BankQuestion | None) -> Style:
        """The bank's word, else the topic's area when it names a style, else a story when
        the text asks for one."""
        if entry is not None:
            return entry.style
        area = question.topic.split("/", 1)[0]
        if area == "situational":
            return "situational"
        if area == "behavioral" or STORY.search(question.text):
            return "behavioral"
        return "technical"


def _missing_star_part(result: Assessment) -> str | None:
    star = result.star
    if not star.actions:
        return "action"
    if star.team > 2 * max(1, star.own) and len(star.actions) < 2:
        return "ownership"
    if not star.result:
        return "result"
    if not (star.situation or star.task) and result.words < 120:
        return "situation"
    return None
