"""An instructor's own question (``ask``) over the wire: who may send it, when the flow
asks it, that it is logged, answered, analysed and reported, and that resuming delivers it."""

from __future__ import annotations

from typing import Any

from protocol import Analysis, AskEvent, AskRequest, Phase, Question, Report, State, Transcript
from server.flow import LogEntry, replay
from tests.hub.peer import Api, Peer, watched_interview

ANSWER = "I would add an index, measure p95 latency before and after, and load test it."


def phases(peer: Peer) -> list[Phase]:
    return [e.message for e in peer.events if isinstance(e.message, Phase)]


def questions(peer: Peer) -> list[Question]:
    return [e.message for e in peer.events if isinstance(e.message, Question)]


def analyses(peer: Peer) -> list[Analysis]:
    return [e.message for e in peer.events if isinstance(e.message, Analysis)]


def asking(peer: Peer, qid: str) -> bool:
    last = phases(peer)[-1:]
    return bool(last) and str(last[0].phase) == "asking" and last[0].qid == qid


async def answer(candidate: Peer, qid: str, words: str = ANSWER) -> None:
    done = len(analyses(candidate))
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: str(phases(p)[-1].phase) == "answering")
    await candidate.send(Transcript(seg=0, text=words, final=True, src="speech"))
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: len(analyses(p)) > done)
    assert analyses(candidate)[-1].qid == qid


def state_of(log: list[dict[str, Any]]) -> Any:
    return replay(
        LogEntry(e["seq"], e["t"], e["ts"], {k: v for k, v in e["d"].items() if k != "src_seq"},
                 e["d"].get("src_seq"))
        for e in log
    )


async def started(api: Api, instructor: Api, questions_total: int = 1) -> tuple[str, Peer, Peer]:
    interview, observer, candidate = await watched_interview(
        api, instructor, questions=questions_total
    )
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: bool(questions(p)) and asking(p, questions(p)[0].qid))
    return interview, observer, candidate


async def test_only_an_instructor_observing_may_ask(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await started(api, instructor)
    await candidate.send(AskRequest(text="Asking myself?"))
    await candidate.until(lambda p: p.errors)
    assert str(candidate.errors[0].code) == "forbidden"
    # The owner watching as an observer is not an instructor either.
    owner_observer = Peer(await api.ws_url(interview, "observer"), "observer")
    await owner_observer.connect()
    seq = await owner_observer.send(AskRequest(text="A question from me?"))
    await owner_observer.until(lambda p: p.errors and p.acked >= seq)
    assert str(owner_observer.errors[0].code) == "forbidden"
    assert owner_observer.errors[0].ref == seq
    log = await api.events(interview)
    assert not any(e["t"] == "ask" for e in log)
    assert [q.kind for q in questions(candidate)] == ["main"]
    for peer in (owner_observer, observer, candidate):
        await peer.close()


async def test_asked_at_once_answered_analysed_reported_and_the_question_comes_back(
    api: Api, instructor: Api
) -> None:
    interview, observer, candidate = await started(api, instructor)
    first = questions(candidate)[0]
    seq = await observer.send(AskRequest(text="Why not a cache instead?"))
    await observer.until(lambda p: p.acked >= seq)
    await candidate.until(lambda p: len(questions(p)) == 2)
    mine = questions(candidate)[1]
    assert (str(mine.kind), mine.text, mine.parent_qid, mine.idx) == (
        "instructor", "Why not a cache instead?", first.qid, 1,
    )
    assert mine.from_user == instructor.user["id"]
    assert mine.name == instructor.user["display_name"]
    await candidate.until(lambda p: asking(p, mine.qid))
    # The observers see the logged request; the candidate does not.
    await observer.until(lambda p: any(isinstance(e.message, AskEvent) for e in p.events))
    logged = next(e.message for e in observer.events if isinstance(e.message, AskEvent))
    assert (logged.from_user, logged.text) == (instructor.user["id"], "Why not a cache instead?")
    assert not any(isinstance(e.message, AskEvent) for e in candidate.events)

    await answer(candidate, mine.qid, "A cache hides the slow query; I would fix the query first.")
    # Back to the question it interrupted, which is then answered as usual.
    await candidate.until(lambda p: asking(p, first.qid))
    await answer(candidate, first.qid)
    while str(phases(candidate)[-1].phase) != "finished":
        await candidate.until(lambda p: str(phases(p)[-1].phase) in ("asking", "finished"))
        if str(phases(candidate)[-1].phase) == "asking":
            await answer(candidate, questions(candidate)[-1].qid, "Short answer.")
    report = next(e.message for e in candidate.events if isinstance(e.message, Report))
    assert mine.qid in [row.qid for row in report.per_question]

    log = await api.events(interview)
    state = state_of(log)
    assert state.waiting_asks == ()
    assert state.question(mine.qid) is not None and state.analysis(mine.qid) is not None
    assert state.answer(mine.qid).transcript.startswith("A cache hides")
    document = (await api.http.get(f"/api/interviews/{interview}")).json()
    assert any(q["qid"] == mine.qid and q["kind"] == "instructor" for q in document["questions"])
    for peer in (observer, candidate):
        await peer.close()


async def test_an_ask_during_an_answer_waits_for_its_analysis(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await started(api, instructor, questions_total=2)
    first = questions(candidate)[0]
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: str(phases(p)[-1].phase) == "answering")
    seq = await observer.send(AskRequest(text="What would you measure?"))
    await observer.until(lambda p: p.acked >= seq)
    await observer.until(lambda p: any(isinstance(e.message, AskEvent) for e in p.events))
    # Logged, but the answer goes on: no new question while the candidate speaks.
    await candidate.send(Transcript(seg=0, text=ANSWER, final=True, src="speech"))
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: len(questions(p)) >= 2)
    mine = questions(candidate)[1]
    assert str(mine.kind) == "instructor" and mine.parent_qid == first.qid
    log = await api.events(interview)
    seqs = {(e["t"], e["d"].get("qid")): e["seq"] for e in log}
    ask_seq = next(e["seq"] for e in log if e["t"] == "ask")
    answer_end = next(e["seq"] for e in log if e["t"] == "state" and e["d"]["action"] == "answer_end")
    assert ask_seq < answer_end < seqs[("analysis", first.qid)] < seqs[("question", mine.qid)]
    # The instructor's question comes before any follow-up or the next main question.
    await answer(candidate, mine.qid)
    await candidate.until(lambda p: len(questions(p)) >= 3)
    assert str(questions(candidate)[2].kind) in ("main", "follow_up")
    for peer in (observer, candidate):
        await peer.close()


async def test_resuming_delivers_the_question(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await started(api, instructor)
    candidate.drop()
    observer.drop()
    # Asked while both are away: the instructor's new connection sends it.
    again = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await again.connect()
    seq = await again.send(AskRequest(text="Where would you start?"))
    await again.until(lambda p: p.acked >= seq)
    observer.url = await instructor.ws_url(interview, "observer")
    await observer.connect()
    await observer.until(lambda p: any(isinstance(e.message, AskEvent) for e in p.events))
    candidate.url = await api.ws_url(interview, "candidate")
    await candidate.connect()
    await candidate.until(lambda p: len(questions(p)) == 2)
    mine = questions(candidate)[1]
    assert str(mine.kind) == "instructor" and mine.text == "Where would you start?"
    await candidate.until(lambda p: asking(p, mine.qid))
    await observer.until(lambda p: any(isinstance(e.message, Question) and e.message.qid == mine.qid
                                       for e in p.events))
    # Exactly once in the log, whoever ran the flow.
    log = await api.events(interview)
    assert sum(e["t"] == "question" and e["d"]["kind"] == "instructor" for e in log) == 1
    assert state_of(log).waiting_asks == ()
    for peer in (again, observer, candidate):
        await peer.close()


async def test_after_the_end_an_ask_is_refused(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await started(api, instructor)
    await candidate.send(State(action="finish"))
    await candidate.until(lambda p: str(phases(p)[-1].phase) == "finished")
    await observer.until(lambda p: phases(p) and str(phases(p)[-1].phase) == "finished")
    seq = await observer.send(AskRequest(text="Too late?"))
    await observer.until(lambda p: p.errors and p.acked >= seq)
    assert str(observer.errors[0].code) == "conflict"
    assert not any(e["t"] == "ask" for e in await api.events(interview))
    for peer in (observer, candidate):
        await peer.close()


async def test_an_ask_in_the_lobby_is_the_first_question(api: Api, instructor: Api) -> None:
    await api.sign_up()
    interview = await api.interview(questions=1)
    await api.grant(interview, instructor.user["username"])
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    seq = await observer.send(AskRequest(text="What do you want to practise today?"))
    await observer.until(lambda p: p.acked >= seq)
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: bool(questions(p)) and asking(p, questions(p)[0].qid))
    mine = questions(candidate)[0]
    assert (str(mine.kind), mine.idx, mine.parent_qid) == ("instructor", 0, None)
    await answer(candidate, mine.qid, "Explaining trade-offs clearly under time pressure.")
    # Then the planned interview begins with its first main question.
    await candidate.until(lambda p: len(questions(p)) == 2 and asking(p, questions(p)[1].qid))
    first = questions(candidate)[1]
    assert (str(first.kind), first.idx) == ("main", 1)
    for peer in (observer, candidate):
        await peer.close()
