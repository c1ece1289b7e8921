"""Where a journey's CPU besides hashing goes: each request's CPU, and the mail and database
parts of it, in one process, so that no other process's load is counted.

    python -m bench.cpu_split [--journeys 200]

The app runs in this process (Flask's test client: no gunicorn, no HTTP), on SQLite, with
mail sent to a loopback SMTP server in a thread of its own, and with a hash that costs next to
nothing (Argon2id at t=1, 8 KiB): what is left is the service's own work. The CPU is this
thread's (time.thread_time), around each request, each mail sent and each database statement;
a /healthz is measured the same way as the floor of any request. For comparing two versions of
the code: run each in turn, twice (the machine's speed drifts).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections import Counter
from collections.abc import Callable

import pyotp

from bench.journeys import PASSWORD
from bench.support import database, init_db, previous_step_code, service_env, smtp_sink

LEGACY = "/mfa-php/api"
PARTS = ("register", "verify (sign-up)", "login", "verify (login)")


def timed_by(spent: Counter, key: str, action: Callable):
    """action, whose CPU (this thread's) is added to spent[key] at each call."""

    def wrapper(*args, **kwargs):
        started = time.thread_time()
        try:
            return action(*args, **kwargs)
        finally:
            spent[key] += time.thread_time() - started

    return wrapper


def run(journeys: int) -> dict[str, float]:
    """CPU milliseconds per journey: each request, mail, database statements, and a /healthz."""
    with database("sqlite") as url, smtp_sink() as sink:
        env = service_env(url, sink.port, ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
        init_db(env)
        os.environ.update(env)
        from mfa_api import db, mailer
        from wsgi import application

        logging.disable(logging.CRITICAL)  # the request log would be counted too
        spent: Counter = Counter()
        mailer.SmtpMailer.send = timed_by(spent, "  of which mail", mailer.SmtpMailer.send)
        statement = db.Database._statement
        db.Database._statement = timed_by(spent, "  of which database statements", statement)
        client = application.test_client()

        def call(part: str, body: dict):
            path = f"{LEGACY}/{part.split()[0]}"
            answer = timed_by(spent, part, client.post)(path, json=body)
            if answer.status_code != 200:
                raise RuntimeError(f"{part}: {answer.status_code} {answer.json}")
            return answer.json

        def journey(n: int) -> None:
            email = f"c{run_id}-{n}@example.com"
            body = {"names": "Bench", "email": email, "phone": f"2508{n:08d}", "password": PASSWORD}
            totp = pyotp.TOTP(call("register", body)["data"]["secret"])
            code = {"email": email, "email_otp": sink.code_for(email)}
            call("verify (sign-up)", {**code, "auth_code": previous_step_code(totp)})
            call("login", {"email": email, "password": PASSWORD})
            code = {"email": email, "email_otp": sink.code_for(email)}
            call("verify (login)", {**code, "auth_code": totp.now()})

        run_id = int(time.time())
        for n in range(5):  # warm-up: connections, caches
            journey(journeys + n)
        spent.clear()
        for n in range(journeys):
            journey(n)
        health = timed_by(spent, "a /healthz (the floor)", client.get)
        for _ in range(journeys):
            health("/healthz")
        db.Database._statement = statement
    return {key: seconds / journeys * 1000 for key, seconds in spent.items()}


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=200)
    args = parser.parse_args()
    got = run(args.journeys)
    print(f"CPU split: sqlite, {args.journeys} journeys in one process, a near-free hash")
    for part in PARTS:
        print(f"  {part:34}{got[part]:8.2f} ms")
    print(f"  {'the four requests':34}{sum(got[part] for part in PARTS):8.2f} ms")
    for key in sorted(set(got) - set(PARTS)):
        print(f"  {key:34}{got[key]:8.2f} ms")


if __name__ == "__main__":
    main()
