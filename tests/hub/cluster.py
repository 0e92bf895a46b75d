"""A PostgreSQL server of one test's own, which the test may stop and start again.

It runs from the binaries the ``pgserver`` package ships, with its data folder (and its
Unix socket) in a folder of its own under the tests' data folder (not the shared temporary
folder, whose permissions concurrent test runs change), so restarting it touches nothing else.
"""

from __future__ import annotations

import secrets
import shutil
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from tests.database import TEST_DATA_DIR


class DedicatedCluster:
    def __init__(self) -> None:
        self.root = TEST_DATA_DIR / f"cluster-{secrets.token_hex(4)}"
        self.pgdata = self.root / "pg"
        self._server: Any = None

    def start(self) -> str:
        """Start the server (initialising its folder the first time); its URL."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
            import pgserver

            if self._server is None:
                self.pgdata.parent.mkdir(parents=True, exist_ok=True)
                self._server = pgserver.get_server(self.pgdata, cleanup_mode="delete")
            else:
                with self._server._lock:
                    self._server.ensure_postgres_running()
        return str(self._server.get_uri())

    def stop(self) -> None:
        """Shut down now ("fast": open transactions are rolled back, clients disconnected)."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user)

    def remove(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def dedicated_cluster() -> Iterator[tuple[DedicatedCluster, str]]:
    cluster = DedicatedCluster()
    try:
        yield cluster, cluster.start()
    finally:
        cluster.remove()
