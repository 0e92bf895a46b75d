"""Live coaching of the answer in progress: the I/O half of :mod:`server.coach`.

A room sink that feeds the candidate's transcript and face frames to a
:class:`LiveCoach`, ticks it while an answer runs, and logs each nudge as a
``feedback`` event. Every so often it also asks the interviewer for a
mid-answer hint on the partial answer; that call is cancelled when the answer
ends. Nudges are computed on the event's server time, so the same log gives the
same nudges.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Callable, Mapping

from server.coach import AnswerTimeline, FaceSample, LiveCoach, Nudge
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.events import StoredEvent
from server.hub.tasks import cancel_and_wait
from server.interviewer import Interviewer, PlannedQuestion

log = logging.getLogger(__name__)

TICK_S = 0.5
HINT_EVERY_MS = 20_000
HINT_MIN_WORDS = 25


class Coaching:
    def __init__(
        self, writer: EventWriter, interview_id: uuid.UUID, interview_kind: str,
        interviewer: Interviewer, question_for: Callable[[str], PlannedQuestion],
    ) -> None:
        self.writer = writer
        self.interview_id = interview_id
        self.coach = LiveCoach(interview_kind=interview_kind)
        self.interviewer = interviewer
        self.question_for = question_for
        self.qid: str | None = None
        self.words: dict[int, str] = {}
        self._frozen: set[int] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._hint: asyncio.Task[None] | None = None
        self._last_hint_ms = 0
        self._metrics: dict[str, dict[str, float]] = {}
        self._timelines: dict[str, AnswerTimeline] = {}

    # ----- the room's events, in order ------------------------------------------------

    def on_event(self, event: StoredEvent) -> None:
        if event.kind == "phase":
            self._phase(event)
        elif self.qid is None:
            return
        elif event.kind == "transcript":
            seg, text, final = event.d.get("seg"), event.d.get("text"), event.d.get("final")
            if isinstance(seg, int) and isinstance(text, str) and seg not in self._frozen:
                self.words[seg] = text
                if final is True:
                    self._frozen.add(seg)
                spoken = event.d.get("src") != "typed"
                self._log(self.coach.transcript(event.ts, seg, text, final is True, spoken=spoken))
                self._maybe_hint(event.ts)
        elif event.kind == "face":
            frames = [
                FaceSample(present=frame.get("present") is True, eye_contact=frame.get("eye_contact"))
                for frame in event.d.get("frames", ())
                if isinstance(frame, Mapping)
            ]
            self._log(self.coach.face(event.ts, frames))

    def _phase(self, event: StoredEvent) -> None:
        answering = event.d.get("phase") == "answering"
        paused = event.d.get("paused") is True
        if answering and self.qid is None:
            self.qid = str(event.d.get("qid") or "")
            self.words.clear()
            self._frozen.clear()
            self._last_hint_ms = event.ts
            self.coach.answer_started(event.ts)
        elif not answering and self.qid is not None:
            self._metrics[self.qid] = self.coach.metrics(event.ts)
            self.coach.answer_ended(event.ts)
            self._timelines[self.qid] = self.coach.timeline()
            self.qid = None
        # While paused the answer is kept but not judged: no ticks, no hints.
        if self.qid is not None and not paused:
            if self._ticker is None:
                self._ticker = asyncio.create_task(self._tick(), name=f"coach-{self.interview_id}")
        else:
            self._stop_background()

    def metrics_for(self, qid: str) -> dict[str, float]:
        """The delivery metrics of the answer to ``qid``, for its analysis."""
        return dict(self._metrics.get(qid, {}))

    def timeline_for(self, qid: str) -> AnswerTimeline:
        """The pace samples and long pauses of the answer to ``qid``, for the report."""
        return self._timelines.get(qid, AnswerTimeline())

    # ----- time-driven checks and interviewer hints --------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            if self.qid is not None:
                self._log(self.coach.tick(now_ms()))

    def _maybe_hint(self, ts: int) -> None:
        if self._hint is not None or ts - self._last_hint_ms < HINT_EVERY_MS or self.qid is None:
            return
        partial = " ".join(self.words[seg] for seg in sorted(self.words))
        if len(partial.split()) < HINT_MIN_WORDS:
            return
        self._last_hint_ms = ts
        self._hint = asyncio.create_task(self._ask_hint(self.qid, partial))

    async def _ask_hint(self, qid: str, partial: str) -> None:
        try:
            hint = await self.interviewer.coach(
                self.question_for(qid), partial, self.coach.metrics(now_ms())
            )
            if hint is not None and self.qid == qid:
                self._log([Nudge(hint.kind, hint.level, hint.message, hint.value)])
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("interview %s: mid-answer hint failed", self.interview_id, exc_info=True)
        finally:
            self._hint = None

    def _log(self, nudges: list[Nudge]) -> None:
        for nudge in nudges:
            d: dict[str, object] = {
                "fid": str(uuid.uuid4()), "kind": nudge.kind, "level": nudge.level,
                "message": nudge.message,
            }
            if self.qid:
                d["qid"] = self.qid
            if nudge.value is not None:
                d["value"] = round(float(nudge.value), 2)
            self.writer.append_in_background(Append(self.interview_id, "feedback", d, now_ms()))

    def _stop_background(self) -> None:
        for task in (self._ticker, self._hint):
            if task is not None:
                task.cancel()
        self._ticker = self._hint = None

    async def stop(self) -> None:
        ticker, hint = self._ticker, self._hint
        self._ticker = self._hint = None
        await cancel_and_wait(ticker)
        await cancel_and_wait(hint)
