#!/usr/bin/env python3
"""An HTTP health check of one MariaDB Galera node, for HAProxy's `option httpchk`.

    python3 galera_health.py --listen 127.0.0.1:9200 [--timeout 2] [-- CLIENT COMMAND...]

Each request runs the client command (by default `mariadb
--defaults-extra-file=/etc/mysql/galera-health.cnf`) with `-N -B -e QUERY`, and answers `200
Synced Primary` when the node may take the cluster's writes: wsrep on, Synced (state 4), in the
primary component, ready, and not read-only. Anything else is a `503` whose one-line body says
why (`Donor/Desynced`, `non-Primary (Disconnected)`, `not ready`, `wsrep off`, `read_only`,
`client failed: ...`): HAProxy then takes the node out of rotation. `SET GLOBAL read_only = ON`
is how an operator drains a node on purpose.

The standard library only: a database node has python3, not PyMySQL. The body quotes the
client's error line, never its command line (which may hold a password).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_CLIENT = ["mariadb", "--defaults-extra-file=/etc/mysql/galera-health.cnf"]
QUERY = (
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_cluster_status',"
    " 'wsrep_ready', 'wsrep_local_state_comment');"
    " SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'read_only')"
)
SYNCED = "4"  # wsrep_local_state: 1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced


class ClientFailed(Exception):
    """The client command could not say the node's state."""


def node_status(client: list[str], timeout: float) -> dict[str, str]:
    """The node's wsrep status and variables, by name, as the client prints them."""
    try:
        done = subprocess.run(  # noqa: S603 - the operator's own command, no shell
            [*client, "-N", "-B", "-e", QUERY], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise ClientFailed(f"no answer in {timeout:g} s") from exc
    except OSError as exc:
        raise ClientFailed(f"{client[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")]  # not a password warning
        raise ClientFailed((errors or lines or [f"exit status {done.returncode}"])[0][:200])
    return dict(line.split("\t", 1) for line in done.stdout.splitlines() if "\t" in line)


def verdict(status: dict[str, str]) -> tuple[bool, str]:
    """Whether a node in this state may take writes, and the one-line reason."""
    if status.get("wsrep_on") != "ON":
        return False, "wsrep off"
    if status.get("wsrep_cluster_status") != "Primary":
        return False, f"non-Primary ({status.get('wsrep_cluster_status', 'unknown')})"
    if status.get("wsrep_local_state") != SYNCED:
        return False, status.get("wsrep_local_state_comment") or "not Synced"
    if status.get("wsrep_ready") != "ON":
        return False, "not ready"
    if status.get("read_only") == "ON":
        return False, "read_only"
    return True, "Synced Primary"


def check(client: list[str], timeout: float) -> tuple[int, str]:
    """The HTTP status and body for the node's state right now."""
    try:
        healthy, reason = verdict(node_status(client, timeout))
    except ClientFailed as exc:
        return 503, f"client failed: {exc}"
    return (200 if healthy else 503), reason


class Handler(BaseHTTPRequestHandler):
    """Answers every GET, HEAD or OPTIONS (HAProxy's default check) with the node's state."""

    client: list[str] = DEFAULT_CLIENT
    timeout: float = 2.0

    def do_GET(self) -> None:
        """Run the check and answer it."""
        status, reason = check(self.client, self.timeout)
        body = (reason + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_OPTIONS = do_GET

    def handle(self) -> None:
        """Serve one request; a checker that hangs up before the answer is not an error."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def log_message(self, format: str, *args) -> None:
        """No line per request: HAProxy asks every second."""


def main(argv: list[str] | None = None) -> None:
    """Serve the check until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:9200", help="HOST:PORT to serve on")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds for the client")
    parser.add_argument("client", nargs="*", help="after --: the client command and its options")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    Handler.client = args.client or DEFAULT_CLIENT
    Handler.timeout = args.timeout
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer((host, int(port)), Handler)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
