"""Turning an :class:`Assessment` into the words a candidate reads: a specific summary,
strengths and improvements that quote what was present or missing."""

from __future__ import annotations

from collections.abc import Sequence

from .base import AnswerAnalysis
from .scoring import Assessment, KeyPoint

MAX_STRENGTHS = 4
MAX_IMPROVEMENTS = 5
STAR_NAMES = {"situation": "the situation", "action": "your own actions", "result": "the result"}


def analysis(result: Assessment, points: int, skipped: bool = False) -> AnswerAnalysis:
    if skipped or not result.answered:
        said = "Skipped: nothing was answered." if skipped else "Nothing was answered."
        advice = ["Answer the question, even briefly: a partial answer beats none."]
        if result.missing:
            advice.append(f"A good answer covers: {_names(_heaviest(result.missing))}.")
        rubric = dict.fromkeys(result.rubric, 0.0)
        return AnswerAnalysis(0.0, said, (), tuple(advice), rubric, answered=False)
    # Delivery remarks come last and are never crowded out by the content ones.
    delivery = result.delivery
    return AnswerAnalysis(
        result.score,
        summary(result, points),
        (*strengths(result)[:MAX_STRENGTHS], *(f"Delivery: {g}." for g in delivery.good)),
        (*improvements(result)[:MAX_IMPROVEMENTS], *(f"Delivery: {b}." for b in delivery.bad)),
        dict(result.rubric),
    )


def summary(result: Assessment, points: int) -> str:
    flags = result.flags
    if "gibberish" in flags:
        return "The answer could not be made out as words about the question."
    if "echo" in flags:
        return "The answer mostly repeats the question instead of answering it."
    if "off_topic" in flags:
        about = f": it asks about {_names(_heaviest(result.missing)[:2])}" if result.missing else ""
        return f"The answer does not address this question{about}."
    if "repetitive" in flags:
        return f"The answer repeats itself: {result.words} words with little said."
    covered = len(result.covered)
    if points:
        head = f"Covered {covered} of {points} key points"
        if result.covered and result.missing:
            head += f" ({_names(result.covered)})"
        head += f" in {result.words} words"
    else:
        head = f"Answered in {result.words} words"
    return f"{head}; {_main_issue(result)}."


def _main_issue(result: Assessment) -> str:
    missing = _heaviest(result.missing)
    lacking = [STAR_NAMES[p] for p in result.star.missing]
    if result.words < 20:
        if missing:
            return f"too short to show your reasoning, and it missed {_names(missing[:3])}"
        return "too short to show your reasoning"
    if "rambling" in result.flags:
        return f"it runs long for what it says, and missed {_names(missing[:2])}" if missing else (
            "it runs long for what it says"
        )
    if result.style != "technical" and lacking and not result.follow_up:
        return f"the story lacks {_and(lacking)}"
    if missing:
        return f"it missed {_names(missing[:3])}"
    if not (result.numbers or result.named or result.examples):
        return "it could be more concrete"
    return "a complete answer"


def strengths(result: Assessment) -> list[str]:
    out: list[str] = []
    if "off_topic" in result.flags or "gibberish" in result.flags or "echo" in result.flags:
        return out
    star = result.star
    if result.covered:
        out.append(f"Covered {_names(result.covered)}.")
    if result.style != "technical" and not star.missing and not result.follow_up:
        out.append("A complete story: the situation, your own actions and the result.")
    if result.style != "technical" and len(star.actions) >= 2 and star.own >= star.team:
        verbs = ", ".join(f'"I {v}"' for v in dict.fromkeys(star.actions))
        out.append(f"Spoke about your own part ({_first(verbs, 3)}).")
    if result.numbers:
        out.append(f"Gave numbers ({', '.join(dict.fromkeys(result.numbers[:3]))}).")
    if result.named:
        out.append(f"Named concrete tools or code: {', '.join(result.named[:4])}.")
    if result.style == "technical" and len(result.reasons) >= 2 and result.coverage_share >= 0.3:
        quoted = ", ".join(f'"{r}"' for r in result.reasons[:2])
        out.append(f"Explained the reasoning ({quoted}).")
    if result.examples:
        out.append("Backed it with a concrete example.")
    if (
        result.words >= 40
        and not result.filler_count
        and not result.hedge_count
        and not {"rambling", "repetitive"} & result.flags
    ):
        out.append("Clear and direct, with no hedging or filler words.")
    return out


def improvements(result: Assessment) -> list[str]:
    flags, star = result.flags, result.star
    missing = _heaviest(result.missing)
    out: list[str] = []
    if "gibberish" in flags:
        out.append("Answer in plain sentences about the question.")
    if "echo" in flags:
        out.append("Don't read the question back: answer it, starting with your main point.")
    if "off_topic" in flags and missing:
        out.append(f"Stay on the question: talk about {_names(missing[:2])}.")
    if "repetitive" in flags:
        out.append("Say each thing once, then move on to the next point.")
    if result.style != "technical" and not result.follow_up:
        if "action" in star.missing:
            out.append(
                "Tell one specific story and what you did in it, step by step."
                if result.style == "behavioral"
                else "Say what you would do yourself, step by step."
            )
        elif star.team > 2 * max(1, star.own) and star.team >= 3:
            out.append(
                f'Say "I" for your own part: the answer says "we" {star.team} times '
                f'and "I" {star.own}.'
            )
        if "result" in star.missing:
            out.append("Finish with the result, ideally in numbers: what changed because of you?")
        elif result.style == "behavioral" and not star.quantified:
            out.append("Quantify the result if you can: time saved, errors cut, users helped.")
        if "situation" in star.missing:
            out.append("Set the scene in a sentence or two: where, when, and what was at stake.")
    if missing and "off_topic" not in flags:
        out.append(f"Also cover {_names(missing[:3])}.")
    if result.words < 20 and not {"gibberish", "echo"} & flags:
        out.append(
            f"Develop the answer: {result.words} words cannot show your reasoning; "
            "explain how and why, with an example."
        )
    if "rambling" in flags:
        out.append(
            f"Tighten it: {result.words} words for {len(result.covered)} key points. "
            "Lead with the main point and stop when it is made."
        )
    if result.vague:
        quoted = ", ".join(f'"{v}"' for v in result.vague[:3])
        out.append(f"Replace vague words ({quoted}) with what you would actually do.")
    if not (result.numbers or result.named or result.examples) and result.words >= 20:
        out.append(
            "Add specifics: numbers, the tools you would use, a concrete example."
            if result.style == "technical"
            else "Add concrete details: names, numbers, what exactly was said and done."
        )
    if (
        result.style == "technical"
        and not result.reasons
        and result.words >= 30
        and result.coverage_share < 0.8
    ):
        out.append("Explain why, not only what: name the trade-offs.")
    if result.hedge_count >= 2:
        quoted = ", ".join(f'"{h}"' for h in list(result.hedges)[:3])
        out.append(f"Sound surer: cut hedges like {quoted} ({result.hedge_count} in all).")
    if result.filler_count >= 3:
        quoted = ", ".join(f'"{f}"' for f in list(result.fillers)[:3])
        out.append(f"Cut filler words like {quoted} ({result.filler_count} in all).")
    if result.mean_sentence_words > 35:
        out.append("Use shorter sentences.")
    return out


def _heaviest(points: Sequence[KeyPoint]) -> list[KeyPoint]:
    return sorted(points, key=lambda p: -p.weight)


def _names(points: Sequence[KeyPoint]) -> str:
    return _and([p.point for p in points])


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _first(text: str, count: int) -> str:
    return ", ".join(text.split(", ")[:count])
