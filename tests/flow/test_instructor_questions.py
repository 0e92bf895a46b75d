"""Instructors' own questions in the pure flow: when they wait, when they are due, and that
the candidate cannot race the flow while one is about to be asked."""

from __future__ import annotations

from protocol.enums import QuestionKind
from server.flow import (
    WaitingAsk,
    decide,
    follow_up_candidate,
    replay,
)
from server.flow.machine import INSTRUCTOR_COMING

from .logs import Log, fold


def asking_q1() -> Log:
    log = Log()
    log.action("start")
    log.ask("q1", 1, "question 1")
    return log


def instructor_asks(log: Log, text: str = "Why that way?") -> None:
    log.add("ask", {"from": "u9", "name": "Dana", "text": text})


def asked_by_instructor(log: Log, qid: str, idx: int, parent: str | None) -> None:
    extra = {"parent_qid": parent} if parent else {}
    log.ask(qid, idx, "Why that way?", kind="instructor", **{"from": "u9"}, **extra)


def test_an_ask_on_a_question_not_yet_answered_is_due_at_once() -> None:
    log = asking_q1()
    instructor_asks(log)
    state = log.current
    assert state.waiting_asks == (WaitingAsk(log.entries[-1].seq, "Why that way?", "u9", "Dana"),)
    assert state.instructor_question_due


def test_the_candidate_cannot_race_a_due_question() -> None:
    log = asking_q1()
    instructor_asks(log)
    before = log.current
    for action in ("answer_start", "skip", "pause"):
        decision = decide(before, action, questions_total=2)
        assert not decision.accepted and decision.reason == INSTRUCTOR_COMING
    # Refused actions that reach the log change nothing, live or replayed.
    log.action("answer_start")
    assert log.current.open_answer is None
    assert decide(before, "finish", questions_total=2).accepted


def test_asking_it_takes_it_off_the_queue_and_the_interrupted_question_comes_back() -> None:
    log = asking_q1()
    instructor_asks(log)
    asked_by_instructor(log, "i1", 1, parent="q1")
    state = log.current
    assert state.waiting_asks == ()
    assert not state.instructor_question_due
    assert state.current_question is not None
    assert state.current_question.kind is QuestionKind.INSTRUCTOR
    assert state.interrupted_question() == state.question("q1")
    # The candidate answers the instructor's question like any other.
    assert decide(state, "answer_start", questions_total=2).accepted
    log.action("answer_start")
    log.phase("answering", qid="i1", idx=1)
    log.said(0, "Because it is simpler.")
    log.action("answer_end")
    assert log.current.answer("i1") is not None
    assert log.current.answer("i1").transcript == "Because it is simpler."  # type: ignore[union-attr]
    log.phase("reviewing", qid="i1", idx=1)
    log.analysis("i1", 6)
    log.phase("asking", qid="q1", idx=1)
    back = log.current
    assert back.current_qid == "q1" and back.can_start_answer
    assert back.interrupted_question() == back.question("q1")


def test_an_ask_during_an_answer_waits_for_the_answer_and_its_analysis() -> None:
    log = asking_q1()
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    instructor_asks(log)
    assert log.current.waiting_asks and not log.current.instructor_question_due
    # The answer is not interrupted: it can end as usual.
    assert decide(log.current, "answer_end", questions_total=2).accepted
    log.action("answer_end")
    log.phase("reviewing", qid="q1", idx=1)
    assert not log.current.instructor_question_due
    log.analysis("q1", 7)
    assert len(log.current.waiting_asks) == 1
    asked_by_instructor(log, "i1", 1, parent="q1")
    state = log.current
    assert state.waiting_asks == () and state.interrupted_question() is None
    # Its follow-ups are never considered: the last main question still is.
    log.action("answer_start")
    log.phase("answering", qid="i1", idx=1)
    log.action("answer_end")
    log.phase("reviewing", qid="i1", idx=1)
    log.analysis("i1", 3)
    assert follow_up_candidate(log.current) == "q1"


def test_a_second_ask_waits_behind_an_unanswered_instructor_question() -> None:
    log = asking_q1()
    instructor_asks(log, "first")
    asked_by_instructor(log, "i1", 1, parent="q1")
    instructor_asks(log, "second")
    state = log.current
    assert [w.text for w in state.waiting_asks] == ["second"]
    assert not state.instructor_question_due


def test_while_paused_it_waits_and_is_due_after_resuming() -> None:
    log = asking_q1()
    log.action("pause")
    log.phase("asking", qid="q1", idx=1, paused=True)
    instructor_asks(log)
    assert not log.current.instructor_question_due
    log.action("resume")
    log.phase("asking", qid="q1", idx=1)
    assert log.current.instructor_question_due


def test_finish_and_the_end_drop_waiting_questions_and_later_asks_change_nothing() -> None:
    log = asking_q1()
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    instructor_asks(log)
    log.action("finish")
    assert log.current.waiting_asks == () and log.current.finishing
    instructor_asks(log)
    assert log.current.waiting_asks == ()
    log.phase("finished")
    instructor_asks(log)
    assert log.current.waiting_asks == ()


def test_malformed_asks_are_ignored() -> None:
    log = asking_q1()
    before = log.current
    log.add("ask", {"from": "u9", "text": "   "})
    log.add("ask", {"from": "", "text": "Why?"})
    log.add("ask", {"text": "Why?"})
    log.add("ask", {"from": "u9", "text": 5})
    assert log.current.waiting_asks == before.waiting_asks == ()


def test_replay_rebuilds_waiting_questions_from_any_point() -> None:
    log = asking_q1()
    instructor_asks(log, "one")
    instructor_asks(log, "two")
    asked_by_instructor(log, "i1", 1, parent="q1")
    state = replay(log.entries)
    assert state == log.current
    assert [w.text for w in state.waiting_asks] == ["two"]
    for cut in range(len(log.entries) + 1):
        assert fold(log.entries[cut:], replay(log.entries[:cut])) == state


def test_an_ask_in_the_lobby_waits_for_the_start() -> None:
    log = Log()
    instructor_asks(log)
    assert len(log.current.waiting_asks) == 1
    assert not log.current.instructor_question_due
    assert decide(log.current, "start", questions_total=2).accepted
