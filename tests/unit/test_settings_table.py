"""The settings table is the one description of every setting: config.example.py, the settings
tables of docs/api.md and the defaults are made from it, and drift from it fails here."""

import re
from pathlib import Path

from mfa_api import create_app
from mfa_api.config import DEFAULTS, STRING_KEYS
from mfa_api.settings_docs import docs_with_tables, example_file
from mfa_api.settings_table import BY_NAME, LIBRARY, SETTINGS
from mfa_api.state import state_of

ROOT = Path(__file__).resolve().parents[2]
REMAKE = "remake it with `make settings-docs` (python -m mfa_api.settings_docs)"


def test_config_example_py_is_made_from_the_table():
    assert (ROOT / "config.example.py").read_text() == example_file(), REMAKE


def test_the_settings_tables_of_docs_api_md_are_made_from_the_table():
    api = (ROOT / "docs" / "api.md").read_text()
    assert api == docs_with_tables(api), REMAKE


def test_each_setting_is_described_once():
    assert len(BY_NAME) == len(SETTINGS)
    assert {s.name: s.default for s in SETTINGS if s.default is not LIBRARY} == DEFAULTS


def test_the_docs_name_every_setting_read_as_a_plain_string():
    api = (ROOT / "docs" / "api.md").read_text()
    listed = re.search(r"stay strings as given \((.*?): a JSON list", api, re.DOTALL)
    assert set(re.findall(r"`([A-Z_]+)`", listed.group(1))) == set(STRING_KEYS)


def test_a_setting_read_as_given_defaults_to_text_or_nothing():
    defaults = [BY_NAME[key].default for key in STRING_KEYS]
    assert all(isinstance(value, str) or value in (None, LIBRARY) for value in defaults)


def app_with(tmp_path, **settings):
    """An app of the tests' kind (development rules) on its own SQLite file."""
    database = f"sqlite:///{tmp_path}/db.sqlite3"
    return create_app({"TESTING": True, "DATABASE_URL": database, **settings})


def test_the_typed_settings_have_each_kinds_type(tmp_path):
    app = app_with(tmp_path, HSTS_SECONDS="600", REDIS_TIMEOUT_SECONDS=2, METRICS_ENABLED="yes")
    typed = state_of(app).values
    assert typed.hsts_seconds == 600 and type(typed.hsts_seconds) is int  # from digits
    assert typed.redis_timeout_seconds == 2.0 and type(typed.redis_timeout_seconds) is float
    assert typed.metrics_enabled is True and typed.docs_enabled is None
    assert typed.ratelimit_login == "10 per 5 minutes"
    assert [s.name.lower() for s in SETTINGS] == list(typed.__dataclass_fields__)


def test_services_reach_every_setting_of_the_table_with_no_field_added(tmp_path):
    made = state_of(app_with(tmp_path, HSTS_SECONDS="600"))
    assert made.settings.values is made.values  # ctx.settings.values.<name>: one table entry
    assert made.settings.values.hsts_seconds == 600


def test_request_code_reads_the_typed_settings_not_the_flask_config():
    modules = ["api/limits.py", "api/legacy.py", "headers.py", "cors.py", "observe.py"]
    modules += ["errors.py", "db.py", "store/ephemeral.py", "pages/__init__.py"]
    reading = [m for m in modules if "current_app.config" in (ROOT / "mfa_api" / m).read_text()]
    assert reading == []


def test_settings_from_changes_nothing_beyond_what_it_returns(monkeypatch, tmp_path):
    from mfa_api import config

    touched = []
    monkeypatch.setattr(config, "allow_concurrent_hashes", lambda *a: touched.append(a))
    monkeypatch.setattr(config.argon2id, "keep_blocks", lambda *a: touched.append(a))
    app = app_with(tmp_path)
    assert len(touched) == 2  # once, by create_app
    config.settings_from(state_of(app).values)
    assert len(touched) == 2
