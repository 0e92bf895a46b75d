"""Random logs: the reducer never raises, is deterministic, folds incrementally, keeps its
invariants, and agrees with the state machine about which candidate actions take effect."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.enums import StateAction
from server.flow import Analyze, InterviewState, LogEntry, apply_event, decide, replay

from .logs import fold
from .simulator import simulate

FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
QIDS = st.sampled_from(["q1", "q2", "f1"])
# Weighted so that random logs often reach answering (an early finish would end them).
PHASES = st.sampled_from(["asking"] * 6 + ["answering"] * 3 + ["reviewing", "lobby", "bogus"])
PHASES_RARE = st.sampled_from(["finished", "lobby", "reviewing"])
ACTIONS = [a.value for a in StateAction] + ["dance"]
COMMON_ACTIONS = st.sampled_from(
    ["answer_start"] * 4 + ["answer_end"] * 3 + ["skip", "start", "pause", "resume", "dance"]
)
SCORES = st.integers(0, 10) | st.floats(0, 10) | st.sampled_from([-1, 11, 10**400, float("nan"), float("inf")])
TEXTS = st.lists(st.text(max_size=4), max_size=2)
JUNK = (
    st.none()
    | st.booleans()
    | st.integers(-2, 5)
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=4)
    | st.lists(st.integers(), max_size=2)
)
KEYS = ["phase", "qid", "idx", "paused", "action", "seg", "text", "final", "kind", "score",
        "summary", "strengths", "improvements", "rubric", "per_question", "parent_qid", "from"]


def payload(kind: str, required: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    return st.tuples(st.just(kind), st.fixed_dictionaries(required, optional=optional or {}))


EVENTS = st.one_of(
    payload("phase", {"phase": PHASES, "qid": QIDS}, {"idx": st.integers(0, 3)}),
    payload("phase", {"phase": PHASES}, {"qid": QIDS, "paused": st.booleans() | JUNK}),
    payload("phase", {"phase": PHASES_RARE}),
    payload(
        "question",
        {
            "qid": QIDS,
            "idx": st.integers(0, 3),
            "kind": st.sampled_from(["main", "follow_up", "instructor", "x"]),
            "text": st.text(max_size=6),
        },
        {"parent_qid": QIDS},
    ),
    payload("state", {"action": COMMON_ACTIONS}),
    payload("state", {"action": COMMON_ACTIONS}),
    payload("state", {"action": COMMON_ACTIONS}),
    payload("state", {"action": COMMON_ACTIONS}),
    payload("ask", {"from": st.sampled_from(["u1", "", 3]), "text": st.text(max_size=6)},
            {"name": st.text(max_size=3) | JUNK}),
    payload("state", {"action": st.sampled_from(ACTIONS)}),
    payload(
        "transcript",
        {"seg": st.integers(0, 3), "text": st.text(max_size=6), "final": st.booleans()},
    ),
    payload(
        "transcript",
        {"seg": st.integers(0, 3), "text": st.text(max_size=6), "final": st.booleans()},
    ),
    payload(
        "analysis",
        {
            "qid": QIDS,
            "score": SCORES,
            "summary": st.text(max_size=4),
            "strengths": TEXTS,
            "improvements": TEXTS,
            "rubric": st.dictionaries(st.sampled_from(["a", "b"]), SCORES, max_size=2),
        },
    ),
    payload(
        "report",
        {
            "score": SCORES,
            "summary": st.text(max_size=4),
            "per_question": st.lists(
                st.fixed_dictionaries({"qid": QIDS, "score": SCORES}), max_size=2
            ),
        },
    ),
    st.tuples(
        st.sampled_from(["phase", "question", "state", "transcript", "analysis", "report",
                         "face", "audio", "feedback", "note", "ask", "mystery"]),
        st.dictionaries(st.sampled_from(KEYS), JUNK, max_size=4),
    ),
)


@st.composite
def logs(draw: st.DrawFn) -> list[LogEntry]:
    events = draw(st.lists(EVENTS, max_size=60))
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 2, 0]), min_size=len(events),
                          max_size=len(events)))
    entries: list[LogEntry] = []
    seq = 0
    for (kind, d), step in zip(events, steps):
        seq += step
        entries.append(LogEntry(seq, kind, 1000 + seq, d, seq))
    return entries


# An early finish ends the story, so it is rare.
MOVES = st.sampled_from(
    ["answer_start"] * 6
    + ["answer_end"] * 6
    + ["say:some words", "say:more"] * 2
    + ["skip", "pause", "resume", "start", "dance", "finish"]
)


@st.composite
def played(draw: st.DrawFn) -> list[LogEntry]:
    """A simulated interview with random events slipped in between."""
    moves = draw(st.lists(MOVES, max_size=40))
    log = simulate(["start", *moves], draw(st.integers(1, 3)))
    noise = draw(st.lists(st.tuples(st.integers(0, len(log.entries)), EVENTS), max_size=8))
    mixed = [(e.kind, e.d) for e in log.entries]
    for at, event in sorted(noise, key=lambda n: -n[0]):
        mixed.insert(at, event)
    return [LogEntry(seq, kind, 1000 + seq, d, seq) for seq, (kind, d) in enumerate(mixed, 1)]


ANY_LOG = logs() | played()


@FUZZ
@given(ANY_LOG)
def test_replay_is_total_deterministic_and_incremental(entries: list[LogEntry]) -> None:
    state = replay(entries)
    assert replay(entries) == state
    for cut in range(0, len(entries) + 1, 7):
        assert fold(entries[cut:], replay(entries[:cut])) == state
    assert state.head == max((e.seq for e in entries), default=0)
    check_invariants(state)


def check_invariants(state: InterviewState) -> None:
    open_answers = [a for a in state.answers if a.is_open]
    assert open_answers == ([state.answers[-1]] if state.open_answer else [])
    assert len({a.qid for a in state.answers}) == len(state.answers)
    assert len({q.qid for q in state.questions}) == len(state.questions)
    if state.open_answer is None:
        assert state.segments == ()
    assert [s.seg for s in state.segments] == sorted({s.seg for s in state.segments})
    if state.finishing or state.phase.value == "finished":
        assert state.waiting_asks == ()
    for answer in state.answers:
        if not answer.is_open:
            assert answer.ended_seq is not None and answer.ended_seq >= answer.started_seq


@FUZZ
@given(ANY_LOG)
def test_the_machine_accepts_exactly_the_actions_that_take_effect(
    entries: list[LogEntry],
) -> None:
    state = InterviewState()
    for e in entries:
        after = apply_event(state, e.kind, e.seq, e.ts, e.d, e.src_seq)
        action = e.d.get("action")
        if e.kind == "state" and e.seq > state.head and isinstance(action, str):
            decision = decide(state, action, questions_total=3)
            changed = replace(after, head=state.head) != state
            if action in ("pause", "resume"):
                # These act through the phase event the controller logs in reply.
                assert not changed
            else:
                assert decision.accepted == changed, (action, state, decision)
            assert decision.accepted or decision.reason
            analyses = [s for s in decision.steps if isinstance(s, Analyze)]
            if analyses:
                closed = after.answers[-1]
                assert [a.qid for a in analyses] == [closed.qid]
                assert closed.ended_seq == e.seq
                assert analyses[0].skipped == closed.skipped
        state = after


@FUZZ
@given(ANY_LOG, st.sampled_from(ACTIONS + [""]), st.integers(0, 5))
def test_decide_is_total(entries: list[LogEntry], action: str, total: int) -> None:
    decision = decide(replay(entries), action, questions_total=total)
    assert decision.accepted != bool(decision.reason)
    assert decision.accepted or decision.steps == ()
