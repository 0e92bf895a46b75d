"""The garbage collector's settings for a long-running server process."""

from __future__ import annotations

import gc

# Allocations (net, of objects the collector tracks) between two young-generation
# collections; Python's default is 700. Under load the hub allocates so fast that at 700
# the collector ran ~60 times a second, and every tenth collection of the middle
# generation walks all that live interviews hold: 3.5-3.9 % of a core at 225 interviews.
# At 7,000: ~3 a second, 0.3 %.
YOUNG_THRESHOLD = 7_000


def settle_after_start() -> None:
    """Once start-up is done: keep what it made out of the collector's view, and collect
    young objects less often.

    What start-up made (modules, the app, compiled patterns: ~170k objects) stays for the
    process's life. Frozen, it is no longer walked by the full collections, each of which
    otherwise held the event loop for ~60 ms. Unreachable cycles are collected first:
    frozen, they would never be freed.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
