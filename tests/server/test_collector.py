"""Once started, the server keeps start-up's objects out of the collector's view and
collects young objects less often."""

from __future__ import annotations

import gc
import weakref

from server.collector import YOUNG_THRESHOLD, settle_after_start


def test_settling_freezes_what_exists_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        made_at_start = [object() for _ in range(10)]
        settle_after_start()
        assert gc.get_freeze_count() > len(made_at_start)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_unreachable_cycles_are_freed_not_frozen() -> None:
    class Node:
        pass

    before = gc.get_threshold()
    try:
        gc.unfreeze()
        gc.disable()  # no collection may free the cycle before settle_after_start does
        node = Node()
        node.itself = node  # type: ignore[attr-defined]
        alive = weakref.ref(node)
        del node
        assert alive() is not None
        settle_after_start()
        assert alive() is None
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*before)
