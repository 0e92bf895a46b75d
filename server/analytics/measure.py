"""An interview's answers measured again from its event log, as the live coach measured them
while they were given.

The hub stores each answer's delivery with its analysis. This fills the gap for answers that
have an analysis but no stored delivery: recorded before the delivery was stored, given while
the server restarted mid-answer, or imported from another server. The events are fed to a
:class:`LiveCoach` in the way :mod:`server.hub.coaching` feeds it live (answers run from the
``answering`` phase to the next other phase; transcript and face frames count within them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from server.coach import AnswerTimeline, FaceSample, LiveCoach

# The kinds of event that shape an answer's delivery.
DELIVERY_KINDS = ("phase", "transcript", "face")


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    kind: str
    ts: int
    d: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MeasuredAnswer:
    qid: str
    metrics: dict[str, float]
    timeline: AnswerTimeline


def measure_answers(events: Iterable[LoggedEvent], interview_kind: str) -> list[MeasuredAnswer]:
    """Every answer the log shows, in order, with its delivery metrics and timeline."""
    coach = LiveCoach(interview_kind=interview_kind)
    qid: str | None = None
    measured: list[MeasuredAnswer] = []
    for event in events:
        d = event.d
        if event.kind == "phase":
            answering = d.get("phase") == "answering"
            if answering and qid is None:
                qid = str(d.get("qid") or "")
                coach.answer_started(event.ts)
            elif not answering and qid is not None:
                metrics = coach.metrics(event.ts)
                coach.answer_ended(event.ts)
                measured.append(MeasuredAnswer(qid, metrics, coach.timeline()))
                qid = None
        elif qid is None:
            continue
        elif event.kind == "transcript":
            seg, text = d.get("seg"), d.get("text")
            if isinstance(seg, int) and isinstance(text, str):
                coach.transcript(event.ts, seg, text, d.get("final") is True,
                                 spoken=d.get("src") != "typed")
        elif event.kind == "face":
            frames = [
                FaceSample(present=frame.get("present") is True, eye_contact=frame.get("eye_contact"))
                for frame in d.get("frames", ())
                if isinstance(frame, Mapping)
            ]
            coach.face(event.ts, frames)
    return measured
