"""deploy/logrotate/mfa-api and deploy/tmpfiles/mfa-api.conf applied for real by logrotate and
systemd-tmpfiles, in a temporary directory standing for / (only paths and the user replaced)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess

import pytest

from tests.e2e.web_servers import DEPLOY, rewritten


@pytest.mark.skipif(not shutil.which("logrotate"), reason="logrotate is not installed")
def test_logrotate_keeps_the_open_log_file_and_a_compressed_history(tmp_path):
    logs = tmp_path / "var-log-mfa-api"
    logs.mkdir(mode=0o750)
    me = pwd.getpwuid(os.geteuid()).pw_name
    conf = tmp_path / "mfa-api"
    conf.write_text(
        rewritten(
            DEPLOY / "logrotate" / "mfa-api",
            {"/var/log/mfa-api/*.log": f"{logs}/*.log", "su mfa-api mfa-api": f"su {me} {me}"},
        )
    )
    conf.chmod(0o644)
    log = logs / "mfa-api.log"
    state = tmp_path / "state"
    with log.open("a") as open_log:  # as a redirected stderr holds it
        for day in ("first", "second", "third"):
            open_log.write(f"{day} day's request log\n")
            open_log.flush()
            done = subprocess.run(
                ["logrotate", "--force", "--state", str(state), str(conf)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
        open_log.write("still written after the rotations\n")
    assert log.read_text().lstrip("\0") == "still written after the rotations\n"
    assert (logs / "mfa-api.log.1").read_text() == "third day's request log\n"  # delaycompress
    assert (logs / "mfa-api.log.2.gz").exists()


@pytest.mark.skipif(
    not shutil.which("systemd-tmpfiles") or os.geteuid() != 0,
    reason="systemd-tmpfiles is missing, or not root (it gives the directories to mfa-api)",
)
def test_tmpfiles_makes_the_log_and_metrics_directories_for_the_service_user(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("mfa-api:x:990:990::/srv/mfa-api:/usr/sbin/nologin\n")
    (root / "etc" / "group").write_text("mfa-api:x:990:\n")
    conf = DEPLOY / "tmpfiles" / "mfa-api.conf"
    done = subprocess.run(
        ["systemd-tmpfiles", "--create", f"--root={root}", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for path in ("var/log/mfa-api", "run/mfa-api-metrics"):
        made = (root / path).stat()
        assert (made.st_uid, made.st_gid, made.st_mode & 0o777) == (990, 990, 0o750), path
