"""P5: memory per gunicorn worker after 10,000 requests, and its growth after warm-up.

    python -m bench.memory [--db sqlite|mysql] [--requests 10000] [--give-back]

Two workers (deploy/gunicorn.conf.py otherwise), 8 clients sending a mix like a day's: a
token-checked read (GET /api/auth/events), a login (password hashed, code mailed), a verify
with wrong codes, a health check. RSS of each worker (from /proc) after the first 10% of the
requests and at the end. Goals: <= 80 MB a worker, no growth after warm-up. Also each worker's
private memory at the end (USS: what one more worker costs; the rest of its RSS is pages of
the libraries and the interpreter that every process shares). --give-back runs the
workers with ARGON2_KEEP_MEMORY=false (Argon2id's block given back to the system after each
hash, at a CPU cost).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from bench.journeys import PASSWORD, journey
from bench.support import (
    Client,
    database,
    gunicorn,
    run_threads,
    service_env,
    smtp_sink,
    workers_of,
)


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each worker of master_pid, in MB."""
    sizes = []
    for pid in workers_of(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def worker_private_mb(master_pid: int) -> list[float]:
    """Memory of each worker of master_pid that no other process shares (USS), in MB."""
    sizes = []
    for pid in workers_of(master_pid):
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
        )
        private = sum(int(fields[key].split()[0]) for key in ("Private_Clean", "Private_Dirty"))
        sizes.append(private / 1024)
    return sizes


def run(db: str, requests: int, give_back: bool, clients: int = 8) -> dict:
    """The figures."""
    with (
        database(db) as url,
        smtp_sink() as sink,
        gunicorn(
            service_env(url, sink.port, ARGON2_KEEP_MEMORY=str(not give_back).lower()),
            workers=2,
        ) as (port, server),
    ):
        token, _ = journey(Client(port), sink, "p5@example.com", "250788000005")
        sent = itertools.count()
        warm: list[list[float]] = []
        warm_at = requests // 10

        def mix(client: Client, n: int) -> None:
            kind = n % 20
            if kind == 0:
                login = {"email": "p5@example.com", "password": PASSWORD}
                client.call("POST", "/mfa-php/api/login", login)
            elif kind < 4:
                wrong = {"email": f"x{n}@example.com", "email_otp": "000000", "auth_code": "1"}
                client.call("POST", "/mfa-php/api/verify", wrong)
            elif kind < 6:
                client.call("GET", "/healthz")
            else:
                client.call("GET", "/api/auth/events?limit=5", token=token)

        def loop() -> None:
            client = Client(port)
            while (n := next(sent)) < requests:
                mix(client, n)
                if n == warm_at:
                    warm.append(worker_rss_mb(server.pid))

        run_threads([loop] * clients)
        final, private = worker_rss_mb(server.pid), worker_private_mb(server.pid)
    return {"warm": warm[0], "final": final, "private": private}


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--give-back", action="store_true")
    args = parser.parse_args()
    got = run(args.db, args.requests, args.give_back)
    kept = "given back" if args.give_back else "kept"
    print(f"P5 memory: {args.db}, {args.requests} requests, 2 workers, Argon2id memory {kept}")
    print(
        "  RSS per worker after warm-up      "
        + "  ".join(f"{mb:6.1f}" for mb in got["warm"])
        + " MB"
    )
    print(
        "  RSS per worker at the end (<= 80) "
        + "  ".join(f"{mb:6.1f}" for mb in got["final"])
        + " MB"
    )
    print(
        "    of which its own (USS)          "
        + "  ".join(f"{mb:6.1f}" for mb in got["private"])
        + " MB"
    )
    growth = max(b - a for a, b in zip(got["warm"], got["final"], strict=True))
    print(f"  largest growth after warm-up      {growth:6.1f} MB")


if __name__ == "__main__":
    main()
