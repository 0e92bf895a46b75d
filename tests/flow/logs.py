"""Build event logs the way the server would store them."""

from __future__ import annotations

from typing import Any

from server.flow import InterviewState, LogEntry, apply_event, replay

T0 = 1_700_000_000_000


class Log:
    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        # Kept up to date event by event, as the controller would.
        self.current = InterviewState()

    def add(self, kind: str, d: dict[str, Any], *, src_seq: int | None = None) -> LogEntry:
        seq = len(self.entries) + 1
        entry = LogEntry(seq, kind, T0 + 1000 * seq, d, src_seq)
        self.entries.append(entry)
        self.current = apply_event(self.current, kind, seq, entry.ts, d, src_seq)
        return entry

    def phase(self, phase: str, **extra: Any) -> LogEntry:
        present = {key: value for key, value in extra.items() if value is not None}
        return self.add("phase", {"phase": phase, **present})

    def question(self, qid: str, idx: int, text: str, **extra: Any) -> LogEntry:
        return self.add("question", {"qid": qid, "idx": idx, "kind": "main", "text": text, **extra})

    def action(self, action: str) -> LogEntry:
        return self.add("state", {"action": action}, src_seq=len(self.entries))

    def said(self, seg: int, text: str, final: bool = True) -> LogEntry:
        return self.add("transcript", {"seg": seg, "text": text, "final": final, "src": "speech"})

    def analysis(self, qid: str, score: float) -> LogEntry:
        d = {
            "qid": qid,
            "score": score,
            "summary": f"analysis of {qid}",
            "strengths": ["clear"],
            "improvements": [],
            "rubric": {"depth": score, "coverage": score},
        }
        return self.add("analysis", d)

    def ask(self, qid: str, idx: int, text: str, **extra: Any) -> None:
        """The controller asks a question: the question, then the asking phase."""
        self.question(qid, idx, text, **extra)
        self.phase("asking", qid=qid, idx=idx)

    def state(self) -> InterviewState:
        return replay(self.entries)


def fold(entries: list[LogEntry], state: InterviewState | None = None) -> InterviewState:
    state = state if state is not None else InterviewState()
    for e in entries:
        state = apply_event(state, e.kind, e.seq, e.ts, e.d, e.src_seq)
    return state
