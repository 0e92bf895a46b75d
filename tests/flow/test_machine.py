from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.enums import InterviewPhase, QuestionKind, StateAction
from server.flow import (
    Analyze,
    AnswerState,
    AskNextOrFinish,
    EnterPhase,
    Finish,
    InterviewState,
    PlanAndAsk,
    QuestionState,
    decide,
    follow_up_candidate,
    may_follow_up,
    next_question_number,
)

from .simulator import simulate

LOBBY, ASKING, ANSWERING, REVIEWING, FINISHED = (
    InterviewPhase.LOBBY,
    InterviewPhase.ASKING,
    InterviewPhase.ANSWERING,
    InterviewPhase.REVIEWING,
    InterviewPhase.FINISHED,
)
ALL = [a.value for a in StateAction]
Q1 = QuestionState("q1", 1, QuestionKind.MAIN, "Why?", None, 2)


def lobby() -> InterviewState:
    return InterviewState(head=1)


def asking() -> InterviewState:
    return InterviewState(ASKING, False, 1, "q1", (Q1,), head=3, started_ts=1)


def answering() -> InterviewState:
    answer = AnswerState("q1", "", False, 4, None, 4, None)
    return replace(asking(), phase=ANSWERING, answers=(answer,), head=5)


def reviewing() -> InterviewState:
    answer = AnswerState("q1", "because", False, 4, 6, 4, 6)
    return replace(asking(), phase=REVIEWING, answers=(answer,), head=7)


def finished() -> InterviewState:
    return replace(reviewing(), phase=FINISHED, finished_ts=9, head=9)


def paused(state: InterviewState) -> InterviewState:
    return replace(state, paused=True)


def accepted(state: InterviewState, action: str) -> tuple[object, ...]:
    decision = decide(state, action, questions_total=3)
    assert decision.accepted, decision.reason
    assert decision.reason == ""
    return decision.steps


def refused(state: InterviewState, action: str) -> str:
    decision = decide(state, action, questions_total=3)
    assert not decision.accepted and decision.steps == ()
    return decision.reason


def test_start_in_the_lobby_plans_and_asks() -> None:
    assert accepted(lobby(), "start") == (PlanAndAsk(),)


def test_answer_start_while_asking() -> None:
    assert accepted(asking(), "answer_start") == (EnterPhase(ANSWERING, False, "q1", 1),)


def test_answer_end_reviews_analyses_and_moves_on() -> None:
    assert accepted(answering(), "answer_end") == (
        EnterPhase(REVIEWING, False, "q1", 1),
        Analyze("q1"),
        AskNextOrFinish(),
    )


@pytest.mark.parametrize("state", [asking(), answering()])
def test_skip_reviews_analyses_and_moves_on(state: InterviewState) -> None:
    assert accepted(state, "skip") == (
        EnterPhase(REVIEWING, False, "q1", 1),
        Analyze("q1", skipped=True),
        AskNextOrFinish(),
    )


@pytest.mark.parametrize("state", [asking(), answering()])
def test_pause_and_resume_keep_the_phase(state: InterviewState) -> None:
    assert accepted(state, "pause") == (EnterPhase(state.phase, True, "q1", 1),)
    assert accepted(paused(state), "resume") == (EnterPhase(state.phase, False, "q1", 1),)


@pytest.mark.parametrize("state", [asking(), answering()])
def test_while_paused_only_resume_and_finish(state: InterviewState) -> None:
    for action in ALL:
        if action not in ("resume", "finish"):
            assert "paused" in refused(paused(state), action)


@pytest.mark.parametrize("state", [lobby(), asking(), reviewing(), paused(asking())])
def test_finish_without_an_answer_in_progress(state: InterviewState) -> None:
    assert accepted(state, "finish") == (Finish(),)


@pytest.mark.parametrize("state", [answering(), paused(answering())])
def test_finish_while_answering_analyses_the_answer_first(state: InterviewState) -> None:
    assert accepted(state, "finish") == (
        EnterPhase(REVIEWING, False, "q1", 1),
        Analyze("q1"),
        Finish(),
    )


@pytest.mark.parametrize("action", ALL + ["dance"])
def test_nothing_after_the_end(action: str) -> None:
    if action == "dance":
        assert "unknown action" in refused(finished(), action)
    else:
        assert refused(finished(), action) == "the interview is over"


@pytest.mark.parametrize("action", [a for a in ALL if a != "finish"])
def test_reviewing_waits_for_the_analysis(action: str) -> None:
    assert refused(reviewing(), action) == "wait for the analysis"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (lobby(), "answer_start"),
        (lobby(), "answer_end"),
        (lobby(), "skip"),
        (lobby(), "pause"),
        (lobby(), "resume"),
        (replace(lobby(), started_ts=1), "start"),
        (asking(), "start"),
        (asking(), "answer_end"),
        (asking(), "resume"),
        (replace(asking(), current_qid=None), "answer_start"),
        (replace(asking(), current_qid=None), "skip"),
        (answering(), "answer_start"),
        (answering(), "start"),
        (answering(), "resume"),
        (replace(answering(), answers=()), "answer_end"),
    ],
)
def test_everything_else_is_refused_with_a_reason(state: InterviewState, action: str) -> None:
    assert refused(state, action)


@pytest.mark.parametrize("action", ALL)
def test_nothing_while_finishing(action: str) -> None:
    assert refused(replace(answering(), finishing=True), action) == "the interview is finishing"


def test_an_interview_without_questions_cannot_start() -> None:
    assert not decide(lobby(), "start", questions_total=0).accepted


def test_next_question_number_counts_main_questions() -> None:
    state = InterviewState()
    assert next_question_number(state, 2) == 1
    follow_up = QuestionState("f1", 1, QuestionKind.FOLLOW_UP, "And?", "q1", 5)
    extra = QuestionState("i1", 7, QuestionKind.INSTRUCTOR, "Hm?", None, 6)
    state = replace(state, questions=(Q1, follow_up, extra))
    assert next_question_number(state, 2) == 2
    q2 = QuestionState("q2", 2, QuestionKind.MAIN, "How?", None, 9)
    assert next_question_number(replace(state, questions=(*state.questions, q2)), 2) is None


def test_may_follow_up_once_after_a_real_answer_to_a_main_question() -> None:
    state = reviewing()
    assert may_follow_up(state, "q1")
    assert not may_follow_up(state, "nope")
    assert not may_follow_up(answering(), "q1")
    skipped = replace(state, answers=(replace(state.answers[0], skipped=True),))
    assert not may_follow_up(skipped, "q1")
    follow_up = QuestionState("f1", 1, QuestionKind.FOLLOW_UP, "And?", "q1", 8)
    asked = replace(state, questions=(Q1, follow_up))
    assert not may_follow_up(asked, "q1")
    answer = AnswerState("f1", "yes", False, 9, 10, 9, 10)
    assert not may_follow_up(replace(asked, answers=(*asked.answers, answer)), "f1")


def test_the_follow_up_is_considered_before_the_analysis_is_logged() -> None:
    state = reviewing()
    assert state.analyses == ()
    assert follow_up_candidate(state) == "q1" and may_follow_up(state, "q1")
    assert follow_up_candidate(answering()) is None  # the answer has not ended
    assert follow_up_candidate(asking()) is None


def test_a_whole_interview_driven_by_the_machine() -> None:
    moves = ["start", "answer_start", "say:an index", "answer_end"]  # q1, then its follow-up
    moves += ["answer_start", "say:on the id", "answer_end"]  # the follow-up, then q2
    moves += ["pause", "answer_start", "resume", "skip"]  # q2 skipped: no follow-up, the end
    state = simulate(moves, questions_total=2).current
    assert state.phase is FINISHED and state.report is not None
    assert [(q.qid, q.kind.value) for q in state.questions] == [
        ("q1", "main"), ("q1f", "follow_up"), ("q2", "main")
    ]
    assert [(a.qid, a.transcript, a.skipped) for a in state.answers] == [
        ("q1", "an index", False), ("q1f", "on the id", False), ("q2", "", True)
    ]
    assert [a.qid for a in state.analyses] == ["q1", "q1f", "q2"]


MOVES = st.sampled_from(
    ["answer_start", "answer_end", "say:words", "skip", "pause", "resume", "start"]
)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(MOVES, max_size=60), st.integers(1, 4), st.booleans())
def test_every_answer_gets_one_analysis_and_the_plan_is_followed(
    moves: list[str], total: int, follow_ups: bool
) -> None:
    state = simulate(["start", *moves], total, follow_ups=follow_ups).current
    closed = [a.qid for a in state.answers if not a.is_open]
    assert sorted(a.qid for a in state.analyses) == sorted(closed)
    mains = [q for q in state.questions if q.kind is QuestionKind.MAIN]
    assert [q.idx for q in mains] == list(range(1, len(mains) + 1))
    assert len(mains) <= total
    if state.phase is FINISHED:
        assert len(mains) == total and len(closed) == len(state.questions)
        assert state.report is not None
