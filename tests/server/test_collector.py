"""Once started, the server keeps start-up's objects out of the collector's view and
collects young objects less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server.collector import YOUNG_THRESHOLD, settle_after_start


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector's settings as they were, once the test is done with them."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()


def test_settling_freezes_what_exists_and_raises_the_young_threshold(collector: None) -> None:
    before = gc.get_threshold()
    made_at_start = [object() for _ in range(10)]
    settle_after_start()
    assert gc.get_freeze_count() > len(made_at_start)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])


def test_unreachable_cycles_are_freed_not_frozen(collector: None) -> None:
    class Node:
        pass

    gc.unfreeze()
    gc.disable()  # no collection may free the cycle before settle_after_start does
    node = Node()
    node.itself = node  # type: ignore[attr-defined]
    alive = weakref.ref(node)
    del node
    assert alive() is not None
    settle_after_start()
    assert alive() is None
