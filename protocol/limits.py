"""Size limits applied when decoding frames; configurable per server."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True)
class Limits:
    # Limits given by the protocol specification.
    max_frame_bytes: int = 256 * 1024
    max_transcript_chars: int = 4000
    max_note_chars: int = 2000
    max_face_frames: int = 30
    max_audio_bytes: int = 128 * 1024
    # The code pad's snapshot (an extension: the specification predates it), in UTF-8 bytes.
    max_code_bytes: int = 64 * 1024
    # Caps for fields the specification leaves open, so no single string or list can take
    # a whole frame. String lengths count Unicode code points.
    max_id_chars: int = 128  # stream, interview id, qid, fid, user
    max_name_chars: int = 200  # display names, role title
    max_mime_chars: int = 100
    max_emotion_chars: int = 32
    max_label_chars: int = 64  # interview status, feedback kind, rubric and metric names
    max_text_chars: int = 20_000  # question text, summaries, feedback and error messages
    max_items: int = 200  # entries of any other list or map

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if type(value) is not int or value < 1:
                raise ValueError(f"{field.name} must be a positive int, not {value!r}")


DEFAULT_LIMITS = Limits()
