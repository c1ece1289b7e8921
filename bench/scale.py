"""P4: the cost of a login and its verification with 1,000,000 accounts against 1,000.

    python -m bench.scale [--db sqlite|mysql] [--small 1000] [--large 1000000] [--logins 100]

For each size: a fresh database seeded with that many verified accounts (and as many security
events and failure counters, as a busy install has), then `logins` users who sign up through
the API and log in on the mfa-php face: the medians of /login and of /verify. Password hashing
is set cheap here (Argon2id t=1, 64 KiB): the figure is about lookups, not hashing. Goal: each
median at the large size <= 1.2 x the small one.
"""

from __future__ import annotations

import argparse
import logging
import time

import pyotp
from cryptography.fernet import Fernet

from bench.support import database, median_ms, previous_step_code
from mfa_api import create_app
from mfa_api.db import connect
from mfa_api.migrate import upgrade
from mfa_api.state import fill

PASSWORD = "Scale-bench-password-1"
BATCH = 10_000


class _Inbox:
    """A mailer that keeps the latest code per address (in this process)."""

    def __init__(self):
        self.codes: dict[str, str] = {}

    def send(self, email) -> None:
        """Keep the code."""
        if email.code:
            self.codes[email.to] = email.code


def seed(url: str, accounts: int) -> None:
    """`accounts` verified users, one security event and one failure counter each, all recent
    (so that housekeeping, which purges what is past its retention, leaves them be)."""
    now = int(time.time())
    db = connect(url)
    try:
        upgrade(db)
        for start in range(0, accounts, BATCH):
            numbers = range(start, min(start + BATCH, accounts))
            with db.transaction():
                db.execute_many(
                    "INSERT INTO users (names, email, phone, password, is_verified, auth_code, "
                    "otp, trials, twofa_enabled, token_version) "
                    "VALUES ('Seed', ?, ?, '$argon2id$seeded', 1, '', '', 0, 1, 0)",
                    [(f"seed{n}@example.com", f"2507{n:08d}") for n in numbers],
                )
                db.execute_many(
                    "INSERT INTO security_events (user_id, event, ip, user_agent, request_id, "
                    "at, detail) VALUES (?, 'login_succeeded', '203.0.113.9', 'seed', 'seed', "
                    "?, NULL)",
                    [(n + 1, now - n % 86400) for n in numbers],
                )
                db.execute_many(
                    "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, "
                    "updated_at) VALUES ('password', ?, 1, 0, ?)",
                    [(f"seed{n}@example.com|203.0.113.9", now) for n in numbers],
                )
    finally:
        db.close()


def _app(url: str):
    """The service on url, hashing set cheap, mail kept in an _Inbox; (test client, inbox)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "scale-Hk2sN8pX4vB7qL1zR9tY3wC6mJ0fG5dA_eU-iO8rT2k",
            "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
            "DATABASE_URL": url,
            "MAIL_SERVER": "localhost",
            "RATELIMIT_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 64,
            "LEGACY_BCRYPT_COST": None,
        }
    )
    logging.getLogger("mfa_api.requests").setLevel(logging.WARNING)
    inbox = _Inbox()
    fill(app, mailer=inbox)
    return app.test_client(), inbox


def one_login(client, inbox: _Inbox, n: int) -> tuple[float, float]:
    """A new user signs up, then logs in and verifies: (seconds of /login, of /verify)."""
    email = f"target{n}@example.com"
    body = {"names": "T", "email": email, "phone": f"25079{n:07d}", "password": PASSWORD}
    answer = client.post("/mfa-php/api/register", json=body)
    totp = pyotp.TOTP(answer.json["data"]["secret"])
    verify = {"email": email, "email_otp": inbox.codes[email]}
    client.post("/mfa-php/api/verify", json={**verify, "auth_code": previous_step_code(totp)})
    started = time.perf_counter()
    client.post("/mfa-php/api/login", json={"email": email, "password": PASSWORD})
    login = time.perf_counter() - started
    verify = {"email": email, "email_otp": inbox.codes[email], "auth_code": totp.now()}
    started = time.perf_counter()
    answer = client.post("/mfa-php/api/verify", json=verify)
    if answer.status_code != 200:
        raise RuntimeError(f"/verify: {answer.status_code} {answer.json}")
    return login, time.perf_counter() - started


def run(db: str, small: int, large: int, logins: int) -> dict:
    """Seed both sizes, then measure them in turns (the machine's drift touches both alike)."""
    with database(db) as small_url, database(db) as large_url:
        seconds = {}
        for size, url in ((small, small_url), (large, large_url)):
            started = time.monotonic()
            seed(url, size)
            seconds[size] = time.monotonic() - started
        apps = {small: _app(small_url), large: _app(large_url)}
        times = {size: ([], []) for size in apps}
        for n in range(logins):
            for size, (client, inbox) in apps.items():
                login, verify = one_login(client, inbox, n)
                times[size][0].append(login)
                times[size][1].append(verify)
    return {
        size: {"login": median_ms(t[0]), "verify": median_ms(t[1]), "seed_s": seconds[size]}
        for size, t in times.items()
    }


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="sqlite")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--logins", type=int, default=100)
    args = parser.parse_args()
    got = run(args.db, args.small, args.large, args.logins)
    small, large = got[args.small], got[args.large]
    print(f"P4 scale: {args.db}, medians of {args.logins} logins (hashing set cheap)")
    for size in (args.small, args.large):
        row = got[size]
        print(
            f"  {size:>9,} accounts (seeded in {row['seed_s']:5.1f} s): "
            f"/login {row['login']:6.2f} ms, /verify {row['verify']:6.2f} ms"
        )
    print(f"  /login  large / small (goal <= 1.2)  {large['login'] / small['login']:6.2f}")
    print(f"  /verify large / small (goal <= 1.2)  {large['verify'] / small['verify']:6.2f}")


if __name__ == "__main__":
    main()
