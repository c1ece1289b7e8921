"""The settings table is the one description of every setting: config.example.py, the settings
tables of docs/api.md and the defaults are made from it, and drift from it fails here."""

import re
from pathlib import Path

from mfa_api.config import DEFAULTS, STRING_KEYS
from mfa_api.settings_docs import docs_with_tables, example_file
from mfa_api.settings_table import BY_NAME, LIBRARY, SETTINGS

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
