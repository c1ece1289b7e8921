"""deploy/systemd/mfa-api-sweep.{service,timer}: units systemd accepts, and the service's command
sweeps this checkout's database (only paths replaced)."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from tests.e2e.server import ROOT, init_db, service_env
from tests.e2e.units import UNITS, exec_start, systemd_verify, unit

SERVICE = UNITS / "mfa-api-sweep.service"
TIMER = UNITS / "mfa-api-sweep.timer"


def test_the_timer_starts_the_sweep_every_few_minutes_at_a_random_moment():
    timer, service = unit(TIMER), unit(SERVICE)
    assert timer["Timer"]["OnUnitActiveSec"] == "10min"
    assert "RandomizedDelaySec" in timer["Timer"]
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["User"] == "mfa-api"
    assert service["Service"]["EnvironmentFile"] == "-/etc/mfa-api/env"
    assert shlex.split(service["Service"]["ExecStart"])[1:] == ["--app", "wsgi", "sweep"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_systemd_accepts_both_units(tmp_path):
    done = systemd_verify(tmp_path, SERVICE, TIMER)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def test_the_service_s_command_sweeps_the_database(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/mfa.sqlite3", MAIL_SERVER="smtp.example.com"
    )
    init_db(env)
    command = exec_start(SERVICE)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "audit events past the retention: 0 removed" in done.stdout
