"""Libraries for optional parts load only when those parts are used, so that each worker of a
service without them does not pay their memory (redis-py ~6 MB, py_webauthn ~5 MB)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from mfa_api import create_app
app = create_app({config})
loaded = [name for name in ("redis", "webauthn", "OpenSSL", "cbor2") if name in sys.modules]
print(json.dumps(loaded))
"""


def loaded_after_start(tmp_path, **settings) -> list[str]:
    config = {
        "SECRET_KEY": "k" * 24 + "-Lazy-Imports-Probe-42",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "ALLOW_PLAINTEXT_SECRETS": True,
        **settings,
    }
    probe = PROBE.format(config=repr(config))
    env = {key: value for key, value in os.environ.items() if not key.startswith("MFA_")}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_redis_or_a_passkey_neither_library_is_loaded(tmp_path):
    assert loaded_after_start(tmp_path) == []


def test_with_redis_configured_redis_py_is_loaded(tmp_path):
    assert loaded_after_start(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0") == ["redis"]
