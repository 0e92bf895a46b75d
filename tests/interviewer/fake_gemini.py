"""A loopback HTTP server that speaks enough of the Gemini REST API for the real SDK.

It serves ``POST /{version}/models/{model}:generateContent`` and
``:streamGenerateContent?alt=sse`` (one ``data: {json}`` event per chunk, chunked transfer
encoding) with replies scripted per call, and records every request it receives so tests
can assert what was sent (prompts, schema, limits).

    async with FakeGemini() as fake:
        fake.script(json_reply({"questions": [...]}), rate_limited(), ...)
        client = genai.Client(api_key="k", http_options=HttpOptions(base_url=fake.base_url))

Replies are taken in order; once the script is empty, ``fake.default`` answers (a reply or a
function of the request), and without one the request gets a 500 and is noted in
``fake.unscripted``. Stdlib only: ``asyncio.start_server`` and minimal HTTP/1.1.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_USAGE = {"promptTokenCount": 40, "candidatesTokenCount": 10, "totalTokenCount": 50}


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``body`` is the JSON (or raw text) of a plain response; a stream request gets ``chunks``
    as SSE events, or ``body`` as its only event when there are no chunks. An error status
    is always sent as a plain JSON body."""

    status: int = 200
    body: Any = None
    chunks: Sequence[Any] = ()
    delay_s: float = 0.0  # before the status line
    chunk_delay_s: float = 0.0  # before each stream event
    cut_after: int | None = None  # stream: drop the connection after this many events
    pause_after: int | None = None  # stream: wait pause_s after this many events
    pause_s: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Request:
    method: str  # "generateContent" or "streamGenerateContent"
    version: str
    model: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    @property
    def stream(self) -> bool:
        return self.method == "streamGenerateContent"

    @property
    def prompt(self) -> str:
        """Every text part of the request's contents, joined."""
        return "\n".join(_texts(self.body.get("contents", [])))

    @property
    def system(self) -> str:
        return "\n".join(_texts([self.body.get("systemInstruction") or {}]))

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.body.get("generationConfig") or {})


Responder = Callable[[Request], Reply]


@dataclass
class FakeGemini:
    host: str = "127.0.0.1"
    default: Reply | Responder | None = None
    requests: list[Request] = field(default_factory=list)
    unscripted: list[Request] = field(default_factory=list)
    _script: deque[Reply | Responder] = field(default_factory=deque)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _closing: bool = False

    # ----- lifecycle ----------------------------------------------------------------

    async def start(self) -> Self:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        return self

    async def aclose(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        """The server's own connection tasks (to tell them apart from leaked ones)."""
        return frozenset(self._tasks)

    # ----- scripting ----------------------------------------------------------------

    def script(self, *replies: Reply | Responder) -> None:
        self._script.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        return len(self._script)

    def _reply_for(self, request: Request) -> Reply:
        answer = self._script.popleft() if self._script else self.default
        if answer is None:
            self.unscripted.append(request)
            return error(500, "INTERNAL", "unscripted request")
        return answer(request) if callable(answer) else answer

    # ----- HTTP -----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            while await self._one_exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Closing: end quietly (asyncio 3.11 reports a cancelled connection task as an
            # error). Any other cancellation propagates.
            if not self._closing:
                raise
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.transport.abort()

    async def _one_exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False when the connection is done."""
        line = await reader.readline()
        if not line.strip():
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        url = urlsplit(target)
        path = unquote(url.path)
        # /{version}/models/{model}:{method}
        parts = path.strip("/").split("/")
        if method != "POST" or len(parts) != 3 or parts[1] != "models" or ":" not in parts[2]:
            await _send(writer, 404, {"error": {"code": 404, "status": "NOT_FOUND",
                                                "message": f"no route {path}"}})
            return True
        model, _, rpc = parts[2].partition(":")
        request = Request(rpc, parts[0], model, parse_qs(url.query), headers,
                          json.loads(raw or b"{}"))
        self.requests.append(request)
        reply = self._reply_for(request)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status != 200 or not request.stream:
            await _send(writer, reply.status, reply.body, reply.headers)
            return True
        return await _send_stream(writer, reply)


async def _send(
    writer: asyncio.StreamWriter, status: int, body: Any, headers: Sequence[tuple[str, str]] = ()
) -> None:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
            "Content-Type: application/json; charset=UTF-8", f"Content-Length: {len(data)}",
            *(f"{k}: {v}" for k, v in headers)]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()


async def _send_stream(writer: asyncio.StreamWriter, reply: Reply) -> bool:
    head = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream", "Transfer-Encoding: chunked",
            *(f"{k}: {v}" for k, v in reply.headers)]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    events = list(reply.chunks) if reply.chunks else [reply.body]
    for i, event in enumerate(events):
        if reply.cut_after is not None and i >= reply.cut_after:
            writer.transport.abort()  # mid-body: no terminating chunk
            return False
        if reply.pause_after is not None and i == reply.pause_after:
            await asyncio.sleep(reply.pause_s)
        if reply.chunk_delay_s:
            await asyncio.sleep(reply.chunk_delay_s)
        payload = event if isinstance(event, str) else json.dumps(event)
        data = f"data: {payload}\r\n\r\n".encode()
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _texts(contents: Sequence[Any]) -> list[str]:
    return [
        part["text"]
        for content in contents
        if isinstance(content, dict)
        for part in content.get("parts", [])
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    ]


# ----- reply builders ----------------------------------------------------------------


def candidate(text: str | None, finish: str | None = "STOP") -> dict[str, Any]:
    c: dict[str, Any] = {"index": 0}
    if text is not None:
        c["content"] = {"role": "model", "parts": [{"text": text}]}
    if finish is not None:
        c["finishReason"] = finish
    return c


def text_reply(
    text: str, *, finish: str | None = "STOP", usage: dict[str, int] | None = None
) -> Reply:
    return Reply(body={"candidates": [candidate(text, finish)],
                       "usageMetadata": usage or DEFAULT_USAGE, "modelVersion": "fake"})


def json_reply(obj: Any, **kw: Any) -> Reply:
    """A plain response whose text is ``obj`` as JSON (what a response schema yields)."""
    return text_reply(json.dumps(obj), **kw)


def malformed(text: str = '{"score": 7, "summary": "Good', **kw: Any) -> Reply:
    """Text that is not valid JSON (by default cut off, as by the token limit)."""
    return text_reply(text, **{"finish": "MAX_TOKENS", **kw})


def stream_reply(
    pieces: Sequence[str], *, finish: str | None = "STOP", chunk_delay_s: float = 0.0,
    cut_after: int | None = None, pause_after: int | None = None, pause_s: float = 0.0,
    usage: dict[str, int] | None = None,
) -> Reply:
    """One SSE event per piece; the last carries the finish reason and usage."""
    chunks: list[dict[str, Any]] = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        chunk: dict[str, Any] = {"candidates": [candidate(piece, finish if last else None)]}
        if last:
            chunk["usageMetadata"] = usage or DEFAULT_USAGE
        chunks.append(chunk)
    return Reply(chunks=chunks, chunk_delay_s=chunk_delay_s, cut_after=cut_after,
                 pause_after=pause_after, pause_s=pause_s)


def error(code: int, status: str, message: str = "fake error",
          details: Sequence[dict[str, Any]] = ()) -> Reply:
    err: dict[str, Any] = {"code": code, "status": status, "message": message}
    if details:
        err["details"] = list(details)
    return Reply(status=code, body={"error": err})


def rate_limited(retry_delay: str | None = None) -> Reply:
    details = ([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}]
               if retry_delay else [])
    return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (quota).", details)


def server_error(code: int = 500) -> Reply:
    return error(code, "INTERNAL" if code == 500 else "UNAVAILABLE", "The service is unwell.")


def delayed(reply: Reply, seconds: float) -> Reply:
    return replace(reply, delay_s=seconds)


def empty_candidates() -> Reply:
    return Reply(body={"candidates": [], "usageMetadata": DEFAULT_USAGE})


def safety_block() -> Reply:
    """A candidate stopped for safety, with no content."""
    return Reply(body={
        "candidates": [{"index": 0, "finishReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}]}],
        "usageMetadata": DEFAULT_USAGE,
    })


def prompt_blocked() -> Reply:
    """The prompt itself refused: no candidates, a block reason."""
    return Reply(body={"promptFeedback": {"blockReason": "SAFETY"},
                       "usageMetadata": DEFAULT_USAGE})
