"""A scripted interview through a real server running on Gemini (the loopback fake), with
DEBUG logs in JSON: every metric of the list appears and moves, and the logs hold neither
the words spoken, nor the password, nor any secret."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import httpx
import pytest

from protocol import Audio, Face, FaceFrame, Phase, State, Transcript
from server.observability.metrics_listener import parse_address
from tests.hub.conftest import server_env
from tests.hub.peer import PASSWORD, Api, Peer
from tests.hub.test_gemini_interview import gemini
from tests.interviewer.fake_gemini import FakeGemini, Reply, Request, server_error
from tests.live_server import free_port, live_server

TOKEN = "metrics-token-for-the-observability-test"
METRICS_PORT = free_port()
GEMINI_KEY = "gemini-key-for-the-observability-test"
SPOKEN = ["periwinkle", "xylophonist", "quokkas", "marzipan"]
ANSWER = f"I told the {SPOKEN[0]} team about the {SPOKEN[1]} and the {SPOKEN[2]} with {SPOKEN[3]}."

METRICS = [
    "interview_engine_ws_connections", "interview_engine_live_rooms",
    "interview_engine_ws_frames_in_total", "interview_engine_ws_frames_out_total",
    "interview_engine_event_writer_batch_size", "interview_engine_event_writer_commit_seconds",
    "interview_engine_ack_latency_seconds", "interview_engine_observer_queue_depth",
    "interview_engine_observer_coalesced_frames_total", "interview_engine_ws_closes_total",
    "interview_engine_ws_resumes_total", "interview_engine_gemini_call_seconds",
    "interview_engine_gemini_errors_total", "interview_engine_interviewer_fallbacks_total",
    "interview_engine_gemini_tokens_total", "interview_engine_http_request_seconds",
    "interview_engine_db_pool_checked_out", "interview_engine_event_writer_healthy",
]


def failing_follow_ups(request: Request) -> Reply:
    """Gemini, except that deciding on a follow-up fails (the offline interviewer answers)."""
    properties = request.config.get("responseSchema", {}).get("properties", {})
    if "ask" in properties:
        return server_error(500)
    return gemini(request)


@dataclass
class Observed:
    url: str
    log: Path


@pytest.fixture(scope="module")
async def observed(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Observed]:
    root = tmp_path_factory.mktemp("observed")
    async with FakeGemini() as fake:
        fake.default = failing_follow_ups
        env = {**server_env(database_url, root), "METRICS_TOKEN": TOKEN, "LOG_LEVEL": "DEBUG",
               "METRICS_ADDRESS": f"127.0.0.1:{METRICS_PORT}",
               "LOG_FORMAT": "json", "GEMINI_API_KEY": GEMINI_KEY,
               "GEMINI_BASE_URL": fake.base_url, "GEMINI_TIMEOUT_S": "2"}
        with live_server(env, log=root / "server.log") as (url, _):
            yield Observed(url, root / "server.log")


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` → value, for every sample of the exposition."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


def total(found: dict[str, float], name: str, **labels: str) -> float:
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(value for key, value in found.items()
               if re.fullmatch(re.escape(name) + r"(\{.*\})?", key)
               and all(label in key for label in wanted))


async def scrape(url: str) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def phases(peer: Peer) -> list[str]:
    return [str(e.message.phase) for e in peer.events if isinstance(e.message, Phase)]


async def scripted_interview(url: str) -> None:
    api = Api(url)
    instructor = Api(url)
    try:
        await api.sign_up()
        await instructor.sign_up("instructor")
        interview = await api.interview(questions=2)
        await api.grant(interview, instructor.user["username"])
        observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
        await observer.connect()
        candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
        await candidate.connect()
        await candidate.send(State(action="start"))
        await candidate.until(lambda p: phases(p)[-1:] == ["asking"], timeout=30)
        chunk = 0
        for _ in range(6):
            await candidate.send(State(action="answer_start"))
            await candidate.until(lambda p: phases(p)[-1:] == ["answering"], timeout=30)
            await candidate.send(Face(frames=(FaceFrame(t=1, present=True, eye_contact=0.8),)))
            await candidate.send(Audio(chunk=chunk, mime="audio/webm", data=b"\x1a\x45" * 50))
            chunk += 1
            await candidate.send(Transcript(seg=chunk, text=ANSWER, final=True, src="speech"))
            await candidate.send(State(action="answer_end"))
            await candidate.until(lambda p: phases(p)[-1:] in (["asking"], ["finished"]), timeout=30)
            if phases(candidate)[-1] == "finished":
                break
        await candidate.until(lambda p: phases(p)[-1:] == ["finished"] and p.acked == p.next_seq - 1,
                              timeout=30)
        # The observer drops and resumes from where it was.
        await observer.until(lambda p: p.last_seq > 0)
        observer.drop()
        await observer.connect(await instructor.ws_url(interview, "observer"))
        head = len(await api.events(interview))
        await observer.until(lambda p: p.last_seq == head, timeout=30)
        await observer.close()
        await candidate.close()
        refused = await api.http.get("/api/interviews/not-an-id")
        assert refused.status_code == 404
    finally:
        await api.close()
        await instructor.close()


async def test_metrics_need_the_token_or_the_private_address(observed: Observed) -> None:
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{observed.url}/metrics")).status_code == 401
        wrong = await client.get(f"{observed.url}/metrics", headers={"Authorization": "Bearer no"})
        assert wrong.status_code == 401
        private = await client.get(f"http://127.0.0.1:{METRICS_PORT}/metrics")
        assert private.status_code == 200
        assert "interview_engine_ws_connections" in private.text


def test_metrics_address_forms() -> None:
    assert parse_address("127.0.0.1:9100") == ("127.0.0.1", 9100)
    assert parse_address(":9100") == ("0.0.0.0", 9100)
    assert parse_address("[::1]:9100") == ("::1", 9100)
    for bad in ("9100x", "host:", "host:99999"):
        with pytest.raises(ValueError):
            parse_address(bad)


async def test_metrics_appear_and_move_and_logs_keep_secrets(observed: Observed) -> None:
    before = await scrape(observed.url)
    await scripted_interview(observed.url)
    after = await scrape(observed.url)
    for name in METRICS:
        assert any(key.startswith(name) for key in after), f"{name} missing"

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("interview_engine_ws_frames_in_total", type="transcript") >= 2
    assert moved("interview_engine_ws_frames_in_total", type="hello") == 3
    assert moved("interview_engine_ws_frames_out_total", type="ack") >= 1
    assert moved("interview_engine_ws_frames_out_total", type="question") >= 2
    assert moved("interview_engine_ws_frames_out_total", type="transcript") >= 2
    assert moved("interview_engine_event_writer_batch_size_count") >= 1
    assert moved("interview_engine_event_writer_batch_size_sum") >= 10
    assert moved("interview_engine_event_writer_commit_seconds_count") >= 1
    assert moved("interview_engine_ack_latency_seconds_count") >= 10
    assert moved("interview_engine_ws_resumes_total") == 1
    assert moved("interview_engine_gemini_call_seconds_count", op="plan") >= 1
    assert moved("interview_engine_gemini_tokens_total") > 0
    assert moved("interview_engine_gemini_errors_total", op="follow_up") >= 1
    assert moved("interview_engine_interviewer_fallbacks_total") >= 1
    assert moved("interview_engine_http_request_seconds_count",
                 route="/api/interviews/<interview_id>/tickets", method="POST") == 3
    assert moved("interview_engine_http_responses_total", status="4xx") >= 1
    assert total(after, "interview_engine_db_pool_size") >= 1
    assert total(after, "interview_engine_event_writer_healthy") == 1
    # Everyone left: the gauges are back where they were.
    assert total(after, "interview_engine_ws_connections") == total(before, "interview_engine_ws_connections")
    assert total(after, "interview_engine_live_rooms") == total(before, "interview_engine_live_rooms")

    text = observed.log.read_text()
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["level"] == "debug" for r in records), "DEBUG logging was not on"
    assert any(r.get("route") == "/api/interviews/<interview_id>/tickets" and r.get("user_id")
               for r in records)
    assert any(r.get("connection_id") and r.get("interview_id") for r in records)
    for secret in (*SPOKEN, ANSWER, PASSWORD, "test-secret-key-for-hub-tests", GEMINI_KEY, TOKEN):
        assert secret not in text, f"{secret!r} was logged"
    assert "ticket=" not in text
