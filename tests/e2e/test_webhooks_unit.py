"""deploy/systemd/mfa-api-webhooks.service: a unit systemd accepts, always restarted, whose
command runs the sender on this checkout's database (only paths replaced)."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from tests.e2e.server import ROOT, init_db, service_env
from tests.e2e.units import UNITS, exec_start, systemd_verify, unit

SERVICE = UNITS / "mfa-api-webhooks.service"


def test_the_sender_runs_always_as_the_service_s_user():
    service = unit(SERVICE)["Service"]
    assert service["Type"] == "simple" and service["Restart"] == "always"
    assert service["User"] == "mfa-api"
    assert service["EnvironmentFile"] == "-/etc/mfa-api/env"
    assert shlex.split(service["ExecStart"])[1:] == ["--app", "wsgi", "webhooks", "run"]
    assert unit(SERVICE)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_systemd_accepts_the_unit(tmp_path):
    done = systemd_verify(tmp_path, SERVICE)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def test_the_service_s_command_sends(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/mfa.sqlite3", MAIL_SERVER="smtp.example.com"
    )
    init_db(env)
    command = [*exec_start(SERVICE), "--once"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Delivered 0, to retry 0, failed 0." in done.stdout
