"""P2: what /login costs beyond its one password check, mail to a loopback SMTP server included.

    python -m bench.login_overhead [--db sqlite|mysql] [--runs 60] [--smtp-rtt-ms 10]

One gunicorn worker with one thread (deploy/gunicorn.conf.py otherwise), one client, one user
logging in again and again: the median /login (password checked, a code made, stored and
mailed) less the median of one password check at the same settings, measured in this
process. Goal: <= 5 ms.

--smtp-rtt-ms puts that much network round trip between the service and its SMTP server (a
proxy that delays every byte by half of it each way), and runs the logins twice: with the
server offering PIPELINING and without, to show what pipelining saves a login.
"""

from __future__ import annotations

import argparse
import time

from bench.journeys import PASSWORD, journey
from bench.support import Client, database, delayed, gunicorn, median_ms, service_env, smtp_sink
from mfa_api.security.passwords import Hasher, verify_password


def run(db: str, runs: int, smtp_rtt_ms: float = 0.0, pipelining: bool = True) -> dict:
    """The figures: each /login timed right after one password check here (interleaved, so
    the machine's drift touches both alike)."""
    hasher = Hasher()
    stored = hasher.hash(PASSWORD)
    with (
        database(db) as url,
        smtp_sink(pipelining) as sink,
        delayed(sink.port, smtp_rtt_ms / 2000) as smtp_port,
        gunicorn(service_env(url, smtp_port), workers=1, threads=1) as (port, _),
    ):
        client = Client(port)
        journey(client, sink, "p2@example.com", "250788000002")
        body = {"email": "p2@example.com", "password": PASSWORD}

        times, checks = [], []
        for _ in range(runs + 1):
            started = time.perf_counter()
            verify_password(PASSWORD, stored)
            checks.append(time.perf_counter() - started)
            started = time.perf_counter()
            status, answer = client.call("POST", "/mfa-php/api/login", body)
            times.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"/login: {status} {answer}")
            sink.code_for("p2@example.com")  # mailed before the answer: read untimed
    return {"login_ms": median_ms(times[1:]), "hash_ms": median_ms(checks[1:])}


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--smtp-rtt-ms", type=float, default=0.0)
    args = parser.parse_args()
    if args.smtp_rtt_ms:
        away = f"{args.smtp_rtt_ms:g} ms away"
        print(f"P2 /login, SMTP server {away}: {args.db}, medians of {args.runs}")
        for pipelining in (True, False):
            got = run(args.db, args.runs, args.smtp_rtt_ms, pipelining)
            offered = "offers" if pipelining else "does not offer"
            less = got["login_ms"] - got["hash_ms"]
            print(f"  server {offered + ' PIPELINING':30} /login less the check {less:6.1f} ms")
        return
    got = run(args.db, args.runs)
    print(f"P2 /login overhead: {args.db}, Argon2id (defaults), medians of {args.runs}")
    print(f"  /login, right password            {got['login_ms']:8.1f} ms")
    print(f"  one password check                {got['hash_ms']:8.1f} ms")
    print(f"  /login less the check (goal <= 5) {got['login_ms'] - got['hash_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
