"""HAProxy with deploy/cluster/haproxy.cfg in front of MariaDB servers on loopback, each with
deploy/cluster/galera_health.py as its health check. The config is the shipped file with only
its addresses and paths replaced (`rewritten` fails when one is no longer in it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pymysql

from tests.e2e.deps import wait_for_port
from tests.e2e.web_servers import DEPLOY, rewritten
from tests.smtp import free_port

CLUSTER = DEPLOY / "cluster"
HAPROXY = Path("/usr/sbin/haproxy")  # Debian's (deploy/install-servers.sh)


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


class HAProxy:
    """haproxy in the foreground with deploy/cluster/haproxy.cfg, its addresses on loopback."""

    def __init__(self, servers: list[tuple[int, int]], binary: Path = HAPROXY):
        """servers: (MariaDB port, health check port) of db1, db2 and db3."""
        self.dir = Path(tempfile.mkdtemp(prefix="mfa-haproxy-"))
        self.port = free_port()
        replacements = {
            "bind 10.0.0.10:3306": f"bind 127.0.0.1:{self.port}",
            # the nodes: each MariaDB port, and its health check's port
            **{
                f"10.0.0.{11 + i}:3306": f"127.0.0.1:{db} port {check}"
                for i, (db, check) in enumerate(servers)
            },
            "log /dev/log local0": "log stderr local0",
            "chroot /var/lib/haproxy\n": "",
            "/run/haproxy/admin.sock": str(self.dir / "admin.sock"),
            "    user haproxy\n    group haproxy\n": "",
            "peer haproxy1 127.0.0.1:10000": f"peer haproxy1 127.0.0.1:{free_port()}",
        }
        (self.dir / "haproxy.cfg").write_text(rewritten(CLUSTER / "haproxy.cfg", replacements))
        self.command = [str(binary), "-db", "-f", str(self.dir / "haproxy.cfg")]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> HAProxy:
        self.process = subprocess.Popen(self.command, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 10)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def reload(self) -> None:
        """What `systemctl reload haproxy` does: a new process takes over from the old one."""
        old = self.process
        self.process = subprocess.Popen(
            [*self.command, "-sf", str(old.pid)], stderr=subprocess.DEVNULL
        )
        old.wait(10)

    def server_up(self, name: str) -> bool:
        """Whether HAProxy counts a server as up (its runtime API's srv_op_state 2)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.dir / "admin.sock"))
            sock.sendall(b"show servers state galera\n")
            answer = b"".join(iter(lambda: sock.recv(65536), b"")).decode()
        rows = [line.split() for line in answer.splitlines()[1:] if not line.startswith("#")]
        return any(row[3:4] == [name] and row[5] == "2" for row in rows)

    def node_port(self) -> int | None:
        """The MariaDB port a new connection through the proxy reaches, or None if refused
        (or cut: one that reached a node just marked down is closed under it)."""
        try:
            conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=3)
            with conn.cursor() as cur:
                cur.execute("SELECT @@port")
                port = cur.fetchone()[0]
            conn.close()
        except pymysql.err.MySQLError:
            return None
        return port
