"""A release as a host meets it: `python -m build` makes the sdist and the wheel without leaving
build/ in the checkout, and the wheel, installed into a fresh virtualenv outside the checkout
(its pinned dependencies from the package index), passes `check-config` with a production
configuration read from an env file, and answers through gunicorn."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_api import __version__
from tests.e2e.deps import wait_for_port
from tests.e2e.server import ENCRYPTION_KEYS, ROOT, SECRET_KEY, HttpClient
from tests.smtp import free_port


def run(command: list, **options) -> subprocess.CompletedProcess:
    """Run command; its output, or a failure that shows it."""
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from the checkout as docs/operations.md, "Releasing" says
    (the egg-info setuptools leaves is removed when it was not there before)."""
    out = tmp_path_factory.mktemp("dist")
    egg_info = ROOT / "mfa_api.egg-info"
    had = {path: path.exists() for path in (ROOT / "build", egg_info)}
    try:
        run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], timeout=600)
        assert had[ROOT / "build"] or not (ROOT / "build").exists()  # the wheel came from the sdist
    finally:
        if not had[egg_info]:
            shutil.rmtree(egg_info, ignore_errors=True)
    return out


def test_build_makes_the_sdist_and_the_wheel_of_this_version(dist):
    names = sorted(path.name for path in dist.iterdir())
    assert names == [f"mfa_api-{__version__}-py3-none-any.whl", f"mfa_api-{__version__}.tar.gz"]


def test_the_wheel_installed_outside_the_checkout_checks_and_serves(dist, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    wheel = next(dist.glob("*.whl"))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "--disable-pip-version-check", str(wheel)], timeout=600)

    host = tmp_path / "srv"  # the working directory: no checkout, no config.py
    host.mkdir()
    settings = {
        "MFA_SECRET_KEY": SECRET_KEY,
        "MFA_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
        "MFA_MAIL_SERVER": "127.0.0.1",
        "MFA_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env_file = tmp_path / "env"  # /etc/mfa-api/env
    env_file.write_text("".join(f"{key}='{value}'\n" for key, value in settings.items()))
    bare = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MFA_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    flask = [str(venv / "bin" / "flask"), "--env-file", str(env_file), "--app", "mfa_api.wsgi"]
    done = run([*flask, "init-db"], cwd=host, env=bare, timeout=120)
    assert "Applied: 001_mfa_php" in done.stdout
    run([*flask, "check-config"], cwd=host, env=bare, timeout=120)

    port = free_port()
    gunicorn = [str(venv / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*gunicorn, "mfa_api.wsgi:application"],
        cwd=host,
        env=bare | settings,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30)
        app = HttpClient(f"http://127.0.0.1:{port}")
        status, body = app.call("GET", "/readyz")
        assert status == 200, body
        assert app.call("GET", "/healthz")[1]["version"] == __version__
    finally:
        server.terminate()
        server.wait(timeout=30)
