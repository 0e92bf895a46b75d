"""The reducer and code pad snapshots: the latest counts for its question until that
question's answer ends, and the closed answer keeps it."""

from __future__ import annotations

from .logs import Log, fold


def test_the_snapshot_current_at_the_end_of_the_answer_is_kept_with_it() -> None:
    log = Log()
    log.action("start")
    log.add("code", {"text": "too early", "lang": "python"})  # no question yet: ignored
    log.ask("q1", 1, "Write two_sum.", coding=True)
    log.add("code", {"text": "def f(): pass", "lang": "python"})  # current question
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    log.add("code", {"text": "function f() {}", "lang": "javascript", "qid": "q1"})
    log.add("code", {"text": "x", "lang": "python", "qid": "unknown"})  # not a question
    log.add("code", {"text": 7, "lang": "python"})  # malformed
    log.action("answer_end")
    log.add("code", {"text": "after the end", "lang": "python", "qid": "q1"})
    state = log.state()
    answer = state.answer("q1")
    assert answer is not None
    assert (answer.code, answer.code_lang) == ("function f() {}", "javascript")
    snapshot = state.code("q1")
    assert snapshot is not None and snapshot.text == "function f() {}"
    assert [s.qid for s in state.codes] == ["q1"]
    assert state == log.current
    for cut in range(len(log.entries)):
        assert fold(log.entries[cut:], fold(log.entries[:cut])) == state


def test_an_answer_without_code_keeps_none() -> None:
    log = Log()
    log.action("start")
    log.ask("q1", 1, "Explain indexes.")
    log.action("answer_start")
    log.phase("answering", qid="q1", idx=1)
    log.said(0, "A b-tree.")
    log.action("answer_end")
    answer = log.state().answer("q1")
    assert answer is not None and (answer.code, answer.code_lang) == ("", "")
