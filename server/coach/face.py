"""What the face-tracking frames say: whether the face is in view, and eye contact.

Frames carry no server time, only the time their batch arrived, so the frames of a batch
are taken to be spread evenly over the time since the previous batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from .thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class FaceSample:
    """One face-tracking frame: whether a face is in view, and its eye-contact score 0..1."""

    present: bool
    eye_contact: float | None = None


class FaceTrack:
    def __init__(self, thresholds: Thresholds) -> None:
        self._t = thresholds
        self._stale_ms = thresholds.face_stale_s * 1000
        self._eye_window_ms = thresholds.eye_window_s * 1000
        self.last_ms: int | None = None
        self.absent_since: float | None = None
        # The current answer's share of it; ``None`` between answers.
        self._answer_start: int | None = None
        self._seen = False
        self._missing_ms = 0.0
        self._eye: deque[tuple[int, int, float]] = deque()
        self._eye_n = 0
        self._eye_sum = 0.0
        self.answer_eye_n = 0
        self.answer_eye_sum = 0.0

    def begin_answer(self, now_ms: int) -> None:
        self._answer_start = now_ms
        self._seen = not self.stale(now_ms)
        self._missing_ms = 0.0
        self._eye.clear()
        self._eye_n = 0
        self._eye_sum = 0.0
        self.answer_eye_n = 0
        self.answer_eye_sum = 0.0

    def end_answer(self, now_ms: int) -> None:
        if self._answer_start is not None:
            self._missing_ms += self._ongoing_ms(now_ms)
            self._answer_start = None

    def add(self, now_ms: int, frames: Sequence[FaceSample]) -> None:
        if not frames:
            return
        prev = self.last_ms
        span = 0.0 if prev is None else min(now_ms - prev, self._stale_ms)
        if prev is not None and now_ms - prev > self._stale_ms:
            # The camera state was unknown for a while: the absence seen before has ended.
            self._close_absence(prev + self._stale_ms)
        n = len(frames)
        run = n
        last_present = frames[-1].present
        while run > 0 and frames[run - 1].present == last_present:
            run -= 1
        # ``run`` is the index of the first frame of the batch's trailing run.
        run_start = now_ms - span + span * (run + 1) / n
        if last_present:
            self._close_absence(run_start)
        elif self.absent_since is None:
            self.absent_since = run_start
        self.last_ms = now_ms
        if self._answer_start is None:
            return
        self._seen = True
        count, total = 0, 0.0
        for frame in frames:
            if frame.present and frame.eye_contact is not None:
                count += 1
                total += frame.eye_contact
        if count:
            self._eye.append((now_ms, count, total))
            self._eye_n += count
            self._eye_sum += total
            self.answer_eye_n += count
            self.answer_eye_sum += total

    def stale(self, now_ms: int) -> bool:
        return self.last_ms is None or now_ms - self.last_ms > self._stale_ms

    def missing_ms(self, now_ms: int) -> float | None:
        """How long the face has been out of view within this answer, if it is and that is
        known."""
        if self.absent_since is None or self._answer_start is None or self.stale(now_ms):
            return None
        return now_ms - max(self.absent_since, self._answer_start)

    def eye_share(self, now_ms: int) -> float | None:
        """Mean eye contact over the eye window, when it holds enough frames over enough
        time."""
        eye = self._eye
        boundary = now_ms - self._eye_window_ms
        while eye and eye[0][0] <= boundary:
            _, count, total = eye.popleft()
            self._eye_n -= count
            self._eye_sum -= total
        if (
            not eye
            or self._eye_n < self._t.eye_min_frames
            or now_ms - eye[0][0] < self._t.eye_min_span_s * 1000
        ):
            return None
        return self._eye_sum / self._eye_n

    def answer_missing_s(self, now_ms: int) -> float | None:
        """Seconds out of view in the current (or just ended) answer; ``None`` without
        camera data."""
        if not self._seen:
            return None
        ongoing = self._ongoing_ms(now_ms) if self._answer_start is not None else 0.0
        return (self._missing_ms + ongoing) / 1000

    def _ongoing_ms(self, now_ms: int) -> float:
        if self.absent_since is None or self._answer_start is None or self.last_ms is None:
            return 0.0
        end = min(now_ms, self.last_ms + self._stale_ms)
        return max(0.0, end - max(self.absent_since, self._answer_start))

    def _close_absence(self, end_ms: float) -> None:
        if self.absent_since is None:
            return
        if self._answer_start is not None:
            self._missing_ms += max(0.0, end_ms - max(self.absent_since, self._answer_start))
        self.absent_since = None
