"""What the benchmarks share: the service under gunicorn as deploy/ runs it, a loopback SMTP
server whose codes a client reads, a keep-alive JSON client, and medians."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from tests.e2e.deps import wait_for_port
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET_KEY = "Qm3xv0h0l3Rj9cJxw7Zq4sVbT1yK8nE2aP5uD6gW0fI"
MYSQL_URL = os.environ.get("MFA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")


def median_ms(samples: list[float]) -> float:
    """The median of samples in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def previous_step_code(totp: pyotp.TOTP, margin: float = 0.5) -> str:
    """The code of the TOTP step before the current one (a sign-up leaves the current step for
    the login), computed at least `margin` seconds before the step ends: checked a moment
    later by the server, it is still within its window (one step back), not two steps back.
    (About one journey in 60 waits, ~0.3 s on average.)"""
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left + 0.05)
    return totp.at(time.time() - totp.interval)


def run_threads(targets: list[Callable[[], object]]) -> float:
    """Run each target in a thread of its own, all at once; the seconds until all are done."""
    threads = [threading.Thread(target=target) for target in targets]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Seconds each of `runs` calls of action took."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database of that kind (sqlite or mysql) for one run; its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as where:
            yield f"sqlite:///{where}/bench.sqlite3"
        return
    import pymysql

    name = f"mfa_bench_{os.getpid()}_{int(time.time())}"
    server = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    try:
        with server.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        yield MYSQL_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        server.close()


def service_env(database_url: str, smtp_port: int, **settings) -> dict:
    """A production environment for the service (no FLASK_DEBUG), rate limits off: the
    benchmarks measure work, not refusals."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFA_") and k != "FLASK_DEBUG"}
    values = {
        "SECRET_KEY": SECRET_KEY,
        "ENCRYPTION_KEYS": json.dumps([Fernet.generate_key().decode()]),
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "RATELIMIT_ENABLED": "false",
        "LEGACY_BCRYPT_COST": "null",  # a fresh install: no mfa-php hashes to wait for
        **settings,
    }
    env.update({f"MFA_{key}": str(value) for key, value in values.items()})
    return env


def init_db(env: dict) -> None:
    """Apply the schema to the database the environment names (flask init-db)."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "init-db"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def gunicorn(env: dict, workers: int | None = None, threads: int | None = None):
    """The service as deploy/mfa-api.service starts it (deploy/gunicorn.conf.py), schema
    applied, on a free loopback port; yields the port."""
    init_db(env)
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:application"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_for_port(port, 30)
            # deploy/gunicorn.conf.py's default, unless the environment says otherwise
            expected = env.get("GUNICORN_WORKERS") or max(2, 2 * (os.cpu_count() or 1))
            wait_until_booted(process.pid, int(expected))
            yield port, process
        finally:
            process.terminate()
            process.wait(timeout=30)


class CodeSink:
    """A loopback SMTP server in this (the client's) process that keeps the latest one-time
    code mailed to each address (and nothing else: a run sends thousands)."""

    def __init__(self, pipelining: bool = True):
        self.port = free_port()
        self.latest: dict[str, str] = {}
        self.received = 0
        self.pipelining = pipelining
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """Offer PIPELINING, as Postfix, Exim and the large relays do (unless told not to)."""
        session.host_name = hostname
        offered = ["250-PIPELINING"] if self.pipelining else []
        return responses[:1] + offered + responses[1:]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        found = re.search(rb"verification code: (\d{6})", envelope.content)  # the Subject
        for to in envelope.rcpt_tos:
            if found:
                self.latest[to.lower()] = found.group(1).decode()
        self.received += 1
        return "250 OK"

    def code_for(self, to: str, timeout: float = 10.0) -> str:
        """The latest code mailed to `to`, waiting for one that was not taken before."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.latest.pop(to.lower(), None)
            if code:
                return code
            time.sleep(0.002)
        raise RuntimeError(f"no code mailed to {to}")


@contextmanager
def smtp_sink(pipelining: bool = True) -> Iterator[CodeSink]:
    """A CodeSink, listening while the block runs."""
    sink = CodeSink(pipelining)
    sink._controller.start()
    try:
        yield sink
    finally:
        sink._controller.stop()


class Client:
    """JSON over one keep-alive HTTP connection (one per thread)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body=None, token: str | None = None):
        """(status, JSON body) of one request."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None


def wait_until_booted(master_pid: int, workers: int, timeout: float = 60) -> None:
    """Wait until the workers have loaded the app: gunicorn listens before its workers import
    it (~0.4 s of CPU each), which would otherwise count in the first figures. Booted: as many
    workers as asked, and their CPU still for a quarter of a second."""
    deadline = time.monotonic() + timeout
    before = -1.0
    while time.monotonic() < deadline:
        children = workers_of(master_pid)
        now = server_cpu_seconds(master_pid)
        if children and len(children) >= workers and now - before < 0.01:
            return
        before = now
        time.sleep(0.25)
    raise TimeoutError("the gunicorn workers did not settle")


def workers_of(master_pid: int) -> list[str]:
    """The pids of the gunicorn workers of master_pid."""
    return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()


def server_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user and system) the gunicorn workers of master_pid have used so far."""
    children = workers_of(master_pid)
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


@contextmanager
def delayed(port: int, one_way_seconds: float) -> Iterator[int]:
    """A loopback TCP proxy to port that delivers every byte one_way_seconds after it arrived,
    both ways, as a network with that latency would (a round trip: twice it); yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def pump(source: socket.socket, target: socket.socket) -> None:
        due: queue.SimpleQueue = queue.SimpleQueue()

        def deliver() -> None:
            while (item := due.get()) is not None:
                at, data = item
                time.sleep(max(0.0, at - time.monotonic()))
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)

        threading.Thread(target=deliver, daemon=True).start()
        while data := source.recv(65536):
            due.put((time.monotonic() + one_way_seconds, data))
        due.put(None)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            server = socket.create_connection(("127.0.0.1", port))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=pump, args=(source, target), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
