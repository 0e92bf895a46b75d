"""A whole interview over the wire, and the log replayed into the same interview."""

from __future__ import annotations

from typing import Any

from protocol import Analysis, Phase, Question, QuestionDelta, Report, State, Transcript
from server.flow import LogEntry, replay
from tests.hub.peer import Api, Peer, watched_interview

GOOD_ANSWER = (
    "I would start by measuring: p95 latency went from 120 ms to 900 ms after the deploy. "
    "Then I check the database with EXPLAIN, add an index, cache hot reads and load test it "
    "with 500 concurrent users, because evidence beats guessing about complexity and trade-offs."
)


def phases(peer: Peer) -> list[str]:
    return [str(e.message.phase) for e in peer.events if isinstance(e.message, Phase)]


def questions(peer: Peer) -> list[Question]:
    return [e.message for e in peer.events if isinstance(e.message, Question)]


async def answer(candidate: Peer, words: str) -> None:
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
    split = words.split()
    first, second = " ".join(split[: len(split) // 2]), " ".join(split[len(split) // 2 :])
    await candidate.send(Transcript(seg=0, text=first[:10], final=False, src="speech"))
    await candidate.send(Transcript(seg=0, text=first, final=True, src="speech"))
    await candidate.send(Transcript(seg=0, text="ignored: seg 0 is final", final=False, src="speech"))
    await candidate.send(Transcript(seg=1, text=second, final=True, src="speech"))
    analysed = sum(isinstance(e.message, Analysis) for e in candidate.events)
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: sum(isinstance(e.message, Analysis) for e in p.events) > analysed)


async def test_a_whole_interview(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await watched_interview(api, instructor, questions=2)

    await candidate.send(State(action="answer_start"))  # too early: refused, not fatal
    await candidate.until(lambda p: p.errors)
    assert str(candidate.errors[0].code) == "conflict" and candidate.errors[0].ref == 1

    await candidate.send(State(action="start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    first = questions(candidate)[0]
    deltas = "".join(m.text for m in candidate.controls if isinstance(m, QuestionDelta) and m.qid == first.qid)
    assert deltas == first.text and first.idx == 1 and str(first.kind) == "main"

    await answer(candidate, GOOD_ANSWER)
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    await candidate.send(State(action="skip"))
    await candidate.until(lambda p: phases(p)[-1:] in (["asking"], ["finished"]) and len(phases(p)) > 5)
    while phases(candidate)[-1] != "finished":
        current = questions(candidate)[-1]
        await candidate.until(lambda p: phases(p)[-1] in ("asking", "finished"))
        if phases(candidate)[-1] == "finished":
            break
        await answer(candidate, "Short answer." if current.kind == "follow_up" else GOOD_ANSWER)
        await candidate.until(lambda p: phases(p)[-1] in ("asking", "finished"))

    await candidate.send(State(action="start"))  # after the end: refused
    await candidate.until(lambda p: len(p.errors) == 2)
    assert candidate.errors[1].message == "the interview is over"
    report = [e.message for e in candidate.events if isinstance(e.message, Report)]
    assert len(report) == 1 and 0 <= report[0].score <= 10
    await observer.until(lambda p: phases(p)[-1:] == ["finished"])

    # Every answer_end and skip was followed by an analysis.
    analyses = [e.message for e in candidate.events if isinstance(e.message, Analysis)]
    asked = questions(candidate)
    assert {a.qid for a in analyses} == {q.qid for q in asked}
    assert [q.idx for q in asked if str(q.kind) == "main"] == [1, 2]

    # The observer saw the same events as the log; the candidate the subset meant for it.
    log = await api.events(interview)
    await observer.until(lambda p: p.last_seq == log[-1]["seq"])
    assert [e["seq"] for e in log] == [e.seq for e in observer.events]
    to_candidate = [e["seq"] for e in log if e["t"] in ("phase", "question", "feedback", "analysis", "report")]
    assert [e.seq for e in candidate.events] == to_candidate

    # Replaying the log rebuilds what the server stored as the interview's state.
    state = replay(
        LogEntry(e["seq"], e["t"], e["ts"], {k: v for k, v in e["d"].items() if k != "src_seq"},
                 e["d"].get("src_seq"))
        for e in log
    )
    document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
    assert document["phase"] == state.phase.value == "finished"
    assert document["status"] == "finished"
    assert document["question_idx"] == state.question_idx == 2
    assert [(q["qid"], q["idx"], q["kind"], q["text"], q["parent_qid"]) for q in document["questions"]] == [
        (q.qid, q.idx, q.kind.value, q.text, q.parent_qid) for q in state.questions
    ]
    assert sorted((a["qid"], a["transcript"], a["skipped"]) for a in document["answers"]) == sorted(
        (a.qid, a.transcript, a.skipped) for a in state.answers
    )
    assert [(a["qid"], a["score"]) for a in document["analyses"]] == [
        (a.qid, a.score) for a in state.analyses
    ]
    assert state.report is not None and document["score"] == state.report.score
    answered = next(a for a in state.answers if not a.skipped)
    assert answered.transcript.split() == GOOD_ANSWER.split()
    for peer in (observer, candidate):
        await peer.close()
