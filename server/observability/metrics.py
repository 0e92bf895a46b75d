"""Every Prometheus metric of the engine, defined once (``prometheus-client``).

The hub's hot path only touches children bound here in advance (``FRAMES_IN["face"]``,
``CONNECTIONS["observer"]``): a dict lookup and an increment, no ``labels()`` call per
frame. Gauges that describe state (live rooms, queue depths, the database pool) are read
when ``/metrics`` is scraped, through callbacks the app registers, so they cost nothing
in between.
"""

from __future__ import annotations

from typing import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from protocol import CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES

NAMESPACE = "interview_engine"
ROLES = ("candidate", "observer")
OUT_KINDS = (*sorted(SERVER_MESSAGE_TYPES), "transcript", "face", "audio", "state", "control")
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

_connections = Gauge("ws_connections", "Open websocket connections that joined a room, by role.",
                     ["role"], namespace=NAMESPACE)
CONNECTIONS = {role: _connections.labels(role) for role in ROLES}
LIVE_ROOMS = Gauge("live_rooms", "Rooms (interviews with a connected member) in this process.",
                   namespace=NAMESPACE)

_frames_in = Counter("ws_frames_in_total", "Valid frames received from clients, by type.",
                     ["type"], namespace=NAMESPACE)
FRAMES_IN = {kind: _frames_in.labels(kind) for kind in sorted(CLIENT_MESSAGE_TYPES)}
_frames_out = Counter("ws_frames_out_total",
                      "Frames sent to clients, by type (acks and pongs included).",
                      ["type"], namespace=NAMESPACE)
FRAMES_OUT = {kind: _frames_out.labels(kind) for kind in OUT_KINDS}
FRAMES_OUT_OTHER = FRAMES_OUT["control"]
_protocol_errors = Counter("ws_protocol_errors_total",
                           "Frames refused with a protocol error, by error code.", ["code"],
                           namespace=NAMESPACE)
_closes = Counter("ws_closes_total", "Sockets closed by the server, by close code.", ["code"],
                  namespace=NAMESPACE)
CLOSED_TOO_FAR_BEHIND = _closes.labels("4010")
RESUMES = Counter("ws_resumes_total",
                  "Connections that resumed (hello with last_seq > 0 or a stored stream).",
                  namespace=NAMESPACE)
ACK_LATENCY = Histogram("ack_latency_seconds",
                        "From receiving a client data message to its durable commit.",
                        namespace=NAMESPACE, buckets=_FAST)
OBSERVER_QUEUE_DEPTH = Gauge("observer_queue_depth",
                             "Frames queued for observers, summed over this process.",
                             namespace=NAMESPACE)
OBSERVER_QUEUE_MAX = Gauge("observer_queue_depth_max",
                           "The longest observer queue in this process.", namespace=NAMESPACE)
COALESCED = Counter("observer_coalesced_frames_total",
                    "Superseded face frames dropped from slow observers' queues.",
                    namespace=NAMESPACE)

WRITER_BATCH = Histogram("event_writer_batch_size", "Appends per event-writer transaction.",
                         namespace=NAMESPACE,
                         buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000))
WRITER_COMMIT = Histogram("event_writer_commit_seconds",
                          "Time to write and commit one event-writer batch.",
                          namespace=NAMESPACE, buckets=_FAST)
WRITER_HEALTHY = Gauge("event_writer_healthy", "1 while the event writer can write, else 0.",
                       namespace=NAMESPACE)

_gemini_latency = Histogram("gemini_call_seconds", "Gemini calls, by operation.", ["op"],
                            namespace=NAMESPACE,
                            buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32))
_gemini_errors = Counter("gemini_errors_total", "Failed Gemini calls, by operation and reason.",
                         ["op", "reason"], namespace=NAMESPACE)
_gemini_tokens = Counter("gemini_tokens_total", "Tokens charged for Gemini calls, by operation.",
                         ["op"], namespace=NAMESPACE)
_fallbacks = Counter("interviewer_fallbacks_total",
                     "Interviewer calls answered by the fallback, by reason.", ["reason"],
                     namespace=NAMESPACE)

HTTP_LATENCY = Histogram("http_request_seconds", "HTTP requests, by route template and method.",
                         ["route", "method"], namespace=NAMESPACE, buckets=_FAST)
HTTP_RESPONSES = Counter("http_responses_total", "HTTP responses, by route and status class.",
                         ["route", "status"], namespace=NAMESPACE)
DB_POOL_CHECKED_OUT = Gauge("db_pool_checked_out", "Database connections in use.",
                            namespace=NAMESPACE)
DB_POOL_SIZE = Gauge("db_pool_size", "Database connections the pool holds open.",
                     namespace=NAMESPACE)


def protocol_error(code: str) -> None:
    _protocol_errors.labels(code).inc()


def closed(code: int) -> None:
    _closes.labels(str(code)).inc()


def gemini_call(op: str, seconds: float, tokens: int) -> None:
    _gemini_latency.labels(op).observe(seconds)
    if tokens:
        _gemini_tokens.labels(op).inc(tokens)


def gemini_error(op: str, reason: str) -> None:
    _gemini_errors.labels(op, reason[:40]).inc()


def fallback(reason: str) -> None:
    _fallbacks.labels(reason[:40]).inc()


def observe_with(gauge: Gauge, read: Callable[[], float]) -> None:
    """Let ``gauge`` read its value when scraped (replacing an earlier reader)."""
    gauge.set_function(read)


def exposition(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
