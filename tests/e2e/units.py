"""deploy/systemd's units as the tests read them: their sections, a copy for this checkout (only
paths replaced), systemd's own verdict on it, and the command its service runs."""

from __future__ import annotations

import configparser
import shlex
import subprocess
from pathlib import Path

from tests.e2e.server import BIN, ROOT
from tests.e2e.web_servers import DEPLOY, rewritten

UNITS = DEPLOY / "systemd"
VENV_BIN = "/srv/mfa-api/.venv/bin/"


def parsed(text: str) -> configparser.ConfigParser:
    """A unit's sections (systemd's syntax is close enough to INI for these units)."""
    sections = configparser.ConfigParser(strict=False, interpolation=None)
    sections.optionxform = str
    sections.read_string(text)
    return sections


def unit(path: Path) -> configparser.ConfigParser:
    """A unit file's sections, as shipped."""
    return parsed(path.read_text())


def local(path: Path) -> str:
    """The unit with this checkout and its virtualenv for /srv/mfa-api."""
    moved = {VENV_BIN: f"{BIN}/"} if VENV_BIN in path.read_text() else {}
    return rewritten(path, {**moved, "/srv/mfa-api": str(ROOT)})


def systemd_verify(directory: Path, *paths: Path) -> subprocess.CompletedProcess:
    """`systemd-analyze verify` of the units' copies for this checkout, written in directory."""
    for path in paths:
        (directory / path.name).write_text(local(path))
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(directory / p.name) for p in paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def exec_start(path: Path) -> list[str]:
    """The command the service runs, for this checkout."""
    return shlex.split(parsed(local(path))["Service"]["ExecStart"])
