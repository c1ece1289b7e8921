"""deploy/cluster/galera_health.py run on loopback for a MariaDB server of the test's own."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager

from tests.e2e.deps import wait_for_port
from tests.e2e.web_servers import DEPLOY
from tests.smtp import free_port

CLUSTER = DEPLOY / "cluster"


def client(port: int) -> list[str]:
    """The client command the health check runs, as the cluster harness gives it."""
    return ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", "root"]


@contextmanager
def health_check(port: int, command: list[str] | None = None, timeout: float = 2):
    """deploy/cluster/galera_health.py for the MariaDB on port (or with that client command);
    yields its own port."""
    listen = free_port()
    process = subprocess.Popen(
        [sys.executable, str(CLUSTER / "galera_health.py"), "--listen", f"127.0.0.1:{listen}",
         "--timeout", str(timeout), "--", *(command or client(port))],
    )  # fmt: skip
    try:
        wait_for_port(listen, 10)
        yield listen
    finally:
        process.terminate()
        assert process.wait(10) == 0  # SIGTERM is a clean stop


def ask(port: int) -> tuple[int, str]:
    """GET / of a health check: (status, body)."""
    url = f"http://127.0.0.1:{port}/"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
