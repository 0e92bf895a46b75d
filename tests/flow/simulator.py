"""A minimal controller: logs each candidate action, then performs what the machine decides."""

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
    may_follow_up,
    next_question_number,
)

from .logs import Log

# What the simulated candidate does: an action, or words said while answering.
Move = str


def simulate(moves: Sequence[Move], questions_total: int, *, follow_ups: bool = True) -> Log:
    log = Log()
    last_analyzed: list[str] = []
    for move in moves:
        if move.startswith("say:"):
            seg = len(log.current.segments)
            log.said(seg, move.removeprefix("say:"))
            continue
        decision = decide(log.current, move, questions_total=questions_total)
        log.action(move)
        for step in decision.steps:
            perform(log, step, questions_total, last_analyzed, follow_ups)
    return log


def perform(
    log: Log, step: Step, total: int, last_analyzed: list[str], follow_ups: bool
) -> None:
    state = log.current
    if isinstance(step, PlanAndAsk):
        log.ask("q1", 1, "question 1")
    elif isinstance(step, EnterPhase):
        extra = {"paused": True} if step.paused else {}
        log.phase(step.phase.value, qid=step.qid, idx=step.idx, **extra)
    elif isinstance(step, Analyze):
        log.analysis(step.qid, 0 if step.skipped else 5)
        last_analyzed.append(step.qid)
    elif isinstance(step, AskNextOrFinish):
        qid = last_analyzed[-1]
        question = state.question(qid)
        assert question is not None
        if follow_ups and may_follow_up(state, qid):
            text = f"follow-up to {qid}"
            log.ask(f"{qid}f", question.idx, text, kind="follow_up", parent_qid=qid)
            return
        n = next_question_number(state, total)
        if n is None:
            finish(log)
        else:
            log.ask(f"q{n}", n, f"question {n}")
    elif isinstance(step, Finish):
        finish(log)


def finish(log: Log) -> None:
    rows = [{"qid": a.qid, "score": a.score} for a in log.current.analyses]
    log.add("report", {"score": 2.5, "summary": "done", "per_question": rows, "metrics": {}})
    log.phase("finished")
