from __future__ import annotations

import pytest

from server.coach import DEFAULT_THRESHOLDS
from server.coach.fillers import count_fillers, tokens


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("I built the service in Go", 0),
        ("um so I uh built it", 2),
        ("Ummm, uhh, hmm", 3),
        ("erm well er", 2),
        ("it was, like, really hard", 1),
        ("I like Python and it looks like a good fit", 0),
        ("what kind of index would you use", 0),
        ("it's kind of slow and sort of flaky", 2),
        ("do you know the answer", 0),
        ("you know, it works", 1),
        ("I mean, basically it actually literally works", 4),
        ("so yeah", 1),
        ("so I shipped it", 0),
    ],
)
def test_count_fillers(text: str, fillers: int) -> None:
    assert count_fillers(tokens(text), DEFAULT_THRESHOLDS) == fillers


def test_tokens() -> None:
    assert tokens("We didn’t ship v2.0 — it's fine!") == [
        "we",
        "didn't",
        "ship",
        "v2.0",
        "it's",
        "fine",
    ]
