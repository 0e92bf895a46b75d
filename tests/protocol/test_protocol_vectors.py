from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest

from protocol import (
    ProtocolError,
    decode_client_frame,
    decode_server_frame,
    encode_envelope,
)
from protocol.tools.make_vectors import VECTORS_PATH, build_vectors, render, to_json

VECTORS: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
DECODERS = {"client": decode_client_frame, "server": decode_server_frame}


def test_vectors_file_is_up_to_date() -> None:
    # Regenerate with: python -m protocol.tools.make_vectors
    assert VECTORS_PATH.read_text(encoding="utf-8") == render()


def test_vector_names_are_unique_per_direction() -> None:
    names = [(v["direction"], v["name"]) for v in build_vectors()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if v["valid"]], ids=lambda v: f"{v['direction']}:{v['name']}"
)
def test_valid_vector(vector: dict[str, Any]) -> None:
    frame = bytes.fromhex(vector["hex"])
    envelope = DECODERS[vector["direction"]](frame)
    assert envelope.t == vector["t"]
    assert envelope.seq == vector["seq"]
    assert envelope.ts == vector["ts"]
    assert to_json(envelope.message.to_payload()) == vector["d_json"]
    assert to_json(msgpack.unpackb(frame)["d"]) == vector["d_json"]
    assert encode_envelope(envelope) == frame


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if not v["valid"]], ids=lambda v: f"{v['direction']}:{v['name']}"
)
def test_invalid_vector(vector: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        DECODERS[vector["direction"]](bytes.fromhex(vector["hex"]))
    assert info.value.code == vector["error"]


def test_every_required_error_kind_has_a_vector() -> None:
    names = {v["name"] for v in VECTORS if not v["valid"]}
    for required in (
        "not a map",
        "missing t",
        "missing d",
        "d not a map",
        "unknown type",
        "wrong type: seg as string",
        "transcript too long",
        "too many face frames",
        "audio too large",
        "NaN conf",
        "bool as int: seg true",
        "missing seq on data message",
        "bad hello version",
    ):
        assert required in names
