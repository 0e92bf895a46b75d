"""Live delivery coaching: pure, synchronous checks over an answer's transcript and face
streams (pace, fillers, pauses, length, eye contact, face in view) that return nudges."""

from .face import FaceSample
from .live_coach import NUDGE_KINDS, AnswerTimeline, Level, LiveCoach, Nudge
from .thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "AnswerTimeline",
    "DEFAULT_THRESHOLDS",
    "NUDGE_KINDS",
    "FaceSample",
    "Level",
    "LiveCoach",
    "Nudge",
    "Thresholds",
]
