"""The benchmarks still run (smoke runs, tiny sizes: their figures come from `make bench`)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "legacy_face": (
        ["--db", "sqlite", "--runs", "1", "--hash", "bcrypt", "--rounds", "4"],
        "wrong password, time / unknown email's",
    ),
    "journeys": (
        ["--seconds", "2", "--users", "2", "--sequential", "2"],
        "share of the floor",
    ),
    "cpu_split": (["--journeys", "3"], "the four requests"),
    "login_overhead": (["--runs", "3"], "/login less the check"),
    "login_overhead (SMTP server away)": (
        ["--runs", "2", "--smtp-rtt-ms", "2"],
        "server does not offer PIPELINING",
    ),
    "verify_rate": (["--verifies", "10", "--clients", "2"], "verify / hello"),
    "scale": (["--small", "10", "--large", "100", "--logins", "2"], "/verify large / small"),
    "memory": (["--requests", "100"], "largest growth after warm-up"),
    "registrations": (
        ["--db", "sqlite", "--total", "30", "--clients", "3", "--emails", "4"],
        "5xx (goal 0)                             0",
    ),
}


@pytest.mark.parametrize("name", RUNS)
def test_the_benchmark_runs(name):
    args, expected = RUNS[name]
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name.split()[0]}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout, done.stdout
