"""A short fuzzing run inside `make test` (`make fuzz` runs 100,000 inputs)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from protocol.tools import frame_invariants
from protocol.tools.frame_invariants import check_frame, seed_frames
from tests.fuzz.decode import run

MUTATIONS = 3000


def mutate(frame: bytes, rng: random.Random) -> bytes:
    data = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.4 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.6 and data:
            del data[rng.randrange(len(data)):]
        elif choice < 0.8:
            at = rng.randrange(len(data) + 1)
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            other = rng.choice(seed_frames())
            data += other[rng.randrange(len(other) + 1):]
    return bytes(data)


def test_the_seed_corpus_and_its_mutations_keep_every_promise() -> None:
    rng = random.Random(8)
    seeds = seed_frames()
    assert len(seeds) > 50
    for frame in seeds:
        check_frame(frame)
    for _ in range(MUTATIONS):
        check_frame(mutate(rng.choice(seeds), rng))


def test_a_broken_promise_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(data: bytes, limits: object) -> object:
        raise KeyError("d")

    monkeypatch.setattr(frame_invariants, "DECODERS", ((leaky, frozenset()),))
    with pytest.raises(KeyError):
        check_frame(b"\x80")


def test_a_short_atheris_run_finds_no_crash(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    executed, _, crashed, output = run(3000, tmp_path / "corpus")
    assert not crashed, output[-3000:]
    assert executed == 3000
    assert len(list((tmp_path / "corpus").iterdir())) >= len(seed_frames())
