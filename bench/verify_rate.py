"""P3: /api/auth/2fa/verify requests per second against a bare Flask "hello" on the same gunicorn.

    python -m bench.verify_rate [--db sqlite|mysql] [--verifies 800] [--clients 8]

Both served by deploy/gunicorn.conf.py (the same workers and threads; GUNICORN_WORKERS and
GUNICORN_THREADS in the environment change both), both driven by the same clients over
keep-alive connections; the workers' CPU per verify is printed too. Each verify finishes a
real login: a challenge token and the right TOTP code of a user who signed up beforehand (each
challenge answers once and each TOTP step is accepted once, so every request is a distinct
user's). Goal: >= 50% of hello's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from itertools import count

import pyotp

from bench.journeys import PASSWORD, journey
from bench.support import (
    BIN,
    ROOT,
    Client,
    database,
    gunicorn,
    run_threads,
    server_cpu_seconds,
    service_env,
    smtp_sink,
    wait_for_port,
)
from tests.smtp import free_port

CHEAP_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 64}


def blast(port: int, requests: list, clients: int) -> float:
    """Send every (method, path, body, token) request from `clients` threads; requests/s."""
    next_one = count()
    failures = []

    def loop() -> None:
        client = Client(port)
        while (n := next(next_one)) < len(requests):
            method, path, body, token = requests[n]
            status, answer = client.call(method, path, body, token)
            if status != 200:
                failures.append((status, answer))

    elapsed = run_threads([loop] * clients)
    if failures:
        raise RuntimeError(f"{len(failures)} failed, e.g. {failures[0]}")
    return len(requests) / elapsed


def hello_rate(total: int, clients: int) -> float:
    """Requests/s of bench/hello.py under deploy/gunicorn.conf.py."""
    port = free_port()
    env = {"GUNICORN_BIND": f"127.0.0.1:{port}", "PATH": str(BIN)}
    sizing = ("GUNICORN_WORKERS", "GUNICORN_THREADS")
    env.update({key: value for key, value in os.environ.items() if key in sizing})
    command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "bench.hello:application"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30)
        blast(port, [("POST", "/", {}, None)] * 200, clients)  # warm-up
        return blast(port, [("POST", "/", {}, None)] * total, clients)
    finally:
        process.terminate()
        process.wait(timeout=30)


def verify_rate(db: str, total: int, clients: int) -> tuple[float, float]:
    """Requests/s of /api/auth/2fa/verify finishing logins, and the workers' CPU seconds for
    each."""
    with (
        database(db) as url,
        smtp_sink() as sink,
        gunicorn(service_env(url, sink.port, **CHEAP_HASHING)) as (port, server),
    ):
        client = Client(port)
        requests = []
        for n in range(total):
            email = f"v{n}@example.com"
            _, secret = journey(client, sink, email, f"25077{n:07d}")  # TOTP steps -1, 0 used
            login = {"email": email, "password": PASSWORD}
            challenge = client.call("POST", "/api/auth/login", login)[1]["challengeToken"]
            next_step = pyotp.TOTP(secret).at(time.time() + 30)  # accepted for ~30 s more
            requests.append(("POST", "/api/auth/2fa/verify", {"otp": next_step}, challenge))
        cpu_before = server_cpu_seconds(server.pid)
        rate = blast(port, requests, clients)
        return rate, (server_cpu_seconds(server.pid) - cpu_before) / total


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="sqlite")
    parser.add_argument("--verifies", type=int, default=800)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    hello = hello_rate(args.verifies * 2, args.clients)
    verify, cpu = verify_rate(args.db, args.verifies, args.clients)
    print(f"P3 verify rate: {args.db}, {args.verifies} verifies, {args.clients} clients")
    print(f"  bare Flask hello                  {hello:8.0f} requests/s")
    print(f"  /api/auth/2fa/verify              {verify:8.0f} requests/s")
    print(f"  verify / hello (goal >= 0.50)     {verify / hello:8.2f}")
    print(f"  workers' CPU per verify           {cpu * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
