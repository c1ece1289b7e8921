"""deploy/systemd/mfa-api-sweep.{service,timer}: units systemd accepts, and the service's command
sweeps this checkout's database (only paths replaced)."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess

import pytest

from tests.e2e.server import BIN, ROOT, init_db, service_env
from tests.e2e.web_servers import DEPLOY, rewritten

UNITS = DEPLOY / "systemd"
SERVICE = UNITS / "mfa-api-sweep.service"
TIMER = UNITS / "mfa-api-sweep.timer"


def parsed(text: str) -> configparser.ConfigParser:
    """A unit's sections (systemd's syntax is close enough to INI for these two)."""
    sections = configparser.ConfigParser(strict=False, interpolation=None)
    sections.optionxform = str
    sections.read_string(text)
    return sections


def unit(path) -> configparser.ConfigParser:
    """A unit file's sections, as shipped."""
    return parsed(path.read_text())


def local(path) -> str:
    """The unit with this checkout and its virtualenv for /srv/mfa-api."""
    moved = {"/srv/mfa-api/.venv/bin/": f"{BIN}/"} if path == SERVICE else {}
    return rewritten(path, {**moved, "/srv/mfa-api": str(ROOT)})


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
    for path in (SERVICE, TIMER):
        (tmp_path / path.name).write_text(local(path))
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            *(str(tmp_path / p.name) for p in (SERVICE, TIMER)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def test_the_service_s_command_sweeps_the_database(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/mfa.sqlite3", MAIL_SERVER="smtp.example.com"
    )
    init_db(env)
    command = shlex.split(parsed(local(SERVICE))["Service"]["ExecStart"])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "audit events past the retention: 0 removed" in done.stdout
