from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import protocol
from protocol import CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES

PACKAGE_DIR = Path(protocol.__file__).parent
README = PACKAGE_DIR / "README.md"


def headings() -> list[str]:
    return re.findall(r"^### `([^`]+)`\s*$", README.read_text(encoding="utf-8"), re.MULTILINE)


def test_every_message_type_is_documented() -> None:
    missing = (CLIENT_MESSAGE_TYPES | SERVER_MESSAGE_TYPES) - set(headings())
    assert not missing, f"protocol/README.md lacks a heading for {sorted(missing)}"


def test_note_and_code_are_documented_in_both_directions() -> None:
    assert headings().count("note") == 2
    assert headings().count("code") == 2


def test_readme_documents_no_unknown_type() -> None:
    assert set(headings()) <= CLIENT_MESSAGE_TYPES | SERVER_MESSAGE_TYPES


def test_import_pulls_in_no_io_framework() -> None:
    code = (
        "import sys, protocol, protocol.tools.make_vectors\n"
        "banned = ('asyncio', 'quart', 'sqlalchemy')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]"


def test_sources_import_only_stdlib_and_msgpack() -> None:
    allowed = set(sys.stdlib_module_names) | {"msgpack", "protocol"}
    for path in PACKAGE_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if path.name == "face_message_fast_path.py":  # msgspec, optional: see the next test
            source = source.replace("    import msgspec\n", "")
        for match in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", source, re.MULTILINE):
            assert match.group(1) in allowed, f"{path.name} imports {match.group(1)}"


def test_without_msgspec_every_frame_takes_the_full_path() -> None:
    code = (
        "import sys\n"
        "sys.modules['msgspec'] = None  # as if it were not installed\n"
        "import msgpack\n"
        "from protocol import decode_client_frame\n"
        "from protocol.face_message_fast_path import decode_face_message\n"
        "frame = msgpack.packb({'t': 'face', 'seq': 1, 'd': {'frames': [{'t': 1, 'present': True}]}})\n"
        "assert decode_face_message(frame, __import__('protocol').DEFAULT_LIMITS) is None\n"
        "print(decode_client_frame(frame).message.to_payload())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_DIR.parent,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'frames': [{'t': 1, 'present': True}]}"
