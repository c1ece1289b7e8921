"""Dependencies of the tests' own, on spare loopback ports, that a test may pause, kill or
stall (CI's shared MariaDB and Redis are never touched), and load to run while it does."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pymysql

from tests.smtp import free_port


def wait_for_port(port: int, seconds: float = 30) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"  # Debian's galera-4


class PrivateMariaDB:
    """A MariaDB server of the test's own: start(), pause(), resume(), kill(), stop(). With
    galera, a one-node Galera cluster it bootstraps (wsrep on, as on every node of one)."""

    def __init__(self, *, galera: bool = False, options: tuple[str, ...] = ()):
        self.dir = tempfile.mkdtemp(prefix="mariadb-")
        self.port = free_port()
        self.galera = galera
        self.options = options  # more of mariadbd's own (TLS certificates, say)
        self.process: subprocess.Popen | None = None
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={self.dir}/data",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--user=root",
            ],
            capture_output=True,
            check=True,
            timeout=120,
        )

    def start(self) -> PrivateMariaDB:
        """Run the server (again, on the same data and port) and wait for it."""
        self.process = subprocess.Popen(
            [
                "/usr/sbin/mariadbd",
                "--no-defaults",
                f"--datadir={self.dir}/data",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.dir}/sock",
                f"--pid-file={self.dir}/pid",
                "--user=root",
                "--innodb-buffer-pool-size=16M",
                "--skip-log-bin",
                f"--log-error={self.dir}/error.log",
                *(self._galera_options() if self.galera else ()),
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def _galera_options(self) -> list[str]:
        return [
            "--wsrep-on=ON",
            f"--wsrep-provider={GALERA_PROVIDER}",
            "--wsrep-cluster-address=gcomm://",  # bootstraps a new cluster of this node
            "--wsrep-node-address=127.0.0.1",
            f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{free_port()};"
            "gcache.size=16M",
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
        ]

    def url(self, database: str) -> str:
        """The URL of one of its databases (created if missing)."""
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        conn.close()
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def pause(self) -> None:
        """Freeze it (SIGSTOP): connections stay open, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let it run again (SIGCONT)."""
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Kill it outright (SIGKILL), as a crash would."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        """Stop it and forget its data."""
        if self.process and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        subprocess.run(["rm", "-rf", self.dir], check=False)


class PrivateRedis:
    """A Redis of the test's own, keeping nothing on disk: start(), pause(), resume(), kill()."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        """Run it (again, empty) and wait for it."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)
        return self

    def pause(self) -> None:
        """Freeze it (SIGSTOP)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let it run again."""
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Kill it: everything it held is gone."""
        self.resume()
        self.process.kill()
        self.process.wait(10)


class StalledSmtp:
    """An SMTP port that accepts connections and never says a word."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.sock = socket.create_server(("127.0.0.1", self.port))
        self.held: list[socket.socket] = []
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)  # open, silent

    def stop(self) -> None:
        """Close the port and every connection it held."""
        self._running = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.sock.close()
        for conn in self.held:
            conn.close()


@dataclass
class Answer:
    """One request of the load: what was asked, when, how long it took, what came back."""

    name: str
    started: float
    seconds: float
    status: int
    json: bool


def call(base: str, method: str, path: str, body=None, token=None) -> tuple[int, bool, dict]:
    """One JSON request; (status, whether the answer was JSON, the body or {})."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the service under test, on loopback
        base + path, data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return _read(response.status, response)
    except urllib.error.HTTPError as error:
        return _read(error.code, error)


def _read(status: int, response) -> tuple[int, bool, dict]:
    raw = response.read()
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    try:
        return status, is_json, json.loads(raw) if is_json else {}
    except ValueError:
        return status, False, {}


class Load:
    """Threads that keep sending their kind of request until stopped; every answer kept."""

    def __init__(self, base: str, kinds: dict, threads_per_kind: int = 2):
        self.base = base
        self.kinds = kinds  # name -> callable(base) -> (status, is_json, body)
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(name, send), daemon=True)
            for name, send in kinds.items()
            for _ in range(threads_per_kind)
        ]

    def _run(self, name: str, send) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            status, is_json, _ = send(self.base)
            self.answers.append(Answer(name, started, time.monotonic() - started, status, is_json))
            time.sleep(0.05)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(90)

    def between(self, start: float, end: float, name: str | None = None) -> list[Answer]:
        """The answers to requests started in [start, end), of one kind or all."""
        return [
            a for a in self.answers if start <= a.started < end and (name is None or a.name == name)
        ]
