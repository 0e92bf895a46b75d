"""Run a coroutine at once, in the caller, as far as it goes without waiting.

Sending a websocket frame through the ASGI server is a coroutine that nearly always
completes without suspending (the socket takes the bytes). Handing each frame to a task
costs a wake-up and a turn of the event loop per frame; running the coroutine in place
costs neither. When it does suspend (a full socket buffer), what is left of it is handed
back, to be awaited by a task like any coroutine: ``asyncio`` can only adopt a
coroutine from its start, so the remainder is an awaitable that passes on what the
coroutine waits for.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


def run_eagerly(coroutine: Coroutine[Any, Any, Any]) -> Rest | None:
    """None if ``coroutine`` finished (its exception, if any, is raised here); else the rest
    of it, to be awaited."""
    try:
        waiting_for = coroutine.send(None)
    except StopIteration:
        return None
    return Rest(coroutine, waiting_for)


class Rest:
    """The remainder of a coroutine that suspended once, waiting for ``waiting_for``."""

    __slots__ = ("_coroutine", "_waiting_for")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_for: Any) -> None:
        self._coroutine = coroutine
        self._waiting_for = waiting_for

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting_for = self._coroutine, self._waiting_for
        while True:
            try:
                value = yield waiting_for
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # cancellation included: the coroutine handles it
                try:
                    waiting_for = coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_for = coroutine.send(value)
                except StopIteration as stop:
                    return stop.value
