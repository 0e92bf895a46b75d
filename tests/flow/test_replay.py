from __future__ import annotations

from protocol.enums import InterviewPhase, QuestionKind
from server.flow import (
    AnalysisState,
    AnswerState,
    InterviewState,
    QuestionScoreState,
    QuestionState,
    ReportState,
    Segment,
    apply_event,
    replay,
)

from .logs import T0, Log, fold


def full_interview() -> Log:
    log = Log()
    log.action("start")  # 1
    log.ask("q1", 1, "How do indexes work?")  # 2, 3
    log.action("answer_start")  # 4
    log.phase("answering", qid="q1", idx=1)  # 5
    log.said(0, "I would", final=False)  # 6
    log.said(0, "I would use", final=False)  # 7
    log.said(0, "I would use an index.")  # 8
    log.said(0, "a late rewrite of a final segment")  # 9
    log.said(2, "  ", final=False)  # 10
    log.said(1, "on the column", final=False)  # 11
    log.add("face", {"frames": [{"t": 0, "present": True}]})  # 12
    log.add("audio", {"chunk": 0, "mime": "audio/webm", "data": b"\x00"})  # 13
    log.add("feedback", {"fid": "f1", "kind": "pace", "level": "info", "message": "ok"})  # 14
    log.action("answer_end")  # 15
    log.phase("reviewing", qid="q1", idx=1)  # 16
    log.analysis("q1", 6.5)  # 17
    log.question("f1", 1, "Which column?", kind="follow_up", parent_qid="q1")  # 18
    log.phase("asking", qid="f1", idx=1)  # 19
    log.action("answer_start")  # 20
    log.phase("answering", qid="f1", idx=1)  # 21
    log.said(0, "The user id.")  # 22
    log.action("answer_end")  # 23
    log.phase("reviewing", qid="f1", idx=1)  # 24
    log.analysis("f1", 4)  # 25
    log.ask("q2", 2, "Tell me about a conflict.")  # 26, 27
    log.action("skip")  # 28
    log.phase("reviewing", qid="q2", idx=2)  # 29
    log.analysis("q2", 0)  # 30
    log.add("note", {"from": "coach", "text": "well done", "to": "candidate"})  # 31
    report = {
        "score": 3.5,
        "summary": "fine",
        "per_question": [{"qid": "q1", "score": 6.5}, {"qid": "f1", "score": 4}],
        "metrics": {"answered": 2},
    }
    log.add("report", report)  # 32
    log.phase("finished")  # 33
    return log


def ts(seq: int) -> int:
    return T0 + 1000 * seq


def analysis(qid: str, score: float, seq: int) -> AnalysisState:
    rubric = (("coverage", float(score)), ("depth", float(score)))
    return AnalysisState(qid, score, f"analysis of {qid}", ("clear",), (), rubric, seq)


def test_a_full_interview_replays_to_the_expected_state() -> None:
    expected = InterviewState(
        phase=InterviewPhase.FINISHED,
        paused=False,
        question_idx=2,
        current_qid="q2",
        questions=(
            QuestionState("q1", 1, QuestionKind.MAIN, "How do indexes work?", None, 2),
            QuestionState("f1", 1, QuestionKind.FOLLOW_UP, "Which column?", "q1", 18),
            QuestionState("q2", 2, QuestionKind.MAIN, "Tell me about a conflict.", None, 26),
        ),
        answers=(
            AnswerState("q1", "I would use an index. on the column", False, 4, 15, ts(4), ts(15)),
            AnswerState("f1", "The user id.", False, 20, 23, ts(20), ts(23)),
            AnswerState("q2", "", True, 28, 28, ts(28), ts(28)),
        ),
        analyses=(analysis("q1", 6.5, 17), analysis("f1", 4, 25), analysis("q2", 0, 30)),
        report=ReportState(
            3.5, "fine", (QuestionScoreState("q1", 6.5), QuestionScoreState("f1", 4.0)), 32
        ),
        head=33,
        started_ts=ts(1),
        finished_ts=ts(33),
        segments=(),
    )
    assert full_interview().state() == expected


def test_segments_while_answering() -> None:
    log = full_interview()
    state = replay(log.entries[:11])
    assert state.segments == (
        Segment(0, "I would use an index.", True),
        Segment(1, "on the column", False),
        Segment(2, "  ", False),
    )
    assert state.live_transcript == "I would use an index. on the column"
    assert state.open_answer == AnswerState("q1", "", False, 4, None, ts(4), None)


def test_replay_is_a_fold_that_can_resume_anywhere() -> None:
    entries = full_interview().entries
    whole = replay(entries)
    for cut in range(len(entries) + 1):
        assert fold(entries[cut:], replay(entries[:cut])) == whole


def test_an_event_at_or_below_head_is_already_applied() -> None:
    entries = full_interview().entries
    state = replay(entries[:10])
    again = entries[5]
    assert apply_event(state, again.kind, again.seq, again.ts, again.d) == state


def test_passive_and_unknown_events_only_advance_head() -> None:
    state = InterviewState()
    for seq, kind in enumerate(["face", "audio", "feedback", "note", "mystery"], start=1):
        state = apply_event(state, kind, seq, ts(seq), {"phase": "asking", "action": "start"})
        assert state == InterviewState(head=seq)


def test_invalid_transitions_are_ignored() -> None:
    log = Log()
    log.action("answer_start")  # nothing to answer in the lobby
    log.action("answer_end")
    log.action("skip")
    log.said(0, "hello")  # no answer open
    log.action("pause")  # pause takes effect through the phase event only
    assert log.state() == InterviewState(head=5)

    log.action("start")
    log.action("start")  # second start ignored
    log.ask("q1", 1, "Why?")
    log.action("answer_end")  # not answering yet
    log.phase("asking", qid="q1", idx=1, paused=True)
    log.action("answer_start")  # paused
    log.action("skip")  # paused
    state = log.state()
    assert state.started_ts == ts(6) and state.paused and state.answers == ()

    log.phase("asking", qid="q1", idx=1)
    log.action("answer_start")
    log.action("answer_start")  # already open
    log.phase("answering", qid="q1", idx=1)
    log.said(0, "because")
    log.action("answer_end")
    log.action("answer_end")  # none open any more
    log.action("skip")  # already answered
    log.phase("asking", qid="q1", idx=1)
    log.action("answer_start")  # already answered
    state = log.state()
    assert state.answers == (AnswerState("q1", "because", False, 15, 19, ts(15), ts(19)),)


def test_malformed_events_are_ignored() -> None:
    log = Log()
    log.phase("bogus")
    log.add("phase", {"idx": 3})
    log.add("question", {"qid": "q1", "idx": 1, "kind": "main"})
    log.add("question", {"qid": "", "idx": 1, "kind": "main", "text": "x"})
    log.add("question", {"qid": "q1", "idx": True, "kind": "main", "text": "x"})
    log.add("question", {"qid": "q1", "idx": 1, "kind": "other", "text": "x"})
    good = {"qid": "q1", "score": 5, "summary": "", "strengths": [], "improvements": []}
    log.add("analysis", {**good, "score": 11, "rubric": {}})
    log.add("analysis", {**good, "strengths": [1], "rubric": {}})
    log.add("analysis", {**good, "rubric": {"x": float("nan")}})
    log.add("report", {"score": 5, "summary": "", "per_question": [{"qid": "q1"}]})
    log.add("state", {"action": "dance"})
    log.add("state", {})
    assert log.state() == InterviewState(head=12)


def test_a_question_id_is_asked_once() -> None:
    log = Log()
    log.question("q1", 1, "first")
    log.question("q1", 2, "again")
    assert [q.text for q in log.state().questions] == ["first"]


def test_skip_while_answering_keeps_what_was_said() -> None:
    log = Log()
    log.action("start")
    log.ask("q1", 1, "Why?")
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    log.said(0, "well", final=False)
    log.action("skip")
    log.said(1, "too late")
    state = log.state()
    assert state.answers == (AnswerState("q1", "well", True, 4, 7, ts(4), ts(7)),)
    assert state.segments == () and state.open_answer is None


def test_finish_while_answering_closes_the_answer() -> None:
    log = Log()
    log.action("start")
    log.ask("q1", 1, "Why?")
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    log.said(0, "half an answer")
    log.action("finish")
    state = log.state()
    assert state.finishing and state.open_answer is None
    assert state.answers[0].transcript == "half an answer" and not state.answers[0].skipped
    log.phase("reviewing", qid="q1", idx=1)
    log.phase("finished")
    log.phase("asking", qid="q1", idx=1)  # nothing follows the end
    state = log.state()
    assert state.phase is InterviewPhase.FINISHED and not state.finishing
    assert state.finished_ts == ts(9) and state.head == 10


def test_finish_in_the_lobby() -> None:
    log = Log()
    log.action("finish")
    log.phase("finished")
    state = log.state()
    assert state.phase is InterviewPhase.FINISHED and state.started_ts is None


def test_phase_sets_pause_question_and_index() -> None:
    d = {"phase": "asking", "qid": "q", "idx": 4, "paused": True}
    state = apply_event(InterviewState(), "phase", 1, 5, d)
    assert (state.phase, state.paused, state.current_qid, state.question_idx) == (
        InterviewPhase.ASKING, True, "q", 4
    )
    assert state.started_ts == 5
    state = apply_event(state, "phase", 2, 6, {"phase": "reviewing", "paused": "yes"})
    assert (state.phase, state.paused, state.current_qid, state.question_idx) == (
        InterviewPhase.REVIEWING, False, "q", 4
    )
