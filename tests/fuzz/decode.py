"""Coverage-guided fuzzing of the protocol decoders with atheris (libFuzzer underneath).

    python -m tests.fuzz.decode --runs 100000     # `make fuzz`: run, then print a summary
    python -m tests.fuzz.decode -runs=N DIR       # one plain atheris process

A crash is any exception other than ``ProtocolError`` or a decoded frame that breaks its
own invariants (``protocol/tools/frame_invariants.py``). The corpus starts from the frames
of ``protocol/vectors.json``; atheris keeps the inputs that reach new code next to them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

# Nothing of the protocol package is imported here: the fuzzing process must import it
# under atheris's instrumentation to get coverage feedback from it.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / ".data" / "fuzz" / "corpus"


def write_seed_corpus(folder: Path) -> None:
    from protocol.tools.frame_invariants import seed_frames

    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(seed_frames()):
        (folder / f"vector-{index:03d}").write_bytes(frame)


def fuzz(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["protocol"]):
        from protocol.tools.frame_invariants import check_frame
    atheris.Setup(argv, check_frame)
    atheris.Fuzz()


def run(runs: int, corpus: Path = CORPUS) -> tuple[int, float, bool, str]:
    """Fuzz ``runs`` inputs in a child process: (inputs executed, seconds, crashed, output)."""
    write_seed_corpus(corpus)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.decode", f"-runs={runs}", "-max_len=4096",
         f"-artifact_prefix={corpus.parent}/", str(corpus)],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
    )
    elapsed = time.monotonic() - started
    match = re.search(r"Done (\d+) runs in (\d+) second", done.stderr)
    executed = int(match.group(1)) if match else 0
    return executed, elapsed, done.returncode != 0 or match is None, done.stderr


def main(argv: list[str]) -> int:
    if "--runs" not in argv:
        fuzz(argv)
        return 0
    runs = int(argv[argv.index("--runs") + 1])
    executed, elapsed, crashed, output = run(runs)
    print(f"protocol decode fuzzing: {executed} inputs in {elapsed:.1f} s "
          f"({executed / elapsed:.0f} inputs/s), {1 if crashed else 0} crashes")
    if crashed:
        print(output[-4000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
