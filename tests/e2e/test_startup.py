"""Start-up as an operator meets it: an unsafe configuration stops the service with one clear
line, and `flask check-config` lists everything that is wrong."""

import shutil
import subprocess
import sys

from tests.e2e.server import BIN, ROOT, service_env


def start(env, *args, cwd=ROOT) -> subprocess.CompletedProcess:
    """Import the WSGI entry point as gunicorn would (or run a flask command)."""
    command = (
        [str(BIN / "flask"), "--app", "wsgi", *args]
        if args
        else [sys.executable, "-c", "import wsgi"]
    )
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_a_copied_config_example_does_not_start(tmp_path):
    shutil.copy(ROOT / "config.example.py", tmp_path / "config.py")
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.example.com"
    )
    del env["MFA_SECRET_KEY"]
    env["MFA_CONFIG_FILE"] = str(tmp_path / "config.py")
    done = start(env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mfa-api will not start: SECRET_KEY is not set")


def test_the_old_example_secret_key_does_not_start(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="smtp.example.com",
        SECRET_KEY="change-me-to-a-long-random-string",
    )
    done = start(env)
    assert done.returncode == 1 and "SECRET_KEY is the example's" in done.stderr


def test_no_mail_server_in_production_does_not_start(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    done = start(env)
    assert done.returncode == 1 and "MAIL_SERVER is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_config_lists_every_problem_and_fails(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", SECRET_KEY="short")
    del env["MFA_ENCRYPTION_KEYS"]
    done = start(env, "check-config")
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3  # the short key, no mail server, no encryption key
    assert any(
        "rate limits are counted in each worker" in line for line in done.stdout.splitlines()
    )


def test_check_config_with_warnings_only_succeeds(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    done = start(env, "check-config")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("warning: rate limits are counted in each worker's memory")
