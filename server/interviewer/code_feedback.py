"""The analysis of a coding answer: the spoken explanation's analysis joined with the offline
review of the code (it parses, the complexity is stated, the edge cases are handled). Pure."""

from __future__ import annotations

from dataclasses import replace

from .base import AnswerAnalysis
from .code_review import CodeReview

# How much the code counts towards the answer's score; the explanation counts the rest.
CODE_SHARE = 0.5
# The code criterion out of 10: it parses, it is a real attempt, the complexity is stated,
# the edge cases are handled (by share).
PARSES, ATTEMPT, COMPLEXITY, EDGE_CASES = 4.0, 1.0, 2.0, 3.0
MIN_ATTEMPT_LINES = 3
LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript"}


def code_score(review: CodeReview) -> float:
    if review.empty:
        return 0.0
    score = PARSES if review.parses else 0.0
    score += ATTEMPT if review.lines >= MIN_ATTEMPT_LINES else 0.0
    score += COMPLEXITY if review.complexity else 0.0
    cases = len(review.handled) + len(review.missed)
    score += EDGE_CASES * (len(review.handled) / cases if cases else 1.0)
    return round(score, 1)


def with_code(spoken: AnswerAnalysis, review: CodeReview | None) -> AnswerAnalysis:
    """``spoken`` (the explanation's analysis) with the code's review folded in; without
    any code (``None`` or an empty pad) the code criterion is 0 and the answer says so."""
    if review is None or review.empty:
        improvements = ("Write your solution in the code pad as you explain it.",
                        *spoken.improvements)
        rubric = {**spoken.rubric, "code": 0.0}
        score = round((1 - CODE_SHARE) * spoken.score, 1)
        return replace(spoken, score=score, improvements=improvements, rubric=rubric)
    code = code_score(review)
    language = LANGUAGE_NAMES.get(review.lang, review.lang)
    strengths: list[str] = []
    improvements: list[str] = []
    if review.parses:
        strengths.append(f"Your {language} code parses ({review.lines} lines).")
    else:
        improvements.append(f"Your {language} code does not parse: {review.error}.")
    if review.complexity:
        strengths.append(f"You stated the complexity: {', '.join(review.complexity[:3])}.")
    else:
        improvements.append("State the time and space complexity, e.g. O(n) time, O(n) space.")
    if review.handled:
        strengths.append(f"Edge cases handled: {'; '.join(review.handled)}.")
    if review.missed:
        improvements.append(f"Handle or mention these edge cases: {'; '.join(review.missed)}.")
    verdict = "parses" if review.parses else "does not parse"
    cases = len(review.handled) + len(review.missed)
    summary = (f"{spoken.summary} The code {verdict}, handles {len(review.handled)} of "
               f"{cases} edge cases and {'states' if review.complexity else 'does not state'} "
               "its complexity.")
    score = round((1 - CODE_SHARE) * spoken.score + CODE_SHARE * code, 1)
    return AnswerAnalysis(
        score, summary, (*strengths, *spoken.strengths), (*improvements, *spoken.improvements),
        {**spoken.rubric, "code": code}, answered=True,
    )
