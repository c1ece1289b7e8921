"""The real service, started as production starts it: `flask init-db`, then gunicorn."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "w2NqlPN0P8JGDz9I-98aR4XnSx1elPC2c7InDLwPqwk"


ENCRYPTION_KEYS = json.dumps([Fernet.generate_key().decode()])


def service_env(**settings) -> dict:
    """The process environment with only these MFA_* settings (and, unless given, the secret
    key and the encryption key production requires)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFA_") and k != "FLASK_DEBUG"}
    env.update({f"MFA_{key}": str(value) for key, value in settings.items()})
    env.setdefault("MFA_SECRET_KEY", SECRET_KEY)
    env.setdefault("MFA_ENCRYPTION_KEYS", ENCRYPTION_KEYS)
    for key, cheap in (("ARGON2_TIME_COST", "1"), ("ARGON2_MEMORY_KIB", "1024")):
        env.setdefault(f"MFA_{key}", cheap)  # hashing is not what these tests measure
    env.setdefault("MFA_LEGACY_BCRYPT_COST", env.get("MFA_BCRYPT_ROUNDS", "4"))
    return env


def flask_command(env: dict, *args: str) -> str:
    """Run `flask --app wsgi <args>` as an operator would; its output."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def init_db(env: dict) -> str:
    """Run `flask --app wsgi init-db` as an operator would; its output."""
    return flask_command(env, "init-db")


class HttpClient:
    """JSON requests to a server at base (gunicorn, or a proxy in front of it)."""

    def __init__(self, base: str):
        self.base = base

    def exchange(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, dict]:
        """A JSON request (with a bearer token and headers if given); (status, JSON body,
        headers)."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read()), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()), dict(error.headers)

    def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict]:
        """A JSON request (with a bearer token if given); (status, JSON body)."""
        status, answer, _ = self.exchange(method, path, body, token)
        return status, answer

    def post(self, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
        """POST JSON; (status, JSON body)."""
        return self.call("POST", path, body, token)


class Gunicorn(HttpClient):
    """gunicorn serving wsgi:app on a free loopback port; a context manager."""

    def __init__(
        self, env: dict, workers: int = 2, threads: int = 1, command: list[str] | None = None
    ):
        self.env = env
        self.workers = workers
        self.threads = threads  # more than one: gunicorn's gthread workers
        self.command = command  # deploy/'s (its gunicorn.conf.py decides the rest), or ours
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="gunicorn-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [str(BIN / "gunicorn"), "-w", str(self.workers), "--timeout", "30"]
        command += ["--threads", str(self.threads)]
        command += ["-b", f"127.0.0.1:{self.port}", "--access-logfile", "-"]
        command += ["--access-logformat", "ACCESS pid=%(p)s %(m)s %(U)s %(s)s", "wsgi:app"]
        if self.command is not None:
            command = self.command
            self.env = {
                **self.env,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(self.workers),
            }
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.output())
            if self._every_worker_booted():
                return self
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start:\n" + self.output())

    def _every_worker_booted(self) -> bool:
        """Each worker has made its app. (The port accepts as soon as the master listens: a
        request sent then waits for a worker to finish booting, which is not what a test of
        a running service measures. No probe request either: it would count in /metrics.)"""
        return self.output().count("Settings from ") >= self.workers

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.unlink(self.log.name)

    def output(self) -> str:
        """What the server has written to its log so far."""
        return Path(self.log.name).read_text(errors="replace")

    def worker_pids(self, path: str) -> set[str]:
        """The gunicorn workers that answered requests to path, from the access log."""
        pattern = re.compile(rf"ACCESS pid=<?(\d+)>? \w+ {re.escape(path)} ")
        return set(pattern.findall(self.output()))


def unit_command() -> list[str]:
    """ExecStart of deploy/mfa-api.service, for this checkout and its virtualenv."""
    unit = (ROOT / "deploy" / "mfa-api.service").read_text()
    line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=")
    assert "/srv/mfa-api/.venv/bin/" in command and "/srv/mfa-api/deploy/" in command
    command = command.replace("/srv/mfa-api/.venv/bin/", f"{BIN}/")
    return shlex.split(command.replace("/srv/mfa-api/", f"{ROOT}/"))


def totp(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of secret now (real time: the server's clock), or steps ahead."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def register_user(server: HttpClient, smtp, email: str, password: str, phone: str) -> str:
    """Register and verify through the mfa-php face (TOTP step -1, leaving 0 and +1 free);
    the TOTP secret."""
    body = {"names": "E2E", "email": email, "phone": phone, "password": password}
    status, answer = server.post("/mfa-php/api/register", body)
    assert status == 200, answer
    secret = answer["data"]["secret"]
    verify = {"email": email, "email_otp": smtp.last_code(email), "auth_code": totp(secret, -1)}
    status, answer = server.post("/mfa-php/api/verify", verify)
    assert status == 200, answer
    return secret
