"""The Interview Engine server: HTTP pages and API, and (later) the live websocket hub."""
