"""The protocol version spoken by this package (``v`` in ``hello`` and ``welcome``)."""

from __future__ import annotations

from typing import Final

PROTOCOL_VERSION: Final = 1
