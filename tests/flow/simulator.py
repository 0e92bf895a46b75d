"""A minimal controller: logs each candidate action, then performs what the machine decides.

Like the live flow, it decides what to ask after an answer before that answer's analysis is
logged, and logs the analysis before anything else it logs afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from server.flow import (
    Analyze,
    AskNextOrFinish,
    EnterPhase,
    Finish,
    PlanAndAsk,
    Step,
    decide,
    follow_up_candidate,
    may_follow_up,
    next_question_number,
)

from .logs import Log

# What the simulated candidate does: an action, or words said while answering.
Move = str
# Analyses started and not logged yet: (qid, skipped).
Started = list[tuple[str, bool]]


def simulate(moves: Sequence[Move], questions_total: int, *, follow_ups: bool = True) -> Log:
    log = Log()
    started: Started = []
    for move in moves:
        if move.startswith("say:"):
            seg = len(log.current.segments)
            log.said(seg, move.removeprefix("say:"))
            continue
        decision = decide(log.current, move, questions_total=questions_total)
        log.action(move)
        for step in decision.steps:
            perform(log, step, questions_total, started, follow_ups)
        analysed(log, started)
    return log


def perform(log: Log, step: Step, total: int, started: Started, follow_ups: bool) -> None:
    state = log.current
    if isinstance(step, PlanAndAsk):
        log.ask("q1", 1, "question 1")
    elif isinstance(step, EnterPhase):
        extra = {"paused": True} if step.paused else {}
        log.phase(step.phase.value, qid=step.qid, idx=step.idx, **extra)
    elif isinstance(step, Analyze):
        started.append((step.qid, step.skipped))
    elif isinstance(step, AskNextOrFinish):
        assert started, "the answer's analysis is under way"
        qid = follow_up_candidate(state)
        assert qid == started[-1][0]
        question = state.question(qid)
        assert question is not None
        follow_up = follow_ups and may_follow_up(state, qid)
        n = next_question_number(state, total)
        analysed(log, started)
        if follow_up:
            log.ask(f"{qid}f", question.idx, f"follow-up to {qid}", kind="follow_up",
                    parent_qid=qid)
        elif n is None:
            finish(log)
        else:
            log.ask(f"q{n}", n, f"question {n}")
    elif isinstance(step, Finish):
        analysed(log, started)
        finish(log)


def analysed(log: Log, started: Started) -> None:
    for qid, skipped in started:
        log.analysis(qid, 0 if skipped else 5)
    started.clear()


def finish(log: Log) -> None:
    rows = [{"qid": a.qid, "score": a.score} for a in log.current.analyses]
    log.add("report", {"score": 2.5, "summary": "done", "per_question": rows, "metrics": {}})
    log.phase("finished")
