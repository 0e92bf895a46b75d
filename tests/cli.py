"""Running ``interview-engine`` as a script would, for tests of its behaviour and exit codes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Mapping

from server.settings import PROJECT_ROOT


async def run_cli(env: Mapping[str, str], *args: str, stdin: bytes | None = None,
                  timeout_s: float = 120) -> subprocess.CompletedProcess[bytes]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "RECORDING_RETENTION_DAYS",
                                  "FACE_RETENTION_DAYS", "APP_ENV")}
    environment.update(env)
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server.cli", *args], cwd=PROJECT_ROOT,
        env=environment, input=stdin if stdin is not None else b"", capture_output=True,
        timeout=timeout_s,
    )
