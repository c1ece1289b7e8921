"""The benchmarks still run (a smoke run: their figures come from `make bench`, not from here)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_legacy_face_benchmark_runs():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.legacy_face",
            "--db",
            "sqlite",
            "--runs",
            "1",
            "--hash",
            "bcrypt",
            "--rounds",
            "4",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "wrong password, time / unknown email's" in done.stdout
