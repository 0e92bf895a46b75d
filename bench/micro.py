"""Per-event CPU of the codec and the live coach (µs per event, best of several repeats)."""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

import msgpack

from bench.saturate import face_payload
from protocol import decode_client_frame
from server.coach.face import FaceSample
from server.coach.live_coach import LiveCoach
from server.loadtest.session import SENTENCES


def _best_us(call: Callable[[], Any], number: int, repeat: int = 5) -> float:
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def _coach_answer() -> int:
    """A one-minute answer: 3 transcript and 3 face messages (5 frames) a second."""
    coach = LiveCoach(interview_kind="technical")
    now = 1_700_000_000_000
    coach.answer_started(now)
    samples = [FaceSample(present=True, eye_contact=0.8)] * 5
    events = 0
    seg = 0
    for tick in range(180):  # 3 per second for 60 s
        now += 333
        words = SENTENCES[seg % len(SENTENCES)].split()
        part = tick % 3
        text = " ".join(words[: max(1, len(words) * (part + 1) // 3)])
        coach.transcript(now, seg, text, part == 2)
        coach.face(now, samples)
        events += 2
        if part == 2:
            seg += 1
            coach.tick(now)
    coach.answer_ended(now)
    return events


def run() -> dict[str, Any]:
    face = msgpack.packb({"t": "face", "seq": 7, "ts": 1_700_000_000_000, "d": face_payload()})
    transcript = msgpack.packb({"t": "transcript", "seq": 8, "ts": 1_700_000_000_000, "d": {
        "seg": 3, "text": SENTENCES[0], "final": True, "conf": 0.9, "src": "speech"}})
    events = _coach_answer()
    coach_total_us = _best_us(_coach_answer, number=20)
    return {
        "face_frame_bytes": len(face),
        "decode_face_us": round(_best_us(lambda: decode_client_frame(face), 20_000), 2),
        "decode_transcript_us": round(_best_us(lambda: decode_client_frame(transcript), 20_000), 2),
        "msgpack_unpackb_face_us": round(_best_us(lambda: msgpack.unpackb(face), 50_000), 2),
        "coach_us_per_event": round(coach_total_us / events, 2),
    }
