"""Concurrent sign-ups on the same emails and phones: no 5xx, and exactly the rows expected.

    python -m bench.registrations [--db mysql|sqlite] [--total 2000] [--clients 16] [--emails 50]

`total` /register requests from `clients` threads at once through gunicorn
(deploy/gunicorn.conf.py), drawn from `emails` addresses and as many phones, so that many race
on the same rows: on MariaDB, concurrent DELETE ... WHERE email = ? + INSERT transactions
deadlock (InnoDB's gap locks) and must be run again. Every answer must be a 200 and
waiting_users must end with one pending sign-up per email (all come from one client).
"""

from __future__ import annotations

import argparse
import itertools
import threading
from collections import Counter

from bench.support import Client, database, gunicorn, run_threads, service_env, smtp_sink
from mfa_api.db import connect


def run(db: str, total: int, clients: int, emails: int) -> dict:
    """The figures."""
    statuses: Counter = Counter()
    numbers = itertools.count()
    with (
        database(db) as url,
        smtp_sink() as sink,
        gunicorn(service_env(url, sink.port, ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=1024)) as (
            port,
            _,
        ),
    ):
        start = threading.Barrier(clients)

        def sign_ups() -> None:
            client = Client(port)
            start.wait()
            while (n := next(numbers)) < total:
                body = {
                    "names": "Race",
                    "email": f"race{n % emails}@example.com",
                    "phone": f"25078{n % emails:07d}",
                    "password": "Race-password-1234",
                }
                status, _ = client.call("POST", "/mfa-php/api/register", body)
                statuses[status] += 1

        elapsed = run_threads([sign_ups] * clients)
        conn = connect(url)
        try:
            rows = conn.fetch_one("SELECT COUNT(*) AS n FROM waiting_users")["n"]
            distinct = conn.fetch_one("SELECT COUNT(DISTINCT email) AS n FROM waiting_users")["n"]
        finally:
            conn.close()
    return {
        "statuses": dict(statuses),
        "rows": rows,
        "distinct": distinct,
        "seconds": elapsed,
        "mails": sink.received,
    }


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="mysql")
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--emails", type=int, default=50)
    args = parser.parse_args()
    got = run(args.db, args.total, args.clients, args.emails)
    errors = sum(n for status, n in got["statuses"].items() if status >= 500)
    print(
        f"Concurrent sign-ups: {args.db}, {args.total} from {args.clients} clients on "
        f"{args.emails} emails, {got['seconds']:.1f} s"
    )
    print(f"  answers by status                 {got['statuses']}")
    print(f"  5xx (goal 0)                      {errors:8d}")
    print(
        f"  pending rows / emails (goal 1)    {got['rows']}/{args.emails}, "
        f"{got['distinct']} distinct"
    )


if __name__ == "__main__":
    main()
