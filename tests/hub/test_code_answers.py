"""Code pad snapshots over the wire: stored in the log, relayed to observers, kept with the
answer they belong to, analysed with its transcript and rebuilt by replay."""

from __future__ import annotations

from typing import Any

from protocol import Analysis, Code, Phase, Question, RelayedCode, State, Transcript
from server.flow import LogEntry, replay
from tests.hub.peer import Api, Peer, watched_interview

DRAFT = "def two_sum(nums, target):\n    pass\n"
FINAL = '''def two_sum(nums, target):
    """O(n) time with a dict of values seen."""
    if len(nums) < 2:
        return None
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
    return None
'''
SAID = ("I keep a hash map of the values seen so far and look up each complement, one pass, "
        "O of n time and O of n space. When no pair adds up I return None.")


def phases(peer: Peer) -> list[str]:
    return [str(e.message.phase) for e in peer.events if isinstance(e.message, Phase)]


def questions(peer: Peer) -> list[Question]:
    return [e.message for e in peer.events if isinstance(e.message, Question)]


async def test_code_snapshots_reach_observers_the_log_the_answer_and_replay(
    api: Api, instructor: Api
) -> None:
    # A technical plan of two has a coding question.
    interview, observer, candidate = await watched_interview(api, instructor, questions=2)
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    while not questions(candidate)[-1].coding:
        asked = len(questions(candidate))
        await candidate.send(State(action="skip"))
        await candidate.until(lambda p: len(questions(p)) > asked and phases(p)[-1] == "asking")
    coding = questions(candidate)[-1]

    await candidate.send(Code(text=DRAFT, lang="python"))  # before answering: counts too
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
    await candidate.send(Transcript(seg=0, text=SAID, final=True, src="speech"))
    await candidate.send(Code(text=FINAL, lang="python", qid=coding.qid))
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: any(
        isinstance(e.message, Analysis) and e.message.qid == coding.qid for e in p.events))
    late = await candidate.send(Code(text="# written after the answer ended\n", lang="python"))
    await candidate.until(lambda p: p.acked >= late)

    # Observers get every snapshot live, with the candidate's seq; the candidate gets none back.
    await observer.until(lambda p: sum(isinstance(e.message, RelayedCode) for e in p.events) == 3)
    relayed = [e.message for e in observer.events if isinstance(e.message, RelayedCode)]
    assert [r.message.text for r in relayed][:2] == [DRAFT, FINAL]
    assert relayed[1].message.qid == coding.qid and relayed[1].src_seq > relayed[0].src_seq
    assert not any(isinstance(e.message, RelayedCode) for e in candidate.events)

    # The analysis judged the code with the explanation.
    analysis = next(e.message for e in candidate.events
                    if isinstance(e.message, Analysis) and e.message.qid == coding.qid)
    assert analysis.rubric["code"] >= 8
    assert any("parses" in s for s in analysis.strengths)

    # The log holds the snapshots; the answer keeps the one current when it ended.
    log = await api.events(interview)
    assert [e["d"]["text"] for e in log if e["t"] == "code"] == [
        DRAFT, FINAL, "# written after the answer ended\n"]
    document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
    stored = next(a for a in document["answers"] if a["qid"] == coding.qid)
    assert stored["code"] == FINAL and stored["code_lang"] == "python"
    state = replay(
        LogEntry(e["seq"], e["t"], e["ts"], {k: v for k, v in e["d"].items() if k != "src_seq"},
                 e["d"].get("src_seq"))
        for e in log
    )
    answer = state.answer(coding.qid)
    assert answer is not None and answer.code == FINAL and answer.code_lang == "python"
    for peer in (observer, candidate):
        await peer.close()


async def test_the_report_says_how_well_the_answers_covered_the_jobs_requirements(
    api: Api,
) -> None:
    await api.sign_up()
    response = await api.http.post("/api/interviews", json={
        "kind": "technical", "role_title": "Backend engineer", "difficulty": "mid",
        "questions": 1, "job_description": "We run Kafka and PostgreSQL; Terraform is a plus."})
    assert response.status_code == 201, response.text
    interview = str(response.json()["id"])
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
    await candidate.send(Transcript(seg=0, final=True, src="typed", text=(
        "I would put the events on Kafka with idempotent consumers, keep the source of truth in "
        "PostgreSQL, measure lag and p95 latency, and load test it because the trade-off "
        "between throughput and consistency matters.")))
    await candidate.send(State(action="finish"))
    await candidate.until(lambda p: phases(p)[-1:] == ["finished"])
    report = next(e.message for e in candidate.events if type(e.message).__name__ == "Report")
    rows = {row["name"]: row for row in report.metrics["requirements"]}
    assert set(rows) == {"Kafka", "PostgreSQL", "Terraform"}
    assert rows["Terraform"]["status"] == "not" and rows["Terraform"]["qids"] == ()
    assert rows["Kafka"]["status"] in ("covered", "partly") and len(rows["Kafka"]["qids"]) == 1
    assert 0 < report.metrics["requirements_coverage"] < 1
    await candidate.close()
    # The report page and its JSON say the same.
    page = (await api.http.get(f"/api/interviews/{interview}/report")).json()
    assert {r["name"]: r["status"] for r in page["requirements"]} == {
        name: row["status"] for name, row in rows.items()}
    assert page["requirements_coverage"] == report.metrics["requirements_coverage"]
    html = (await api.http.get(f"/interviews/{interview}/report")).text
    assert 'data-testid="report-requirements"' in html and 'data-name="Terraform"' in html
