"""What a worker carries: libraries for optional parts load only when those parts are used
(redis-py ~6 MB, py_webauthn ~5 MB), and what loading made is frozen out of the garbage
collector's sight. Each probe starts a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADED = """
import json, sys
from mfa_api import create_app
app = create_app({config})
loaded = [name for name in ("redis", "webauthn", "OpenSSL", "cbor2") if name in sys.modules]
print(json.dumps(loaded))
"""
FROZEN = """
import gc, json, os
from mfa_api import create_app_or_exit
os.environ.update({{f"MFA_{{key}}": str(value) for key, value in {config}.items()}})
before = gc.get_freeze_count()
app = create_app_or_exit()
print(json.dumps([before, gc.get_freeze_count()]))
"""


def probe(tmp_path, script: str, **settings):
    config = {
        "SECRET_KEY": "Wq3hV9rXe2LbN7tYc5KpZ1mFs8GdJ4uA6oRiT0yBwQx",  # a generated key's shape
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "ALLOW_PLAINTEXT_SECRETS": True,
        **settings,
    }
    code = script.format(config=repr(config))
    env = {key: value for key, value in os.environ.items() if not key.startswith("MFA_")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_redis_or_a_passkey_neither_library_is_loaded(tmp_path):
    assert probe(tmp_path, LOADED) == []


def test_with_redis_configured_redis_py_is_loaded(tmp_path):
    assert probe(tmp_path, LOADED, REDIS_URL="redis://127.0.0.1:6379/0") == ["redis"]


def test_the_app_a_wsgi_server_loads_is_frozen_out_of_the_collectors_sight(tmp_path):
    before, after = probe(tmp_path, FROZEN)
    assert before == 0 and after > 10_000
