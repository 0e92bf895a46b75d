"""The websocket compression switch of the server's hypercorn settings."""

from __future__ import annotations

from hypercorn.protocol.ws_stream import Handshake

from server.serving import websocket_compression

OFFER = [(b"sec-websocket-extensions", b"permessage-deflate; client_max_window_bits"),
         (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"sec-websocket-version", b"13"),
         (b"connection", b"Upgrade"), (b"upgrade", b"websocket")]


def _negotiated() -> bool:
    _, headers, _ = Handshake(OFFER, "1.1").accept(None, [])
    return any(name == b"sec-websocket-extensions" for name, _ in headers)


def test_compression_is_negotiated_only_when_enabled() -> None:
    try:
        websocket_compression(True)
        assert _negotiated()
        websocket_compression(False)
        assert not _negotiated()
    finally:
        websocket_compression(False)
