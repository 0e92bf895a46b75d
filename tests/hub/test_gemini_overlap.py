"""After an answer, the Gemini calls that decide and phrase the next question do not wait for
the answer's analysis, and the next main question's phrasing, made while a follow-up is
decided, is kept for its turn when a follow-up comes first. The log still reads as if each
step had waited for the one before."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from protocol import Analysis, Question, QuestionDelta, State, Transcript
from tests.hub.peer import Api, Peer
from tests.hub.test_gemini_interview import GEMINI_QUESTIONS, env, gemini, phases
from tests.interviewer.fake_gemini import FakeGemini, Reply, Request, json_reply
from tests.live_server import live_server

ANSWER = "I measured heap growth, isolated the cache and verified the fix."
FOLLOW_UP = "Which measurement told you the cache was the culprit?"


def is_analysis(request: Request) -> bool:
    return "score" in request.config.get("responseSchema", {}).get("properties", {})


def is_follow_up(request: Request) -> bool:
    return "ask" in request.config.get("responseSchema", {}).get("properties", {})


async def started(url: str) -> tuple[Api, str, Peer]:
    api = Api(url)
    await api.sign_up()
    interview = await api.interview(questions=2)
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    return api, interview, candidate


async def answer(candidate: Peer) -> None:
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
    await candidate.send(Transcript(seg=0, text=ANSWER, final=True, src="typed"))
    await candidate.send(State(action="answer_end"))


def questions(peer: Peer) -> list[Question]:
    return [e.message for e in peer.events if isinstance(e.message, Question)]


async def test_the_next_question_streams_while_the_answer_is_analysed(
    database_url: str, tmp_path: Path
) -> None:
    def slow_analysis(request: Request) -> Reply:
        reply = gemini(request)
        return replace(reply, delay_s=2.0) if is_analysis(request) else reply

    async with FakeGemini() as fake:
        fake.default = slow_analysis
        settings = {**env(database_url, tmp_path, fake), "GEMINI_TIMEOUT_S": "10"}
        with live_server(settings, log=tmp_path / "server.log") as (url, _):
            api, interview, candidate = await started(url)
            first = questions(candidate)[0]
            await answer(candidate)
            await candidate.until(lambda p: any(
                isinstance(m, QuestionDelta) and m.qid != first.qid for m in p.controls))
            assert not [e for e in candidate.events if isinstance(e.message, Analysis)]
            await candidate.until(lambda p: phases(p)[-1:] == ["asking"] and len(questions(p)) == 2)

            # The log: the answer's end, its analysis, then the next question.
            log = [(e["t"], e["d"].get("phase")) for e in await api.events(interview)
                   if e["t"] in ("phase", "question", "analysis")]
            assert log[-5:] == [("phase", "answering"), ("phase", "reviewing"),
                                ("analysis", None), ("question", None), ("phase", "asking")]
            second = questions(candidate)[1]
            deltas = "".join(m.text for m in candidate.controls
                             if isinstance(m, QuestionDelta) and m.qid == second.qid)
            assert deltas == second.text and second.text.startswith(GEMINI_QUESTIONS[1][:20])
            await candidate.close()
            await api.close()


async def test_a_follow_up_first_and_the_next_question_as_phrased_before(
    database_url: str, tmp_path: Path
) -> None:
    def one_follow_up(request: Request) -> Reply:
        if is_follow_up(request) and GEMINI_QUESTIONS[0][:20] in request.prompt:
            return json_reply({"ask": True, "text": FOLLOW_UP, "key_points": ["metrics"]})
        return gemini(request)

    async with FakeGemini() as fake:
        fake.default = one_follow_up
        with live_server(env(database_url, tmp_path, fake), log=tmp_path / "server.log") as (url, _):
            api, interview, candidate = await started(url)
            for asked in (2, 3):  # the follow-up, then the second main question
                await answer(candidate)
                await candidate.until(lambda p: phases(p)[-1:] == ["asking"]
                                      and len(questions(p)) == asked)
            await answer(candidate)
            await candidate.until(lambda p: phases(p)[-1:] == ["finished"])

            main, follow_up, second = questions(candidate)
            assert str(follow_up.kind) == "follow_up" and follow_up.parent_qid == main.qid
            assert str(second.kind) == "main" and second.idx == 2
            assert second.text.startswith(GEMINI_QUESTIONS[1][:20])
            # Three questions phrased by three streams: the second main question's was made
            # beside the first follow-up decision, and used after the follow-up.
            streams = [r.prompt for r in fake.requests if r.stream]
            assert len(streams) == 3
            assert [sum(text in prompt for prompt in streams)
                    for text in (*GEMINI_QUESTIONS, FOLLOW_UP)] == [1, 1, 1]
            assert sum(is_follow_up(r) for r in fake.requests) == 2
            analyses = [e.message for e in candidate.events if isinstance(e.message, Analysis)]
            assert [a.qid for a in analyses] == [main.qid, follow_up.qid, second.qid]
            await candidate.close()
            await api.close()


async def test_the_next_question_is_phrased_while_the_candidate_answers(
    database_url: str, tmp_path: Path
) -> None:
    async with FakeGemini() as fake:
        fake.default = gemini
        with live_server(env(database_url, tmp_path, fake), log=tmp_path / "server.log") as (url, _):
            api, interview, candidate = await started(url)
            first = questions(candidate)[0]
            streams_before = sum(r.stream for r in fake.requests)
            await candidate.send(State(action="answer_start"))
            await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
            # Still answering: the second question's phrasing has been asked for already.
            await candidate.until(lambda p: sum(r.stream for r in fake.requests) > streams_before)
            phrasing = [r for r in fake.requests if r.stream][-1]
            assert GEMINI_QUESTIONS[1][:20] in phrasing.prompt
            await candidate.send(Transcript(seg=0, text=ANSWER, final=True, src="typed"))
            await candidate.send(State(action="answer_end"))
            await candidate.until(lambda p: phases(p)[-1:] == ["asking"] and len(questions(p)) == 2)
            second = questions(candidate)[1]
            assert second.qid != first.qid and second.text.startswith(GEMINI_QUESTIONS[1][:20])
            # Phrased once: the answer's end used what was phrased during the answer.
            assert sum(r.stream for r in fake.requests) == streams_before + 1
            await candidate.close()
            await api.close()
